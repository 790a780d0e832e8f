package booking_test

import (
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// Times read as GOV.UK writes them: "midday" and "midnight", never "12pm"
// or "12am"; minutes only when there are any; a range with "to".
func TestTimesReadAsGOVUKWritesThem(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2028, 3, 14, h, m, 0, 0, booking.London) }
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{at(0, 0), "midnight"}, {at(0, 30), "12:30am"}, {at(9, 0), "9am"}, {at(10, 5), "10:05am"},
		{at(12, 0), "midday"}, {at(12, 30), "12:30pm"}, {at(14, 30), "2:30pm"}, {at(23, 59), "11:59pm"},
	} {
		if got := booking.TimeOfDay(c.t); got != c.want {
			t.Errorf("TimeOfDay(%s) = %q, want %q", c.t.Format("15:04"), got, c.want)
		}
	}
	for _, c := range []struct {
		start, end time.Time
		want       string
	}{
		{at(10, 0), at(12, 30), "Tuesday 14 March 2028, 10am to 12:30pm"},
		{at(10, 0), at(12, 0), "Tuesday 14 March 2028, 10am to midday"},
		{at(12, 0), at(14, 0), "Tuesday 14 March 2028, midday to 2pm"},
		{at(22, 0), at(24, 0), "Tuesday 14 March 2028, 10pm to Wednesday 15 March 2028, midnight"},
	} {
		if got := booking.When(c.start, c.end); got != c.want {
			t.Errorf("When = %q, want %q", got, c.want)
		}
	}
	if got, want := booking.At(at(12, 0)), "midday on Tuesday 14 March 2028"; got != want {
		t.Errorf("At = %q, want %q", got, want)
	}
}
