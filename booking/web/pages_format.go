package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/coventry/workshops/booking"
)

// london is where every time on a page is shown (booking.London).
var london = booking.London

// whenText reads "Tuesday 14 March 2028, 10am to midday" in London; with no
// end, just the start.
func whenText(start, end time.Time) string {
	if end.IsZero() {
		return booking.Day(start) + ", " + booking.TimeOfDay(start)
	}
	return booking.When(start, end)
}

// placesText reads "12 places left", "1 place left" or "No places left".
func placesText(n int) string {
	switch {
	case n <= 0:
		return "No places left"
	case n == 1:
		return "1 place left"
	}
	return fmt.Sprintf("%d places left", n)
}

// durationText reads "9 minutes 30 seconds": the time a hold has left.
func durationText(d time.Duration) string {
	secs := int(d.Round(time.Second) / time.Second)
	if secs <= 0 {
		return "no time"
	}
	m, s := secs/60, secs%60
	var parts []string
	if m == 1 {
		parts = append(parts, "1 minute")
	} else if m > 1 {
		parts = append(parts, fmt.Sprintf("%d minutes", m))
	}
	if s == 1 {
		parts = append(parts, "1 second")
	} else if s > 1 || m == 0 {
		parts = append(parts, fmt.Sprintf("%d seconds", s))
	}
	return strings.Join(parts, " ")
}

// spanText reads "24 hours", "1 hour 30 minutes", "45 minutes" or "3 days":
// how long something lasts, to the minute.
func spanText(d time.Duration) string { return booking.Span(d) }

// lines splits multi-line text (access needs) for display, one line each;
// html/template escapes every line.
func lines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Split(s, "\n")
}

// fieldMaxLength is the maxlength of the fields people fill in, by form
// name: the limits booking's validation sets (booking/validate.go), so a
// browser stops typing where the service would refuse.
var fieldMaxLength = map[string]string{
	"name": "100", "email": "254", "organisation": "200", "postcode": "10", "access_needs": "2000",
	"companion.name": "100", "companion.email": "254",
}

// field builds the argument of the field partials ("input", "textarea",
// "hidden"): the form name, with its value and error from the page, and
// any of Label, Hint, Type, Autocomplete, Class, LabelClass, Spellcheck,
// Rows, ID, MaxLength given as key and value pairs. MaxLength defaults to
// fieldMaxLength's.
func field(p pager, name string, kv ...string) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("field %s: odd number of key and value arguments", name)
	}
	pg := p.page()
	m := map[string]any{
		"Name": name, "ID": name, "Value": pg.Value(name), "Error": pg.ErrorFor(name),
		"Label": "", "Hint": "", "Type": "", "Autocomplete": "", "Class": "", "LabelClass": "", "Spellcheck": "", "Rows": "",
		"MaxLength": fieldMaxLength[name],
	}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m, nil
}

// templateFuncs are the helpers every page template can call.
func templateFuncs(assets *assetServer) template.FuncMap {
	return template.FuncMap{
		"asset":    assets.url,
		"when":     whenText,
		"date":     booking.Day,
		"clock":    booking.TimeOfDay,
		"places":   placesText,
		"duration": durationText,
		"lines":    lines,
		"field":    field,
		"dateField": func(p pager, name, label, hint string) map[string]any {
			pg := p.page()
			return map[string]any{"ID": name, "Label": label, "Hint": hint, "Error": pg.ErrorFor(name),
				"Day": pg.Value(name + "-day"), "Month": pg.Value(name + "-month"), "Year": pg.Value(name + "-year")}
		},
		"modeLabel": func(m booking.Mode) string {
			return m.Label()
		},
		"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"lower":   strings.ToLower,
		"checkRow": func(p *checkPage, name, label, value string) checkRowData {
			return checkRowData{Name: name, Label: label, Held: p.Held, Prefix: p.Journey.Prefix, Value: value}
		},
		"row":         newSummaryRow,
		"accessHint":  accessNeedsHint,
		"sessionCard": newSessionCard,
		// (waitlistFor id mode) on the public pages, (waitlistFor id mode
		// "/staff") on the staff route's.
		"waitlistFor": func(sessionID int64, m booking.Mode, prefix ...string) waitlistSlot {
			return waitlistSlot{SessionID: sessionID, Mode: m, Prefix: strings.Join(prefix, "")}
		},
	}
}

// waitlistSlot is the argument of the "waitlist-link" template: a full way
// of taking part in a session.
type waitlistSlot struct {
	SessionID int64
	Mode      booking.Mode
	Prefix    string
}

// checkRowData is one answer on "Check your answers"; Prefix is the
// journey's, for the address of its "Change" button.
type checkRowData struct {
	Name, Label, Value string
	Held               *heldPlace
	Prefix             string
}
