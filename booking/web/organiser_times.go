package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/coventry/workshops/booking"
)

// Session times on the organisers' forms: a date in the GOV.UK date input
// pattern (day, month, year) and a start and end time on that day, all in
// Europe/London whatever the server's zone. Go's time.Date gives the right
// offset either side of the clock change; the hour that does not exist
// (clocks forward) and the hour that happens twice (clocks back) are
// refused by name rather than guessed.

// sessionTimes is what the organiser typed, kept as typed so the form can
// show it again.
type sessionTimes struct {
	Day, Month, Year, Start, End string
}

// timesOf fills the fields from a session's start and end, in London.
func timesOf(start, end time.Time) sessionTimes {
	s, e := start.In(london), end.In(london)
	return sessionTimes{
		Day: strconv.Itoa(s.Day()), Month: strconv.Itoa(int(s.Month())), Year: strconv.Itoa(s.Year()),
		Start: s.Format("15:04"), End: e.Format("15:04"),
	}
}

// values puts the fields into a page's Values under their form names.
func (t sessionTimes) values(v map[string]string) {
	v["date-day"], v["date-month"], v["date-year"] = t.Day, t.Month, t.Year
	v["start_time"], v["end_time"] = t.Start, t.End
}

// parse turns the fields into instants, adding a message to fields for
// each one at fault: "date", "start_time", "end_time".
func (t sessionTimes) parse(fields map[string]string) (start, end time.Time) {
	day, ok := t.date(fields)
	startH, startM, startOK := parseClock(t.Start, "start_time", "start", fields)
	endH, endM, endOK := parseClock(t.End, "end_time", "end", fields)
	if !ok {
		return
	}
	if startOK {
		start = londonTime(day, startH, startM, "start_time", "start", fields)
	}
	if endOK {
		end = londonTime(day, endH, endM, "end_time", "end", fields)
	}
	if !start.IsZero() && !end.IsZero() && !end.After(start) {
		fields["end_time"] = "The end time must be after the start time"
	}
	return
}

// date checks the day, month and year, GOV.UK style: one message for the
// date, naming what is missing or wrong.
func (t sessionTimes) date(fields map[string]string) (time.Time, bool) {
	d, m, y := strings.TrimSpace(t.Day), strings.TrimSpace(t.Month), strings.TrimSpace(t.Year)
	var missing []string
	for _, p := range []struct{ v, name string }{{d, "day"}, {m, "month"}, {y, "year"}} {
		if p.v == "" {
			missing = append(missing, p.name)
		}
	}
	switch len(missing) {
	case 3:
		fields["date"] = "Enter the date of the session"
		return time.Time{}, false
	case 2:
		fields["date"] = "The date of the session must include a " + missing[0] + " and " + missing[1]
		return time.Time{}, false
	case 1:
		fields["date"] = "The date of the session must include a " + missing[0]
		return time.Time{}, false
	}
	day, errD := strconv.Atoi(d)
	month, errM := strconv.Atoi(m)
	year, errY := strconv.Atoi(y)
	if errD != nil || errM != nil || errY != nil || len(y) != 4 || month < 1 || month > 12 || day < 1 ||
		day > daysIn(time.Month(month), year) {
		fields["date"] = "The date of the session must be a real date, like 14 3 2028"
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, london), true
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseClock reads "10:00", "14:30", "10am", "2:30pm", "10.30" or "1030",
// and "midday" (or "noon") and "midnight", as the pages write them.
func parseClock(v, field, what string, fields map[string]string) (hour, minute int, ok bool) {
	s := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(v), " ", ""))
	switch s {
	case "midday", "noon":
		return 12, 0, true
	case "midnight":
		return 0, 0, true
	}
	if s == "" {
		fields[field] = "Enter the " + what + " time"
		return 0, 0, false
	}
	bad := func() (int, int, bool) {
		fields[field] = "Enter the " + what + " time like 10:00 or 2:30pm"
		return 0, 0, false
	}
	suffix := ""
	if strings.HasSuffix(s, "am") || strings.HasSuffix(s, "pm") {
		s, suffix = s[:len(s)-2], s[len(s)-2:]
	}
	s = strings.ReplaceAll(s, ".", ":")
	hs, ms, colon := strings.Cut(s, ":")
	if !colon {
		switch {
		case len(s) <= 2:
			hs, ms = s, "0"
		case len(s) == 4 && suffix == "":
			hs, ms = s[:2], s[2:]
		default:
			return bad()
		}
	} else if len(ms) != 2 {
		return bad()
	}
	h, errH := strconv.Atoi(hs)
	m, errM := strconv.Atoi(ms)
	if errH != nil || errM != nil || hs == "" || h < 0 || m < 0 || m > 59 {
		return bad()
	}
	switch suffix {
	case "":
		if h > 23 {
			return bad()
		}
	default:
		if h < 1 || h > 12 {
			return bad()
		}
		if h == 12 {
			h = 0
		}
		if suffix == "pm" {
			h += 12
		}
	}
	return h, m, true
}

// londonTime is the instant of hour:minute on day in London, refusing a
// time the clock change skips or repeats.
func londonTime(day time.Time, hour, minute int, field, what string, fields map[string]string) time.Time {
	t := time.Date(day.Year(), day.Month(), day.Day(), hour, minute, 0, 0, london)
	if t.Hour() != hour || t.Minute() != minute || t.Day() != day.Day() {
		fields[field] = fmt.Sprintf("There is no %s on %s in the UK: the clocks go forward an hour. Enter another %s time",
			booking.TimeOfDay(time.Date(2000, 1, 1, hour, minute, 0, 0, london)), booking.Day(day), what)
		return time.Time{}
	}
	for _, other := range []time.Time{t.Add(-time.Hour), t.Add(time.Hour)} {
		if o := other.In(london); o.Hour() == hour && o.Minute() == minute && o.Day() == day.Day() {
			fields[field] = fmt.Sprintf("%s happens twice on %s in the UK: the clocks go back an hour. Enter another %s time",
				booking.TimeOfDay(t), booking.Day(day), what)
			return time.Time{}
		}
	}
	return t
}
