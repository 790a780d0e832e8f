package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/notify"
)

// The store writes a staff verification row with the link's token alone
// (booking.MsgStaffVerification); the composer builds the link from it and
// never treats it as a manage token.
func TestStaffVerificationLinkFromToken(t *testing.T) {
	c := composer(t)
	_, s, b := fixture()
	pending := *b
	pending.Status = booking.PendingVerification
	expires := time.Date(2028, 3, 10, 17, 30, 0, 0, london)
	m := compose(t, c, booking.MsgStaffVerification, s, &pending, booking.EmailPayload{Token: "abc_DEF-123", ExpiresAt: expires})
	link := base + "/staff/verify/abc_DEF-123"
	if !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, link) {
		t.Errorf("the verification link is missing:\n%s", m.Text)
	}
	if strings.Contains(m.Text, "?token=") || strings.Contains(m.HTML, "?token=") {
		t.Errorf("the link's token became a manage link:\n%s", m.Text)
	}
	if !strings.Contains(m.Text, "5:30pm on Friday 10 March 2028") {
		t.Errorf("the link's expiry is missing:\n%s", m.Text)
	}
}

// The public pages refuse workforce sessions, so every link back to the
// session or its list in a workforce email goes to the staff route.
func TestWorkforceEmailsLinkToTheStaffRoute(t *testing.T) {
	c := composer(t)
	w, s, b := fixture()
	w.Audience = booking.Workforce
	cancelled := *b
	cancelled.Status = booking.BookingCancelled
	for _, kind := range []string{booking.MsgBookingCancelled, booking.MsgSessionCancelled} {
		m, err := c.Compose(notify.Event{Kind: kind, MessageID: kind + ".7.0.x@workshops", Workshop: w, Session: s, Booking: &cancelled,
			Payload: booking.EmailPayload{Sequence: 1}, Now: time.Date(2028, 3, 1, 9, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		for _, public := range []string{base + "/sessions/42", base + "/workshops/1"} {
			if strings.Contains(m.Text, public) || strings.Contains(m.HTML, public) {
				t.Errorf("%s: a workforce email links to the public page %s, which refuses it:\n%s", kind, public, m.Text)
			}
		}
		if !strings.Contains(m.Text, base+"/staff") {
			t.Errorf("%s: no link to the staff route:\n%s", kind, m.Text)
		}
	}
}
