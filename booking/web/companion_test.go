package web_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// fieldsOf reads the fields named by an error answer.
func fieldsOf(t *testing.T, r response) map[string]string {
	t.Helper()
	var e struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("%d %s: %v", r.status, r.body, err)
	}
	return e.Error.Fields
}

// TestCompanionAPIRules: a hold is for 1 place (the default) or 2; a hold
// of 2 books only with its companion, a hold of 1 only without; the
// waiting list takes no companion; each refusal is a 422 naming the field
// and changes nothing.
func TestCompanionAPIRules(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 5, 0)
	path := "/api/v1/sessions/" + itoa(sid)
	with := func(p map[string]any, companion map[string]any) map[string]any {
		p["companion"] = companion
		return p
	}
	refused := func(r response, field string) {
		t.Helper()
		if r.status != http.StatusUnprocessableEntity || fieldsOf(t, r)[field] == "" {
			t.Errorf("want 422 naming %s, got %d %s", field, r.status, r.body)
		}
	}

	for _, places := range []any{0, 3, -1} {
		refused(in.do("POST", path+"/holds", map[string]any{"mode": "in_person", "places": places}), "places")
	}
	one := in.do("POST", path+"/holds", map[string]any{"mode": "in_person"})
	two := in.do("POST", path+"/holds", map[string]any{"mode": "in_person", "places": 2})
	if one.status != http.StatusCreated || one.json(t)["places"] != 1.0 ||
		two.status != http.StatusCreated || two.json(t)["places"] != 2.0 {
		t.Fatalf("holds: %d %s, %d %s", one.status, one.body, two.status, two.body)
	}
	oneID, twoID := one.json(t)["hold_id"].(string), two.json(t)["hold_id"].(string)

	// A hold of 2 without its companion, a hold of 1 with one, and a
	// companion with no name or a bad address: refused, the holds kept.
	refused(in.do("POST", "/api/v1/holds/"+twoID+"/booking", person(1)), "companion")
	refused(in.do("POST", "/api/v1/holds/"+oneID+"/booking", with(person(2), map[string]any{"name": "Sam"})), "companion")
	refused(in.do("POST", "/api/v1/holds/"+twoID+"/booking", with(person(3), map[string]any{"name": ""})), "companion.name")
	refused(in.do("POST", "/api/v1/holds/"+twoID+"/booking", with(person(3), map[string]any{"name": "Sam", "email": "not an address"})), "companion.email")
	refused(in.do("POST", path+"/waitlist", with(person(4), map[string]any{"name": "Sam"})), "companion")
	if live, _ := e.counts(sid); live["in_person"] != 0 {
		t.Fatalf("refused requests booked %v", live)
	}

	// Both holds book, the pair with its companion.
	r := in.do("POST", "/api/v1/holds/"+twoID+"/booking", with(person(5), map[string]any{"name": "Sam Carer", "email": "sam@example.org"}))
	if r.status != http.StatusCreated || r.json(t)["companion"] == nil {
		t.Fatalf("book pair: %d %s", r.status, r.body)
	}
	if r := in.do("POST", "/api/v1/holds/"+oneID+"/booking", person(6)); r.status != http.StatusCreated {
		t.Fatalf("book single: %d %s", r.status, r.body)
	}
	// Two places left: a one-call pair takes them; then a pair is full.
	if r := in.do("POST", path+"/bookings", with(map[string]any{"mode": "in_person", "name": "Pat", "email": "pat@example.org", "consent": true},
		map[string]any{"name": "Lee"})); r.status != http.StatusCreated {
		t.Fatalf("one-call pair: %d %s", r.status, r.body)
	}
	if r := in.do("POST", path+"/holds", map[string]any{"mode": "in_person", "places": 2}); r.status != http.StatusConflict {
		t.Errorf("a pair at no place left: %d %s", r.status, r.body)
	}
	if live, booked := e.counts(sid); live["in_person"] != 5 || booked["in_person"] != 5 {
		t.Errorf("live %v, booked %v; want 5 and 5", live, booked)
	}
}
