package booking_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

func TestSortBySurname(t *testing.T) {
	names := []string{
		"zoë o'neill-łukasz", // lower case, accents: sorts with "O'Neill"
		"Amy Zephaniah",
		"Ölaf Abbott",
		"",
		"  Tom   okafor ",
		"Ben O'Brien",
		"<script>alert(1)</script>",
		"=HYPERLINK(\"http://x\",\"y\")",
		"Émile Øberg",
		"Ada Lovelace",
		"Ada Lovelace",
		"Cher",
	}
	var bs []booking.Booking
	for i, n := range names {
		bs = append(bs, booking.Booking{Name: n, Reference: fmt.Sprintf("REF-%04d", len(names)-i)})
	}
	booking.SortBySurname(bs)
	var got []string
	for _, b := range bs {
		got = append(got, b.Name)
	}
	want := []string{
		"<script>alert(1)</script>", // surname "alert(1)</script>": punctuation first
		"=HYPERLINK(\"http://x\",\"y\")",
		"Ölaf Abbott",
		"Cher",
		"Ada Lovelace",
		"Ada Lovelace",
		"Ben O'Brien", // the apostrophe sorts before letters
		"zoë o'neill-łukasz",
		"Émile Øberg", // Ø files with O
		"  Tom   okafor ",
		"Amy Zephaniah",
		"", // removed personal data comes last
	}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Errorf("sorted:\n got %q\nwant %q", got, want)
	}
	// Equal names keep a fixed order: by reference.
	if bs[4].Reference > bs[5].Reference {
		t.Errorf("equal names in order %s, %s; want by reference", bs[4].Reference, bs[5].Reference)
	}
	// Names are never rewritten.
	for _, b := range bs {
		found := false
		for _, n := range names {
			found = found || n == b.Name
		}
		if !found {
			t.Errorf("name %q is not one given", b.Name)
		}
	}
}

func TestCountAttendance(t *testing.T) {
	yes, no := true, false
	bs := []booking.Booking{
		{Mode: booking.InPerson, Status: booking.Confirmed, Attended: &yes},
		{Mode: booking.InPerson, Status: booking.Confirmed, Attended: &no},
		{Mode: booking.InPerson, Status: booking.PendingVerification},
		{Mode: booking.Online, Status: booking.Confirmed, Attended: &yes},
		{Mode: booking.Online, Status: booking.BookingCancelled, Attended: &yes},
	}
	got := booking.CountAttendance(bs)
	want := []booking.AttendanceCount{
		{Mode: booking.InPerson, Booked: 3, Attended: 1, NoShow: 1, Unmarked: 1},
		{Mode: booking.Online, Booked: 1, Attended: 1},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("counts = %+v, want %+v", got, want)
	}
	a := booking.SessionAttendance{ByMode: got}
	if tot := a.Total(); tot != (booking.AttendanceCount{Booked: 4, Attended: 2, NoShow: 1, Unmarked: 1}) {
		t.Errorf("total = %+v", tot)
	}
}

func TestAttendanceRules(t *testing.T) {
	start := time.Date(2026, 3, 29, 10, 0, 0, 0, time.UTC)
	s := &booking.Session{Status: booking.Scheduled, StartsAt: start, EndsAt: start.Add(2 * time.Hour)}
	live := &booking.Booking{Name: "Ada", Status: booking.Confirmed}
	for _, c := range []struct {
		name string
		b    *booking.Booking
		s    *booking.Session
		at   time.Time
		ok   bool
	}{
		{"the day before", live, s, start.Add(-booking.AttendanceOpensBefore), true},
		{"two days before", live, s, start.Add(-48 * time.Hour), false},
		{"a week after", live, s, start.Add(7 * 24 * time.Hour), true},
		{"cancelled booking", &booking.Booking{Name: "Ada", Status: booking.BookingCancelled}, s, start, false},
		{"anonymised booking", &booking.Booking{Status: booking.Confirmed}, s, start, false},
		{"cancelled session", live, &booking.Session{Status: booking.Cancelled, StartsAt: start, EndsAt: start.Add(time.Hour)}, start, false},
	} {
		err := booking.CheckAttendance(c.b, c.s, c.at)
		if (err == nil) != c.ok || (err != nil && booking.ErrorCode(err) != booking.EConflict) {
			t.Errorf("%s: %v, want ok=%v or a conflict", c.name, err, c.ok)
		}
	}
	if err := booking.CheckNoShows(s, s.EndsAt.Add(-time.Second)); booking.ErrorCode(err) != booking.EConflict {
		t.Errorf("no-shows before the end: %v", err)
	}
	if err := booking.CheckNoShows(s, s.EndsAt); err != nil {
		t.Errorf("no-shows at the end: %v", err)
	}
}
