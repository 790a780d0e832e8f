package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// walkIn posts the check-in page's walk-in form.
func (in *instance) walkIn(cookie string, sessionID int64, v url.Values) response {
	return in.orgForm(cookie, "/admin/sessions/"+itoa(sessionID)+"/walk-ins", v)
}

// walkInRow reads what Postgres holds of the walk-ins of a session.
func (in *instance) walkIns(t *testing.T, sessionID int64) (all, over int) {
	t.Helper()
	err := in.db.Pool.QueryRow(context.Background(), `
		SELECT count(*), count(*) FILTER (WHERE over_capacity) FROM bookings
		WHERE session_id = $1 AND walk_in AND attended AND status <> 'cancelled'`, sessionID).Scan(&all, &over)
	if err != nil {
		t.Fatal(err)
	}
	return all, over
}

// mirrorTaken is what Redis keeps of the places taken in a session and mode.
func (e *env) mirrorTaken(t *testing.T, sessionID int64, mode booking.Mode) int {
	t.Helper()
	n, err := e.rdb.HGet(context.Background(), e.prefix+"{s:"+itoa(sessionID)+"}:"+string(mode), "taken").Int()
	if err != nil {
		t.Fatalf("the mirror of session %d %s: %v", sessionID, mode, err)
	}
	return n
}

// A facilitator registers walk-ins at the door: while the room has space
// each takes a place and is ticked in; once it is full the next is still
// recorded and ticked in, flagged over capacity and not counted, so the
// count stays within the capacity and equal to the places held. Nothing
// is emailed; each is audited in the facilitator's name; the lists show
// them.
func TestWalkInAtCheckIn(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 2, 5)
	in.bookPerson(sid, booking.InPerson, "Ada Booked", "ada@example.org")
	fac := in.addOrganiser("door@coventry.gov.uk", booking.RoleFacilitator)
	in.assign(fac, sid)
	checkIn := "/admin/sessions/" + itoa(sid) + "/check-in"

	// A week ahead check-in is closed: no form, and a post is refused.
	in.orgPage("", checkIn).hasNot(t, `id="walk-in-form"`)
	r := in.walkIn("", sid, url.Values{"name": {"Early Bird"}})
	if r.status != http.StatusConflict || !strings.Contains(string(r.body), "from 24 hours before the session starts") {
		t.Fatalf("a walk-in a week early: %d %s", r.status, r.body)
	}
	if all, _ := in.walkIns(t, sid); all != 0 {
		t.Fatalf("%d walk-ins stored by a refused post", all)
	}

	e.clock.Advance(7*24*time.Hour - 30*time.Minute) // the doors open
	cookie := in.signIn(fac)
	in.orgPage(cookie, checkIn).has(t, `id="walk-in-form"`, "1 place left in the room")

	// The last place: taken, ticked in, not emailed.
	r = in.walkIn(cookie, sid, url.Values{"name": {"Bilal Walker"}, "email": {"bilal@example.org"}, "phone": {"024 7683 3333"},
		"access_needs": {"A hearing loop\r\nA seat near the front"}})
	if r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "walked_in=") {
		t.Fatalf("walk-in: %d %s", r.status, r.body)
	}
	page := r.header.Get("Location")
	_, bilal, _ := strings.Cut(page, "walked_in=")
	in.orgPage(cookie, page).has(t, "Bilal Walker is registered as a walk-in and ticked in",
		`id="person-`+bilal+`"`, "govuk-tag--blue\">Walk-in<", "The room is full")
	b, err := in.db.Booking(context.Background(), bilal)
	if err != nil {
		t.Fatal(err)
	}
	if !b.WalkIn || b.OverCapacity || b.Attended == nil || !*b.Attended || b.Mode != booking.InPerson ||
		b.Phone != "+442476833333" || b.AccessNeeds != "A hearing loop\nA seat near the front" {
		t.Errorf("the walk-in stored: %+v", b)
	}
	if n := in.outboxFor(bilal, booking.MsgBookingConfirmed); n != 0 {
		t.Errorf("%d confirmations queued for a walk-in", n)
	}
	live, booked := e.counts(sid)
	if live["in_person"] != 2 || booked["in_person"] != 2 || e.mirrorTaken(t, sid, booking.InPerson) != 2 {
		t.Errorf("with the last place taken: live %v, booked %v, mirror %d", live, booked, e.mirrorTaken(t, sid, booking.InPerson))
	}

	// The room is full: the next walk-in is recorded over capacity, and
	// takes no place.
	r = in.walkIn(cookie, sid, url.Values{"name": {"Chen Late"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("walk-in over capacity: %d %s", r.status, r.body)
	}
	page = r.header.Get("Location")
	_, chen, _ := strings.Cut(page, "walked_in=")
	in.orgPage(cookie, page).has(t, "Chen Late is registered as a walk-in and ticked in",
		`id="walked-in-over"`, "Walk-in, over capacity", "Walk-ins: 2, of whom <strong>1 over capacity</strong>")
	if all, over := in.walkIns(t, sid); all != 2 || over != 1 {
		t.Errorf("walk-ins %d, over capacity %d; want 2 and 1", all, over)
	}
	live, booked = e.counts(sid)
	if live["in_person"] != 2 || booked["in_person"] != 2 || e.mirrorTaken(t, sid, booking.InPerson) != 2 {
		t.Errorf("over capacity counted: live %v, booked %v, mirror %d", live, booked, e.mirrorTaken(t, sid, booking.InPerson))
	}
	entry := in.newestAudit(t, booking.AuditBookingWalkIn)
	var after booking.WalkInSnapshot
	if err := json.Unmarshal(entry.After, &after); err != nil || entry.OrganiserID != fac.ID || entry.SubjectID != chen ||
		!after.OverCapacity || !after.WalkIn || strings.Contains(string(entry.After), "Chen") {
		t.Errorf("audit %+v %s", entry, entry.After)
	}

	// The lists: the page, the CSV, the PDF's rows and the API mark them.
	in.orgPage(cookie, "/admin/sessions/"+itoa(sid)+"/attendance").has(t, "(walk-in)", "(walk-in, over capacity)")
	csv := in.orgPage(cookie, "/api/v1/admin/sessions/"+itoa(sid)+"/attendees.csv")
	csv.has(t, ",Walk-in,Postcode district\r\n", ",Yes,Walk-in,\r\n", ",Yes,"+"\"Walk-in, over capacity\",\r\n")
	r = in.admin("GET", "/api/v1/admin/sessions/"+itoa(sid)+"/attendees", nil)
	var list struct {
		Attendees []struct {
			Reference    string `json:"reference"`
			WalkIn       bool   `json:"walk_in"`
			OverCapacity bool   `json:"over_capacity"`
		} `json:"attendees"`
	}
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatal(err)
	}
	flags := map[string][2]bool{}
	for _, a := range list.Attendees {
		flags[a.Reference] = [2]bool{a.WalkIn, a.OverCapacity}
	}
	if flags[bilal] != [2]bool{true, false} || flags[chen] != [2]bool{true, true} {
		t.Errorf("attendees API: %s", r.body)
	}

	// Cancelling the walk-in over capacity gives back no place it never had.
	if r := in.orgForm("", "/admin/bookings/"+chen+"/cancel", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("cancel the walk-in over capacity: %d %s", r.status, r.body)
	}
	if live, booked := e.counts(sid); live["in_person"] != 2 || booked["in_person"] != 2 {
		t.Errorf("after cancelling the walk-in over capacity: live %v, booked %v", live, booked)
	}

	// From the start, bookings are closed but walk-ins still come in; the
	// admin API answers with the row.
	e.clock.Advance(time.Hour)
	r = in.admin("POST", "/api/v1/admin/sessions/"+itoa(sid)+"/walk-ins", map[string]any{"name": "Dara Latecomer"})
	if r.status != http.StatusCreated || r.json(t)["over_capacity"] != true || r.json(t)["attended"] != true {
		t.Errorf("API walk-in after the start: %d %s", r.status, r.body)
	}
}

// What a walk-in cannot be is refused with the field named, or the reason,
// and nothing is stored: no name, a bad email address or phone number, a
// cancelled session, an online-only one, someone who is not the session's
// facilitator.
func TestWalkInRefused(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	w := in.workshop("public")
	sid := in.session(w, 3, 0)
	online := in.session(w, 0, 5)
	other := in.addOrganiser("other@coventry.gov.uk", booking.RoleFacilitator)
	e.clock.Advance(7*24*time.Hour - time.Hour)

	r := in.walkIn("", sid, url.Values{"name": {""}, "email": {"not-an-address"}, "phone": {"12345"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad walk-in: %d %s", r.status, r.body)
	}
	r.has(t, `href="#name"`, `href="#email"`, `href="#phone"`, `value="not-an-address"`)
	api := in.admin("POST", "/api/v1/admin/sessions/"+itoa(sid)+"/walk-ins", map[string]any{"name": "Ann\nEvil"})
	if api.status != http.StatusUnprocessableEntity || !strings.Contains(string(api.body), `"name"`) {
		t.Errorf("API bad name: %d %s", api.status, api.body)
	}
	if r := in.admin("POST", "/api/v1/admin/sessions/"+itoa(online)+"/walk-ins", map[string]any{"name": "Ann Lee"}); r.status != http.StatusConflict {
		t.Errorf("walk-in to an online session: %d %s", r.status, r.body)
	}
	if r := in.walkIn(in.signIn(other), sid, url.Values{"name": {"Ann Lee"}}); r.status != http.StatusForbidden {
		t.Errorf("a facilitator of another session: %d %s", r.status, r.body)
	}
	if r := in.admin("POST", "/api/v1/admin/sessions/"+itoa(sid)+"/cancel", map[string]any{"reason": "The venue is closed"}); r.status != http.StatusOK {
		t.Fatalf("cancel the session: %d %s", r.status, r.body)
	}
	in.orgPage("", "/admin/sessions/"+itoa(sid)+"/check-in").hasNot(t, `id="walk-in-form"`)
	if r := in.walkIn("", sid, url.Values{"name": {"Ann Lee"}}); r.status != http.StatusConflict || !strings.Contains(string(r.body), "cancelled") {
		t.Errorf("walk-in to a cancelled session: %d %s", r.status, r.body)
	}
	for _, s := range []int64{sid, online} {
		if all, _ := in.walkIns(t, s); all != 0 {
			t.Errorf("session %d: %d walk-ins stored by refused posts", s, all)
		}
	}
}

// Walk-ins at the door and people booking online race for the last
// places, across two instances: the count never passes the capacity,
// equals the places held, and Redis agrees with Postgres; every walk-in is
// recorded, those who found no place over capacity.
func TestWalkInsAndBookingsRacingForTheLastPlaces(t *testing.T) {
	e := newEnv(t)
	a, b := e.start(nil), e.start(nil)
	const capacity, walkers, bookers = 10, 20, 20
	sid := a.session(a.workshop("public"), capacity, 0)
	e.clock.Advance(7*24*time.Hour - 10*time.Minute)

	var wg sync.WaitGroup
	var mu sync.Mutex
	walkedIn, booked := 0, 0
	for i := range walkers + bookers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := []*instance{a, b}[i%2]
			if i < walkers {
				r := in.admin("POST", "/api/v1/admin/sessions/"+itoa(sid)+"/walk-ins", map[string]any{"name": "Walker " + itoa(int64(i))})
				if r.status != http.StatusCreated {
					t.Errorf("walk-in %d: %d %s", i, r.status, r.body)
					return
				}
				mu.Lock()
				walkedIn++
				mu.Unlock()
				return
			}
			p := person(i)
			p["mode"] = "in_person"
			r := in.do("POST", "/api/v1/sessions/"+itoa(sid)+"/bookings", p)
			switch r.status {
			case http.StatusCreated:
				mu.Lock()
				booked++
				mu.Unlock()
			case http.StatusConflict:
			default:
				t.Errorf("booking %d: %d %s", i, r.status, r.body)
			}
		}()
	}
	wg.Wait()

	all, over := a.walkIns(t, sid)
	live, counted := e.counts(sid)
	switch {
	case all != walkedIn || walkedIn != walkers:
		t.Errorf("%d walk-ins answered, %d stored, of %d", walkedIn, all, walkers)
	case counted["in_person"] > capacity || live["in_person"] != counted["in_person"]:
		t.Errorf("booked %d, places held %d, of %d", counted["in_person"], live["in_person"], capacity)
	case counted["in_person"] != booked+all-over:
		t.Errorf("booked %d; %d people booked online and %d walk-ins took a place", counted["in_person"], booked, all-over)
	case counted["in_person"] != capacity:
		t.Errorf("%d places taken of %d, with %d people left over", counted["in_person"], capacity, over)
	}
	if m := e.mirrorTaken(t, sid, booking.InPerson); m != counted["in_person"] {
		t.Errorf("Redis says %d taken, Postgres %d", m, counted["in_person"])
	}
}
