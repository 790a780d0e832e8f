package attendance_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/attendance"
	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/internal/testenv"
)

// Names the issue asks every list to survive.
var awkward = testenv.AwkwardNames

var start = time.Date(2026, 3, 28, 10, 0, 0, 0, time.UTC) // the day before the clocks change

// list makes an attendance list of n people, a third of them online, the
// awkward names among them, sorted as the service sorts.
func list(n int) *booking.AttendanceList {
	s := &booking.Session{
		ID: 42, StartsAt: start, EndsAt: start.Add(2 * time.Hour), Status: booking.Scheduled,
		Venue:     booking.Venue{Name: "Council House", Address: "Earl Street\nCoventry CV1 5RR"},
		OnlineURL: "https://teams.example/meet",
		Places:    []booking.Places{{Mode: booking.InPerson, Capacity: n}, {Mode: booking.Online, Capacity: n}},
		Workshop:  &booking.Workshop{ID: 7, Title: "One Coventry Plan: have your say"},
	}
	l := &booking.AttendanceList{Session: s}
	yes := true
	for i := 0; i < n; i++ {
		b := booking.Booking{
			Reference: fmt.Sprintf("REF-%04d", i), SessionID: s.ID, Mode: booking.InPerson,
			Name:  fmt.Sprintf("Sam%03d Surname%03d", i, i),
			Email: fmt.Sprintf("p%d@example.org", i), Organisation: "Hillfields Residents' Association",
			Status: booking.Confirmed,
		}
		if i%3 == 2 {
			b.Mode = booking.Online
		}
		if i < len(awkward)*2 {
			b.Name = awkward[i%len(awkward)]
		}
		if i%7 == 0 {
			b.AccessNeeds = "Wheelchair user; step-free access please"
		}
		if i%11 == 0 {
			b.Attended = &yes
		}
		l.Attendees = append(l.Attendees, b)
	}
	booking.SortBySurname(l.Attendees)
	l.Counts = booking.CountAttendance(l.Attendees)
	return l
}

func TestNeutraliseCell(t *testing.T) {
	for in, want := range map[string]string{
		`=HYPERLINK("http://x","y")`: `'=HYPERLINK("http://x","y")`,
		"+44 24 7683 3333":           "'+44 24 7683 3333",
		"-2+3":                       "'-2+3",
		"@SUM(A1)":                   "'@SUM(A1)",
		"\tcmd":                      "'\tcmd",
		"\rcmd":                      "'\rcmd",
		"＝1+1":                       "'＝1+1",
		"Zoë O'Neill-Łukasz":         "Zoë O'Neill-Łukasz",
		"a=b":                        "a=b",
		"":                           "",
		"😀=1":                        "😀=1",
	} {
		if got := attendance.NeutraliseCell(in); got != want {
			t.Errorf("NeutraliseCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	l := list(300)
	l.Attendees[0].AccessNeeds = "Hearing loop\nand a seat near the front, \"please\""
	var buf bytes.Buffer
	if err := attendance.WriteCSV(&buf, l); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	rows := testenv.CSVRows(t, raw)
	if len(rows) != 301 || strings.Join(rows[0], ",") != strings.Join(attendance.CSVHeader, ",") {
		t.Fatalf("%d rows, header %q", len(rows), rows[0])
	}
	testenv.NoFormulas(t, rows[1:])
	names := map[string]int{}
	for _, row := range rows[1:] {
		names[row[1]]++
	}
	for i, n := range awkward {
		want := n
		if i == 1 {
			want = "'" + n
		}
		if names[want] != 2 {
			t.Errorf("name %q appears %d times, want 2", want, names[want])
		}
	}
	if names["Sam299 Surname299"] != 1 {
		t.Error("a plain name is missing")
	}
	if rows[1][5] != "Hearing loop\r\nand a seat near the front, \"please\"" && !strings.Contains(string(raw), "\"Hearing loop\r\nand a seat near the front, \"\"please\"\"\"") {
		t.Errorf("multi-line access needs not quoted: %q", rows[1][5])
	}
}

// CheckSheetPDF checks a sign-in sheet PDF of list l: every name present
// as typed, each page headed and numbered "Page i of N" with N the PDF's
// page count, and the online people in their own section.
func checkSheetPDF(t *testing.T, pdf []byte, l *booking.AttendanceList) {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 20)])
	}
	n := testenv.PDFPages(t, pdf)
	raw := testenv.PDFText(t, pdf, "-raw")
	pages := strings.Split(strings.TrimSuffix(raw, "\f"), "\f")
	if len(pages) != n {
		t.Fatalf("pdftotext found %d pages, pdfinfo %d", len(pages), n)
	}
	for i, p := range pages {
		want := fmt.Sprintf("Page %d of %d", i+1, n)
		if !strings.Contains(p, want) {
			t.Errorf("page %d does not say %q", i+1, want)
		}
		if !strings.Contains(p, l.Session.Workshop.Title) || !strings.Contains(p, "Saturday 28 March 2026, 10am to midday") ||
			!strings.Contains(p, "Council House, Earl Street, Coventry CV1 5RR") || !strings.Contains(p, "Booked: ") {
			t.Errorf("page %d lacks the header: %.300q", i+1, p)
		}
	}
	// A name wrapped in its cell loses the space at the break, so compare
	// without white space.
	flat := strings.Join(strings.Fields(raw), "")
	want := map[string]int{}
	for _, b := range l.Attendees {
		want[strings.Join(strings.Fields(b.Name), "")]++
	}
	for name, c := range want {
		if got := strings.Count(flat, name); got != c {
			t.Errorf("name %q appears %d times in the PDF, want %d", name, got, c)
		}
	}
	// Online people are in their own section, after everyone in person.
	onlineAt := regexp.MustCompile(`Online\(\d+\)`).FindStringIndex(flat)
	if onlineAt == nil || strings.Index(flat, "Inperson(") > onlineAt[0] {
		t.Fatalf("no online section after the in person one")
	}
	for _, b := range l.Attendees {
		name := strings.Join(strings.Fields(b.Name), "")
		if at := strings.Index(flat, name); want[name] == 1 && (b.Mode == booking.Online) != (at > onlineAt[0]) {
			t.Errorf("%s (%s) is in the wrong section", b.Name, b.Mode)
		}
	}
}

// rowsPerPage counts the rows of each mode on each page of a sheet's
// pdftotext -raw text: a row's "Taking part" cell starts a line.
func rowsPerPage(pages []string) (inPerson, online []int) {
	cell := regexp.MustCompile(`(?m)^(In person|Online)( ✓)?$|^(In person|Online) [^(]`)
	for _, p := range pages {
		var a, b int
		for _, m := range cell.FindAllStringSubmatch(p, -1) {
			if m[1] == "In person" || m[3] == "In person" {
				a++
			} else {
				b++
			}
		}
		if a > 0 {
			inPerson = append(inPerson, a)
		}
		if b > 0 {
			online = append(online, b)
		}
	}
	return inPerson, online
}

func TestWritePDF(t *testing.T) {
	l := list(300)
	sh := attendance.NewSheet("Coventry City Council", l, start.Add(-time.Hour))
	var buf bytes.Buffer
	if err := attendance.WritePDF(&buf, sh, nil); err != nil {
		t.Fatal(err)
	}
	checkSheetPDF(t, buf.Bytes(), l)

	// Every row here is as tall as the next, so each section fills k rows
	// a page but its last: the page count follows.
	pages := strings.Split(strings.TrimSuffix(testenv.PDFText(t, buf.Bytes(), "-raw"), "\f"), "\f")
	inPerson, online := rowsPerPage(pages)
	k := inPerson[0]
	if k < 15 {
		t.Fatalf("only %d rows on the first page", k)
	}
	for name, sec := range map[string][]int{"in person": inPerson, "online": online} {
		total := 0
		for i, n := range sec {
			total += n
			if i < len(sec)-1 && n != k {
				t.Errorf("%s page %d has %d rows, want %d", name, i+1, n, k)
			}
		}
		want := map[string]int{"in person": 200, "online": 100}[name]
		if total != want || len(sec) != (want+k-1)/k {
			t.Errorf("%s: %d rows on %d pages, want %d on %d", name, total, len(sec), want, (want+k-1)/k)
		}
	}
	if n := testenv.PDFPages(t, buf.Bytes()); n != len(inPerson)+len(online) {
		t.Errorf("%d pages, want %d", n, len(inPerson)+len(online))
	}
	if text := testenv.PDFText(t, buf.Bytes()); !strings.Contains(text, "Signature") || !strings.Contains(text, "✓") {
		t.Error("no signature column or no tick for people already ticked in")
	}
}

// TestWritePDFAwkwardText: text too long for its cell, emoji, control
// characters, removed data and an empty section all print without a row
// split or a crash, and long access needs are printed in full after the list.
func TestWritePDFAwkwardText(t *testing.T) {
	l := list(6)
	long := strings.Repeat("I need a sign language interpreter and a quiet room nearby. ", 33) + "END-OF-NEEDS"
	l.Attendees[0].AccessNeeds = long
	l.Attendees[1].Name = "Amélie 😀 Dupont\u0007"
	l.Attendees[2].Name = ""
	l.Attendees[3].Organisation = strings.Repeat("Coventry and Warwickshire Voluntary Organisations ", 4)
	l.Attendees[4].Status = booking.PendingVerification
	for i := range l.Attendees {
		l.Attendees[i].Mode = booking.InPerson
	}
	l.Counts = booking.CountAttendance(l.Attendees)
	sh := attendance.NewSheet("Coventry City Council", l, start)
	var buf bytes.Buffer
	if err := attendance.WritePDF(&buf, sh, nil); err != nil {
		t.Fatal(err)
	}
	text := testenv.PDFText(t, buf.Bytes(), "-raw")
	flat := strings.Join(strings.Fields(text), "")
	for _, want := range []string{
		"continuedafterthelist", "Accessneedsinfull", "END-OF-NEEDS", "Amélie�Dupont",
		attendance.RemovedName[1:8], "(notyetconfirmed)", "Online(0)", "Nobodyisbookedtotakepartthisway.",
	} {
		if !strings.Contains(flat, strings.Join(strings.Fields(want), "")) {
			t.Errorf("PDF lacks %q", want)
		}
	}
	if strings.Count(flat, strings.Join(strings.Fields(long), "")) != 1 {
		t.Error("the long access needs are not printed in full exactly once")
	}
	if n := testenv.PDFPages(t, buf.Bytes()); !strings.Contains(text, fmt.Sprintf("Page %d of %d", n, n)) {
		t.Errorf("the last page is not numbered %d of %d", n, n)
	}
}
