package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/postgres"
)

// book confirms a booking for name and email at now and returns it.
func book(t *testing.T, db *postgres.DB, sessionID int64, mode booking.Mode, name, email string) *booking.Booking {
	t.Helper()
	b := newBooking(sessionID, mode, email)
	b.Name = name
	if _, err := db.ConfirmBooking(context.Background(), b, "", now); err != nil {
		t.Fatalf("book %s: %v", email, err)
	}
	return b
}

func yes() *bool { v := true; return &v }
func no() *bool  { v := false; return &v }

func TestAttendeesAreLiveBookings(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 5, 5)
	other := addSession(t, db, w.ID, 72*time.Hour, 5, 5)
	a := book(t, db, s.ID, booking.InPerson, "Zoë O'Neill-Łukasz", "zoe@example.org")
	gone := book(t, db, s.ID, booking.Online, "Gone Away", "gone@example.org")
	c := book(t, db, s.ID, booking.Online, "<script>alert(1)</script>", "c@example.org")
	book(t, db, other.ID, booking.InPerson, "Elsewhere", "e@example.org")
	if _, _, err := db.CancelBooking(ctx, gone.Reference, now); err != nil {
		t.Fatal(err)
	}

	got, err := db.Attendees(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Reference != a.Reference || got[1].Reference != c.Reference {
		t.Fatalf("attendees = %+v, want %s then %s", got, a.Reference, c.Reference)
	}
	if got[0].Name != "Zoë O'Neill-Łukasz" || got[1].Name != "<script>alert(1)</script>" {
		t.Errorf("names = %q, %q: want them exactly as typed", got[0].Name, got[1].Name)
	}
	none, err := db.Attendees(ctx, s.ID+1000)
	if err != nil || len(none) != 0 {
		t.Errorf("attendees of no session = %v, %v", none, err)
	}
}

func TestMarkAttendance(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 5, 5)
	b := book(t, db, s.ID, booking.InPerson, "Ada Lovelace", "ada@example.org")
	gone := book(t, db, s.ID, booking.InPerson, "Gone Away", "gone@example.org")
	if _, _, err := db.CancelBooking(ctx, gone.Reference, now); err != nil {
		t.Fatal(err)
	}

	// Two days ahead is too early to tick anyone in.
	_, err := db.MarkAttendance(ctx, b.Reference, yes(), now)
	wantCode(t, err, booking.EConflict)

	onTheDay := s.StartsAt.Add(-time.Hour)
	// References are typed in any case, with or without the hyphen.
	typed := strings.ToLower(strings.ReplaceAll(b.Reference, "-", ""))
	got, err := db.MarkAttendance(ctx, typed, yes(), onTheDay)
	if err != nil {
		t.Fatal(err)
	}
	if got.Attended == nil || !*got.Attended || got.Reference != b.Reference {
		t.Errorf("marked = %+v, want attended", got)
	}
	read, err := db.Booking(ctx, b.Reference)
	if err != nil || read.Attended == nil || !*read.Attended {
		t.Fatalf("read back = %+v, %v", read, err)
	}
	if _, err := db.MarkAttendance(ctx, b.Reference, nil, onTheDay); err != nil {
		t.Fatal(err)
	}
	if read, _ = db.Booking(ctx, b.Reference); read.Attended != nil {
		t.Errorf("after clearing, attended = %v, want unknown", *read.Attended)
	}

	_, err = db.MarkAttendance(ctx, gone.Reference, yes(), onTheDay)
	wantCode(t, err, booking.EConflict)
	_, err = db.MarkAttendance(ctx, "ZZZZ-ZZZZ", yes(), onTheDay)
	wantCode(t, err, booking.ENotFound)
	_, err = db.MarkAttendance(ctx, "", yes(), onTheDay)
	wantCode(t, err, booking.ENotFound)

	if _, err := db.UpdateSession(ctx, s.ID, now, func(s *booking.Session) (booking.Notice, error) {
		s.Status = booking.Cancelled
		return booking.Notice{}, nil
	}); err != nil {
		t.Fatal(err)
	}
	_, err = db.MarkAttendance(ctx, b.Reference, yes(), onTheDay)
	wantCode(t, err, booking.EConflict)
	_, err = db.MarkNoShows(ctx, s.ID, s.EndsAt.Add(time.Hour))
	wantCode(t, err, booking.EConflict)
}

func TestMarkNoShows(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 5, 5)
	came := book(t, db, s.ID, booking.InPerson, "Came Along", "came@example.org")
	book(t, db, s.ID, booking.InPerson, "Stayed Home", "home@example.org")
	book(t, db, s.ID, booking.Online, "Never Joined", "never@example.org")
	gone := book(t, db, s.ID, booking.Online, "Gone Away", "gone@example.org")
	if _, _, err := db.CancelBooking(ctx, gone.Reference, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.MarkAttendance(ctx, came.Reference, yes(), s.StartsAt); err != nil {
		t.Fatal(err)
	}

	// Not while people may still arrive.
	_, err := db.MarkNoShows(ctx, s.ID, s.EndsAt.Add(-time.Minute))
	wantCode(t, err, booking.EConflict)
	_, err = db.MarkNoShows(ctx, s.ID+1000, s.EndsAt)
	wantCode(t, err, booking.ENotFound)

	n, err := db.MarkNoShows(ctx, s.ID, s.EndsAt)
	if err != nil || n != 2 {
		t.Fatalf("MarkNoShows = %d, %v; want 2", n, err)
	}
	n, err = db.MarkNoShows(ctx, s.ID, s.EndsAt.Add(time.Hour))
	if err != nil || n != 0 {
		t.Errorf("second MarkNoShows = %d, %v; want 0", n, err)
	}
	if g, _ := db.Booking(ctx, gone.Reference); g.Attended != nil {
		t.Errorf("a cancelled booking was marked: %v", *g.Attended)
	}

	// Someone marked absent who did come is corrected afterwards.
	list, _ := db.Attendees(ctx, s.ID)
	for _, b := range list {
		if b.Name == "Stayed Home" {
			if _, err := db.MarkAttendance(ctx, b.Reference, yes(), s.EndsAt.Add(2*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, counts, err := db.WorkshopAttendance(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := booking.SessionAttendance{ByMode: []booking.AttendanceCount{
		{Mode: booking.InPerson, Booked: 2, Attended: 2},
		{Mode: booking.Online, Booked: 1, NoShow: 1},
	}}
	if len(counts) != 1 || counts[0].For(booking.InPerson) != want.ByMode[0] || counts[0].For(booking.Online) != want.ByMode[1] {
		t.Errorf("counts = %+v, want %+v", counts, want.ByMode)
	}
}

func TestWorkshopAttendance(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	later := addSession(t, db, w.ID, 72*time.Hour, 5, 5)
	sooner := addSession(t, db, w.ID, 48*time.Hour, 5, 5)
	empty := addSession(t, db, w.ID, 96*time.Hour, 5, 0)
	otherW := addWorkshop(t, db, booking.Public)
	book(t, db, addSession(t, db, otherW.ID, 48*time.Hour, 5, 5).ID, booking.InPerson, "Not Counted", "x@example.org")

	for i, m := range []booking.Mode{booking.InPerson, booking.InPerson, booking.Online} {
		book(t, db, sooner.ID, m, "Person Sooner", "s"+string(rune('a'+i))+"@example.org")
	}
	b := book(t, db, later.ID, booking.Online, "Person Later", "l@example.org")
	if _, err := db.MarkAttendance(ctx, b.Reference, yes(), later.StartsAt); err != nil {
		t.Fatal(err)
	}
	if _, err := db.MarkNoShows(ctx, sooner.ID, sooner.EndsAt); err != nil {
		t.Fatal(err)
	}

	gotW, got, err := db.WorkshopAttendance(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if gotW.ID != w.ID || len(got) != 3 {
		t.Fatalf("workshop %+v with %d sessions, want 3", gotW, len(got))
	}
	if got[0].Session.ID != sooner.ID || got[1].Session.ID != later.ID || got[2].Session.ID != empty.ID {
		t.Errorf("sessions in order %d, %d, %d; want soonest first", got[0].Session.ID, got[1].Session.ID, got[2].Session.ID)
	}
	if c := got[0].For(booking.InPerson); c != (booking.AttendanceCount{Mode: booking.InPerson, Booked: 2, NoShow: 2}) {
		t.Errorf("sooner in person = %+v", c)
	}
	if c := got[1].Total(); c != (booking.AttendanceCount{Booked: 1, Attended: 1}) {
		t.Errorf("later total = %+v", c)
	}
	if c := got[2].Total(); c != (booking.AttendanceCount{}) || got[2].Session.PlacesFor(booking.InPerson).Capacity != 5 {
		t.Errorf("empty session = %+v, places %+v", c, got[2].Session.Places)
	}
	_, _, err = db.WorkshopAttendance(ctx, w.ID+1000)
	wantCode(t, err, booking.ENotFound)
}
