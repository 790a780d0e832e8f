package booking_test

import (
	"slices"
	"testing"

	"github.com/coventry/workshops/booking"
)

// A venue is its name and its address's lines, trimmed, blank lines left
// out, whatever line breaks the organiser typed.
func TestVenueLines(t *testing.T) {
	for _, c := range []struct {
		v       booking.Venue
		lines   []string
		oneLine string
	}{
		{booking.Venue{Name: "Council House", Address: "Earl Street\r\n\r\n  Coventry CV1 5RR "}, []string{"Council House", "Earl Street", "Coventry CV1 5RR"}, "Council House, Earl Street, Coventry CV1 5RR"},
		{booking.Venue{Name: "Central Library"}, []string{"Central Library"}, "Central Library"},
		{booking.Venue{Name: " ", Address: "\n"}, nil, ""},
	} {
		if got := c.v.Lines(); !slices.Equal(got, c.lines) {
			t.Errorf("%q: Lines() = %q, want %q", c.v, got, c.lines)
		}
		if got := c.v.OneLine(); got != c.oneLine {
			t.Errorf("%q: OneLine() = %q, want %q", c.v, got, c.oneLine)
		}
	}
}
