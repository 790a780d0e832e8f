package web

import (
	"strings"
	"testing"
	"time"
)

func TestSessionTimesInLondonAcrossTheClockChange(t *testing.T) {
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	for _, c := range []struct {
		day, month, year, start, end string
		wantStart, wantEnd           time.Time
		wantErr                      map[string]string // field: part of the message
	}{
		// Winter: London is UTC; summer: an hour ahead.
		{"27", "3", "2027", "10:00", "12:00", utc(2027, 3, 27, 10, 0), utc(2027, 3, 27, 12, 0), nil},
		// Clocks go forward at 1am on Sunday 28 March 2027.
		{"28", "3", "2027", "10am", "12:30pm", utc(2027, 3, 28, 9, 0), utc(2027, 3, 28, 11, 30), nil},
		{"28", "03", "2027", "0:30", "3:00", utc(2027, 3, 28, 0, 30), utc(2027, 3, 28, 2, 0), nil}, // GMT, then BST
		{"28", "3", "2027", "1:30am", "3am", time.Time{}, utc(2027, 3, 28, 2, 0), map[string]string{"start_time": "no 1:30am on Sunday 28 March 2027"}},
		// Clocks go back at 2am on Sunday 31 October 2027.
		{"30", "10", "2027", "14:00", "16:00", utc(2027, 10, 30, 13, 0), utc(2027, 10, 30, 15, 0), nil},
		{"31", "10", "2027", "14.00", "1600", utc(2027, 10, 31, 14, 0), utc(2027, 10, 31, 16, 0), nil},
		{"31", "10", "2027", "00:30", "01:30", utc(2027, 10, 30, 23, 30), time.Time{}, map[string]string{"end_time": "1:30am happens twice"}},
		// Wrong or missing.
		{"29", "2", "2027", "10:00", "11:00", time.Time{}, time.Time{}, map[string]string{"date": "real date"}},
		{"29", "2", "2028", "10:00", "11:00", utc(2028, 2, 29, 10, 0), utc(2028, 2, 29, 11, 0), nil},
		{"", "2", "", "10:00", "11:00", time.Time{}, time.Time{}, map[string]string{"date": "must include a day and year"}},
		{"", "", "", "", "", time.Time{}, time.Time{}, map[string]string{"date": "Enter the date", "start_time": "Enter the start", "end_time": "Enter the end"}},
		{"1", "13", "2027", "10:00", "11:00", time.Time{}, time.Time{}, map[string]string{"date": "real date"}},
		{"1", "6", "27", "10:00", "11:00", time.Time{}, time.Time{}, map[string]string{"date": "real date"}},
		{"1", "6", "2027", "13pm", "10:60", time.Time{}, time.Time{}, map[string]string{"start_time": "like 10:00", "end_time": "like 10:00"}},
		{"1", "6", "2027", "11:00", "10:00", utc(2027, 6, 1, 10, 0), utc(2027, 6, 1, 9, 0), map[string]string{"end_time": "after the start"}},
		{"1", "6", "2027", "12pm", "12am", utc(2027, 6, 1, 11, 0), utc(2027, 5, 31, 23, 0), map[string]string{"end_time": "after the start"}},
		// The words the pages use.
		{"1", "6", "2027", "10:30", "Midday", utc(2027, 6, 1, 9, 30), utc(2027, 6, 1, 11, 0), nil},
		{"1", "6", "2027", "noon", "midnight", utc(2027, 6, 1, 11, 0), utc(2027, 5, 31, 23, 0), map[string]string{"end_time": "after the start"}},
	} {
		fields := map[string]string{}
		st := sessionTimes{Day: c.day, Month: c.month, Year: c.year, Start: c.start, End: c.end}
		start, end := st.parse(fields)
		name := strings.Join([]string{c.day, c.month, c.year, c.start, c.end}, " ")
		if len(fields) != len(c.wantErr) {
			t.Errorf("%s: errors %v, want %v", name, fields, c.wantErr)
		}
		for f, part := range c.wantErr {
			if !strings.Contains(fields[f], part) {
				t.Errorf("%s: %s error %q, want it to say %q", name, f, fields[f], part)
			}
		}
		if !start.Equal(c.wantStart) || !end.Equal(c.wantEnd) {
			t.Errorf("%s: %v to %v, want %v to %v", name, start.UTC(), end.UTC(), c.wantStart, c.wantEnd)
		}
		// What the edit form shows of a session reads back as the same times.
		if len(c.wantErr) == 0 {
			again := map[string]string{}
			s2, e2 := timesOf(start, end).parse(again)
			if len(again) > 0 || !s2.Equal(start) || !e2.Equal(end) {
				t.Errorf("%s: shown as %+v, read back as %v to %v (%v)", name, timesOf(start, end), s2, e2, again)
			}
		}
	}
}
