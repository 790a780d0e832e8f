package postgres

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// UpdateBookingFor changes a booking's details for an officer
// (booking.Service.UpdateBookingFor), with its audit entry, in one
// transaction under the session's and the booking's locks. When the email
// address moves (manageHash is set) it does what ConfirmEmailChange does:
// a fresh manage token (links sent to the old address stop working), the
// invite sequence raised, a cancellation queued to the old address and the
// confirmation with the invite to the new one. A walk-in never had an
// invite, so nothing is queued for one.
func (db *DB) UpdateBookingFor(ctx context.Context, reference string, d booking.Details, manageToken string, manageHash []byte, now time.Time) (*booking.Booking, []string, error) {
	reference = normalizeReference(reference)
	var b *booking.Booking
	var changed []string
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		sess, cur, err := lockBooking(ctx, tx, reference)
		if err != nil {
			return err
		}
		b = cur
		if err := booking.OfficerChangeRefusal(b); err != nil {
			return err
		}
		if changed = booking.ChangedDetails(b, d); len(changed) == 0 {
			return nil
		}
		before := booking.SnapshotBooking(b)
		moves := booking.EmailMoves(b, d.Email)
		switch {
		case moves && (len(manageHash) != sha256.Size || manageToken == ""):
			return errors.New("officer update booking: a new address needs a manage token and its hash")
		case moves && !sess.OpenAt(now):
			return booking.Errorf(booking.EConflict, "The session has started, ended or been cancelled, so the email address of its bookings can no longer change.")
		}
		_, err = tx.Exec(ctx, `
			UPDATE bookings SET name = $2, email = $3, phone = $4, organisation = $5, postcode = $6, access_needs = $7
			WHERE id = $1`, b.ID, d.Name, d.Email, d.Phone, d.Organisation, d.Postcode, d.AccessNeeds)
		if isUniqueViolation(err, "bookings_one_live_per_person") {
			return booking.Errorf(booking.EDuplicate, "Someone with this name and email address already has a place at this session. The booking has not changed.")
		}
		if err != nil {
			return fmt.Errorf("officer update booking: %w", err)
		}
		old := *b
		b.Name, b.Email, b.Phone, b.Organisation, b.Postcode, b.AccessNeeds = d.Name, d.Email, d.Phone, d.Organisation, d.Postcode, d.AccessNeeds
		if moves {
			if err := db.moveInvite(ctx, tx, b, &old, manageToken, manageHash); err != nil {
				return err
			}
		}
		return recordChange(ctx, tx, now, booking.AuditBookingUpdate, booking.SubjectBooking, b.Reference,
			before, booking.BookingChangeSnapshot{BookingSnapshot: booking.SnapshotBooking(b), Changed: changed})
	})
	if err != nil {
		return nil, nil, err
	}
	return b, changed, nil
}

// moveInvite moves booking b, whose address was old's, to its new one:
// a fresh manage token, any address change waiting for its link dropped,
// the sequence raised, the cancellation to the old address and the
// confirmation to the new (a walk-in, never sent an invite, is sent
// neither).
func (db *DB) moveInvite(ctx context.Context, tx pgx.Tx, b, old *booking.Booking, manageToken string, manageHash []byte) error {
	err := tx.QueryRow(ctx, `
		UPDATE bookings SET new_email = NULL, new_email_token_hash = NULL, new_email_expires_at = NULL,
			manage_token_hash = $2, invite_sequence = invite_sequence + 1
		WHERE id = $1 RETURNING invite_sequence`, b.ID, manageHash).Scan(&b.InviteSequence)
	if err != nil {
		return fmt.Errorf("officer update booking: move the invite: %w", err)
	}
	b.TokenHash = manageHash
	if _, err := tx.Exec(ctx, `DELETE FROM resent_links WHERE booking_id = $1`, b.ID); err != nil {
		return fmt.Errorf("officer update booking: old links: %w", err)
	}
	if b.WalkIn {
		return nil
	}
	// Queued as the old booking, so that an address now left empty is
	// still told; To names the old address, as ConfirmEmailChange's does.
	old.InviteSequence = b.InviteSequence
	if err := db.queueEmail(ctx, tx, booking.MsgBookingCancelled, old, booking.EmailPayload{To: old.Email}); err != nil {
		return err
	}
	return db.queueEmail(ctx, tx, booking.MsgBookingConfirmed, b, booking.EmailPayload{Token: manageToken})
}
