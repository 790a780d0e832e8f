package reqlog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/coventry/workshops/internal/reqlog"
)

func TestLinesCarryTheRequestID(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(reqlog.NewHandler(slog.NewJSONHandler(&buf, nil))).With("component", "holds")
	ctx := reqlog.WithID(context.Background(), "abc123")

	log.WarnContext(ctx, "below the web layer")
	log.InfoContext(ctx, "named already", "request_id", "abc123")
	log.Info("no context")
	log.WithGroup("g").ErrorContext(ctx, "grouped", "k", 1)

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines: %s", len(lines), buf.String())
	}
	for i, want := range []int{1, 1, 0, 1} {
		if got := strings.Count(lines[i], `"request_id":"abc123"`); got != want {
			t.Errorf("line %d has request_id %d times, want %d: %s", i, got, want, lines[i])
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &m); err != nil || m["component"] != "holds" {
			t.Errorf("line %d lost its attributes: %s", i, lines[i])
		}
	}
}
