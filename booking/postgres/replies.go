package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

var _ booking.ReplyStore = (*DB)(nil)

// RecordReply stores a Yes or Maybe from a person's calendar as their
// booking's answer, with the audit entry, in one transaction. The booking
// is locked, so a cancellation or a change to the invite either comes
// first (and the answer is refused) or after.
func (db *DB) RecordReply(ctx context.Context, reference string, status booking.ReplyStatus, sequence int, now time.Time) error {
	if status != booking.ReplyAccepted && status != booking.ReplyTentative {
		return fmt.Errorf("record reply: %q is not a Yes or a Maybe", status)
	}
	reference = normalizeReference(reference)
	return db.Transact(ctx, func(tx pgx.Tx) error {
		b, err := readBooking(ctx, tx, reference, true)
		if err != nil {
			return err
		}
		if !b.Live() || sequence < b.InviteSequence {
			return booking.Errorf(booking.EConflict, "The booking has changed since this answer was sent.")
		}
		var before any
		var prev booking.ReplySnapshot
		err = tx.QueryRow(ctx, `SELECT status, sequence FROM calendar_replies WHERE booking_id = $1`, b.ID).
			Scan(&prev.Reply, &prev.Sequence)
		switch {
		case err == nil:
			if prev.Sequence > sequence {
				return booking.Errorf(booking.EConflict, "A later answer is recorded already.")
			}
			prev.Reference = b.Reference
			before = prev
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("record reply: %w", err)
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO calendar_replies (booking_id, status, sequence, replied_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (booking_id) DO UPDATE SET status = excluded.status, sequence = excluded.sequence,
				replied_at = excluded.replied_at`, b.ID, string(status), sequence, now)
		if err != nil {
			return fmt.Errorf("record reply: %w", err)
		}
		return recordChange(ctx, tx, now, booking.AuditBookingReply, booking.SubjectBooking, b.Reference,
			before, booking.ReplySnapshot{Reference: b.Reference, Reply: status, Sequence: sequence})
	})
}

// Replies returns the recorded answers of the live bookings of a session
// that answer their latest invite, by reference: an answer to an invite
// that has changed since says nothing about the new time or place.
func (db *DB) Replies(ctx context.Context, sessionID int64) (map[string]booking.Reply, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT b.reference, r.status, r.sequence, r.replied_at
		FROM calendar_replies r JOIN bookings b ON b.id = r.booking_id
		WHERE b.session_id = $1 AND b.status <> 'cancelled' AND r.sequence >= b.invite_sequence`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("calendar replies: %w", err)
	}
	out := map[string]booking.Reply{}
	var ref string
	var r booking.Reply
	_, err = pgx.ForEachRow(rows, []any{&ref, &r.Status, &r.Sequence, &r.RepliedAt}, func() error {
		out[ref] = r
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("calendar replies: %w", err)
	}
	return out, nil
}
