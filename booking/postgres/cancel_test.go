package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// A booking of a session that was cancelled went with it, and one of a
// session that is over has had its day: cancelling either would send a
// second cancellation and change the counts.
func TestCancelBookingRefusedOnceSessionCancelledOrOver(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)

	gone := addSession(t, db, w.ID, 48*time.Hour, 2, 0)
	b := newBooking(gone.ID, booking.InPerson, "gone@example.org")
	if _, err := db.ConfirmBooking(ctx, b, "", now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateSession(ctx, gone.ID, now, func(s *booking.Session) (booking.Notice, error) {
		s.Status, s.CancelReason = booking.Cancelled, "The venue flooded."
		return booking.Notice{Kind: booking.MsgSessionCancelled, Payload: booking.EmailPayload{Reason: s.CancelReason}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	before := places(t, db, gone.ID, booking.InPerson)
	_, _, err := db.CancelBooking(ctx, b.Reference, now.Add(time.Hour))
	wantCode(t, err, booking.EConflict)
	if got := places(t, db, gone.ID, booking.InPerson); got != before {
		t.Errorf("places after the refused cancellation = %+v, want %+v", got, before)
	}
	if got, _ := db.Booking(ctx, b.Reference); got.Status != booking.Confirmed || got.InviteSequence != 1 {
		t.Errorf("booking after the refused cancellation = %+v", got)
	}
	if rows := outbox(t, db, booking.MsgBookingCancelled); len(rows) != 0 {
		t.Errorf("a booking of a cancelled session was sent a cancellation too: %+v", rows)
	}

	// While the session runs a booking can still be given up; once it has
	// ended, no longer.
	over := addSession(t, db, w.ID, 48*time.Hour, 2, 0)
	during := newBooking(over.ID, booking.InPerson, "during@example.org")
	after := newBooking(over.ID, booking.InPerson, "after@example.org")
	for _, b := range []*booking.Booking{during, after} {
		if _, err := db.ConfirmBooking(ctx, b, "", now); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := db.CancelBooking(ctx, during.Reference, over.EndsAt.Add(-time.Second)); err != nil {
		t.Fatalf("cancelling while the session runs: %v", err)
	}
	_, _, err = db.CancelBooking(ctx, after.Reference, over.EndsAt)
	wantCode(t, err, booking.EConflict)
	if got := places(t, db, over.ID, booking.InPerson); got.Booked != 1 {
		t.Errorf("places after the refused cancellation = %+v, want 1 booked", got)
	}
	if rows := outbox(t, db, booking.MsgBookingCancelled); len(rows) != 1 || rows[0].BookingID != during.ID {
		t.Errorf("cancellation emails = %+v, want only %s's", rows, during.Reference)
	}
}
