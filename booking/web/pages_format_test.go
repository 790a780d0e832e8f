package web

import (
	"testing"
	"time"
)

func TestWhenTextInLondonAcrossTheClockChange(t *testing.T) {
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	for _, c := range []struct {
		start, end time.Time
		want       string
	}{
		// Winter: London is UTC.
		{utc(2028, 3, 14, 10, 0), utc(2028, 3, 14, 12, 0), "Tuesday 14 March 2028, 10am to midday"},
		{utc(2028, 3, 14, 18, 30), utc(2028, 3, 14, 20, 15), "Tuesday 14 March 2028, 6:30pm to 8:15pm"},
		// Summer: London is an hour ahead.
		{utc(2028, 7, 4, 9, 0), utc(2028, 7, 4, 11, 0), "Tuesday 4 July 2028, 10am to midday"},
		// Clocks go forward at 1am GMT on Sunday 26 March 2028.
		{utc(2028, 3, 26, 0, 30), utc(2028, 3, 26, 1, 30), "Sunday 26 March 2028, 12:30am to 2:30am"},
		{utc(2028, 3, 25, 23, 0), utc(2028, 3, 26, 9, 0), "Saturday 25 March 2028, 11pm to Sunday 26 March 2028, 10am"},
		// Clocks go back at 2am BST on Sunday 29 October 2028.
		{utc(2028, 10, 29, 0, 30), utc(2028, 10, 29, 1, 30), "Sunday 29 October 2028, 1:30am to 1:30am"},
		{utc(2028, 10, 29, 9, 0), utc(2028, 10, 29, 11, 0), "Sunday 29 October 2028, 9am to 11am"},
		{utc(2028, 10, 28, 9, 0), utc(2028, 10, 28, 11, 0), "Saturday 28 October 2028, 10am to midday"},
		// Midnight.
		{utc(2028, 1, 4, 22, 0), utc(2028, 1, 5, 0, 0), "Tuesday 4 January 2028, 10pm to Wednesday 5 January 2028, midnight"},
	} {
		if got := whenText(c.start, c.end); got != c.want {
			t.Errorf("whenText(%s, %s) = %q, want %q", c.start, c.end, got, c.want)
		}
		// The server's own zone makes no difference.
		if got := whenText(c.start.In(time.FixedZone("X", -7*3600)), c.end.In(time.FixedZone("Y", 9*3600))); got != c.want {
			t.Errorf("in other zones: %q, want %q", got, c.want)
		}
	}
}

func TestPlacesAndDurationText(t *testing.T) {
	for n, want := range map[int]string{-1: "No places left", 0: "No places left", 1: "1 place left", 12: "12 places left"} {
		if got := placesText(n); got != want {
			t.Errorf("placesText(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{
		0: "no time", -time.Second: "no time", time.Second: "1 second", 59 * time.Second: "59 seconds",
		time.Minute: "1 minute", 10 * time.Minute: "10 minutes", 9*time.Minute + 30*time.Second: "9 minutes 30 seconds",
		61 * time.Second: "1 minute 1 second",
	} {
		if got := durationText(d); got != want {
			t.Errorf("durationText(%s) = %q, want %q", d, got, want)
		}
	}
}

// Every embedded page template parses and passes html/template's checks:
// the same work New does at start.
func TestTemplatesParse(t *testing.T) {
	v, err := parseViews(templateFuncs(newAssetServer()))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"start", "workshop", "session", "details", "check", "confirmed", "manage", "cancel", "switch", "error", "accessibility", "privacy", "cookies"} {
		if v.pages[name] == nil {
			t.Errorf("no page template %q", name)
		}
	}
}
