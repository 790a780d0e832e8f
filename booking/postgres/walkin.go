package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// CountedPlace is which bookings hold a counted place, as a condition on
// the bookings table: session_capacity.booked of a session and mode is the
// number of its bookings that meet it. A walk-in who came when the room was
// full is recorded (over_capacity) but holds no place, so that booked +
// offered <= capacity (the table's CHECK) stays true. Every change that
// gives a place back asks holdsPlace first.
const CountedPlace = `status <> 'cancelled' AND NOT over_capacity`

// holdsPlace says whether b holds a counted place: CountedPlace in Go.
func holdsPlace(b *booking.Booking) bool { return b.Live() && !b.OverCapacity }

// RegisterWalkIn stores a walk-in ticked in, taking an in-person place
// when tryPlace is set and one is free, and over capacity otherwise
// (booking.AttendanceStore). Under the session's lock and its in-person
// places' (the common order), so the window and the count it decides on
// cannot change before it commits.
func (db *DB) RegisterWalkIn(ctx context.Context, b *booking.Booking, tryPlace bool, now time.Time) (booking.Mirror, error) {
	if len(b.TokenHash) == 0 || !b.WalkIn {
		return booking.Mirror{}, errors.New("register walk-in: a walk-in with a token hash is needed")
	}
	var mirror booking.Mirror
	var stored booking.Booking
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		stored = *b
		stored.Mode, stored.Status, stored.InviteSequence, stored.CancelledAt = booking.InPerson, booking.Confirmed, 0, nil
		sess, err := lockSessionPlaces(ctx, tx, b.SessionID, booking.InPerson)
		if err != nil {
			return err
		}
		var places booking.Places
		err = tx.QueryRow(ctx, `SELECT `+placesColumns+` FROM session_capacity WHERE session_id = $1 AND mode = 'in_person'`,
			b.SessionID).Scan(placesDest(&places)...)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("register walk-in: places: %w", err)
		}
		s := sess.Session
		s.Places = []booking.Places{places}
		if err := booking.WalkInRefusal(&s, now); err != nil {
			return err
		}
		stored.OverCapacity = true
		if tryPlace && places.Taken() < places.Capacity {
			// The same conditional count as a booking's, without its "not
			// started yet": walk-ins come late too. The CHECK refuses an
			// overbooking whatever this code does.
			err = tx.QueryRow(ctx, `
				UPDATE session_capacity SET booked = booked + 1, version = version + 1
				WHERE session_id = $1 AND mode = 'in_person' AND booked + offered < capacity
				RETURNING `+placesColumns, b.SessionID).Scan(placesDest(&places)...)
			if err != nil {
				return fmt.Errorf("register walk-in: take place: %w", err)
			}
			stored.OverCapacity = false
		}
		if err := db.insertBooking(ctx, tx, &stored, true, now); err != nil {
			return err
		}
		stored.Attended = new(bool)
		*stored.Attended = true
		if _, err := tx.Exec(ctx, `UPDATE bookings SET walk_in = true, over_capacity = $2, attended = true WHERE id = $1`,
			stored.ID, stored.OverCapacity); err != nil {
			return fmt.Errorf("register walk-in: %w", err)
		}
		mirror = booking.MirrorOf(&sess.Session, sess.audience, places)
		return recordChange(ctx, tx, now, booking.AuditBookingWalkIn, booking.SubjectBooking, stored.Reference,
			nil, booking.SnapshotWalkIn(&stored))
	})
	if err != nil {
		return booking.Mirror{}, err
	}
	*b = stored
	return mirror, nil
}
