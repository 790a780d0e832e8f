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

// A booking's new email address waits for its link (booking/email_change.go,
// migrations/00015_resent_links.sql).

// RequestEmailChange keeps the address to be and queues its link.
func (db *DB) RequestEmailChange(ctx context.Context, bookingID int64, newEmail, token string, hash []byte, expires, now time.Time) error {
	if len(hash) != sha256.Size || token == "" {
		return errors.New("request email change: a link token and its hash are needed")
	}
	return db.Transact(ctx, func(tx pgx.Tx) error {
		b := &booking.Booking{}
		err := tx.QueryRow(ctx, `
			UPDATE bookings SET new_email = $2, new_email_token_hash = $3, new_email_expires_at = $4
			WHERE id = $1 AND status = 'confirmed'
			RETURNING `+bookingColumns, bookingID, newEmail, hash, expires).Scan(bookingDest(b)...)
		if errors.Is(err, pgx.ErrNoRows) {
			return booking.Errorf(booking.EConflict, "This booking has been cancelled.")
		}
		if err != nil {
			return fmt.Errorf("request email change: %w", err)
		}
		return db.queueEmail(ctx, tx, booking.MsgEmailChange, b,
			booking.EmailPayload{To: newEmail, Token: token, ExpiresAt: expires.UTC().Truncate(time.Second)})
	})
}

// ConfirmEmailChange moves the booking to its new address; see booking.Store.
func (db *DB) ConfirmEmailChange(ctx context.Context, hash []byte, manageToken string, manageHash []byte, now time.Time) (*booking.Booking, error) {
	if len(manageHash) != sha256.Size || manageToken == "" {
		return nil, errors.New("confirm email change: a manage token and its hash are needed")
	}
	var b *booking.Booking
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		var reference string
		err := tx.QueryRow(ctx, `SELECT reference FROM bookings WHERE new_email_token_hash = $1`, hash).Scan(&reference)
		if errors.Is(err, pgx.ErrNoRows) {
			return booking.ErrEmailChangeLinkNotFound
		}
		if err != nil {
			return fmt.Errorf("confirm email change: find: %w", err)
		}
		// The common lock order: session, places, then the booking.
		if _, b, err = lockBooking(ctx, tx, reference); err != nil {
			return err
		}
		var newEmail *string
		var expires *time.Time
		var current []byte
		if err := tx.QueryRow(ctx, `SELECT new_email, new_email_expires_at, new_email_token_hash FROM bookings WHERE id = $1`,
			b.ID).Scan(&newEmail, &expires, &current); err != nil {
			return fmt.Errorf("confirm email change: %w", err)
		}
		switch {
		case newEmail == nil || expires == nil || string(current) != string(hash) || !b.Live():
			return booking.ErrEmailChangeLinkNotFound
		case !now.Before(*expires):
			return booking.ErrEmailChangeLinkExpired
		}
		old := b.Email
		err = tx.QueryRow(ctx, `
			UPDATE bookings SET email = new_email, new_email = NULL, new_email_token_hash = NULL,
				new_email_expires_at = NULL, manage_token_hash = $2, invite_sequence = invite_sequence + 1
			WHERE id = $1 RETURNING email, invite_sequence`, b.ID, manageHash).Scan(&b.Email, &b.InviteSequence)
		if isUniqueViolation(err, "bookings_one_live_per_person") {
			return booking.Errorf(booking.EDuplicate, "Someone with this name already has a place at this session with the new email address. Your booking has not changed.")
		}
		if err != nil {
			return fmt.Errorf("confirm email change: %w", err)
		}
		b.TokenHash = manageHash
		// Links sent to the old address stop working with its token.
		if _, err := tx.Exec(ctx, `DELETE FROM resent_links WHERE booking_id = $1`, b.ID); err != nil {
			return fmt.Errorf("confirm email change: old links: %w", err)
		}
		if err := db.queueEmail(ctx, tx, booking.MsgBookingCancelled, b, booking.EmailPayload{To: old}); err != nil {
			return err
		}
		return db.queueEmail(ctx, tx, booking.MsgBookingConfirmed, b, booking.EmailPayload{Token: manageToken})
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}
