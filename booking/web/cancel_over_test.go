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

// bookOne books person i in person and returns the reference and token.
func (in *instance) bookOne(t *testing.T, sessionID int64, i int) (ref, token string) {
	t.Helper()
	p := person(i)
	p["mode"] = "in_person"
	r := in.do("POST", "/api/v1/sessions/"+itoa(sessionID)+"/bookings", p)
	if r.status != http.StatusCreated {
		t.Fatalf("booking: %d %s", r.status, r.body)
	}
	path, token := splitLink(t, r.json(t)["manage_url"].(string))
	return strings.TrimPrefix(path, "/bookings/"), token
}

// cancelRefused checks that every way a person cancels is refused with
// want, changing nothing, and that the manage page says want instead of
// offering to cancel.
func (in *instance) cancelRefused(t *testing.T, sessionID int64, ref, token, want string) {
	t.Helper()
	q := "?token=" + url.QueryEscape(token)
	liveBefore, bookedBefore := in.env.counts(sessionID)

	r := in.do("DELETE", "/api/v1/bookings/"+ref+q, nil)
	if r.status != http.StatusConflict || r.errorCode() != "conflict" || errorMessage(t, r) != want {
		t.Errorf("DELETE: %d %s, want 409 %q", r.status, r.body, want)
	}
	r = in.page("/bookings/" + ref + q)
	r.mustContain(t, `id="cancel-refused">`+want+`</p>`)
	if strings.Contains(r.text(), `id="cancel-booking"`) {
		t.Error("the manage page still offers to cancel")
	}
	if r = in.page("/bookings/" + ref + "/cancel" + q); r.location(t) != "/bookings/"+ref+q {
		t.Errorf("the cancel page sends to %q", r.location(t))
	}
	r = in.form("/bookings/"+ref+"/cancel", url.Values{"token": {token}})
	if loc := r.location(t); strings.Contains(loc, "done=cancelled") {
		t.Errorf("the refused cancellation reports success: %s", loc)
	}

	live, booked := in.env.counts(sessionID)
	if live["in_person"] != liveBefore["in_person"] || booked["in_person"] != bookedBefore["in_person"] {
		t.Errorf("counts changed: %v %v, were %v %v", live, booked, liveBefore, bookedBefore)
	}
	if n := in.emails(t, ref, booking.MsgBookingCancelled); n != 0 {
		t.Errorf("%d booking cancellations queued", n)
	}
}

func TestNoCancellingOnceSessionCancelledOrOver(t *testing.T) {
	in := newEnv(t).start(nil)
	ctx := context.Background()
	ws := in.workshop("public")
	cancelled := in.session(ws, 5, 5)
	ref, token := in.bookOne(t, cancelled, 1)
	if r := in.admin("POST", "/api/v1/admin/sessions/"+itoa(cancelled)+"/cancel", map[string]any{"reason": "The venue flooded."}); r.status != http.StatusOK {
		t.Fatalf("cancel session: %d %s", r.status, r.body)
	}
	in.cancelRefused(t, cancelled, ref, token, "This session has been cancelled: your booking is already cancelled.")

	// Erasing the person still works: their booking went with the session.
	e, err := in.svc.ErasePerson(ctx, booking.Person{Email: person(1)["email"].(string)})
	if err != nil || len(e.Cancelled) != 0 || e.Anonymised != 1 {
		t.Errorf("ErasePerson = %+v, %v; want the booking anonymised and none cancelled", e, err)
	}

	over := in.session(ws, 5, 5)
	ref, token = in.bookOne(t, over, 2)
	in.env.clock.Advance(7*24*time.Hour + 2*time.Hour) // the session's end
	in.cancelRefused(t, over, ref, token, "This session has already taken place.")
}
