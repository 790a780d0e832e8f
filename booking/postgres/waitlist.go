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

// Waiting lists. Every change to an entry's status locks the
// session_capacity row of its session and mode first (after the
// session row, as store.go's lock order says), so the offers, acceptances,
// declines and lapses of one list run one at a time, and the offered count
// always matches the entries offered.

var _ booking.WaitlistStore = (*DB)(nil)

const entryColumns = `id, reference, session_id, mode, name, email, organisation, postcode, access_needs,
	status, manage_token_hash, offer_token_hash, offered_at, offer_expires_at, booking_id, created_at, ended_at`

func entryDest(e *booking.WaitlistEntry) []any {
	return []any{&e.ID, &e.Reference, &e.SessionID, &e.Mode, &e.Name, &e.Email, &e.Organisation,
		&e.Postcode, &e.AccessNeeds, &e.Status, &e.ManageTokenHash, &e.OfferTokenHash, &e.OfferedAt,
		&e.OfferExpiresAt, &e.BookingID, &e.CreatedAt, &e.EndedAt}
}

func errEntryNotFound() error {
	return booking.Errorf(booking.ENotFound, "We could not find that place on the waiting list. Use the link in your email.")
}

// JoinWaitlist puts e at the end of its list with the email confirming it,
// in one transaction.
func (db *DB) JoinWaitlist(ctx context.Context, e *booking.WaitlistEntry, now time.Time) error {
	if !e.Mode.Valid() {
		return errModeNotOffered()
	}
	if len(e.ManageTokenHash) != sha256.Size {
		return fmt.Errorf("join waiting list: token hash has %d bytes, want %d", len(e.ManageTokenHash), sha256.Size)
	}
	stored := *e
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		sess, err := lockSession(ctx, tx, e.SessionID)
		if err != nil {
			return err
		}
		if sess.Status != booking.Scheduled || !now.Before(sess.StartsAt) {
			return errSessionClosed()
		}
		if sess.AwaitsDraw() {
			return booking.ErrAwaitsDraw()
		}
		var booked bool
		err = tx.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM bookings
			               WHERE session_id = $1 AND lower(email) = lower($2) AND lower(name) = lower($3)
			                 AND status <> 'cancelled')`,
			e.SessionID, e.Email, e.Name).Scan(&booked)
		if err != nil {
			return fmt.Errorf("join waiting list: booked already: %w", err)
		}
		if booked {
			return errDuplicateBooking()
		}
		if err := insertEntry(ctx, tx, &stored, now); err != nil {
			return err
		}
		if stored.Position, err = position(ctx, tx, &stored); err != nil {
			return err
		}
		return db.queueEntryEmail(ctx, tx, booking.MsgWaitlistJoined, &stored, booking.EmailPayload{
			Reference: stored.Reference, Token: e.ManageToken, Position: stored.Position,
		})
	})
	if err != nil {
		return err
	}
	stored.ManageToken = ""
	*e = stored
	return nil
}

// insertEntry stores a new waiting entry, drawing a reference as bookings do.
func insertEntry(ctx context.Context, tx pgx.Tx, e *booking.WaitlistEntry, now time.Time) error {
	for try := 0; try < referenceTries; try++ {
		e.Reference = newReference()
		// As for bookings: a taken reference is no row, not an error, while
		// the one-entry-per-email index still raises its violation.
		err := tx.QueryRow(ctx, `
			INSERT INTO waitlist_entries (reference, session_id, mode, name, email, organisation, postcode,
				access_needs, manage_token_hash, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (reference) DO NOTHING
			RETURNING id, status, created_at`,
			e.Reference, e.SessionID, string(e.Mode), e.Name, e.Email, e.Organisation, e.Postcode,
			e.AccessNeeds, e.ManageTokenHash, now).Scan(&e.ID, &e.Status, &e.CreatedAt)
		switch {
		case err == nil:
			return nil
		case isUniqueViolation(err, "waitlist_one_active_per_person"):
			return booking.Errorf(booking.EDuplicate, "You are already on the waiting list for this session under this name and email address.")
		case isForeignKeyViolation(err, ""):
			return errModeNotOffered()
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("join waiting list: insert: %w", err)
		}
	}
	return fmt.Errorf("join waiting list: no free reference after %d tries", referenceTries)
}

// position is 1 for the first person waiting; 0 for an entry not waiting.
func position(ctx context.Context, q querier, e *booking.WaitlistEntry) (int, error) {
	if e.Status != booking.Waiting {
		return 0, nil
	}
	var n int
	err := q.QueryRow(ctx, `
		SELECT count(*) FROM waitlist_entries
		WHERE session_id = $1 AND mode = $2 AND status = 'waiting' AND id <= $3`,
		e.SessionID, string(e.Mode), e.ID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("waiting list position: %w", err)
	}
	return n, nil
}

// queueEntryEmail queues a waiting-list email: it names the entry, which
// holds the person, and no booking.
func (db *DB) queueEntryEmail(ctx context.Context, q querier, kind string, e *booking.WaitlistEntry, p booking.EmailPayload) error {
	_, err := db.queue(ctx, q, time.Time{}, booking.Email{Kind: kind, SessionID: e.SessionID, WaitlistEntryID: e.ID, Payload: p})
	return err
}

// WaitlistEntry reads an entry by its reference, typed in any case, with
// its position.
func (db *DB) WaitlistEntry(ctx context.Context, reference string) (*booking.WaitlistEntry, error) {
	e, err := readEntry(ctx, db.Pool, normalizeReference(reference), false)
	if err != nil {
		return nil, err
	}
	if e.Position, err = position(ctx, db.Pool, e); err != nil {
		return nil, err
	}
	return e, nil
}

func readEntry(ctx context.Context, q querier, reference string, lock bool) (*booking.WaitlistEntry, error) {
	forUpdate := ""
	if lock {
		forUpdate = " FOR UPDATE"
	}
	e := &booking.WaitlistEntry{}
	err := q.QueryRow(ctx, `SELECT `+entryColumns+` FROM waitlist_entries WHERE reference = $1`+forUpdate, reference).
		Scan(entryDest(e)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errEntryNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("read waiting list entry: %w", err)
	}
	return e, nil
}

// lockEntry locks, in the common order, the session, the places and then
// the entry with reference; it returns all three.
func lockEntry(ctx context.Context, tx pgx.Tx, reference string) (*lockedSession, booking.Places, *booking.WaitlistEntry, error) {
	// Where the entry is, read without a lock so that the locks below
	// follow the common order.
	var sessionID int64
	var mode booking.Mode
	err := tx.QueryRow(ctx, `SELECT session_id, mode FROM waitlist_entries WHERE reference = $1`, reference).
		Scan(&sessionID, &mode)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, booking.Places{}, nil, errEntryNotFound()
	}
	if err != nil {
		return nil, booking.Places{}, nil, fmt.Errorf("find waiting list entry: %w", err)
	}
	sess, err := lockSession(ctx, tx, sessionID)
	if err != nil {
		return nil, booking.Places{}, nil, err
	}
	places, err := lockPlaces(ctx, tx, sessionID, mode)
	if err != nil {
		return nil, booking.Places{}, nil, err
	}
	e, err := readEntry(ctx, tx, reference, true)
	if err != nil {
		return nil, booking.Places{}, nil, err
	}
	return sess, places, e, nil
}

// lockPlaces reads the places of a session and mode and locks them until
// the transaction ends. NO KEY UPDATE is the lock an UPDATE of the counts
// takes, so it waits for bookings and is waited for as they are, without
// also blocking the foreign-key checks of rows that merely point at it.
func lockPlaces(ctx context.Context, tx pgx.Tx, sessionID int64, mode booking.Mode) (booking.Places, error) {
	var p booking.Places
	err := tx.QueryRow(ctx, `SELECT `+placesColumns+` FROM session_capacity
		WHERE session_id = $1 AND mode = $2 FOR NO KEY UPDATE`, sessionID, string(mode)).Scan(placesDest(&p)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, errModeNotOffered()
	}
	if err != nil {
		return p, fmt.Errorf("lock places: %w", err)
	}
	return p, nil
}

// AcceptOffer turns an offered place into a booking with the entry's
// details, queuing its confirmation as any booking's, in one transaction:
// the place moves from offered to booked, so the count taken never moves.
func (db *DB) AcceptOffer(ctx context.Context, reference string, b *booking.Booking, now time.Time) (*booking.WaitlistEntry, booking.Mirror, error) {
	if b.Status != booking.Confirmed || len(b.TokenHash) != sha256.Size {
		return nil, booking.Mirror{}, fmt.Errorf("accept offer: want a confirmed booking with a token hash")
	}
	reference = normalizeReference(reference)
	var e *booking.WaitlistEntry
	var mirror booking.Mirror
	stored := *b
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		sess, places, entry, err := lockEntry(ctx, tx, reference)
		if err != nil {
			return err
		}
		e = entry
		switch {
		case e.Status != booking.Offered:
			return booking.NoOfferError(e.Status)
		case !e.OfferExpiresAt.After(now):
			return booking.NoOfferError(booking.OfferLapsed)
		case sess.Status != booking.Scheduled || !now.Before(sess.StartsAt):
			return errSessionClosed()
		}
		err = tx.QueryRow(ctx, `
			UPDATE session_capacity SET offered = offered - 1, booked = booked + 1, version = version + 1
			WHERE session_id = $1 AND mode = $2
			RETURNING `+placesColumns, places.SessionID, string(places.Mode)).Scan(placesDest(&places)...)
		if err != nil {
			return fmt.Errorf("accept offer: move place: %w", err)
		}
		stored = booking.Booking{
			SessionID: e.SessionID, Mode: e.Mode, Name: e.Name, Email: e.Email, Organisation: e.Organisation,
			Postcode: e.Postcode, AccessNeeds: e.AccessNeeds, Status: b.Status, TokenHash: b.TokenHash,
			ManageToken: b.ManageToken,
		}
		if err := db.insertBooking(ctx, tx, &stored, true, now); err != nil {
			return err
		}
		if err := endEntry(ctx, tx, e, booking.OfferAccepted, &stored.ID, now); err != nil {
			return err
		}
		mirror = booking.MirrorOf(&sess.Session, sess.audience, places)
		return nil
	})
	if err != nil {
		return nil, booking.Mirror{}, err
	}
	stored.ManageToken = ""
	*b = stored
	return e, mirror, nil
}

// LeaveWaitlist ends an entry: left while waiting; declined while offered,
// when its place goes to the next person waiting in the same transaction.
func (db *DB) LeaveWaitlist(ctx context.Context, reference string, now time.Time) (*booking.WaitlistEntry, booking.Mirror, error) {
	reference = normalizeReference(reference)
	var e *booking.WaitlistEntry
	var mirror booking.Mirror
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		sess, places, entry, err := lockEntry(ctx, tx, reference)
		if err != nil {
			return err
		}
		e = entry
		switch e.Status {
		case booking.Waiting:
			err = endEntry(ctx, tx, e, booking.LeftWaitlist, nil, now)
		case booking.Offered:
			if err = endEntry(ctx, tx, e, booking.OfferDeclined, nil, now); err != nil {
				return err
			}
			places, err = db.returnOffered(ctx, tx, &sess.Session, places, now)
		default:
			err = booking.Errorf(booking.EConflict, "You are no longer on this waiting list.")
		}
		if err != nil {
			return err
		}
		mirror = booking.MirrorOf(&sess.Session, sess.audience, places)
		return nil
	})
	if err != nil {
		return nil, booking.Mirror{}, err
	}
	return e, mirror, nil
}

// endEntry moves a locked entry to a final status.
func endEntry(ctx context.Context, tx pgx.Tx, e *booking.WaitlistEntry, to booking.WaitlistStatus, bookingID *int64, now time.Time) error {
	err := tx.QueryRow(ctx, `
		UPDATE waitlist_entries SET status = $2, booking_id = $3, ended_at = $4
		WHERE id = $1
		RETURNING status, booking_id, ended_at`, e.ID, string(to), bookingID, now).
		Scan(&e.Status, &e.BookingID, &e.EndedAt)
	if err != nil {
		return fmt.Errorf("waiting list entry %s: %w", to, err)
	}
	e.Position = 0
	return nil
}

// returnOffered gives back the place of an offer that ended without a
// booking and offers it to the next person waiting.
func (db *DB) returnOffered(ctx context.Context, tx pgx.Tx, sess *booking.Session, p booking.Places, now time.Time) (booking.Places, error) {
	err := tx.QueryRow(ctx, `
		UPDATE session_capacity SET offered = offered - 1, version = version + 1
		WHERE session_id = $1 AND mode = $2
		RETURNING `+placesColumns, p.SessionID, string(p.Mode)).Scan(placesDest(&p)...)
	if err != nil {
		return p, fmt.Errorf("give offered place back: %w", err)
	}
	return db.offerFreedPlaces(ctx, tx, sess, p, 1, now)
}
