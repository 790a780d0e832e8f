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

// Workforce bookings wait for their email link (booking/staff.go). The
// link's token is kept only as a SHA-256 hash in bookings.verify_token_hash,
// with its expiry in verify_expires_at (migrations/00007_staff.sql).

var _ booking.StaffStore = (*DB)(nil)

func errStaffLinkNotFound() error {
	return booking.Errorf(booking.ENotFound, "We could not find that link. Use the whole link from the email we sent you: it may have been split over two lines.")
}

// BookUnverified takes a place in a workforce session and stores b pending
// verification, with the hash and expiry of its link and the email that
// carries the link, in one transaction. It fills b as ConfirmBooking does.
func (db *DB) BookUnverified(ctx context.Context, b *booking.Booking, v booking.StaffVerification, now time.Time) (booking.Mirror, error) {
	switch {
	case !b.Mode.Valid():
		return booking.Mirror{}, errModeNotOffered()
	case b.Status != booking.PendingVerification:
		return booking.Mirror{}, fmt.Errorf("book unverified: status %q, want %q", b.Status, booking.PendingVerification)
	case len(b.TokenHash) != sha256.Size || len(v.Hash) != sha256.Size || v.Token == "":
		return booking.Mirror{}, errors.New("book unverified: a manage token hash, a link token and its hash are needed")
	}
	var mirror booking.Mirror
	var stored booking.Booking
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		stored = *b
		stored.InviteSequence, stored.CancelledAt, stored.Attended, stored.ManageToken = 0, nil, nil, ""
		sess, places, err := takePlaceIn(ctx, tx, b.SessionID, b.Mode, booking.Workforce, 1, now)
		if err != nil {
			return err
		}
		mirror = booking.MirrorOf(&sess.Session, sess.audience, places)
		// A booking pending verification gets no confirmation here.
		if err := db.insertBooking(ctx, tx, &stored, b.Reference == "", now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE bookings SET verify_token_hash = $2, verify_expires_at = $3 WHERE id = $1`,
			stored.ID, v.Hash, v.ExpiresAt); err != nil {
			return fmt.Errorf("book unverified: link: %w", err)
		}
		return db.queueEmail(ctx, tx, booking.MsgStaffVerification, &stored,
			booking.EmailPayload{Token: v.Token, ExpiresAt: v.ExpiresAt.UTC().Truncate(time.Second)})
	})
	if err != nil {
		return booking.Mirror{}, err
	}
	*b = stored
	return mirror, nil
}

// UnverifiedBooking reads the booking whose link has the token hash, and
// when the link lapses.
func (db *DB) UnverifiedBooking(ctx context.Context, hash []byte) (*booking.Booking, time.Time, error) {
	return readByLink(ctx, db.Pool, hash, false)
}

func readByLink(ctx context.Context, q querier, hash []byte, lock bool) (*booking.Booking, time.Time, error) {
	forUpdate := ""
	if lock {
		forUpdate = " FOR UPDATE"
	}
	b := &booking.Booking{}
	var expires time.Time
	err := q.QueryRow(ctx, `SELECT `+bookingColumns+`, verify_expires_at FROM bookings
		WHERE verify_token_hash = $1`+forUpdate, hash).Scan(append(bookingDest(b), &expires)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, time.Time{}, errStaffLinkNotFound()
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("read booking by link: %w", err)
	}
	return b, expires, nil
}

// Verify confirms the booking whose link has the token hash and queues its
// confirmation, with the new manage token, in one transaction.
func (db *DB) Verify(ctx context.Context, hash []byte, manageToken string, manageHash []byte, now time.Time) (*booking.Booking, error) {
	if len(manageHash) != sha256.Size || manageToken == "" {
		return nil, errors.New("verify: a manage token and its hash are needed")
	}
	var b *booking.Booking
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		// Where the booking is, read without a lock so that the locks below
		// follow the common order: session, then booking.
		var sessionID int64
		err := tx.QueryRow(ctx, `SELECT session_id FROM bookings WHERE verify_token_hash = $1`, hash).Scan(&sessionID)
		if errors.Is(err, pgx.ErrNoRows) {
			return errStaffLinkNotFound()
		}
		if err != nil {
			return fmt.Errorf("verify: find: %w", err)
		}
		sess, err := lockSession(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		var expires time.Time
		if b, expires, err = readByLink(ctx, tx, hash, true); err != nil {
			return err
		}
		if err := booking.StaffLinkState(b, expires, now); err != nil {
			return err
		}
		if sess.Status != booking.Scheduled || !now.Before(sess.StartsAt) {
			return errSessionClosed()
		}
		// An invite sent while the booking waited (the session changed)
		// must be superseded by the confirmation's: a higher sequence.
		err = tx.QueryRow(ctx, `
			UPDATE bookings SET status = 'confirmed', manage_token_hash = $2,
				invite_sequence = CASE WHEN invite_sequence > 0 THEN invite_sequence + 1 ELSE 0 END
			WHERE id = $1 AND status = 'pending_verification'
			RETURNING status, invite_sequence`, b.ID, manageHash).Scan(&b.Status, &b.InviteSequence)
		if err != nil {
			return fmt.Errorf("verify: confirm: %w", err)
		}
		b.TokenHash, b.ManageToken = manageHash, manageToken
		return db.queueEmail(ctx, tx, booking.MsgBookingConfirmed, b, booking.EmailPayload{Token: manageToken})
	})
	if err != nil {
		return nil, err
	}
	b.ManageToken = ""
	return b, nil
}

// ReleaseUnverified cancels bookings whose link lapsed by now, up to limit,
// each in its own transaction, and returns the fresh mirrors of the places
// given back. A booking that was sent an invite meanwhile is sent its
// cancellation, so calendars drop it.
//
// Several instances may run this at once: each release locks the session's
// places and the booking and checks again that it is still pending and
// lapsed, so a booking verified or released meanwhile is left alone.
func (db *DB) ReleaseUnverified(ctx context.Context, now time.Time, limit int) ([]booking.Mirror, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT id FROM bookings
		WHERE status = 'pending_verification' AND verify_expires_at <= $1
		ORDER BY verify_expires_at, id
		LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("release unverified: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("release unverified: %w", err)
	}
	var mirrors []booking.Mirror
	for _, id := range ids {
		m, released, err := db.releaseUnverified(ctx, id, now)
		if err != nil {
			return mirrors, err
		}
		if released {
			mirrors = append(mirrors, m)
		}
	}
	return mirrors, nil
}

func (db *DB) releaseUnverified(ctx context.Context, id int64, now time.Time) (booking.Mirror, bool, error) {
	var mirror booking.Mirror
	var released bool
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		var sessionID int64
		var mode booking.Mode
		err := tx.QueryRow(ctx, `SELECT session_id, mode FROM bookings WHERE id = $1`, id).Scan(&sessionID, &mode)
		if err != nil {
			return fmt.Errorf("release unverified: find: %w", err)
		}
		sess, err := lockSession(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		if _, err := lockPlaces(ctx, tx, sessionID, mode); err != nil {
			return err
		}
		// A booking sent an invite while it waited (a session_changed) has
		// it in a calendar: a cancellation with a higher sequence drops it.
		// One never sent an invite is not emailed: nobody confirmed it.
		b := &booking.Booking{ID: id}
		err = tx.QueryRow(ctx, `
			UPDATE bookings SET status = 'cancelled', cancelled_at = $2,
				invite_sequence = CASE WHEN invite_sequence > 0 THEN invite_sequence + 1 ELSE 0 END
			WHERE id = $1 AND status = 'pending_verification' AND verify_expires_at <= $2
			RETURNING session_id, email, invite_sequence`, id, now).Scan(&b.SessionID, &b.Email, &b.InviteSequence)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // verified or released by someone else meanwhile
		}
		if err != nil {
			return fmt.Errorf("release unverified: cancel: %w", err)
		}
		if b.InviteSequence > 0 {
			if err := db.queueEmail(ctx, tx, booking.MsgBookingCancelled, b, booking.EmailPayload{}); err != nil {
				return fmt.Errorf("release unverified: %w", err)
			}
		}
		var places booking.Places
		err = tx.QueryRow(ctx, `
			UPDATE session_capacity SET booked = booked - 1, version = version + 1
			WHERE session_id = $1 AND mode = $2
			RETURNING `+placesColumns, sessionID, string(mode)).Scan(placesDest(&places)...)
		if err != nil {
			return fmt.Errorf("release unverified: give place back: %w", err)
		}
		if places, err = db.offerFreedPlaces(ctx, tx, &sess.Session, places, 1, now); err != nil {
			return err // the waiting list's first person is offered the place at once
		}
		mirror, released = booking.MirrorOf(&sess.Session, sess.audience, places), true
		return nil
	})
	return mirror, released, err
}

// ResendVerification gives a booking pending verification a new link, with
// the deadline it had, and queues the email carrying it.
func (db *DB) ResendVerification(ctx context.Context, bookingID int64, v booking.StaffVerification, now time.Time) (*booking.Booking, error) {
	if len(v.Hash) != sha256.Size || v.Token == "" {
		return nil, errors.New("resend verification: a link token and its hash are needed")
	}
	b := &booking.Booking{}
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		var expires *time.Time
		err := tx.QueryRow(ctx, `SELECT `+bookingColumns+`, verify_expires_at FROM bookings WHERE id = $1 FOR UPDATE`,
			bookingID).Scan(append(bookingDest(b), &expires)...)
		if errors.Is(err, pgx.ErrNoRows) {
			return errStaffLinkNotFound()
		}
		if err != nil {
			return fmt.Errorf("resend verification: %w", err)
		}
		if expires == nil {
			// Never waited for a link: a public booking, or one by phone.
			return booking.ErrStaffLinkUsed
		}
		if err := booking.StaffLinkState(b, *expires, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE bookings SET verify_token_hash = $2 WHERE id = $1`, b.ID, v.Hash); err != nil {
			return fmt.Errorf("resend verification: %w", err)
		}
		return db.queueEmail(ctx, tx, booking.MsgStaffVerification, b,
			booking.EmailPayload{Token: v.Token, ExpiresAt: expires.UTC().Truncate(time.Second)})
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}
