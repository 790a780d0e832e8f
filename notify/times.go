package notify

import (
	"fmt"
	"time"
)

// London is where every time in an email is shown: people read "10am" as
// the clock on their wall, across the change to and from summer time.
func London() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		// The zone database is embedded by the main program (time/tzdata);
		// without it every time shown would be wrong, so say so loudly.
		panic(fmt.Sprintf("notify: time zone Europe/London: %v", err))
	}
	return loc
}

// Day is a date as GOV.UK writes it: "Tuesday 14 March 2028".
func Day(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Monday 2 January 2006")
}

// Clock is a time of day as GOV.UK writes it: "10am", "2:30pm", "12pm".
func Clock(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	h, m := t.Hour(), t.Minute()
	suffix := "am"
	if h >= 12 {
		suffix = "pm"
	}
	h %= 12
	if h == 0 {
		h = 12
	}
	if m == 0 {
		return fmt.Sprintf("%d%s", h, suffix)
	}
	return fmt.Sprintf("%d:%02d%s", h, m, suffix)
}

// When is a session's time span: "Tuesday 14 March 2028, 10am to 12pm",
// naming the second day too when the session runs past midnight.
func When(start, end time.Time, loc *time.Location) string {
	s := Day(start, loc) + ", " + Clock(start, loc) + " to "
	if Day(end, loc) != Day(start, loc) {
		s += Day(end, loc) + ", "
	}
	return s + Clock(end, loc)
}

// At is a moment: "2:30pm on Tuesday 14 March 2028".
func At(t time.Time, loc *time.Location) string {
	return Clock(t, loc) + " on " + Day(t, loc)
}
