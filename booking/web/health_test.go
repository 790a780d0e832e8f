package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coventry/workshops/booking/web"
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
	r := in.do("GET", "/metrics", nil, "Authorization", "Bearer "+metricsToken)
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

// /metrics is not open to whoever reaches the public listener: without a
// token configured it is not there, and with one only its bearers read it.
func TestMetricsRefusedWithoutTheToken(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	for _, auth := range []string{"", "Bearer wrong-token-0123456789abcdef0123456789", "Bearer " + adminToken, metricsToken} {
		r := in.do("GET", "/metrics", nil, "Authorization", auth)
		if r.status != http.StatusUnauthorized || r.errorCode() != "unauthorized" || strings.Contains(string(r.body), "workshops_") {
			t.Errorf("Authorization %q: %d %s, want 401 unauthorized", auth, r.status, r.body)
		}
	}
	if r := in.do("GET", "/metrics", nil, "Authorization", "Bearer "+metricsToken); r.status != http.StatusOK ||
		!strings.Contains(string(r.body), "workshops_http_request_duration_seconds") {
		t.Fatalf("with the token: %d", r.status)
	}

	// No METRICS_TOKEN (METRICS_ADDR serves them elsewhere): nothing here,
	// token or not; MetricsHandler serves them on the other listener.
	srv := web.New(web.Config{BaseURL: "http://test.example"}, web.Deps{Service: in.svc, Postgres: in.db, Redis: pinger{in.rdb}})
	h := srv.Handler()
	for _, auth := range []string{"", "Bearer " + metricsToken} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), "workshops_") {
			t.Errorf("no metrics token, Authorization %q: %d %s, want 404", auth, w.Code, w.Body)
		}
	}
	w := httptest.NewRecorder()
	srv.MetricsHandler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "go_goroutines") {
		t.Fatalf("MetricsHandler: %d", w.Code)
	}
}

// Strict-Transport-Security goes out when BASE_URL is https, and only then.
func TestHSTSWhenBaseURLIsHTTPS(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	for base, want := range map[string]string{"https://workshops.coventry.gov.uk": "max-age=31536000", "http://localhost:8080": ""} {
		h := web.New(web.Config{BaseURL: base}, web.Deps{Service: in.svc, Postgres: in.db, Redis: pinger{in.rdb}}).Handler()
		for _, path := range []string{"/", "/healthz", "/api/v1/workshops"} {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
			if got := w.Header().Get("Strict-Transport-Security"); got != want {
				t.Errorf("BASE_URL %s, %s: Strict-Transport-Security %q, want %q", base, path, got, want)
			}
		}
	}
}

// COUNCIL_NAME names the council on the pages, not the built-in default.
func TestCouncilNameOnPages(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	h := web.New(web.Config{BaseURL: "http://test.example", CouncilName: "Warwick District Council"},
		web.Deps{Service: in.svc, Postgres: in.db, Redis: pinger{in.rdb}}).Handler()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Warwick District Council") ||
		strings.Contains(w.Body.String(), "Coventry City Council") {
		t.Fatalf("start page with COUNCIL_NAME: %d, council named as configured: %v", w.Code,
			strings.Contains(w.Body.String(), "Warwick District Council"))
	}
}
