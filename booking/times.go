package booking

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // Europe/London wherever the binary runs
)

// London is where every time is shown (DESIGN.md, invariant 5): people read
// "10am" as the clock on their wall, across the change to and from summer
// time. Pages, emails and printed lists all use the functions below.
var London = mustLoadLondon()

func mustLoadLondon() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		// The zone database is embedded (time/tzdata): this cannot happen
		// unless the build is broken, and every time shown would be wrong.
		panic("booking: time zone Europe/London: " + err.Error())
	}
	return loc
}

// Day is a date as GOV.UK writes it: "Tuesday 14 March 2028".
func Day(t time.Time) string { return t.In(London).Format("Monday 2 January 2006") }

// TimeOfDay is a time of day as GOV.UK writes it: "10am", "2:30pm",
// "midday", "midnight" (never "12pm" or "12am", which people misread).
func TimeOfDay(t time.Time) string {
	t = t.In(London)
	switch {
	case t.Minute() != 0:
		return t.Format("3:04pm")
	case t.Hour() == 12:
		return "midday"
	case t.Hour() == 0:
		return "midnight"
	}
	return t.Format("3pm")
}

// When is a session's time span: "Tuesday 14 March 2028, 10am to midday",
// naming the second day too when the session runs past midnight.
func When(start, end time.Time) string {
	s := Day(start) + ", " + TimeOfDay(start) + " to "
	if Day(end) != Day(start) {
		s += Day(end) + ", "
	}
	return s + TimeOfDay(end)
}

// At is a moment: "2:30pm on Tuesday 14 March 2028".
func At(t time.Time) string { return fmt.Sprintf("%s on %s", TimeOfDay(t), Day(t)) }

// Span is a length of time in words: "24 hours", "1 hour 30 minutes",
// "3 days", as the pages and emails say how long something is kept.
func Span(d time.Duration) string {
	mins := int(d.Round(time.Minute) / time.Minute)
	if mins >= 48*60 && mins%(24*60) == 0 {
		return fmt.Sprintf("%d days", mins/(24*60))
	}
	h, m := mins/60, mins%60
	var parts []string
	if h == 1 {
		parts = append(parts, "1 hour")
	} else if h > 1 {
		parts = append(parts, fmt.Sprintf("%d hours", h))
	}
	if m == 1 {
		parts = append(parts, "1 minute")
	} else if m > 1 || h == 0 {
		parts = append(parts, fmt.Sprintf("%d minutes", m))
	}
	return strings.Join(parts, " ")
}
