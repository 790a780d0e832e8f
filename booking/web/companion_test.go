package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
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

	// The companion's place alone, with the person's token: one place back.
	manage, _ := url.Parse(r.json(t)["manage_url"].(string))
	ref, token := strings.TrimPrefix(manage.Path, "/bookings/"), manage.Query().Get("token")
	gone := in.do("DELETE", "/api/v1/bookings/"+ref+"/companion?token="+url.QueryEscape(token), nil)
	if gone.status != http.StatusOK || gone.json(t)["status"] != "cancelled" {
		t.Fatalf("cancel the companion: %d %s", gone.status, gone.body)
	}
	if again := in.do("DELETE", "/api/v1/bookings/"+ref+"/companion?token="+url.QueryEscape(token), nil); again.status != http.StatusNotFound {
		t.Errorf("cancel the companion again: %d %s", again.status, again.body)
	}
	if live, booked := e.counts(sid); live["in_person"] != 4 || booked["in_person"] != 4 {
		t.Errorf("after the companion's cancellation: live %v, booked %v; want 4 and 4", live, booked)
	}
}

// TestPairOnTheLists: a person and their companion are each on the
// attendance list, the page, the CSV, the PDF's source rows and check-in,
// linked to each other, and each is ticked in on their own.
func TestPairOnTheLists(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 5, 0)
	b, _, err := in.svc.Book(context.Background(), sid, booking.InPerson, booking.Public, booking.Details{
		Name: "Ada Lovelace", Email: "ada@example.org", Consent: true,
		Companion: &booking.Companion{Name: "Charles Babbage"},
	})
	if err != nil {
		t.Fatal(err)
	}
	of, with := "Companion or carer of Ada Lovelace", "With Charles Babbage (companion or carer)"

	r := in.admin("GET", "/api/v1/admin/sessions/"+itoa(sid)+"/attendees", nil)
	got := map[string]string{}
	for _, p := range r.json(t)["attendees"].([]any) {
		m := p.(map[string]any)
		got[m["name"].(string)], _ = m["companion"].(string)
	}
	if got["Ada Lovelace"] != with || got["Charles Babbage"] != of {
		t.Errorf("attendees JSON: %v", got)
	}
	csv := string(in.admin("GET", "/api/v1/admin/sessions/"+itoa(sid)+"/attendees.csv", nil).body)
	if !strings.Contains(csv, ",Status,Companion,Attended,") || !strings.Contains(csv, of) || !strings.Contains(csv, with) {
		t.Errorf("CSV:\n%s", csv)
	}
	for _, path := range []string{"/attendance", "/check-in"} {
		page := string(in.admin("GET", "/admin/sessions/"+itoa(sid)+path, nil).body)
		if !strings.Contains(page, of) || !strings.Contains(page, with) {
			t.Errorf("%s does not link the pair", path)
		}
	}
	// Each one's page for organisers links the other, and offers no move.
	for _, c := range []struct{ ref, other, says string }{
		{b.Reference, b.Companion.Reference, "With a companion or carer:"},
		{b.Companion.Reference, b.Reference, "Companion or carer of"},
	} {
		page := string(in.admin("GET", "/admin/bookings/"+c.ref, nil).body)
		if !strings.Contains(page, c.says+` <a class="govuk-link" href="/admin/bookings/`+c.other+`">`) ||
			strings.Contains(page, `id="move-booking"`) {
			t.Errorf("the organiser's page of %s does not link %s, or offers a move:\n%s", c.ref, c.other, page)
		}
	}

	// Ticked in on their own.
	e.clock.Advance(6*24*time.Hour + 12*time.Hour)
	if r := in.admin("POST", "/api/v1/admin/bookings/"+b.Companion.Reference+"/attendance", map[string]any{"attended": true}); r.status != http.StatusOK {
		t.Fatalf("tick the companion in: %d %s", r.status, r.body)
	}
	for _, p := range in.admin("GET", "/api/v1/admin/sessions/"+itoa(sid)+"/attendees", nil).json(t)["attendees"].([]any) {
		m := p.(map[string]any)
		if came := m["attended"] == true; came != (m["name"] == "Charles Babbage") {
			t.Errorf("%s attended %v", m["name"], m["attended"])
		}
	}
}
