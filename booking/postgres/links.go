package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// "Send me my booking link" (booking/links.go): fresh manage links, kept as
// hashes in resent_links (migrations/00015_resent_links.sql) beside the
// ones already sent, which go on working.

// ResendLinks gives every upcoming live booking and every active
// waiting-list entry of email a fresh link, and queues one email for each,
// in one transaction. It returns how many emails it queued.
func (db *DB) ResendLinks(ctx context.Context, email string, now time.Time) (int, error) {
	n := 0
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		n = 0
		rows, err := tx.Query(ctx, `
			SELECT `+prefixed("b.", bookingColumns)+`
			FROM bookings b JOIN sessions s ON s.id = b.session_id
			WHERE lower(b.email) = lower($1) AND b.status = 'confirmed'
				AND s.status = 'scheduled' AND s.ends_at > $2
			ORDER BY s.starts_at, b.id`, email, now)
		if err != nil {
			return fmt.Errorf("resend links: bookings: %w", err)
		}
		bookings, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*booking.Booking, error) {
			b := &booking.Booking{}
			return b, r.Scan(bookingDest(b)...)
		})
		if err != nil {
			return fmt.Errorf("resend links: bookings: %w", err)
		}
		rows, err = tx.Query(ctx, `
			SELECT `+prefixed("e.", entryColumns)+`
			FROM waitlist_entries e JOIN sessions s ON s.id = e.session_id
			WHERE lower(e.email) = lower($1) AND e.status IN ('waiting', 'offered')
				AND s.status = 'scheduled' AND s.ends_at > $2
			ORDER BY s.starts_at, e.id`, email, now)
		if err != nil {
			return fmt.Errorf("resend links: waiting lists: %w", err)
		}
		entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*booking.WaitlistEntry, error) {
			e := &booking.WaitlistEntry{}
			return e, r.Scan(entryDest(e)...)
		})
		if err != nil {
			return fmt.Errorf("resend links: waiting lists: %w", err)
		}
		for _, b := range bookings {
			token, err := db.newLink(ctx, tx, b.ID, 0, now)
			if err != nil {
				return err
			}
			if err := db.queueEmail(ctx, tx, booking.MsgBookingLink, b, booking.EmailPayload{Token: token}); err != nil {
				return err
			}
			n++
		}
		for _, e := range entries {
			token, err := db.newLink(ctx, tx, 0, e.ID, now)
			if err != nil {
				return err
			}
			if err := db.queueEntryEmail(ctx, tx, booking.MsgWaitlistLink, e,
				booking.EmailPayload{Reference: e.Reference, Token: token}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// newLink stores a fresh link to a booking or an entry and returns its token.
func (db *DB) newLink(ctx context.Context, tx pgx.Tx, bookingID, entryID int64, now time.Time) (string, error) {
	token, hash, err := booking.NewToken()
	if err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO resent_links (token_hash, booking_id, waitlist_entry_id, created_at)
		VALUES ($1, $2, $3, $4)`, hash, nullID(bookingID), nullID(entryID), now); err != nil {
		return "", fmt.Errorf("resend links: %w", err)
	}
	return token, nil
}

// ResentLink says what a fresh link with the token hash opens: a booking or
// a waiting-list entry (the other id 0), or ENotFound.
func (db *DB) ResentLink(ctx context.Context, hash []byte) (bookingID, entryID int64, err error) {
	var b, e *int64
	err = db.Pool.QueryRow(ctx, `SELECT booking_id, waitlist_entry_id FROM resent_links WHERE token_hash = $1`, hash).Scan(&b, &e)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, booking.Errorf(booking.ENotFound, "no such link")
	}
	if err != nil {
		return 0, 0, fmt.Errorf("resent link: %w", err)
	}
	if b != nil {
		bookingID = *b
	}
	if e != nil {
		entryID = *e
	}
	return bookingID, entryID, nil
}
