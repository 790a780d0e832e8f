package notify_test

import (
	"strings"
	"testing"

	"github.com/coventry/workshops/booking"
)

// The booker's cancellation says their companion's place went too, not
// that the companion still has one.
func TestCompanionNamedInCancellation(t *testing.T) {
	c := composer(t)
	_, s, b := fixture()
	booker := *b
	booker.Status, booker.With = booking.BookingCancelled, "Sam Carer"
	m := compose(t, c, booking.MsgBookingCancelled, s, &booker, booking.EmailPayload{})
	want := "Your companion or carer: Sam Carer, whose place is cancelled too"
	if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, "Sam Carer, whose place is cancelled too") {
		t.Errorf("booker's cancellation lacks %q:\n%s\n%s", want, m.Text, m.HTML)
	}
	if strings.Contains(m.Text, "who has a place with you") {
		t.Errorf("a cancellation says the companion has a place:\n%s", m.Text)
	}
}
