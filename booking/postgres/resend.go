package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// ResendConfirmation queues a booking's confirmation again
// (booking.Service.ResendConfirmation): a fresh link kept beside the ones
// sent before (resent_links), the invite sequence raised, the email and
// the audit entry, in one transaction under the booking's lock and the
// session's, so it cannot cross a cancellation of either. A booking does
// not move between sessions without its lock (MoveBooking takes it).
func (db *DB) ResendConfirmation(ctx context.Context, reference string, now time.Time) (*booking.Booking, error) {
	reference = normalizeReference(reference)
	var b *booking.Booking
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		// The session held as bookings hold it (a cancellation waits),
		// then the booking; its places are not touched.
		sessionID, err := sessionOfBooking(ctx, tx, reference)
		if err != nil {
			return err
		}
		sess, err := lockSession(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		if b, err = readBooking(ctx, tx, reference, true); err != nil {
			return err
		}
		if b.SessionID != sessionID {
			return booking.Errorf(booking.EConflict, "This booking changed while we were changing it. Please try again.")
		}
		if err := booking.ConfirmationRefusal(b, &sess.Session, now); err != nil {
			return err
		}
		token, err := db.newLink(ctx, tx, b.ID, 0, now)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `UPDATE bookings SET invite_sequence = invite_sequence + 1 WHERE id = $1
			RETURNING invite_sequence`, b.ID).Scan(&b.InviteSequence); err != nil {
			return fmt.Errorf("resend confirmation: %w", err)
		}
		if err := db.queueEmail(ctx, tx, booking.MsgBookingConfirmed, b, booking.EmailPayload{Token: token}); err != nil {
			return err
		}
		return recordChange(ctx, tx, now, booking.AuditBookingResend, booking.SubjectBooking, b.Reference,
			nil, booking.SnapshotBooking(b))
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}
