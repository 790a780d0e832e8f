package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/coventry/workshops/booking"
)

// The session page shows the Yes and Maybe people gave in their calendars
// to the latest invite; once the session moves, the old answers no longer
// stand for the new time or place and are not shown.
func TestSessionPageShowsCalendarReplies(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	ctx := context.Background()
	sid := in.session(in.workshop("public"), 10, 0)
	ann := in.bookPerson(sid, booking.InPerson, "Ann Lee", "ann@example.org")
	bob := in.bookPerson(sid, booking.InPerson, "Bob Ray", "bob@example.org")
	cid := in.bookPerson(sid, booking.InPerson, "Cid Roe", "cid@example.org")
	for _, r := range []struct {
		b      *booking.Booking
		status booking.ReplyStatus
	}{{ann, booking.ReplyAccepted}, {bob, booking.ReplyTentative}} {
		outcome, _, err := in.svc.ApplyCalendarReply(ctx, booking.CalendarReply{UID: r.b.InviteUID,
			From: r.b.Email, Attendee: r.b.Email, Status: r.status, Sequence: r.b.InviteSequence})
		if err != nil || outcome != booking.ReplyRecorded {
			t.Fatalf("reply of %s: %s %v", r.b.Reference, outcome, err)
		}
	}
	page := in.orgPage("", "/admin/sessions/"+itoa(sid))
	if page.status != http.StatusOK {
		t.Fatalf("session page: %d %s", page.status, page.body)
	}
	page.has(t, `id="reply-`+ann.Reference+`">Said yes in their calendar`,
		`id="reply-`+bob.Reference+`">Said maybe in their calendar`)
	page.hasNot(t, `id="reply-`+cid.Reference+`"`)

	if r := in.admin("PATCH", "/api/v1/admin/sessions/"+itoa(sid), map[string]any{
		"venue": map[string]any{"name": "Central Library", "address": "Smithford Way, Coventry CV1 1FY"}}); r.status != http.StatusOK {
		t.Fatalf("move: %d %s", r.status, r.body)
	}
	in.orgPage("", "/admin/sessions/"+itoa(sid)).hasNot(t, `id="reply-`)
}
