package web_test

import (
	"net/http"
	"testing"
)

// While Redis is down a hold is a signed token Redis cannot vouch for;
// Postgres remembers its use, so one hold still books one place.
func TestStatelessHoldBooksOnce(t *testing.T) {
	e := newEnv(t)
	in := e.start(unreachableRedis(t))
	sessionID := in.session(in.workshop("public"), 5, 0)
	base := "/api/v1/sessions/" + itoa(sessionID)
	first := person(1)
	first["mode"] = "in_person"
	if r := in.do("POST", base+"/bookings", first); r.status != http.StatusCreated {
		t.Fatalf("book: %d %s", r.status, r.body)
	}
	h := in.do("POST", base+"/holds", map[string]any{"mode": "in_person"})
	if h.status != http.StatusCreated {
		t.Fatalf("hold: %d %s", h.status, h.body)
	}
	use := "/api/v1/holds/" + h.json(t)["hold_id"].(string) + "/booking"
	// A mistake the person can correct gives the hold back...
	if r := in.do("POST", use, person(1)); r.status != http.StatusConflict || r.errorCode() != "duplicate" {
		t.Fatalf("duplicate email: %d %s", r.status, r.body)
	}
	if r := in.do("POST", use, person(2)); r.status != http.StatusCreated {
		t.Fatalf("the hold after correcting the email: %d %s", r.status, r.body)
	}
	// ...but once used, it books nothing more.
	if r := in.do("POST", use, person(3)); r.status != http.StatusGone || r.errorCode() != "hold_expired" {
		t.Fatalf("the same hold again: %d %s, want 410 hold_expired", r.status, r.body)
	}
	if live, _ := e.counts(sessionID); live["in_person"] != 2 {
		t.Fatalf("live bookings %v, want 2", live)
	}
}
