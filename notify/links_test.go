package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/notify"
)

// The emails of "Send me my booking link": the fresh link, no invite (the
// booking has not changed), and what to do if the person did not ask.
func TestBookingAndWaitlistLinkEmails(t *testing.T) {
	c := composer(t)
	_, s, b := fixture()
	m := compose(t, c, booking.MsgBookingLink, s, b, booking.EmailPayload{Token: "fresh"})
	for _, want := range []string{base + "/bookings/KD7P-Q3?token=fresh", "You asked us to send the link to your booking again.",
		"Links we sent you before still work.", "If you did not ask for this, you can ignore this email."} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("booking_link lacks %q:\n%s", want, m.Text)
		}
	}
	if m.Invite != nil || !strings.HasPrefix(m.Subject, "Your booking link: ") {
		t.Errorf("booking_link: subject %q, invite %v", m.Subject, m.Invite != nil)
	}

	bo := &booking.Booking{Reference: "W7K2-P9", Name: "Bo Diddley", Email: "bo@example.org", Mode: booking.Online,
		Status: booking.Confirmed}
	m = compose(t, c, booking.MsgWaitlistLink, s, bo, booking.EmailPayload{Reference: "W7K2-P9", Token: "fresh"})
	if !strings.Contains(m.Text, base+"/waitlist/W7K2-P9?token=fresh") || !strings.Contains(m.HTML, base+"/waitlist/W7K2-P9?token=fresh") ||
		m.Invite != nil || strings.Contains(m.Text, teamsLink) {
		t.Errorf("waitlist_link:\n%s", m.Text)
	}
}

// The waiting-list email says how long an offered place will be kept: the
// configured OFFER_TTL, not "a limited time".
func TestWaitlistJoinedSaysTheOfferTime(t *testing.T) {
	_, s, _ := fixture()
	bo := &booking.Booking{Reference: "W7K2-P9", Name: "Bo Diddley", Email: "bo@example.org", Mode: booking.InPerson,
		Status: booking.Confirmed}
	p := booking.EmailPayload{Reference: "W7K2-P9", Token: "t", Position: 3}
	m := compose(t, composer(t), booking.MsgWaitlistJoined, s, bo, p)
	want := "You will then have 24 hours to take it, or until 2 hours before the session starts if that is sooner."
	if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
		t.Errorf("waitlist_joined with the default offer time lacks %q:\n%s", want, m.Text)
	}
	m = compose(t, composerWith(t, notify.Config{OfferTTL: 6 * time.Hour}), booking.MsgWaitlistJoined, s, bo, p)
	if want := "You will then have 6 hours to take it"; !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
		t.Errorf("waitlist_joined with OFFER_TTL=6h lacks %q:\n%s", want, m.Text)
	}
	if strings.Contains(m.Text, "limited time") {
		t.Error("still a limited time")
	}
}

// The emails of an email change: the link goes to the new address; once
// it is followed, the old address gets a cancellation of its invite that
// says the booking stands, not that it was cancelled.
func TestEmailChangeEmails(t *testing.T) {
	c := composer(t)
	_, s, b := fixture()
	m := compose(t, c, booking.MsgEmailChange, s, b, booking.EmailPayload{To: "new@example.org", Token: "tok"})
	if m.To.Address != "new@example.org" || !strings.Contains(m.Text, base+"/email-change/tok") || m.Invite != nil {
		t.Errorf("email_change to %s:\n%s", m.To.Address, m.Text)
	}
	m = compose(t, c, booking.MsgBookingCancelled, s, b, booking.EmailPayload{To: "old@example.org", Sequence: 1})
	if m.To.Address != "old@example.org" || !strings.Contains(m.Text, "Your booking now uses another email address") ||
		strings.Contains(m.Text, "Your booking has been cancelled") || m.Method != "CANCEL" {
		t.Errorf("the old address's cancellation to %s (%s):\n%s", m.To.Address, m.Method, m.Text)
	}
}
