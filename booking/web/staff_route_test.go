package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// Workforce sessions have a waiting list too, on the staff route, with the
// staff route's rule: a work email address. A place given back goes to the
// first person waiting, who takes it from the offer email.
func TestStaffWaitingList(t *testing.T) {
	in := startStaff(t)
	sid := in.session(in.workshop("workforce"), 1, 0)
	session := "/staff/sessions/" + itoa(sid)
	_, held := in.staffBook(t, sid, "Sam Patel", "sam.patel@coventry.gov.uk")

	full := in.page(session)
	full.mustContain(t, "This session is full", `href="/staff/sessions/`+itoa(sid)+`/waitlist?mode=in_person"`)
	in.page("/staff").mustContain(t, `href="/staff/sessions/`+itoa(sid)+`/waitlist?mode=in_person"`)

	join := session + "/waitlist"
	in.page(join+"?mode=in_person").mustContain(t, `id="page-heading">Join the waiting list</h1>`, "Work email address",
		"@coventry.gov.uk", `action="/staff/sessions/`+itoa(sid)+`/waitlist"`)
	in.page(join+"?mode=in_person").hasNot(t, `name="postcode"`)

	form := func(email string) url.Values {
		return url.Values{"mode": {"in_person"}, "name": {"Ann Lee"}, "email": {email}, "consent": {"yes"}}
	}
	r := in.form(join, form("ann.lee@example.org"))
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("a home address: %d", r.status)
	}
	r.mustContain(t, "Enter your work email address, ending @coventry.gov.uk")
	// Not through the public route.
	if r := in.form("/sessions/"+itoa(sid)+"/waitlist", form("ann.lee@coventry.gov.uk")); r.status != http.StatusForbidden {
		t.Fatalf("public route: %d", r.status)
	}
	if r := in.do("POST", "/api/v1/sessions/"+itoa(sid)+"/waitlist",
		map[string]any{"mode": "in_person", "name": "Ann Lee", "email": "ann.lee@coventry.gov.uk", "consent": true}); r.status != http.StatusForbidden {
		t.Fatalf("public API: %d %s", r.status, r.body)
	}

	r = in.form(join, form("ann.lee@coventry.gov.uk"))
	loc := r.location(t)
	if !strings.HasPrefix(loc, "/waitlist/") || !strings.Contains(loc, "joined=yes") {
		t.Fatalf("joined to %q", loc)
	}
	in.page(loc).mustContain(t, "Ann Lee")

	// Sam never follows their link: the place goes to Ann.
	after := in.env.lastOutboxID()
	in.env.clock.Advance(booking.VerifyWindow + time.Minute)
	if _, err := in.svc.ReleaseUnverified(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := in.status(t, held); st != booking.BookingCancelled {
		t.Fatalf("Sam's booking %s", st)
	}
	offers, _ := in.env.offerLinks(after)
	if len(offers) != 1 {
		t.Fatalf("offers %v, want one", offers)
	}
	ref, token := offers[0][0], offers[0][1]
	r = in.form("/waitlist/"+ref+"/accept", url.Values{"token": {token}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("accept: %d %s", r.status, r.body)
	}
	in.page(r.header.Get("Location")).mustContain(t, "Booking confirmed")
	if live, _ := in.env.counts(sid); live["in_person"] != 1 {
		t.Fatalf("live %v", live)
	}
}

// Someone who cancels their own workforce booking before following its
// link is not emailed: nobody confirmed the address is theirs, and no
// invite went to it. The page does not claim an email went.
func TestCancellingAnUnverifiedStaffBookingSendsNoEmail(t *testing.T) {
	in := startStaff(t)
	sid := in.session(in.workshop("workforce"), 5, 0)
	sent, ref := in.staffBook(t, sid, "Sam Patel", "sam.patel@coventry.gov.uk")
	cancel := in.page(linkByID(t, sent, "cancel-booking"))
	cancel.mustContain(t, "Are you sure you want to cancel your place?")
	r := in.form("/bookings/"+ref+"/cancel", hidden(cancel.text()))
	done := in.page(r.location(t))
	done.mustContain(t, "Your place has been cancelled.")
	done.hasNot(t, "We have emailed you to confirm")
	if st := in.status(t, ref); st != booking.BookingCancelled {
		t.Fatalf("status %s", st)
	}
	if n := in.emails(t, ref, booking.MsgBookingCancelled); n != 0 {
		t.Fatalf("%d cancellation emails to an address nobody confirmed", n)
	}

	// A confirmed one is still told.
	_, ref = in.staffBook(t, sid, "Ann Lee", "ann.lee@coventry.gov.uk")
	in.form("/staff/verify/"+in.latestVerifyToken(t, ref), nil).location(t)
	var token string
	if err := in.db.Pool.QueryRow(context.Background(), `
		SELECT o.payload->>'token' FROM outbox o JOIN bookings b ON b.id = o.booking_id
		WHERE b.reference = $1 AND o.kind = 'booking_confirmed'`, ref).Scan(&token); err != nil {
		t.Fatal(err)
	}
	r = in.form("/bookings/"+ref+"/cancel", url.Values{"token": {token}})
	in.page(r.location(t)).mustContain(t, "We have emailed you to confirm")
	if n := in.emails(t, ref, booking.MsgBookingCancelled); n != 1 {
		t.Fatalf("%d cancellation emails to a confirmed booking, want 1", n)
	}
}
