package notify_test

import (
	"strings"
	"testing"

	"github.com/coventry/workshops/booking"
)

// A pair's emails name the other person: the booker's their companion or
// carer, the companion's the person who booked for them.
func TestCompanionNamed(t *testing.T) {
	c := composer(t)
	_, s, b := fixture()
	booker := *b
	booker.With = "Sam Carer"
	m := compose(t, c, booking.MsgBookingConfirmed, s, &booker, booking.EmailPayload{Token: "tok"})
	if want := "Your companion or carer: Sam Carer, who has a place with you"; !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, "Sam Carer") {
		t.Errorf("booker's confirmation lacks %q:\n%s", want, m.Text)
	}

	companion := *b
	companion.Name, companion.Email, companion.Reference = "Sam Carer", "sam@example.org", "P3WX-8RTN"
	companion.CompanionOf, companion.With = 7, "Ada Lovelace"
	m = compose(t, c, booking.MsgBookingConfirmed, s, &companion, booking.EmailPayload{Token: "tok2"})
	if want := "Booked for you by: Ada Lovelace, as their companion or carer"; !strings.Contains(m.Text, want) {
		t.Errorf("companion's confirmation lacks %q:\n%s", want, m.Text)
	}
	if m.To.Address != "sam@example.org" || !strings.Contains(m.Text, "P3WX-8RTN") {
		t.Errorf("companion's confirmation to %v:\n%s", m.To, m.Text)
	}

	// Alone, no such line.
	m = compose(t, c, booking.MsgBookingConfirmed, s, b, booking.EmailPayload{Token: "tok"})
	if strings.Contains(m.Text, "companion") {
		t.Errorf("a booking alone mentions a companion:\n%s", m.Text)
	}
}
