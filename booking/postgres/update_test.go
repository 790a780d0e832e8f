package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

func TestUpdateSessionCapacityBelowTaken(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 5, 5)
	for i := range 2 {
		if _, err := db.ConfirmBooking(ctx, newBooking(s.ID, booking.InPerson, fmt.Sprintf("p%d@example.org", i)), "", now); err != nil {
			t.Fatal(err)
		}
	}
	before, err := db.Session(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}

	_, err = db.UpdateSession(ctx, s.ID, now, func(s *booking.Session) (booking.Notice, error) {
		s.Venue.Name = "Elsewhere"
		s.Places[1].Capacity = 9 // online: fine on its own
		s.Places[0].Capacity = 1 // in person: below the 2 booked
		return booking.Notice{Kind: booking.MsgSessionChanged}, nil
	})
	wantCode(t, err, booking.EConflict)
	if msg := booking.ErrorMessage(err); msg != "The capacity cannot be lower than the places already taken (2)." {
		t.Errorf("message = %q", msg)
	}

	after, err := db.Session(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Venue != before.Venue || after.Sequence != before.Sequence || fmt.Sprint(after.Places) != fmt.Sprint(before.Places) {
		t.Errorf("refused change was written: before %+v %+v, after %+v %+v", before, before.Places, after, after.Places)
	}
	if rows := outbox(t, db, booking.MsgSessionChanged); len(rows) != 0 {
		t.Errorf("refused change queued emails: %+v", rows)
	}

	// Down to exactly what is taken is fine, and only that row's version rises.
	got, err := db.UpdateSession(ctx, s.ID, now, func(s *booking.Session) (booking.Notice, error) {
		s.Places[0].Capacity = 2
		return booking.Notice{}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := got.Places[0]; p.Capacity != 2 || p.Version != before.Places[0].Version+1 {
		t.Errorf("in person after = %+v, before = %+v", p, before.Places[0])
	}
	if got.Places[1] != before.Places[1] {
		t.Errorf("online changed: %+v, was %+v", got.Places[1], before.Places[1])
	}
	if got.Sequence != before.Sequence {
		t.Errorf("sequence rose to %d without a notice", got.Sequence)
	}
}

func TestUpdateSessionCallbackError(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 5, 5)
	refuse := booking.FieldErrors(map[string]string{"starts_at": "Enter a start time."})
	_, err := db.UpdateSession(ctx, s.ID, now, func(s *booking.Session) (booking.Notice, error) {
		s.Venue.Name = "Changed"
		return booking.Notice{}, refuse
	})
	if !errors.Is(err, refuse) {
		t.Fatalf("err = %v, want the callback's", err)
	}
	got, err := db.Session(ctx, s.ID)
	if err != nil || got.Venue != s.Venue {
		t.Errorf("session = %+v, %v", got, err)
	}
	_, err = db.UpdateSession(ctx, s.ID+1000, now, func(*booking.Session) (booking.Notice, error) {
		t.Error("change called for an unknown session")
		return booking.Notice{}, nil
	})
	wantCode(t, err, booking.ENotFound)

	_, err = db.UpdateSession(ctx, s.ID, now, func(s *booking.Session) (booking.Notice, error) {
		s.EndsAt = s.StartsAt.Add(-time.Minute)
		return booking.Notice{}, nil
	})
	wantCode(t, err, booking.EInvalid)
}

func TestUpdateSessionNotice(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 5, 5)
	other := addSession(t, db, w.ID, 96*time.Hour, 5, 5)

	var live []*booking.Booking
	for i, mode := range []booking.Mode{booking.InPerson, booking.Online, booking.InPerson} {
		b := newBooking(s.ID, mode, fmt.Sprintf("p%d@example.org", i))
		if _, err := db.ConfirmBooking(ctx, b, "", now); err != nil {
			t.Fatal(err)
		}
		live = append(live, b)
	}
	gone := newBooking(s.ID, booking.Online, "gone@example.org")
	if _, err := db.ConfirmBooking(ctx, gone, "", now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CancelBooking(ctx, gone.Reference, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ConfirmBooking(ctx, newBooking(other.ID, booking.InPerson, "p0@example.org"), "", now); err != nil {
		t.Fatal(err)
	}

	newStart := s.StartsAt.Add(time.Hour)
	got, err := db.UpdateSession(ctx, s.ID, now, func(s *booking.Session) (booking.Notice, error) {
		changes := &booking.Changes{StartsAt: &booking.TimeChange{Old: s.StartsAt, New: newStart}}
		s.StartsAt, s.EndsAt = newStart, s.EndsAt.Add(time.Hour)
		s.Places[1].Capacity = 8
		return booking.Notice{Kind: booking.MsgSessionChanged, Payload: booking.EmailPayload{Changes: changes, Sequence: 99}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !got.StartsAt.Equal(newStart) || got.Sequence != s.Sequence+1 || got.Places[1].Capacity != 8 || got.Workshop == nil {
		t.Errorf("session after = %+v", got)
	}

	rows := outbox(t, db, booking.MsgSessionChanged)
	if len(rows) != len(live) {
		t.Fatalf("%d change emails, want one per live booking (%d)", len(rows), len(live))
	}
	byBooking := map[int64]outboxRow{}
	for _, r := range rows {
		byBooking[r.BookingID] = r
		if r.SessionID != s.ID || r.sequence() != 1 || r.Payload["changes"] == nil ||
			!isMessageID(r.MessageID) {
			t.Errorf("change email = %+v", r)
		}
	}
	for _, b := range live {
		if _, ok := byBooking[b.ID]; !ok {
			t.Errorf("booking %d not told", b.ID)
		}
	}

	// Cancelling the session tells them again, with a higher sequence, and
	// leaves the bookings as they were.
	got, err = db.UpdateSession(ctx, s.ID, now, func(s *booking.Session) (booking.Notice, error) {
		s.Status, s.CancelReason = booking.Cancelled, "The venue flooded."
		return booking.Notice{Kind: booking.MsgSessionCancelled, Payload: booking.EmailPayload{Reason: s.CancelReason}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != booking.Cancelled || got.CancelReason != "The venue flooded." || got.Sequence != s.Sequence+2 {
		t.Errorf("cancelled session = %+v", got)
	}
	rows = outbox(t, db, booking.MsgSessionCancelled)
	if len(rows) != len(live) {
		t.Fatalf("%d cancellation emails, want %d", len(rows), len(live))
	}
	for _, r := range rows {
		if r.sequence() != byBooking[r.BookingID].sequence()+1 || r.Payload["reason"] != "The venue flooded." {
			t.Errorf("cancellation email = %+v", r)
		}
	}
	for _, b := range live {
		got, err := db.Booking(ctx, b.Reference)
		if err != nil || got.Status != booking.Confirmed || got.InviteSequence != 2 {
			t.Errorf("booking after the session was cancelled = %+v, %v", got, err)
		}
	}
	places, err := db.Places(ctx, s.ID)
	if err != nil || places[0].Booked != 2 || places[1].Booked != 1 {
		t.Errorf("places after the session was cancelled = %+v, %v", places, err)
	}
}

// A session cancelled while people book: everyone who got a place is told.
func TestCancelSessionWhileBooking(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 500, 0)

	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 150 {
		wg.Go(func() {
			_, err := db.ConfirmBooking(ctx, newBooking(s.ID, booking.InPerson, fmt.Sprintf("p%d@example.org", i)), "", now)
			if c := booking.ErrorCode(err); c != "" && c != booking.EConflict {
				errs <- err
			}
		})
		if i == 75 {
			wg.Go(func() {
				_, err := db.UpdateSession(ctx, s.ID, now, func(s *booking.Session) (booking.Notice, error) {
					s.Status = booking.Cancelled
					return booking.Notice{Kind: booking.MsgSessionCancelled, Payload: booking.EmailPayload{Reason: "r"}}, nil
				})
				if err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var untold int
	if err := db.Pool.QueryRow(ctx, `
		SELECT count(*) FROM bookings b
		WHERE b.session_id = $1 AND NOT EXISTS (
			SELECT 1 FROM outbox o WHERE o.booking_id = b.id AND o.kind = 'session_cancelled')`,
		s.ID).Scan(&untold); err != nil {
		t.Fatal(err)
	}
	if untold != 0 {
		t.Errorf("%d bookings of the cancelled session were never told", untold)
	}
}

// Bookings, cancellations and session changes at once never deadlock, and
// the count of booked places stays the count of live bookings.
func TestMixedWritersAgree(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 40, 40)

	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for i := range 120 {
		wg.Go(func() {
			mode := booking.Modes[i%2]
			b := newBooking(s.ID, mode, fmt.Sprintf("p%d@example.org", i%90)) // some duplicates
			_, err := db.ConfirmBooking(ctx, b, "", now)
			switch booking.ErrorCode(err) {
			case "", booking.EFull, booking.EDuplicate:
			default:
				errs <- fmt.Errorf("confirm: %w", err)
			}
			if err == nil && i%3 == 0 {
				if _, _, err := db.CancelBooking(ctx, b.Reference, now); err != nil {
					errs <- fmt.Errorf("cancel: %w", err)
				}
			}
			if i%10 == 0 {
				_, err := db.UpdateSession(ctx, s.ID, now, func(s *booking.Session) (booking.Notice, error) {
					s.Places[i%2].Capacity = s.PlacesFor(booking.Modes[i%2]).Taken() + 5
					return booking.Notice{Kind: booking.MsgSessionChanged}, nil
				})
				if err != nil {
					errs <- fmt.Errorf("update: %w", err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	rows, err := db.Pool.Query(ctx, `
		SELECT c.mode, c.booked, (SELECT count(*) FROM bookings b
			WHERE b.session_id = c.session_id AND b.mode = c.mode AND b.status <> 'cancelled')
		FROM session_capacity c WHERE c.session_id = $1`, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var mode string
		var booked, live int
		if err := rows.Scan(&mode, &booked, &live); err != nil {
			t.Fatal(err)
		}
		if booked != live {
			t.Errorf("%s: booked %d, live bookings %d", mode, booked, live)
		}
	}
	// Every invite a booking was sent carries a higher sequence than the one before.
	var disorder int
	if err := db.Pool.QueryRow(ctx, `
		SELECT count(*) FROM (
			SELECT (payload->>'sequence')::int - lag((payload->>'sequence')::int) OVER (PARTITION BY booking_id ORDER BY id) AS step
			FROM outbox) x WHERE step <= 0`).Scan(&disorder); err != nil {
		t.Fatal(err)
	}
	if disorder != 0 {
		t.Errorf("%d emails did not raise their booking's sequence", disorder)
	}
}
