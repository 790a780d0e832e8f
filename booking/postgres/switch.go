package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// SwitchMode moves a live booking to the mode to, in one transaction: it
// takes a place in the new mode with the same conditional UPDATE as a
// booking (so the database still never overbooks), gives the old place back
// (offering it to the first person on that waiting list), raises the
// booking's invite sequence and queues the booking_changed email. It
// returns the booking and the fresh mirrors of both modes.
func (db *DB) SwitchMode(ctx context.Context, reference string, to booking.Mode, now time.Time) (*booking.Booking, []booking.Mirror, error) {
	if !to.Valid() {
		return nil, nil, errModeNotOffered()
	}
	reference = normalizeReference(reference)
	var b *booking.Booking
	var mirrors []booking.Mirror
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		sess, cur, err := lockBooking(ctx, tx, reference, to)
		if err != nil {
			return err
		}
		b = cur
		from, sessionID := b.Mode, b.SessionID
		if sess.Status != booking.Scheduled || !now.Before(sess.StartsAt) {
			return errSessionClosed()
		}
		switch {
		case !b.Live():
			return booking.Errorf(booking.EConflict, "This booking has been cancelled.")
		case b.Mode == to:
			return booking.Errorf(booking.EConflict, "This booking is already for taking part that way.")
		}
		if err := refusePair(ctx, tx, b); err != nil {
			return err
		}

		taken, freed, err := db.movePlace(ctx, tx, sess, from, sessionID, to, now)
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `
			UPDATE bookings SET mode = $2, invite_sequence = invite_sequence + 1
			WHERE id = $1 RETURNING mode, invite_sequence`, b.ID, string(to)).
			Scan(&b.Mode, &b.InviteSequence)
		if err != nil {
			return fmt.Errorf("switch mode: %w", err)
		}
		changes := &booking.Changes{Mode: &booking.ModeChange{Old: from, New: b.Mode}}
		if err := db.queueEmail(ctx, tx, booking.MsgBookingChanged, b, booking.EmailPayload{Changes: changes}); err != nil {
			return err
		}
		mirrors = []booking.Mirror{
			booking.MirrorOf(&sess.Session, sess.audience, taken),
			booking.MirrorOf(&sess.Session, sess.audience, freed),
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return b, mirrors, nil
}

// movePlace takes a place in toMode of toSession, as a booking takes one
// (so the database still never overbooks), and gives back the place in
// fromMode of from (offering it to the first person on that waiting list).
// The caller holds the locks of both, in the common order.
func (db *DB) movePlace(ctx context.Context, tx pgx.Tx, from *lockedSession, fromMode booking.Mode, toSession int64, toMode booking.Mode, now time.Time) (taken, freed booking.Places, err error) {
	if taken, err = takePlace(ctx, tx, toSession, toMode, now); err != nil {
		return taken, freed, err
	}
	err = tx.QueryRow(ctx, `
		UPDATE session_capacity SET booked = booked - 1, version = version + 1
		WHERE session_id = $1 AND mode = $2
		RETURNING `+placesColumns, from.ID, string(fromMode)).Scan(placesDest(&freed)...)
	if err != nil {
		return taken, freed, fmt.Errorf("give place back: %w", err)
	}
	freed, err = db.offerFreedPlaces(ctx, tx, &from.Session, freed, 1, now)
	return taken, freed, err
}
