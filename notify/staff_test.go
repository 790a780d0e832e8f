package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
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
