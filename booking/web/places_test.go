package web_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestExpiredHoldGivesItsPlaceBack(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sessionID := in.session(in.workshop("public"), 1, 0)
	holds := "/api/v1/sessions/" + itoa(sessionID) + "/holds"

	first := in.do("POST", holds, map[string]any{"mode": "in_person"})
	if first.status != http.StatusCreated {
		t.Fatalf("first hold: %d %s", first.status, first.body)
	}
	if r := in.do("POST", holds, map[string]any{"mode": "in_person"}); r.status != http.StatusConflict || r.errorCode() != "full" {
		t.Fatalf("second hold while the first is live: %d %s, want 409 full", r.status, r.body)
	}
	e.clock.Advance(10*time.Minute + time.Second)
	second := in.do("POST", holds, map[string]any{"mode": "in_person"})
	if second.status != http.StatusCreated {
		t.Fatalf("hold after the first expired: %d %s, want 201", second.status, second.body)
	}
	r := in.do("POST", "/api/v1/holds/"+first.json(t)["hold_id"].(string)+"/booking", person(1))
	if r.status != http.StatusGone || r.errorCode() != "hold_expired" {
		t.Fatalf("booking with the expired hold: %d %s, want 410 hold_expired", r.status, r.body)
	}
	r = in.do("POST", "/api/v1/holds/"+second.json(t)["hold_id"].(string)+"/booking", person(2))
	if r.status != http.StatusCreated {
		t.Fatalf("booking with the live hold: %d %s", r.status, r.body)
	}
}

func TestReleasedHoldGivesItsPlaceBack(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sessionID := in.session(in.workshop("public"), 1, 0)
	holds := "/api/v1/sessions/" + itoa(sessionID) + "/holds"
	h := in.do("POST", holds, map[string]any{"mode": "in_person"})
	if r := in.do("DELETE", "/api/v1/holds/"+h.json(t)["hold_id"].(string), nil); r.status != http.StatusNoContent {
		t.Fatalf("release: %d %s", r.status, r.body)
	}
	if r := in.do("POST", holds, map[string]any{"mode": "in_person"}); r.status != http.StatusCreated {
		t.Fatalf("hold after release: %d %s, want 201", r.status, r.body)
	}
}

func TestCancelledBookingGivesItsPlaceBack(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sessionID := in.session(in.workshop("public"), 1, 0)
	base := "/api/v1/sessions/" + itoa(sessionID)
	p := person(1)
	p["mode"] = "in_person"
	r := in.do("POST", base+"/bookings", p)
	if r.status != http.StatusCreated {
		t.Fatalf("book: %d %s", r.status, r.body)
	}
	manage, err := url.Parse(r.json(t)["manage_url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	ref, token := r.json(t)["reference"].(string), manage.Query().Get("token")
	if manage.Path != "/bookings/"+ref || len(token) < 22 {
		t.Fatalf("manage_url %q does not carry the reference and a token", manage)
	}
	if r := in.do("POST", base+"/holds", map[string]any{"mode": "in_person"}); r.status != http.StatusConflict {
		t.Fatalf("hold on a full session: %d, want 409", r.status)
	}
	got := in.do("GET", "/api/v1/bookings/"+ref, nil, "Authorization", "Bearer "+token)
	if got.status != http.StatusOK || got.json(t)["name"] != p["name"] {
		t.Fatalf("read booking with bearer token: %d %s", got.status, got.body)
	}
	c := in.do("DELETE", "/api/v1/bookings/"+ref+"?token="+token, nil)
	if c.status != http.StatusOK || c.json(t)["status"] != "cancelled" {
		t.Fatalf("cancel: %d %s", c.status, c.body)
	}
	if r := in.do("POST", base+"/holds", map[string]any{"mode": "in_person"}); r.status != http.StatusCreated {
		t.Fatalf("hold after the cancellation: %d %s, want 201", r.status, r.body)
	}
	live, booked := e.counts(sessionID)
	if live["in_person"] != 0 || booked["in_person"] != 0 {
		t.Fatalf("after cancelling, Postgres has live %v booked %v", live, booked)
	}
	if c := in.do("DELETE", "/api/v1/bookings/"+ref+"?token="+token, nil); c.status != http.StatusConflict {
		t.Fatalf("cancel twice: %d %s, want 409", c.status, c.body)
	}
}

func TestCapacityBelowTakenIsRefused(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sessionID := in.session(in.workshop("public"), 2, 0)
	base := "/api/v1/sessions/" + itoa(sessionID)
	for i := range 2 {
		p := person(i)
		p["mode"] = "in_person"
		if r := in.do("POST", base+"/bookings", p); r.status != http.StatusCreated {
			t.Fatalf("book %d: %d %s", i, r.status, r.body)
		}
	}
	patch := "/api/v1/admin/sessions/" + itoa(sessionID)
	r := in.admin("PATCH", patch, map[string]any{"capacity": map[string]any{"in_person": 1}})
	if r.status != http.StatusConflict || r.errorCode() != "conflict" {
		t.Fatalf("capacity below taken: %d %s, want 409 conflict", r.status, r.body)
	}
	if _, booked := e.counts(sessionID); booked["in_person"] != 2 {
		t.Fatalf("booked after refused change: %v", booked)
	}
	r = in.admin("PATCH", patch, map[string]any{"capacity": map[string]any{"in_person": 3}})
	if r.status != http.StatusOK {
		t.Fatalf("capacity raised: %d %s", r.status, r.body)
	}
	if r := in.do("POST", base+"/holds", map[string]any{"mode": "in_person"}); r.status != http.StatusCreated {
		t.Fatalf("hold after capacity rise: %d %s, want 201", r.status, r.body)
	}
	if r := in.do("POST", base+"/holds", map[string]any{"mode": "in_person"}); r.status != http.StatusConflict {
		t.Fatalf("hold past the new capacity: %d %s, want 409", r.status, r.body)
	}
}

func TestCancelledSessionTakesNoBookings(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sessionID := in.session(in.workshop("public"), 5, 5)
	r := in.admin("POST", "/api/v1/admin/sessions/"+itoa(sessionID)+"/cancel", map[string]any{"reason": "The venue is closed for repairs."})
	if r.status != http.StatusOK {
		t.Fatalf("cancel session: %d %s", r.status, r.body)
	}
	h := in.do("POST", "/api/v1/sessions/"+itoa(sessionID)+"/holds", map[string]any{"mode": "online"})
	if h.status != http.StatusConflict || h.errorCode() != "conflict" {
		t.Fatalf("hold on a cancelled session: %d %s, want 409 conflict", h.status, h.body)
	}
}
