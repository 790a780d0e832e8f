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

// payloadTo is the "to" of the newest email of kind about a booking.
func (in *instance) payloadTo(t *testing.T, reference, kind string) string {
	t.Helper()
	var to string
	if err := in.db.Pool.QueryRow(context.Background(), `
		SELECT coalesce(o.payload->>'to', '') FROM outbox o JOIN bookings b ON b.id = o.booking_id
		WHERE b.reference = $1 AND o.kind = $2 ORDER BY o.id DESC LIMIT 1`, reference, kind).Scan(&to); err != nil {
		t.Fatal(err)
	}
	return to
}

// An admin changes a booking's details for someone who asked: a new email
// address counts at once and the invite moves (a cancellation to the old
// address, the confirmation with the same UID and a fresh link to the
// new); the old link stops working; the audit log names what changed,
// never the values. Bad input is refused next to its field, and changes
// nothing; facilitators are not let in.
func TestOfficerChangesABookingsDetails(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 5, 0)
	ref, token := in.bookOn(t, sid, 1)
	before, err := in.db.Booking(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	page := "/admin/bookings/" + ref
	in.orgPage("", page).has(t, `href="`+page+`/edit"`, `href="`+page+`/move"`)
	in.orgPage("", page+"/edit").has(t, `value="Resident 1"`, `value="resident1@example.org"`, `value="CV1 5RR"`)

	// Refused next to the field, and nothing changes.
	r := in.orgForm("", page+"/edit", url.Values{"name": {""}, "email": {"not-an-address"}, "postcode": {"CV1 5RR"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad details: %d %s", r.status, r.body)
	}
	r.has(t, `href="#name"`, `href="#email"`, `value="not-an-address"`)
	r = in.orgForm("", page+"/edit", url.Values{"name": {"Resident 1"}, "email": {""}, "phone": {""}, "postcode": {"CV1 5RR"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("no way to reach them: %d %s", r.status, r.body)
	}
	r.has(t, `href="#phone"`)
	if got, _ := in.db.Booking(context.Background(), ref); got.Name != before.Name || got.Email != before.Email {
		t.Fatalf("a refused change changed the booking: %+v", got)
	}

	r = in.orgForm("", page+"/edit", url.Values{"name": {"Resi Dent"}, "email": {"new.address@example.org"},
		"phone": {"07700 900123"}, "organisation": {"Hillfields Residents"}, "postcode": {"cv2 4ab"},
		"access_needs": {"Step-free access"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != page+"?done=email_moved" {
		t.Fatalf("change: %d to %q: %s", r.status, r.header.Get("Location"), r.body)
	}
	in.orgPage("", r.header.Get("Location")).has(t, "Their details are saved", "new.address@example.org")
	after, err := in.db.Booking(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if after.Name != "Resi Dent" || after.Email != "new.address@example.org" || after.Phone != "+447700900123" ||
		after.Organisation != "Hillfields Residents" || after.Postcode != "CV2 4AB" || after.AccessNeeds != "Step-free access" {
		t.Errorf("saved: %+v", after)
	}
	if after.InviteUID != before.InviteUID || after.InviteSequence != before.InviteSequence+1 {
		t.Errorf("the invite: uid %q seq %d, before %q %d", after.InviteUID, after.InviteSequence, before.InviteUID, before.InviteSequence)
	}
	if to := in.payloadTo(t, ref, booking.MsgBookingCancelled); to != "resident1@example.org" {
		t.Errorf("the cancellation goes to %q, want the old address", to)
	}
	if n := in.outboxFor(ref, booking.MsgBookingConfirmed); n != 2 {
		t.Errorf("%d confirmations, want the first and the one to the new address", n)
	}
	fresh := in.payloadOf(t, ref, booking.MsgBookingConfirmed, "token")
	if r := in.do("GET", "/api/v1/bookings/"+ref+"?token="+token, nil); r.status == http.StatusOK {
		t.Error("the link sent to the old address still opens the booking")
	}
	if r := in.do("GET", "/api/v1/bookings/"+ref+"?token="+fresh, nil); r.status != http.StatusOK {
		t.Errorf("the link sent to the new address: %d", r.status)
	}
	entry := in.newestAudit(t, booking.AuditBookingUpdate)
	var snap booking.BookingChangeSnapshot
	if err := json.Unmarshal(entry.After, &snap); err != nil || entry.SubjectID != ref ||
		len(snap.Changed) != 6 || snap.Changed[0] != "name" || snap.Changed[1] != "email" {
		t.Errorf("audit %+v %s", entry, entry.After)
	}
	for _, value := range []string{"Resi Dent", "new.address", "Hillfields", "7700"} {
		if contains(entry.After, value) || contains(entry.Before, value) {
			t.Errorf("the audit log keeps %q", value)
		}
	}

	// The API: only the fields sent change.
	r = in.admin("PATCH", "/api/v1/admin/bookings/"+ref, map[string]any{"postcode": "CV3 1AA"})
	if r.status != http.StatusOK || r.json(t)["changed"].([]any)[0] != "postcode" {
		t.Errorf("API: %d %s", r.status, r.body)
	}
	if r := in.admin("PATCH", "/api/v1/admin/bookings/"+ref, map[string]any{"name": "Ann\nEvil"}); r.status != http.StatusUnprocessableEntity ||
		!contains(r.body, `"name"`) {
		t.Errorf("API bad name: %d %s", r.status, r.body)
	}
	if got, _ := in.db.Booking(context.Background(), ref); got.Postcode != "CV3 1AA" || got.Name != "Resi Dent" || got.Email != "new.address@example.org" {
		t.Errorf("after the API: %+v", got)
	}

	// Facilitators of the session may not change a booking.
	fac := in.addOrganiser("facilitator@coventry.gov.uk", booking.RoleFacilitator)
	in.assign(fac, sid)
	cookie := in.signIn(fac)
	in.orgPage(cookie, page).hasNot(t, `href="`+page+`/edit"`, `href="`+page+`/move"`)
	if r := in.orgForm(cookie, page+"/edit", url.Values{"name": {"Someone Else"}}); r.status != http.StatusForbidden {
		t.Errorf("a facilitator's change: %d", r.status)
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }

// An admin moves a booking to another session of its workshop where a
// place is free: one transaction, one updated invite with the same UID, no
// cancellation; audited. A full session, another workshop's, and a
// walk-in are refused and nothing changes.
func TestOfficerMovesABooking(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	w := in.workshop("public")
	start := e.clock.Now().Add(7 * 24 * time.Hour)
	a := in.sessionAt(w, start, 5, 0)
	b := in.sessionAt(w, start.Add(7*24*time.Hour), 1, 0)
	other := in.sessionAt(in.workshop("public"), start, 5, 0)
	ref, _ := in.bookOn(t, a, 1)
	before, _ := in.db.Booking(context.Background(), ref)
	page := "/admin/bookings/" + ref

	in.orgPage("", page+"/move").has(t, "Move the booking to another session", `value="`+itoa(b)+`:in_person"`)
	r := in.orgForm("", page+"/move", url.Values{"session": {itoa(other) + ":in_person"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("another workshop: %d %s", r.status, r.body)
	}
	r.has(t, "Choose another session of this workshop")
	r = in.orgForm("", page+"/move", url.Values{"session": {itoa(b) + ":in_person"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != page+"?done=moved" {
		t.Fatalf("move: %d %q %s", r.status, r.header.Get("Location"), r.body)
	}
	in.orgPage("", r.header.Get("Location")).has(t, "The booking is moved")
	after, _ := in.db.Booking(context.Background(), ref)
	if after.SessionID != b || after.InviteUID != before.InviteUID || after.InviteSequence != before.InviteSequence+1 {
		t.Errorf("moved: %+v", after)
	}
	if liveA, bookedA := e.counts(a); liveA["in_person"] != 0 || bookedA["in_person"] != 0 {
		t.Errorf("the old place: live %v booked %v", liveA, bookedA)
	}
	if n := in.outboxFor(ref, booking.MsgBookingChanged); n != 1 {
		t.Errorf("%d booking_changed emails, want 1", n)
	}
	if n := in.outboxFor(ref, booking.MsgBookingCancelled); n != 0 {
		t.Errorf("a move sent %d cancellations", n)
	}
	if entry := in.newestAudit(t, booking.AuditBookingMove); entry.Actor != booking.ActorAPIToken || entry.SubjectID != ref {
		t.Errorf("audit %+v", entry)
	}

	// b is full now: a move into it is refused and changes nothing.
	ref2, _ := in.bookOn(t, a, 2)
	r = in.admin("POST", "/api/v1/admin/bookings/"+ref2+"/move", map[string]any{"session_id": b, "mode": "in_person"})
	if r.status != http.StatusConflict || r.errorCode() != "full" {
		t.Errorf("into a full session: %d %s", r.status, r.body)
	}
	if got, _ := in.db.Booking(context.Background(), ref2); got.SessionID != a || !got.Live() {
		t.Errorf("a refused move changed the booking: %+v", got)
	}
	r = in.admin("POST", "/api/v1/admin/bookings/"+ref2+"/move", map[string]any{"session_id": a, "mode": "in_person"})
	if r.status != http.StatusUnprocessableEntity {
		t.Errorf("to its own session: %d %s", r.status, r.body)
	}

	// A walk-in came to their session: not moved.
	e.clock.Advance(7*24*time.Hour - time.Hour)
	walk := in.admin("POST", "/api/v1/admin/sessions/"+itoa(a)+"/walk-ins", map[string]any{"name": "Wally Walker"})
	if walk.status != http.StatusCreated {
		t.Fatalf("walk-in: %d %s", walk.status, walk.body)
	}
	r = in.admin("POST", "/api/v1/admin/bookings/"+walk.json(t)["reference"].(string)+"/move", map[string]any{"session_id": other, "mode": "in_person"})
	if r.status != http.StatusConflict {
		t.Errorf("moving a walk-in: %d %s", r.status, r.body)
	}
}

// Admins moving people into the last places at once never overbook them,
// and everyone keeps a place, the new one or the old; Redis agrees.
func TestOfficerMovesRacingForTheLastPlaces(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	w := in.workshop("public")
	start := e.clock.Now().Add(7 * 24 * time.Hour)
	a := in.sessionAt(w, start, 8, 0)
	b := in.sessionAt(w, start.Add(24*time.Hour), 2, 0)
	var refs []string
	for i := range 8 {
		ref, _ := in.bookOn(t, a, i+1)
		refs = append(refs, ref)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	moved := 0
	for _, ref := range refs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := in.admin("POST", "/api/v1/admin/bookings/"+ref+"/move", map[string]any{"session_id": b, "mode": "in_person"})
			mu.Lock()
			defer mu.Unlock()
			switch r.status {
			case http.StatusOK:
				moved++
			case http.StatusConflict:
			default:
				t.Errorf("move: %d %s", r.status, r.body)
			}
		}()
	}
	wg.Wait()
	liveA, bookedA := e.counts(a)
	liveB, bookedB := e.counts(b)
	if moved != 2 || liveB["in_person"] != 2 || bookedB["in_person"] != 2 || liveA["in_person"] != 6 || bookedA["in_person"] != 6 {
		t.Fatalf("moved %d; a live %v booked %v; b live %v booked %v", moved, liveA, bookedA, liveB, bookedB)
	}
	if m := e.mirrorTaken(t, b, booking.InPerson); m != 2 {
		t.Errorf("Redis says %d taken in the session moved into, Postgres 2", m)
	}
}
