package web_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestReadiness(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	if r := in.do("GET", "/readyz", nil); r.status != http.StatusOK || r.json(t)["redis"] != "ok" || r.json(t)["postgres"] != "ok" {
		t.Fatalf("all up: %d %s", r.status, r.body)
	}
	// Redis down still serves bookings, so the instance stays ready.
	down := e.start(unreachableRedis(t))
	if r := down.do("GET", "/readyz", nil); r.status != http.StatusOK || r.json(t)["redis"] != "down" {
		t.Fatalf("redis down: %d %s, want 200 with redis down", r.status, r.body)
	}
	// Postgres down is not ready.
	in.db.Close()
	if r := in.do("GET", "/readyz", nil); r.status != http.StatusServiceUnavailable || r.json(t)["postgres"] != "down" {
		t.Fatalf("postgres down: %d %s, want 503", r.status, r.body)
	}
	if r := in.do("GET", "/healthz", nil); r.status != http.StatusOK {
		t.Fatalf("healthz while postgres is down: %d", r.status)
	}
}

func TestMetricsCountHoldsBookingsAndRefusals(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sessionID := in.session(in.workshop("public"), 1, 0)
	p := person(1)
	p["mode"] = "in_person"
	if r := in.do("POST", "/api/v1/sessions/"+itoa(sessionID)+"/bookings", p); r.status != http.StatusCreated {
		t.Fatalf("book: %d %s", r.status, r.body)
	}
	in.do("POST", "/api/v1/sessions/"+itoa(sessionID)+"/holds", map[string]any{"mode": "in_person"})
	r := in.do("GET", "/metrics", nil)
	body := string(r.body)
	for _, want := range []string{
		`workshops_bookings_total{event="booked"} 1`,
		`workshops_refusals_total{reason="full"} 1`,
		`workshops_http_request_duration_seconds_count{route="book"} 1`,
		`workshops_http_request_duration_seconds_count{route="hold"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
