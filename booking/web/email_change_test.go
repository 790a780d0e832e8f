package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// payloadOf reads a field of the newest outbox payload of kind for a booking.
func (in *instance) payloadOf(t *testing.T, reference, kind, field string) string {
	t.Helper()
	var v *string
	err := in.db.Pool.QueryRow(context.Background(), `
		SELECT o.payload->>$3 FROM outbox o JOIN bookings b ON b.id = o.booking_id
		WHERE b.reference = $1 AND o.kind = $2 ORDER BY o.id DESC LIMIT 1`, reference, kind, field).Scan(&v)
	if err != nil {
		t.Fatalf("%s payload: %v", kind, err)
	}
	if v == nil {
		return ""
	}
	return *v
}

// A new email address counts only once the link sent to it is followed;
// then the invite moves: a cancellation to the old address, the booking
// (same UID) to the new, and the old links stop working.
func TestChangeYourEmailAddress(t *testing.T) {
	in := newEnv(t).start(nil)
	sid := in.session(in.workshop("public"), 5, 0)
	ref, token := in.bookOn(t, sid, 1)
	manage := "/bookings/" + ref + "?token=" + token
	before, _ := in.db.Booking(context.Background(), ref)

	form := in.page(linkByID(t, in.page(manage), "change-email"))
	form.mustContain(t, `id="page-heading">Change your email address</h1>`, "resident1@example.org")
	r := in.form("/bookings/"+ref+"/email", url.Values{"token": {token}, "email": {"RESIDENT1@example.org"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("the same address: %d", r.status)
	}
	r = in.form("/bookings/"+ref+"/email", url.Values{"token": {token}, "email": {"not an address"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad address: %d", r.status)
	}
	r = in.form("/bookings/"+ref+"/email", url.Values{"token": {token}, "email": {"new.home@example.org"}})
	r.mustContain(t, `id="page-heading">Check your email</h1>`, "new.home@example.org")
	if to := in.payloadOf(t, ref, booking.MsgEmailChange, "to"); to != "new.home@example.org" {
		t.Fatalf("link sent to %q", to)
	}
	link := in.payloadOf(t, ref, booking.MsgEmailChange, "token")
	// Until the link is followed, nothing changes.
	if b, _ := in.db.Booking(context.Background(), ref); b.Email != "resident1@example.org" {
		t.Fatalf("the address changed before its link was followed: %q", b.Email)
	}
	in.page("/email-change/"+link).mustContain(t, `id="confirm-email"`)
	if b, _ := in.db.Booking(context.Background(), ref); b.Email != "resident1@example.org" {
		t.Fatal("following the link (GET) changed the address")
	}

	r = in.form("/email-change/"+link, nil)
	done := r.location(t)
	in.page(done).mustContain(t, "Your booking now uses new.home@example.org")
	after, _ := in.db.Booking(context.Background(), ref)
	if after.Email != "new.home@example.org" || after.InviteUID != before.InviteUID || after.InviteSequence != before.InviteSequence+1 {
		t.Fatalf("after: %q uid %q seq %d; before uid %q seq %d", after.Email, after.InviteUID, after.InviteSequence,
			before.InviteUID, before.InviteSequence)
	}
	if to := in.payloadOf(t, ref, booking.MsgBookingCancelled, "to"); to != "resident1@example.org" {
		t.Fatalf("the cancellation went to %q, want the old address", to)
	}
	if n := in.outboxFor(ref, booking.MsgBookingConfirmed); n != 2 {
		t.Fatalf("%d confirmations, want 2 (the first, and the one to the new address)", n)
	}
	if live, _ := in.env.counts(sid); live["in_person"] != 1 {
		t.Fatalf("the place: %v", live)
	}
	// The old link no longer opens the booking; the new one does; the
	// email link works once.
	if r := in.page(manage); r.status != http.StatusNotFound {
		t.Errorf("the old manage link: %d", r.status)
	}
	if r := in.form("/email-change/"+link, nil); r.status != http.StatusNotFound {
		t.Errorf("the link used twice: %d", r.status)
	}

	// A link not followed in time changes nothing.
	newManage := between(done+"&", "token=", "&")
	in.form("/bookings/"+ref+"/email", url.Values{"token": {newManage}, "email": {"third@example.org"}})
	late := in.payloadOf(t, ref, booking.MsgEmailChange, "token")
	in.env.clock.Advance(booking.EmailChangeWindow + time.Minute)
	if r := in.form("/email-change/"+late, nil); r.status != http.StatusGone {
		t.Fatalf("a lapsed link: %d", r.status)
	}
	if b, _ := in.db.Booking(context.Background(), ref); b.Email != "new.home@example.org" {
		t.Fatalf("a lapsed link changed the address to %q", b.Email)
	}
}
