package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// UpdateSession reads the session and its places under row locks, lets
// change edit them, and writes them back in the same transaction with one
// outbox row per live booking when change returns a Notice. Bookings and
// cancellations of the session wait meanwhile (see the lock order in
// store.go), so nobody books a session being cancelled without being told.
// A session_cancelled notice for a session that was scheduled also ends
// its waiting lists, telling each person on them (endWaitingLists).
//
// change may edit the session's times, venue, online link, status, cancel
// reason, sequence and the Capacity of its Places; the id, workshop and the
// booked and offered counts are the database's. When a notice goes out, the
// session's Sequence rises by at least one.
//
// The change is written to the audit log in the same transaction, as it was
// under the lock and as it is after, in the name of the actor in ctx; a
// change that changed nothing is not recorded. now dates it, and the
// offers of places it opens.
func (db *DB) UpdateSession(ctx context.Context, id int64, now time.Time, change func(s *booking.Session) (booking.Notice, error)) (*booking.Session, error) {
	var out *booking.Session
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		s, err := readSession(ctx, tx, id, true)
		if err != nil {
			return err
		}
		before := *s
		before.Places = slices.Clone(s.Places)
		workshop := *s.Workshop
		s.Workshop = &workshop

		notice, err := change(s)
		if err != nil {
			return err
		}
		s.ID, s.WorkshopID = before.ID, before.WorkshopID
		if notice.Kind != "" && s.Sequence <= before.Sequence {
			s.Sequence = before.Sequence + 1
		}
		if err := writeSession(ctx, tx, s); err != nil {
			return err
		}
		// The hold mirror keeps when holds stop; a move or a cancellation
		// must reach it, so every row's version rises then.
		closesMoved := s.Status != before.Status || !s.StartsAt.Equal(before.StartsAt)
		if err := writeCapacities(ctx, tx, &before, s.Places, closesMoved); err != nil {
			return err
		}
		if err := db.offerNewPlaces(ctx, tx, &before, s, now); err != nil {
			return err // places added go to the people waiting first
		}
		if notice.Kind != "" {
			if err := db.queueNotice(ctx, tx, id, notice); err != nil {
				return err
			}
		}
		if notice.Kind == booking.MsgSessionCancelled && before.Status == booking.Scheduled && s.Status == booking.Cancelled {
			// The people waiting are told with the people booked.
			reason := notice.Payload.Reason
			if reason == "" {
				reason = s.CancelReason
			}
			if err := db.endWaitingLists(ctx, tx, id, reason, now); err != nil {
				return err
			}
		}
		if out, err = readSession(ctx, tx, id, false); err != nil {
			return err
		}
		return auditSessionChange(ctx, tx, now, &before, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// auditSessionChange records a change of a session from before to after:
// a cancellation, or any other change.
func auditSessionChange(ctx context.Context, tx pgx.Tx, now time.Time, before, after *booking.Session) error {
	was, is := booking.SnapshotSession(before), booking.SnapshotSession(after)
	if sameSnapshot(was, is) {
		return nil
	}
	action := booking.AuditSessionUpdate
	if before.Status != booking.Cancelled && after.Status == booking.Cancelled {
		action = booking.AuditSessionCancel
	}
	return recordChange(ctx, tx, now, action, booking.SubjectSession, strconv.FormatInt(after.ID, 10), was, is)
}

func writeSession(ctx context.Context, tx pgx.Tx, s *booking.Session) error {
	if s.Status != booking.Scheduled && s.Status != booking.Cancelled {
		return fmt.Errorf("update session: unknown status %q", s.Status)
	}
	if s.Sequence < 0 {
		return fmt.Errorf("update session: negative sequence %d", s.Sequence)
	}
	_, err := tx.Exec(ctx, `
		UPDATE sessions SET starts_at = $2, ends_at = $3, venue_name = $4, venue_address = $5,
			online_url = $6, status = $7, cancel_reason = $8, sequence = $9, updated_at = now()
		WHERE id = $1`,
		s.ID, s.StartsAt, s.EndsAt, s.Venue.Name, s.Venue.Address,
		s.OnlineURL, string(s.Status), s.CancelReason, s.Sequence)
	if err != nil {
		return sessionWriteError("update session", err)
	}
	return nil
}

// writeCapacities writes the capacities that changed, raising their version
// (every row's, when all is set). before holds the locked rows, so what is
// taken cannot move meanwhile.
func writeCapacities(ctx context.Context, tx pgx.Tx, before *booking.Session, after []booking.Places, all bool) error {
	seen := map[booking.Mode]bool{}
	for _, p := range after {
		if !p.Mode.Valid() || seen[p.Mode] {
			return fmt.Errorf("update session: bad places for mode %q", p.Mode)
		}
		seen[p.Mode] = true
		if p.Capacity < 0 {
			return fieldError("capacity", "A capacity cannot be negative.")
		}
		old := before.PlacesFor(p.Mode)
		if p.Capacity == old.Capacity && !all {
			continue
		}
		if p.Capacity < old.Taken() {
			return errCapacityBelowTaken(old.Taken())
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO session_capacity (session_id, mode, capacity) VALUES ($1, $2, $3)
			ON CONFLICT (session_id, mode)
			DO UPDATE SET capacity = EXCLUDED.capacity, version = session_capacity.version + 1`,
			before.ID, string(p.Mode), p.Capacity)
		if isCheckViolation(err, "session_capacity_not_overbooked") {
			return errCapacityBelowTaken(old.Taken())
		}
		if err != nil {
			return fmt.Errorf("update session: capacity: %w", err)
		}
	}
	return nil
}

func errCapacityBelowTaken(taken int) error {
	return booking.Errorf(booking.EConflict, "The capacity cannot be lower than the places already taken (%d).", taken)
}
