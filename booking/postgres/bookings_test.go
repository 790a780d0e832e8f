package postgres_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/postgres"
)

var referencePattern = regexp.MustCompile(`^[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{4}-[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{4}$`)

func TestConfirmUntilFull(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 3, 1)

	for i := 1; i <= 3; i++ {
		b := newBooking(s.ID, booking.InPerson, fmt.Sprintf("p%d@example.org", i))
		p, err := db.ConfirmBooking(ctx, b, "", now)
		if err != nil {
			t.Fatalf("booking %d: %v", i, err)
		}
		if p.Taken != i || p.Capacity != 3 || p.Version != int64(i) || p.Mode != booking.InPerson || p.SessionID != s.ID || p.Audience != booking.Public || !p.ClosesAt.Equal(s.StartsAt) {
			t.Errorf("booking %d: places = %+v", i, p)
		}
		if b.ID == 0 || !referencePattern.MatchString(b.Reference) || !b.CreatedAt.Equal(now) || b.Status != booking.Confirmed {
			t.Errorf("booking %d = %+v", i, b)
		}
	}
	_, err := db.ConfirmBooking(ctx, newBooking(s.ID, booking.InPerson, "late@example.org"), "", now)
	wantCode(t, err, booking.EFull)
	if _, err := db.ConfirmBooking(ctx, newBooking(s.ID, booking.Online, "late@example.org"), "", now); err != nil {
		t.Fatalf("online place: %v", err)
	}
	_, err = db.ConfirmBooking(ctx, newBooking(s.ID, booking.Online, "later@example.org"), "", now)
	wantCode(t, err, booking.EFull)

	places, err := db.Places(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if places[0].Booked != 3 || places[1].Booked != 1 {
		t.Errorf("places = %+v", places)
	}

	rows := outbox(t, db, booking.MsgBookingConfirmed)
	if len(rows) != 4 {
		t.Fatalf("%d confirmation emails queued, want 4", len(rows))
	}
	for _, r := range rows {
		if r.sequence() != 0 || r.SessionID != s.ID || r.Payload["sequence"] == nil ||
			!isMessageID(r.MessageID) {
			t.Errorf("outbox row = %+v", r)
		}
	}

	got, err := db.Booking(ctx, strings.ToLower(strings.ReplaceAll(rowsReference(t, db, rows[0].BookingID), "-", "")))
	if err != nil {
		t.Fatalf("Booking by a reference typed loosely: %v", err)
	}
	if got.ID != rows[0].BookingID || got.Email != "p1@example.org" || got.Attended != nil || got.CancelledAt != nil || len(got.TokenHash) != 32 {
		t.Errorf("Booking = %+v", got)
	}
	_, err = db.Booking(ctx, "AAAA-AAAA")
	wantCode(t, err, booking.ENotFound)
}

func rowsReference(t *testing.T, db *postgres.DB, bookingID int64) string {
	t.Helper()
	var ref string
	if err := db.Pool.QueryRow(context.Background(), `SELECT reference FROM bookings WHERE id = $1`, bookingID).Scan(&ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

func TestConfirmConcurrently(t *testing.T) {
	db := newDB(t) // a pool of 20 connections
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 30, 0)

	const people = 200
	codes := make([]booking.Code, people)
	var wg sync.WaitGroup
	for i := range people {
		wg.Go(func() {
			_, err := db.ConfirmBooking(ctx, newBooking(s.ID, booking.InPerson, fmt.Sprintf("p%d@example.org", i)), "", now)
			codes[i] = booking.ErrorCode(err)
		})
	}
	wg.Wait()
	count := map[booking.Code]int{}
	for i, c := range codes {
		count[c]++
		if c != "" && c != booking.EFull {
			t.Errorf("person %d: code %q", i, c)
		}
	}
	if count[""] != 30 || count[booking.EFull] != people-30 {
		t.Errorf("outcomes = %v, want 30 bookings and %d full", count, people-30)
	}
	var booked, rows, emails int
	if err := db.Pool.QueryRow(ctx, `
		SELECT (SELECT booked FROM session_capacity WHERE session_id = $1 AND mode = 'in_person'),
		       (SELECT count(*) FROM bookings WHERE session_id = $1),
		       (SELECT count(*) FROM outbox WHERE session_id = $1)`, s.ID).Scan(&booked, &rows, &emails); err != nil {
		t.Fatal(err)
	}
	if booked != 30 || rows != 30 || emails != 30 {
		t.Errorf("booked %d, %d bookings, %d emails; want 30 of each", booked, rows, emails)
	}
}

func TestDuplicateEmail(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 5, 5)

	first := newBooking(s.ID, booking.InPerson, "Ada@Example.org")
	if _, err := db.ConfirmBooking(ctx, first, "", now); err != nil {
		t.Fatal(err)
	}
	again := newBooking(s.ID, booking.Online, "ada@EXAMPLE.ORG")
	_, err := db.ConfirmBooking(ctx, again, "", now)
	wantCode(t, err, booking.EDuplicate)
	if strings.Contains(err.Error(), "ada@") || strings.Contains(strings.ToLower(err.Error()), "example.org") {
		t.Errorf("error %q shows the email address", err)
	}
	if again.ID != 0 || again.Reference != "" {
		t.Errorf("refused booking was filled in: %+v", again)
	}

	// Someone else who shares the address books under their own name; the
	// same name in another case is the same person.
	partner := newBooking(s.ID, booking.InPerson, "ada@example.org")
	partner.Name = "Charles Babbage"
	if _, err := db.ConfirmBooking(ctx, partner, "", now); err != nil {
		t.Fatalf("a second person at the same address: %v", err)
	}
	twice := newBooking(s.ID, booking.InPerson, "ADA@example.org")
	twice.Name = "charles BABBAGE"
	_, err = db.ConfirmBooking(ctx, twice, "", now)
	wantCode(t, err, booking.EDuplicate)
	if got := places(t, db, s.ID, booking.InPerson); got.Booked != 2 {
		t.Errorf("booked %d in person, want 2", got.Booked)
	}
	places, err := db.Places(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if places[1].Booked != 0 || places[1].Version != 0 {
		t.Errorf("refused booking kept its place: %+v", places[1])
	}

	// A booking taken by phone may have no email; several of those are fine.
	for range 2 {
		if _, err := db.ConfirmBooking(ctx, newBooking(s.ID, booking.InPerson, ""), "", now); err != nil {
			t.Fatalf("booking without email: %v", err)
		}
	}

	if _, _, err := db.CancelBooking(ctx, first.Reference, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ConfirmBooking(ctx, again, "", now); err != nil {
		t.Fatalf("booking again after cancelling: %v", err)
	}
}

func TestCancelBooking(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 1, 0)

	b := newBooking(s.ID, booking.InPerson, "a@example.org")
	before, err := db.ConfirmBooking(ctx, b, "", now)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.ConfirmBooking(ctx, newBooking(s.ID, booking.InPerson, "b@example.org"), "", now)
	wantCode(t, err, booking.EFull)

	later := now.Add(time.Hour)
	got, after, err := db.CancelBooking(ctx, strings.ToLower(b.Reference), later)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != booking.BookingCancelled || got.CancelledAt == nil || !got.CancelledAt.Equal(later) ||
		got.InviteSequence != 1 || got.Reference != b.Reference {
		t.Errorf("cancelled booking = %+v", got)
	}
	if after.Taken != before.Taken-1 || after.Version <= before.Version {
		t.Errorf("places after cancelling = %+v, before = %+v", after, before)
	}

	rows := outbox(t, db, booking.MsgBookingCancelled)
	if len(rows) != 1 || rows[0].BookingID != b.ID || rows[0].sequence() != 1 || !isMessageID(rows[0].MessageID) {
		t.Fatalf("cancellation emails = %+v", rows)
	}
	confirmed := outbox(t, db, booking.MsgBookingConfirmed)
	if rows[0].sequence() <= confirmed[0].sequence() {
		t.Errorf("cancellation sequence %d not above confirmation's %d", rows[0].sequence(), confirmed[0].sequence())
	}

	_, _, err = db.CancelBooking(ctx, b.Reference, later)
	wantCode(t, err, booking.EConflict)
	_, _, err = db.CancelBooking(ctx, "ZZZZ-ZZZZ", later)
	wantCode(t, err, booking.ENotFound)
	if n := len(outbox(t, db, booking.MsgBookingCancelled)); n != 1 {
		t.Errorf("%d cancellation emails after refused cancellations, want 1", n)
	}

	// The place is free again.
	if _, err := db.ConfirmBooking(ctx, newBooking(s.ID, booking.InPerson, "b@example.org"), "", now); err != nil {
		t.Fatalf("booking the freed place: %v", err)
	}
}

func TestPendingVerificationQueuesNoConfirmation(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Workforce)
	s := addSession(t, db, w.ID, 48*time.Hour, 2, 0)
	b := newBooking(s.ID, booking.InPerson, "officer@council.example")
	b.Status = booking.PendingVerification
	p, err := db.ConfirmBooking(ctx, b, "", now)
	if err != nil {
		t.Fatal(err)
	}
	if p.Taken != 1 {
		t.Errorf("a booking pending verification holds no place: %+v", p)
	}
	got, err := db.Booking(ctx, b.Reference)
	if err != nil || got.Status != booking.PendingVerification {
		t.Fatalf("Booking = %+v, %v", got, err)
	}
	if rows := outbox(t, db, booking.MsgBookingConfirmed); len(rows) != 0 {
		t.Errorf("confirmation queued for a booking pending verification: %+v", rows)
	}
}

func TestConfirmRefused(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 5, 0)

	_, err := db.ConfirmBooking(ctx, newBooking(s.ID+1000, booking.InPerson, "a@example.org"), "", now)
	wantCode(t, err, booking.ENotFound)

	_, err = db.ConfirmBooking(ctx, newBooking(s.ID, booking.Online, "a@example.org"), "", now)
	wantCode(t, err, booking.EInvalid)
	if booking.ErrorFields(err)["mode"] == "" {
		t.Errorf("fields = %v, want mode", booking.ErrorFields(err))
	}
	_, err = db.ConfirmBooking(ctx, newBooking(s.ID, "by_post", "a@example.org"), "", now)
	wantCode(t, err, booking.EInvalid)

	// A booking for the public is refused a workforce session, and the
	// other way round, in the confirming transaction.
	staff := addSession(t, db, addWorkshop(t, db, booking.Workforce).ID, 48*time.Hour, 5, 0)
	_, err = db.ConfirmBooking(ctx, newBooking(staff.ID, booking.InPerson, "a@example.org"), booking.Public, now)
	wantCode(t, err, booking.EForbidden)
	if !strings.Contains(booking.ErrorMessage(err), "/staff") {
		t.Errorf("message = %q, want the way to /staff", booking.ErrorMessage(err))
	}
	_, err = db.ConfirmBooking(ctx, newBooking(s.ID, booking.InPerson, "a@example.org"), booking.Workforce, now)
	wantCode(t, err, booking.EForbidden)

	// Started: at its start, and after.
	for _, at := range []time.Time{s.StartsAt, s.StartsAt.Add(time.Minute)} {
		_, err = db.ConfirmBooking(ctx, newBooking(s.ID, booking.InPerson, "a@example.org"), "", at)
		wantCode(t, err, booking.EConflict)
	}

	if _, err := db.UpdateSession(ctx, s.ID, now, func(s *booking.Session) (booking.Notice, error) {
		s.Status, s.CancelReason = booking.Cancelled, "The venue is closed."
		return booking.Notice{}, nil
	}); err != nil {
		t.Fatal(err)
	}
	_, err = db.ConfirmBooking(ctx, newBooking(s.ID, booking.InPerson, "a@example.org"), "", now)
	wantCode(t, err, booking.EConflict)
	if msg := booking.ErrorMessage(err); msg != "This session is no longer taking bookings." {
		t.Errorf("message = %q", msg)
	}

	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM bookings`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d bookings stored (%v), want none", n, err)
	}
}

func TestReferenceCollisionDrawsAgain(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 5, 0)

	draws := []string{"AAAA-BBBB", "AAAA-BBBB", "CCCC-DDDD"}
	restore := postgres.SetReferenceSource(func() string {
		r := draws[0]
		draws = draws[1:]
		return r
	})
	defer restore()
	first := newBooking(s.ID, booking.InPerson, "a@example.org")
	second := newBooking(s.ID, booking.InPerson, "b@example.org")
	for _, b := range []*booking.Booking{first, second} {
		if _, err := db.ConfirmBooking(ctx, b, "", now); err != nil {
			t.Fatal(err)
		}
	}
	if first.Reference != "AAAA-BBBB" || second.Reference != "CCCC-DDDD" {
		t.Errorf("references %q and %q", first.Reference, second.Reference)
	}
}

func TestReferences(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		r := postgres.NewReference()
		if !referencePattern.MatchString(r) {
			t.Fatalf("reference %q", r)
		}
		seen[r] = true
	}
	if len(seen) < 1000 {
		t.Errorf("%d distinct references in 1000", len(seen))
	}
	for in, want := range map[string]string{"k7qx m42p": "K7QX-M42P", " K7QX-M42P ": "K7QX-M42P", "k7qxm42p": "K7QX-M42P",
		"short": "", "K7QX\x00M42": "", "K0QX-M42P": "", "K7QX-M42Ł": ""} {
		if got := postgres.NormalizeReference(in); got != want {
			t.Errorf("NormalizeReference(%q) = %q, want %q", in, got, want)
		}
	}
	// A reference that could never exist is simply not found, never an
	// error from Postgres (which refuses NUL in text).
	db := newDB(t)
	for _, ref := range []string{"K7QX\x00M42", "\x00", "ÿÿÿÿ-ÿÿÿÿ"} {
		if _, err := db.Booking(context.Background(), ref); booking.ErrorCode(err) != booking.ENotFound {
			t.Errorf("Booking(%q): %v, want not_found", ref, err)
		}
	}
}
