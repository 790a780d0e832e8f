package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// Manage your booking, beyond switching and cancelling (booking/manage.go).

// UpdateBookingDetails changes the details a person may fix themselves.
func (db *DB) UpdateBookingDetails(ctx context.Context, reference string, d booking.Details, now time.Time) (*booking.Booking, error) {
	reference = normalizeReference(reference)
	var b *booking.Booking
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		var err error
		if b, err = readBooking(ctx, tx, reference, true); err != nil {
			return err
		}
		if !b.Live() {
			return booking.Errorf(booking.EConflict, "This booking has been cancelled.")
		}
		before := booking.SnapshotBooking(b)
		if _, err := tx.Exec(ctx, `
			UPDATE bookings SET name = $2, organisation = $3, postcode = $4, access_needs = $5 WHERE id = $1`,
			b.ID, d.Name, d.Organisation, d.Postcode, d.AccessNeeds); err != nil {
			return fmt.Errorf("update booking details: %w", err)
		}
		b.Name, b.Organisation, b.Postcode, b.AccessNeeds = d.Name, d.Organisation, d.Postcode, d.AccessNeeds
		return recordChange(ctx, tx, now, booking.AuditBookingUpdate, booking.SubjectBooking, b.Reference,
			before, booking.SnapshotBooking(b))
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// MoveBooking moves a live booking to another session in one transaction.
// Both sessions are locked in the order of their ids (each with its
// places, as lockSessionPlaces does), then the booking: two moves between
// the same sessions, either way, never wait for each other in a circle.
func (db *DB) MoveBooking(ctx context.Context, reference string, toSession int64, mode booking.Mode, now time.Time) (*booking.Booking, []booking.Mirror, error) {
	if !mode.Valid() {
		return nil, nil, errModeNotOffered()
	}
	reference = normalizeReference(reference)
	var b *booking.Booking
	var mirrors []booking.Mirror
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		var fromSession int64
		var fromMode booking.Mode
		err := tx.QueryRow(ctx, `SELECT session_id, mode FROM bookings WHERE reference = $1`, reference).Scan(&fromSession, &fromMode)
		if err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return errBookingNotFound()
			}
			return fmt.Errorf("move booking: find: %w", err)
		}
		if fromSession == toSession {
			return booking.Errorf(booking.EConflict, "This booking is already for that session.")
		}
		locked := map[int64]*lockedSession{}
		order := []struct {
			id   int64
			mode booking.Mode
		}{{fromSession, fromMode}, {toSession, mode}}
		if toSession < fromSession {
			order[0], order[1] = order[1], order[0]
		}
		for _, o := range order {
			if locked[o.id], err = lockSessionPlaces(ctx, tx, o.id, o.mode); err != nil {
				return err
			}
		}
		from, to := locked[fromSession], locked[toSession]
		if b, err = readBooking(ctx, tx, reference, true); err != nil {
			return err
		}
		switch {
		case b.SessionID != fromSession || b.Mode != fromMode:
			return booking.Errorf(booking.EConflict, "This booking changed while we were changing it. Please try again.")
		case !b.Live():
			return booking.Errorf(booking.EConflict, "This booking has been cancelled.")
		case from.Status != booking.Scheduled || !now.Before(from.StartsAt):
			return errSessionClosed()
		case from.audience != to.audience:
			return booking.AudienceRefusal(from.audience)
		}
		if err := refusePair(ctx, tx, b); err != nil {
			return err
		}

		taken, freed, err := db.movePlace(ctx, tx, from, fromMode, toSession, mode, now)
		if err != nil {
			return err
		}
		before := booking.SnapshotBooking(b)
		err = tx.QueryRow(ctx, `
			UPDATE bookings SET session_id = $2, mode = $3, invite_sequence = invite_sequence + 1
			WHERE id = $1 RETURNING session_id, mode, invite_sequence`, b.ID, toSession, string(mode)).
			Scan(&b.SessionID, &b.Mode, &b.InviteSequence)
		if isUniqueViolation(err, "bookings_one_live_per_person") {
			return booking.Errorf(booking.EDuplicate, "You already have a place at that session under this name and email address.")
		}
		if err != nil {
			return fmt.Errorf("move booking: %w", err)
		}
		changes, err := moveChanges(ctx, tx, fromSession, toSession, fromMode, mode)
		if err != nil {
			return err
		}
		if err := db.queueEmail(ctx, tx, booking.MsgBookingChanged, b, booking.EmailPayload{Changes: changes}); err != nil {
			return err
		}
		mirrors = []booking.Mirror{
			booking.MirrorOf(&to.Session, to.audience, taken),
			booking.MirrorOf(&from.Session, from.audience, freed),
		}
		return recordChange(ctx, tx, now, booking.AuditBookingMove, booking.SubjectBooking, b.Reference,
			before, booking.SnapshotBooking(b))
	})
	if err != nil {
		return nil, nil, err
	}
	return b, mirrors, nil
}

// moveChanges is what a move changes for the person: only what differs.
func moveChanges(ctx context.Context, tx pgx.Tx, fromSession, toSession int64, fromMode, toMode booking.Mode) (*booking.Changes, error) {
	type place struct {
		starts, ends time.Time
		venue        booking.Venue
	}
	read := func(id int64) (place, error) {
		var p place
		err := tx.QueryRow(ctx, `SELECT starts_at, ends_at, venue_name, venue_address FROM sessions WHERE id = $1`, id).
			Scan(&p.starts, &p.ends, &p.venue.Name, &p.venue.Address)
		if err != nil {
			return p, fmt.Errorf("move booking: read session: %w", err)
		}
		return p, nil
	}
	a, err := read(fromSession)
	if err != nil {
		return nil, err
	}
	b, err := read(toSession)
	if err != nil {
		return nil, err
	}
	c := &booking.Changes{}
	if !a.starts.Equal(b.starts) {
		c.StartsAt = &booking.TimeChange{Old: a.starts, New: b.starts}
	}
	if !a.ends.Equal(b.ends) {
		c.EndsAt = &booking.TimeChange{Old: a.ends, New: b.ends}
	}
	if a.venue != b.venue && toMode == booking.InPerson {
		c.Venue = &booking.VenueChange{Old: a.venue, New: b.venue}
	}
	if fromMode != toMode {
		c.Mode = &booking.ModeChange{Old: fromMode, New: toMode}
	}
	return c, nil
}
