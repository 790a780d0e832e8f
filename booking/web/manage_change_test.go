package web_test

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// bookOn books person i in person on a session through the API and returns
// the reference and manage token.
func (in *instance) bookOn(t *testing.T, sessionID int64, i int) (ref, token string) {
	t.Helper()
	path, token := splitLink(t, in.bookEveryPlace(sessionID, 1, i)[0])
	return path[len("/bookings/"):], token
}

// A person fixes their name, organisation, postcode and access needs; the
// email address stays; a bad name is refused next to the field and changes
// nothing.
func TestChangeYourDetails(t *testing.T) {
	in := newEnv(t).start(nil)
	sid := in.session(in.workshop("public"), 5, 0)
	ref, token := in.bookOn(t, sid, 1)
	manage := "/bookings/" + ref + "?token=" + token

	form := in.page(linkByID(t, in.page(manage), "change-details"))
	form.mustContain(t, `id="page-heading">Change your details</h1>`, `value="Resident 1"`, `name="access_needs"`)
	form.hasNot(t, `name="email"`)

	v := url.Values{"token": {token}, "name": {""}, "organisation": {"Hillfields Tenants"}, "postcode": {"cv2 4hn"},
		"access_needs": {"Wheelchair user\r\nMy carer comes with me"}}
	r := in.form("/bookings/"+ref+"/details", v)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("empty name: %d", r.status)
	}
	r.mustContain(t, `href="#name"`)
	if b, _ := in.db.Booking(context.Background(), ref); b.Name != "Resident 1" {
		t.Fatalf("a refused change changed the name to %q", b.Name)
	}

	v.Set("name", "Résident Ōne")
	r = in.form("/bookings/"+ref+"/details", v)
	in.page(r.location(t)).mustContain(t, "Your details have been updated", "Résident Ōne", "Hillfields Tenants",
		"My carer comes with me")
	b, err := in.db.Booking(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if b.Name != "Résident Ōne" || b.Organisation != "Hillfields Tenants" || b.Postcode != "CV2 4HN" ||
		b.AccessNeeds != "Wheelchair user\nMy carer comes with me" || b.Email != "resident1@example.org" {
		t.Fatalf("after the change: %+v", b)
	}
	// Without the token: nothing.
	if r := in.form("/bookings/"+ref+"/details", url.Values{"name": {"Mallory"}}); r.status == http.StatusSeeOther {
		t.Fatal("changed without the token")
	}
}

// A person moves to another session of the same workshop where a place is
// free: one transaction (the old place is theirs until the new one is
// taken), one updated invite with the same UID, no cancellation.
func TestMoveToAnotherSession(t *testing.T) {
	in := newEnv(t).start(nil)
	w := in.workshop("public")
	start := in.env.clock.Now().Add(7 * 24 * time.Hour)
	a := in.sessionAt(w, start, 5, 0)
	b := in.sessionAt(w, start.Add(7*24*time.Hour), 1, 0)
	full := in.sessionAt(w, start.Add(14*24*time.Hour), 1, 0)
	other := in.sessionAt(in.workshop("public"), start, 5, 0)
	in.bookOn(t, full, 9)
	ref, token := in.bookOn(t, a, 1)
	before, _ := in.db.Booking(context.Background(), ref)

	page := in.page(linkByID(t, in.page("/bookings/"+ref+"?token="+token), "move-booking"))
	page.mustContain(t, "Change the date of your booking", `value="`+itoa(b)+`:in_person"`)
	page.hasNot(t, `value="`+itoa(a)+`:`, `value="`+itoa(full)+`:`, `value="`+itoa(other)+`:`)

	// Another workshop's session is refused, and nothing changes.
	r := in.form("/bookings/"+ref+"/move", url.Values{"token": {token}, "session": {itoa(other) + ":in_person"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("another workshop: %d", r.status)
	}
	r.mustContain(t, "Choose another session of this workshop")
	r = in.form("/bookings/"+ref+"/move", url.Values{"token": {token}, "session": {itoa(b) + ":in_person"}})
	in.page(r.location(t)).mustContain(t, "Your booking is now for", "We have emailed you an updated calendar invite")

	after, err := in.db.Booking(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if after.SessionID != b || after.InviteSequence != before.InviteSequence+1 || after.InviteUID != before.InviteUID || after.InviteUID == "" {
		t.Fatalf("moved: session %d seq %d uid %q, before seq %d uid %q", after.SessionID, after.InviteSequence, after.InviteUID,
			before.InviteSequence, before.InviteUID)
	}
	if liveA, _ := in.env.counts(a); liveA["in_person"] != 0 {
		t.Fatalf("the old place was not given back: %v", liveA)
	}
	if liveB, _ := in.env.counts(b); liveB["in_person"] != 1 {
		t.Fatalf("the new place: %v", liveB)
	}
	if n := in.outboxFor(ref, booking.MsgBookingChanged); n != 1 {
		t.Fatalf("%d booking_changed emails, want 1", n)
	}
	if n := in.outboxFor(ref, booking.MsgBookingCancelled); n != 0 {
		t.Fatalf("a move sent %d cancellations", n)
	}

	// The new session is full now: someone else cannot move into it, and
	// keeps their booking.
	ref2, token2 := in.bookOn(t, a, 2)
	r = in.form("/bookings/"+ref2+"/move", url.Values{"token": {token2}, "session": {itoa(b) + ":in_person"}})
	if r.status != http.StatusConflict {
		t.Fatalf("into a full session: %d %s", r.status, r.body)
	}
	r.mustContain(t, "Your booking has not changed")
	if got, _ := in.db.Booking(context.Background(), ref2); got.SessionID != a || !got.Live() {
		t.Fatalf("a refused move changed the booking: %+v", got)
	}
}

// People moving into the last places at once never overbook them, and
// every one of them keeps a place: the new one or the old.
func TestMovesRacingForTheLastPlaces(t *testing.T) {
	in := newEnv(t).start(nil)
	w := in.workshop("public")
	start := in.env.clock.Now().Add(7 * 24 * time.Hour)
	a := in.sessionAt(w, start, 8, 0)
	b := in.sessionAt(w, start.Add(24*time.Hour), 2, 0)
	type booked struct{ ref, token string }
	var people []booked
	for i := 0; i < 8; i++ {
		ref, token := in.bookOn(t, a, i+1)
		people = append(people, booked{ref, token})
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	moved := 0
	for _, p := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := in.svc.MoveBooking(context.Background(), p.ref, p.token, b, booking.InPerson)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				moved++
			} else if !booking.IsCode(err, booking.EFull) {
				t.Errorf("move: %v", err)
			}
		}()
	}
	wg.Wait()
	liveA, bookedA := in.env.counts(a)
	liveB, bookedB := in.env.counts(b)
	if moved != 2 || liveB["in_person"] != 2 || bookedB["in_person"] != 2 || liveA["in_person"] != 6 || bookedA["in_person"] != 6 {
		t.Fatalf("moved %d; a live %v booked %v; b live %v booked %v", moved, liveA, bookedA, liveB, bookedB)
	}
}
