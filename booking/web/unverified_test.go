package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/web"
	"github.com/coventry/workshops/calendar"
)

const harnessTeamsLink = "https://teams.microsoft.com/l/meetup-join/test"

// errorMessage is the message of a contract-shaped error body.
func errorMessage(t *testing.T, r response) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

// withInvites gives the instance's router the calendar the harness leaves
// out, so invite.ics can be served.
func (in *instance) withInvites(t *testing.T) {
	t.Helper()
	inv, err := calendar.NewInviter(calendar.Config{BaseURL: "http://test.example", Council: "Coventry City Council",
		Organizer: calendar.Organizer{Name: "Coventry City Council", Email: "engagement@coventry.gov.uk"}})
	if err != nil {
		t.Fatal(err)
	}
	in.handler = web.New(web.Config{BaseURL: "http://test.example", AdminToken: adminToken}, web.Deps{
		Service: in.svc, Postgres: in.db, Redis: pinger{in.rdb}, Calendar: inv,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
	}).Handler()
}

// A workforce booking waiting for its email link already has a manage
// token (the "Check your email" page carries it), but anyone could have
// typed a colleague's address: until the link is followed, the token shows
// neither the joining link nor the invite, and cannot switch.
func TestUnverifiedBookingShowsNoJoiningLink(t *testing.T) {
	in := startStaff(t)
	in.withInvites(t)
	ctx := context.Background()
	sid := in.session(in.workshop("workforce"), 5, 5)
	b, token, err := in.svc.BookStaff(ctx, sid, booking.Online, booking.Details{
		Name: "Ada Lovelace", Email: "ada@coventry.gov.uk", Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != booking.PendingVerification {
		t.Fatalf("status %s, want pending_verification", b.Status)
	}
	q := "?token=" + url.QueryEscape(token)
	const wait = "Confirm your place with the link we emailed first."

	r := in.do("GET", "/api/v1/bookings/"+b.Reference+q, nil)
	if r.status != http.StatusOK || r.json(t)["status"] != string(booking.PendingVerification) {
		t.Fatalf("GET booking: %d %s", r.status, r.body)
	}
	if _, ok := r.json(t)["online_url"]; ok || strings.Contains(r.text(), "teams.microsoft.com") {
		t.Errorf("the API gives the joining link to an unverified booking: %s", r.body)
	}

	for _, path := range []string{"/bookings/" + b.Reference + q, "/staff/bookings/" + b.Reference + "/sent" + q} {
		r = in.page(path)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
		for _, leak := range []string{"teams.microsoft.com", `id="booking-online-link"`, `id="add-to-calendar"`, `id="switch-mode"`, "invite.ics"} {
			if strings.Contains(r.text(), leak) {
				t.Errorf("%s shows %q to an unverified booking", path, leak)
			}
		}
	}

	r = in.do("GET", "/api/v1/bookings/"+b.Reference+"/invite.ics"+q, nil)
	if r.status != http.StatusConflict || r.errorCode() != "conflict" || errorMessage(t, r) != wait {
		t.Errorf("invite of an unverified booking: %d %s", r.status, r.body)
	}
	if strings.Contains(r.text(), "teams.microsoft.com") {
		t.Error("the refused invite holds the joining link")
	}

	if r = in.page("/bookings/" + b.Reference + "/switch" + q); r.status != http.StatusSeeOther {
		t.Errorf("switch page of an unverified booking: %d, want a redirect to the booking", r.status)
	}
	r = in.form("/bookings/"+b.Reference+"/switch", url.Values{"token": {token}, "mode": {"in_person"}})
	if r.status != http.StatusConflict || !strings.Contains(r.text(), wait) {
		t.Errorf("switch of an unverified booking: %d %s", r.status, r.body)
	}
	if _, err := in.svc.SwitchMode(ctx, b.Reference, token, booking.InPerson); booking.ErrorCode(err) != booking.EConflict || booking.ErrorMessage(err) != wait {
		t.Errorf("SwitchMode of an unverified booking: %v", err)
	}
	if got, _ := in.db.Booking(ctx, b.Reference); got.Mode != booking.Online || got.InviteSequence != 0 {
		t.Errorf("the refused switch changed the booking: %+v", got)
	}
	if live, booked := in.env.counts(sid); live["online"] != 1 || booked["online"] != 1 || booked["in_person"] != 0 {
		t.Errorf("the refused switch changed the places: %v %v", live, booked)
	}

	// Once the link is followed, the new manage token shows it all.
	_, manage, err := in.svc.VerifyStaffBooking(ctx, in.verifyToken(t, b.Reference))
	if err != nil {
		t.Fatal(err)
	}
	q = "?token=" + url.QueryEscape(manage)
	if r = in.do("GET", "/api/v1/bookings/"+b.Reference+q, nil); r.json(t)["online_url"] != harnessTeamsLink {
		t.Errorf("a confirmed online booking has no joining link: %s", r.body)
	}
	in.page("/bookings/"+b.Reference+q).mustContain(t, `id="booking-online-link"`, `id="add-to-calendar"`, `id="switch-mode"`)
	if r = in.do("GET", "/api/v1/bookings/"+b.Reference+"/invite.ics"+q, nil); r.status != http.StatusOK {
		t.Errorf("invite of a confirmed booking: %d %s", r.status, r.body)
	}
}
