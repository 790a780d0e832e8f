package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/coventry/workshops/internal/testenv"
)

func TestBadConfigurationNamesTheVariable(t *testing.T) {
	cases := map[string]string{
		"HOLD_TTL":            "ten minutes",
		"DATABASE_URL":        "mysql://localhost/x",
		"REDIS_URL":           "memcached://localhost",
		"BASE_URL":            "localhost:8080",
		"SMTP_URL":            "http://mail.example.org",
		"MAIL_FROM":           "not an address",
		"STAFF_EMAIL_DOMAINS": "coventry.gov.uk, @bad",
		"RATE_LIMITS":         "sometimes",
		"REMINDER_BEFORE":     "1s",
		"DB_MAX_CONNS":        "lots",
		"RETENTION_DAYS":      "ninety",
		"LOG_FORMAT":          "xml",
		"TRUSTED_PROXIES":     "10.0.0.0/33",
		"OFFER_TTL":           "1m",
		"ADMIN_TOKEN":         "x",
		"METRICS_TOKEN":       "0123456789abcdef0123456789abcde", // 31
		"METRICS_ADDR":        "9090",
		"INVITE_UID_DOMAIN":   "workshops@coventry.gov.uk",
		"INBOUND_IMAP_URL":    "pop3://council:hunter2@mail.example.org/INBOX",
		// Without the MSGRAPH_ settings it has no credentials.
		"INBOUND_GRAPH_MAILBOX": "consultation@coventry.gov.uk",
		"INBOUND_POLL_INTERVAL": "0s",
		"COUNCIL_PHONE":         "+1 202 555 0100",
	}
	for name, value := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := LoadConfig(func(k string) string {
				if k == name {
					return value
				}
				return ""
			})
			if err == nil {
				t.Fatalf("%s=%q accepted", name, value)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, name+": ") || strings.Contains(msg, "\n") {
				t.Fatalf("error %q does not start with %s on one line", msg, name)
			}
			if strings.Contains(msg, "hunter2") {
				t.Fatalf("error %q shows the password", msg)
			}
		})
	}
}

// A setting that needs others names the first one missing.
func TestPartialGraphSettingsNameTheMissingOne(t *testing.T) {
	_, err := LoadConfig(func(k string) string {
		if k == "MSGRAPH_TENANT_ID" {
			return "tenant"
		}
		return ""
	})
	if err == nil || !strings.HasPrefix(err.Error(), "MSGRAPH_CLIENT_ID: ") {
		t.Fatalf("err = %v", err)
	}
}

// The one line at start never shows a password from REDIS_URL.
func TestRedisURLErrorKeepsThePasswordOut(t *testing.T) {
	for _, u := range []string{"redis://user:s3cret@host:6379/x", "redis://user:s3cret@host:port/0",
		"redis+cluster://user:s3cret@h1:1,h2:notaport"} {
		_, err := LoadConfig(func(k string) string {
			if k == "REDIS_URL" {
				return u
			}
			return ""
		})
		if err == nil || !strings.HasPrefix(err.Error(), "REDIS_URL: ") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: err = %v", u, err)
		}
	}
}

func TestAdminTokenOf32CharactersStarts(t *testing.T) {
	token := strings.Repeat("a", minSecret)
	c, err := LoadConfig(func(k string) string {
		if k == "ADMIN_TOKEN" {
			return token
		}
		return ""
	})
	if err != nil || c.AdminToken != token {
		t.Fatalf("a %d-character token: %v", minSecret, err)
	}
}

// README.md's configuration table lists every variable the service reads,
// with its default.
func TestReadmeListsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(readme), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(line, " | ")
		for _, k := range strings.Split(cells[0], ",") {
			rows[strings.Trim(k, "|` ")] = line
		}
	}
	params, err := env.GetFieldParams(&Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range params {
		row, ok := rows[p.Key]
		if !ok {
			t.Errorf("README.md has no row for %s", p.Key)
			continue
		}
		if p.DefaultValue != "" && !strings.Contains(row, "`"+p.DefaultValue+"`") {
			t.Errorf("README.md's row for %s does not give its default `%s`", p.Key, p.DefaultValue)
		}
	}
}

func TestDefaultsMatchTheContract(t *testing.T) {
	c, err := LoadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":8080" || c.BaseURL != "http://localhost:8080" || c.HoldTTL != 10*time.Minute ||
		c.MailDir != ".dev/mail" || !c.RateLimits || c.AdminToken != "" ||
		c.DatabaseURL != "postgres://localhost:5432/workshops?sslmode=disable" || c.RedisURL != "redis://localhost:6379/0" {
		t.Fatalf("defaults: %+v", c)
	}
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// database is a fresh database of its own for the test, dropped after it.
func database(t *testing.T, name string) string {
	t.Helper()
	dbURL, drop, err := testenv.Database(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return dbURL
}

// freeAddr is a loopback address nothing listens on for the moment.
func freeAddr(t *testing.T) string {
	t.Helper()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(testenv.FreePort(t)))
}

// The whole service starts on an empty database, seeds, serves, and stops
// within 10 s of being told to, with requests in flight finishing.
func TestServeSeedsAndShutsDownInTime(t *testing.T) {
	ctx := context.Background()
	dbURL := database(t, "cmd")
	_, redisURL := testenv.Redis(t, 4)
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	env := map[string]string{
		"DATABASE_URL": dbURL, "REDIS_URL": redisURL, "HTTP_ADDR": addr, "METRICS_ADDR": metricsAddr,
		"BASE_URL": "http://" + addr, "MAIL_DIR": t.TempDir(), "LOG_FORMAT": "json",
	}
	getenv := func(k string) string { return env[k] }
	var logs syncBuffer
	for range 2 { // seed-demo is safe to run twice
		if err := run(ctx, []string{"seed-demo"}, getenv, &logs); err != nil {
			t.Fatalf("seed-demo: %v", err)
		}
	}

	serveCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(serveCtx, []string{"serve"}, getenv, &logs) }()
	base := "http://" + addr
	var body string
	for i := 0; i < 100; i++ {
		resp, err := http.Get(base + "/api/v1/workshops")
		if err == nil {
			var b bytes.Buffer
			_, _ = b.ReadFrom(resp.Body)
			resp.Body.Close()
			body = b.String()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(body, "One Coventry Plan: have your say") {
		t.Fatalf("listing after seed: %q", body)
	}
	if strings.Count(body, `"title":"One Coventry Plan: have your say"`) != 1 {
		t.Fatalf("seeding twice duplicated workshops: %s", body)
	}
	if strings.Contains(body, "workforce") {
		t.Fatalf("a workforce workshop is listed publicly: %s", body)
	}
	// METRICS_ADDR: the metrics, the hold store's among them, are there and
	// not on the public listener.
	if resp, err := http.Get(base + "/metrics"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/metrics on the public listener: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	var metrics bytes.Buffer
	_, _ = metrics.ReadFrom(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"workshops_holds_stateless_total 0", "workshops_holds_redis_failures_total",
		"workshops_holds_mirror_reloads_total", "workshops_outbox_"} {
		if !strings.Contains(metrics.String(), want) {
			t.Errorf("METRICS_ADDR /metrics lacks %q", want)
		}
	}

	stopped := time.Now()
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop within 10 s")
	}
	if d := time.Since(stopped); d > 10*time.Second {
		t.Fatalf("shutdown took %s", d)
	}
	if !strings.Contains(logs.String(), `"request_id"`) {
		t.Fatalf("request log lines carry no request id: %s", logs.String())
	}
}

// With Redis down, the log stays JSON (go-redis's own messages included),
// and the hold store's warning carries the id of the request that met the
// outage first, so a line below the web layer ties to its request.
func TestLogStaysJSONWithRedisDownAndCarriesRequestIDs(t *testing.T) {
	ctx := context.Background()
	dbURL, addr := database(t, "cmdlog"), freeAddr(t)
	env := map[string]string{
		"DATABASE_URL": dbURL, "REDIS_URL": "redis://127.0.0.1:1/0", "HTTP_ADDR": addr,
		"BASE_URL": "http://" + addr, "MAIL_DIR": t.TempDir(), "LOG_FORMAT": "json",
	}
	getenv := func(k string) string { return env[k] }
	var logs syncBuffer
	if err := run(ctx, []string{"seed-demo"}, getenv, &logs); err != nil {
		t.Fatalf("seed-demo: %v", err)
	}
	serveCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(serveCtx, []string{"serve"}, getenv, &logs) }()
	defer func() { stop(); <-done }()
	base := "http://" + addr
	var listing struct {
		Workshops []struct {
			Sessions []struct{ ID int64 }
		}
	}
	for i := 0; ; i++ {
		resp, err := http.Get(base + "/api/v1/workshops")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&listing)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("the listing is not JSON: %v", err)
			}
			break
		}
		if i == 100 {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(listing.Workshops) == 0 || len(listing.Workshops[0].Sessions) == 0 {
		t.Fatal("no seeded session")
	}
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/sessions/%d/holds", base, listing.Workshops[0].Sessions[0].ID),
		strings.NewReader(`{"mode":"in_person"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-ID", "hold-with-redis-down")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("hold with Redis down: %d", resp.StatusCode)
	}
	stop()
	<-done
	done <- nil

	requests, holdLines := map[any]bool{}, []any{}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("a log line is not JSON: %q", line)
			continue
		}
		msg, _ := m["msg"].(string)
		if msg == "request" {
			requests[m["request_id"]] = true
		}
		if strings.HasPrefix(msg, "holds: Redis unavailable") && m["request_id"] != nil {
			holdLines = append(holdLines, m["request_id"])
		}
	}
	tied := false
	for _, id := range holdLines {
		tied = tied || requests[id]
	}
	if !tied {
		t.Errorf("no hold store line carries the request's id:\n%s", logs.String())
	}
}

// The organiser mailbox is read one way: IMAP or Graph, not both.
func TestOneWayToReadReplies(t *testing.T) {
	env := map[string]string{
		"MSGRAPH_TENANT_ID": "tenant", "MSGRAPH_CLIENT_ID": "client", "MSGRAPH_CLIENT_SECRET": "secret",
		"MSGRAPH_ORGANIZER_ID": "organiser", "INBOUND_GRAPH_MAILBOX": "consultation@coventry.gov.uk",
	}
	cfg, err := LoadConfig(func(k string) string { return env[k] })
	if err != nil || cfg.InboundGraphMailbox == "" {
		t.Fatalf("Graph mailbox with the MSGRAPH_ settings: %v", err)
	}
	env["INBOUND_IMAP_URL"] = "imaps://council:secret@mail.example.org/INBOX"
	if _, err := LoadConfig(func(k string) string { return env[k] }); err == nil ||
		!strings.HasPrefix(err.Error(), "INBOUND_GRAPH_MAILBOX: ") {
		t.Fatalf("both set: err = %v", err)
	}
}
