package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// A booking sent an invite while it waited for its link (the session
// changed, so it was told) has that invite in a calendar: when the sweep
// gives its place back, a cancellation with a higher sequence drops it.
// A booking never sent an invite is not emailed.
func TestReleaseUnverifiedCancelsAnInviteSent(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	staff := addSession(t, db, addWorkshop(t, db, booking.Workforce).ID, 48*time.Hour, 3, 0)
	invited, _ := bookUnverified(t, db, staff.ID, "invited@coventry.gov.uk", now)
	_, err := db.UpdateSession(ctx, staff.ID, now, func(s *booking.Session) (booking.Notice, error) {
		s.StartsAt, s.EndsAt = s.StartsAt.Add(time.Hour), s.EndsAt.Add(time.Hour)
		return booking.Notice{Kind: booking.MsgSessionChanged}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	quiet, _ := bookUnverified(t, db, staff.ID, "quiet@coventry.gov.uk", now)

	at := now.Add(booking.VerifyWindow)
	mirrors, err := db.ReleaseUnverified(ctx, at, 100)
	if err != nil || len(mirrors) != 2 {
		t.Fatalf("ReleaseUnverified = %+v, %v; want both released", mirrors, err)
	}
	changed := outbox(t, db, booking.MsgSessionChanged)
	rows := outbox(t, db, booking.MsgBookingCancelled)
	if len(changed) != 1 || len(rows) != 1 || rows[0].BookingID != invited.ID || rows[0].SessionID != staff.ID ||
		rows[0].sequence() != changed[0].sequence()+1 || !isMessageID(rows[0].MessageID) {
		t.Fatalf("session_changed %+v, then booking_cancelled %+v; want one cancellation above the invite, for %s only",
			changed, rows, invited.Reference)
	}
	if got, _ := db.Booking(ctx, invited.Reference); got.Status != booking.BookingCancelled || got.InviteSequence != rows[0].sequence() {
		t.Errorf("released booking = %+v, want cancelled at sequence %d", got, rows[0].sequence())
	}
	if got, _ := db.Booking(ctx, quiet.Reference); got.Status != booking.BookingCancelled || got.InviteSequence != 0 {
		t.Errorf("released booking never invited = %+v", got)
	}
}
