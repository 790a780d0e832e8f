// Package reqlog ties log lines to the request they are about. The web layer
// puts the request id into the request's context; Handler adds it to every
// line logged with that context (slog's ...Context methods), whichever
// package logs it.
package reqlog

import (
	"context"
	"log/slog"
)

type key struct{}

// WithID returns ctx carrying the request id.
func WithID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// ID is the request id in ctx, or "".
func ID(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}

// Handler adds request_id to each record logged with a context that carries
// one, unless the line names it already.
type Handler struct{ slog.Handler }

// NewHandler wraps h.
func NewHandler(h slog.Handler) *Handler { return &Handler{h} }

func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if id := ID(ctx); id != "" && !has(r, "request_id") {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler { return &Handler{h.Handler.WithAttrs(as)} }
func (h *Handler) WithGroup(name string) slog.Handler    { return &Handler{h.Handler.WithGroup(name)} }

func has(r slog.Record, name string) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == name
		return !found
	})
	return found
}
