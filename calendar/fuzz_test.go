package calendar

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-ical"
)

// FuzzFoldWriter: written in any chunks, every physical line is at most 75
// octets and ends in CRLF, a fold never splits a UTF-8 sequence, and
// unfolding gives back the lines written.
func FuzzFoldWriter(f *testing.F) {
	for _, s := range []string{
		"SUMMARY:short\r\n",
		"DESCRIPTION:" + strings.Repeat("é", 80) + "\r\nEND:VEVENT\r\n",
		"X:" + strings.Repeat("a", 74) + "€" + strings.Repeat("b", 200) + "\n",
		"no end of line" + strings.Repeat("x", 100),
		"\xff\xfe" + strings.Repeat("\x80", 160) + "\r\n",
		"A:\r\r\n\n\r\n",
	} {
		f.Add([]byte(s), uint8(7))
	}
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8) {
		var out bytes.Buffer
		fw := NewFoldWriter(&out)
		step := int(chunk)%64 + 1
		for p := in; len(p) > 0; {
			n := min(step, len(p))
			if _, err := fw.Write(p[:n]); err != nil {
				t.Fatal(err)
			}
			p = p[n:]
		}
		if err := fw.Close(); err != nil {
			t.Fatal(err)
		}
		b := out.Bytes()
		if len(b) > 0 && !bytes.HasSuffix(b, []byte("\r\n")) {
			t.Fatalf("output does not end in CRLF: %q", b)
		}
		for _, l := range bytes.Split(bytes.TrimSuffix(b, []byte("\r\n")), []byte("\r\n")) {
			if len(l) > maxLine {
				t.Fatalf("a line of %d octets: %q", len(l), l)
			}
			if utf8.Valid(in) && !utf8.Valid(l) {
				t.Fatalf("a fold split a UTF-8 sequence: %q", l)
			}
		}
		// The lines written: each ended by LF (one CR before it dropped), and
		// a last one without. A line that starts with a space would be read
		// as a continuation anyway, so the round trip is checked without them.
		var want bytes.Buffer
		lines := bytes.Split(in, []byte("\n"))
		for i, l := range lines {
			if i < len(lines)-1 {
				l = bytes.TrimSuffix(l, []byte("\r"))
			} else if len(l) == 0 {
				break
			}
			if i > 0 && len(l) > 0 && l[0] == ' ' {
				return
			}
			want.Write(l)
			want.WriteString("\r\n")
		}
		if got := bytes.ReplaceAll(b, []byte("\r\n "), nil); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("unfolded %q, want %q", got, want.Bytes())
		}
	})
}

// FuzzEscape: whatever a person typed, an event's TEXT values and a quoted
// parameter come back from a real iCalendar parser as the cleaned text,
// with no control character in a one-line value and no quote in a
// parameter, on lines of at most 75 octets.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{
		"Ann Lee", "a,b;c\\d:e", "line one\r\nline two\rthree\nfour", "\x00\x1b[31m\x7f", "\"quoted\" name",
		"END:VEVENT\r\nBEGIN:VEVENT", strings.Repeat("😀", 40), "\xff\xfe", "tab\there", "\u2028\u0085",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, txt, pv := line(s), text(s), paramValue(s)
		if strings.IndexFunc(l, func(r rune) bool { return unicode.IsControl(r) && r != '\t' }) >= 0 || !utf8.ValidString(l) {
			t.Fatalf("line(%q) = %q", s, l)
		}
		if strings.IndexFunc(txt, func(r rune) bool { return unicode.IsControl(r) && r != '\t' && r != '\n' }) >= 0 || !utf8.ValidString(txt) {
			t.Fatalf("text(%q) = %q", s, txt)
		}
		if strings.ContainsRune(pv, '"') || strings.IndexFunc(pv, unicode.IsControl) >= 0 || !utf8.ValidString(pv) {
			t.Fatalf("paramValue(%q) = %q", s, pv)
		}

		cal := ical.NewCalendar()
		cal.Props.SetText(ical.PropProductID, "-//fuzz//EN")
		cal.Props.SetText(ical.PropVersion, "2.0")
		ev := ical.NewEvent()
		ev.Props.SetText(ical.PropUID, "fuzz@workshops")
		ev.Props.SetText(ical.PropSummary, l)
		ev.Props.SetText(ical.PropDescription, txt)
		att := ical.NewProp(ical.PropAttendee)
		att.Value = "mailto:ann@example.org"
		att.Params.Set(ical.ParamCommonName, pv)
		ev.Props.Add(att)
		cal.Children = append(cal.Children, ev.Component)
		b, err := encode(cal)
		if err != nil {
			return // go-ical refuses some values; nothing is written then
		}
		for _, physical := range bytes.Split(b, []byte("\r\n")) {
			if len(physical) > maxLine {
				t.Fatalf("a line of %d octets", len(physical))
			}
		}
		got, err := ical.NewDecoder(bytes.NewReader(b)).Decode()
		if err != nil {
			t.Fatalf("the invite does not parse: %v\n%s", err, b)
		}
		evs := got.Events()
		if len(evs) != 1 {
			t.Fatalf("%d events from one: %s", len(evs), b)
		}
		if v, _ := evs[0].Props.Text(ical.PropSummary); v != l {
			t.Fatalf("summary %q came back %q", l, v)
		}
		if v, _ := evs[0].Props.Text(ical.PropDescription); v != txt {
			t.Fatalf("description %q came back %q", txt, v)
		}
		if p := evs[0].Props.Get(ical.PropAttendee); p == nil || p.Params.Get(ical.ParamCommonName) != pv {
			t.Fatalf("common name %q came back %+v", pv, p)
		}
	})
}
