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

const bookingColumns = `id, reference, session_id, mode, name, email, organisation, postcode,
	access_needs, status, invite_sequence, attended, created_at, cancelled_at, manage_token_hash, invite_uid,
	phone, postal_address, companion_of, walk_in, over_capacity`

func bookingDest(b *booking.Booking) []any {
	return []any{&b.ID, &b.Reference, &b.SessionID, &b.Mode, &b.Name, &b.Email, &b.Organisation,
		&b.Postcode, &b.AccessNeeds, &b.Status, &b.InviteSequence, &b.Attended, &b.CreatedAt,
		&b.CancelledAt, &b.TokenHash, orEmpty{&b.InviteUID}, &b.Phone, &b.PostalAddress, orZero{&b.CompanionOf}, &b.WalkIn, &b.OverCapacity}
}

// orZero scans a bigint column that may be NULL into an int64, NULL as 0.
type orZero struct{ p *int64 }

func (o orZero) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*o.p = 0
	case int64:
		*o.p = v
	default:
		return fmt.Errorf("scan bigint: got %T", src)
	}
	return nil
}

// orEmpty scans a text column that may be NULL into a string, NULL as "".
type orEmpty struct{ p *string }

func (o orEmpty) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*o.p = ""
	case string:
		*o.p = v
	default:
		return fmt.Errorf("scan text: got %T", src)
	}
	return nil
}

// referenceTries is how often a confirmation draws a new reference when the
// one it drew is taken; with 31^8 references a second try is already rare.
const referenceTries = 5

// ConfirmBooking takes a place in b's session and mode and stores b, with its
// confirmation email when b.Status is confirmed (a booking pending
// verification is told later), all in one transaction. The caller sets
// b.Status and b.TokenHash; an empty b.Reference is drawn here. It fills
// b.ID, b.Reference, b.InviteSequence and b.CreatedAt. With b.Companion
// set (its TokenHash too), two places are taken by one statement and the
// companion's booking is stored beside b, linked to it, with its own
// confirmation when it has an address: both bookings, or neither.
func (db *DB) ConfirmBooking(ctx context.Context, b *booking.Booking, audience booking.Audience, now time.Time) (booking.Mirror, error) {
	if !b.Mode.Valid() {
		return booking.Mirror{}, errModeNotOffered()
	}
	if b.Status != booking.Confirmed && b.Status != booking.PendingVerification {
		return booking.Mirror{}, fmt.Errorf("confirm booking: status %q cannot be confirmed", b.Status)
	}
	if len(b.TokenHash) != sha256.Size {
		return booking.Mirror{}, fmt.Errorf("confirm booking: manage token hash has %d bytes, want %d", len(b.TokenHash), sha256.Size)
	}

	if c := b.Companion; c != nil && len(c.TokenHash) != sha256.Size {
		return booking.Mirror{}, fmt.Errorf("confirm booking: companion's manage token hash has %d bytes, want %d", len(c.TokenHash), sha256.Size)
	}

	var mirror booking.Mirror
	var stored, companion booking.Booking
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		stored = *b
		stored.InviteSequence, stored.CancelledAt, stored.Attended, stored.Companion = 0, nil, nil, nil
		places := 1
		if b.Companion != nil {
			places = 2
		}
		sess, counts, err := takePlaceIn(ctx, tx, b.SessionID, b.Mode, audience, places, now)
		if err != nil {
			return err
		}
		mirror = booking.MirrorOf(&sess.Session, sess.audience, counts)
		if err := db.insertBooking(ctx, tx, &stored, b.Reference == "", now); err != nil {
			return err
		}
		// Organisers book on someone's behalf only by phone: a booking made
		// in an organiser's name is one.
		if err := recordChange(ctx, tx, now, booking.AuditBookingCreate, booking.SubjectBooking, stored.Reference,
			nil, booking.SnapshotPhoneBooking(&stored)); err != nil {
			return err
		}
		if b.Companion == nil {
			return nil
		}
		companion = *b.Companion
		companion.SessionID, companion.Mode, companion.Status = stored.SessionID, stored.Mode, stored.Status
		companion.CompanionOf, companion.Reference = stored.ID, ""
		companion.InviteSequence, companion.CancelledAt, companion.Attended = 0, nil, nil
		err = db.insertBooking(ctx, tx, &companion, true, now)
		if booking.IsCode(err, booking.EDuplicate) {
			return errDuplicateCompanion()
		}
		if err != nil {
			return err
		}
		return recordChange(ctx, tx, now, booking.AuditBookingCreate, booking.SubjectBooking, companion.Reference,
			nil, booking.SnapshotBooking(&companion))
	})
	if err != nil {
		return booking.Mirror{}, err
	}
	stored.ManageToken = ""
	if b.Companion != nil {
		companion.ManageToken = ""
		stored.Companion = &companion
	}
	*b = stored
	return mirror, nil
}

// errDuplicateCompanion refuses a companion who has a place at the session
// already, under their name and address.
func errDuplicateCompanion() error {
	return &booking.Error{Code: booking.EDuplicate, Message: "Your companion already has a place at this session.",
		Fields: map[string]string{"companion.name": "Your companion already has a place at this session under this name and email address"}}
}

// CompanionOf reads the live companion booked with the booking id, or nil.
func (db *DB) CompanionOf(ctx context.Context, bookingID int64) (*booking.Booking, error) {
	return liveCompanion(ctx, db.Pool, bookingID, false)
}

// BookingByID reads a booking by its id.
func (db *DB) BookingByID(ctx context.Context, id int64) (*booking.Booking, error) {
	b := &booking.Booking{}
	err := db.Pool.QueryRow(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE id = $1`, id).Scan(bookingDest(b)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errBookingNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("read booking: %w", err)
	}
	return b, nil
}

// liveCompanion reads the live companion of the booking id, under a row
// lock when lock is set, or nil.
func liveCompanion(ctx context.Context, q querier, bookingID int64, lock bool) (*booking.Booking, error) {
	forUpdate := ""
	if lock {
		forUpdate = " FOR UPDATE"
	}
	c := &booking.Booking{}
	err := q.QueryRow(ctx, `SELECT `+bookingColumns+` FROM bookings
		WHERE companion_of = $1 AND status <> 'cancelled'`+forUpdate, bookingID).Scan(bookingDest(c)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read companion: %w", err)
	}
	return c, nil
}

// refusePair refuses to switch or move b, locked by the caller, on its own
// when it is one of a pair: the companion would be left behind.
func refusePair(ctx context.Context, tx pgx.Tx, b *booking.Booking) error {
	if b.CompanionOf != 0 {
		return booking.ErrPairChange(true)
	}
	c, err := liveCompanion(ctx, tx, b.ID, false)
	if err != nil {
		return err
	}
	if c != nil {
		return booking.ErrPairChange(false)
	}
	return nil
}

// lockedSession is what a booking needs to know of its session.
type lockedSession struct {
	booking.Session
	audience booking.Audience
}

// lockSession reads a session and keeps it as it is until the transaction
// ends: FOR SHARE lets bookings run side by side but makes a change to the
// session (a cancellation) wait for them, and them for it.
func lockSession(ctx context.Context, tx pgx.Tx, sessionID int64) (*lockedSession, error) {
	s := &lockedSession{}
	err := tx.QueryRow(ctx, `
		SELECT s.id, s.status, s.starts_at, s.ends_at, s.allocation, s.applications_close_at, s.drawn_at, w.audience
		FROM sessions s JOIN workshops w ON w.id = s.workshop_id
		WHERE s.id = $1 FOR SHARE OF s`, sessionID).
		Scan(&s.ID, &s.Status, &s.StartsAt, &s.EndsAt, &s.Allocation, &s.ApplicationsCloseAt, &s.DrawnAt, &s.audience)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errSessionNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("lock session: %w", err)
	}
	return s, nil
}

// takePlaceIn locks a session for a booking and takes n of its places (1,
// or 2 for a pair) in mode: the audience check (when audience is set) and
// the open check happen here, under the lock, on the one read of the
// session the booking makes.
func takePlaceIn(ctx context.Context, tx pgx.Tx, sessionID int64, mode booking.Mode, audience booking.Audience, n int, now time.Time) (*lockedSession, booking.Places, error) {
	sess, err := lockSession(ctx, tx, sessionID)
	if err != nil {
		return nil, booking.Places{}, err
	}
	if audience != "" && sess.audience != audience {
		return nil, booking.Places{}, booking.AudienceRefusal(sess.audience)
	}
	if sess.Status != booking.Scheduled || !now.Before(sess.StartsAt) {
		return nil, booking.Places{}, errSessionClosed()
	}
	if sess.AwaitsDraw() {
		return nil, booking.Places{}, booking.ErrAwaitsDraw()
	}
	places, err := takeFreePlaces(ctx, tx, sessionID, mode, n, now)
	if err != nil {
		return nil, booking.Places{}, err
	}
	return sess, places, nil
}

// takePlace adds one to the booked places of a session and mode if one is
// left, and finds out why not otherwise.
func takePlace(ctx context.Context, tx pgx.Tx, sessionID int64, mode booking.Mode, now time.Time) (booking.Places, error) {
	return takeFreePlaces(ctx, tx, sessionID, mode, 1, now)
}

// takeFreePlaces is takePlace for n places, all of them or none: a pair at one
// place left is full.
func takeFreePlaces(ctx context.Context, tx pgx.Tx, sessionID int64, mode booking.Mode, n int, now time.Time) (booking.Places, error) {
	var p booking.Places
	err := tx.QueryRow(ctx, `
		UPDATE session_capacity SET booked = booked + $4, version = version + 1
		WHERE session_id = $1 AND mode = $2 AND booked + offered + $4 <= capacity
		  AND EXISTS (SELECT 1 FROM sessions s
		              WHERE s.id = $1 AND s.status = 'scheduled' AND s.starts_at > $3
		                AND (s.allocation = 'first_come' OR s.drawn_at IS NOT NULL))
		RETURNING `+placesColumns,
		sessionID, string(mode), now, n).Scan(placesDest(&p)...)
	switch {
	case err == nil:
		return p, nil
	case isCheckViolation(err, "session_capacity_not_overbooked"):
		return p, errFull()
	case !errors.Is(err, pgx.ErrNoRows):
		return p, fmt.Errorf("confirm booking: take place: %w", err)
	}

	var status booking.SessionStatus
	var startsAt time.Time
	var capacity *int
	var awaitsDraw bool
	err = tx.QueryRow(ctx, `
		SELECT s.status, s.starts_at, c.capacity, s.allocation = 'ballot' AND s.drawn_at IS NULL
		FROM sessions s LEFT JOIN session_capacity c ON c.session_id = s.id AND c.mode = $2
		WHERE s.id = $1`, sessionID, string(mode)).Scan(&status, &startsAt, &capacity, &awaitsDraw)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return p, errSessionNotFound()
	case err != nil:
		return p, fmt.Errorf("confirm booking: why no place: %w", err)
	case status != booking.Scheduled || !startsAt.After(now):
		return p, errSessionClosed()
	case awaitsDraw:
		return p, booking.ErrAwaitsDraw()
	case capacity == nil || *capacity == 0:
		return p, errModeNotOffered()
	}
	return p, errFull()
}

// insertBooking stores b with its confirmation email (when it is confirmed:
// a booking pending verification is told later) in one statement, drawing a
// new reference while the one drawn is taken (draw false: b.Reference is the
// caller's and must be free).
func (db *DB) insertBooking(ctx context.Context, tx pgx.Tx, b *booking.Booking, draw bool, now time.Time) error {
	for try := 0; try < referenceTries; try++ {
		if draw {
			b.Reference = newReference()
		}
		// ON CONFLICT on the reference alone: a taken reference is not an
		// error (which would end the transaction) but no row, while the
		// one-live-booking-per-person index still raises its violation.
		b.InviteUID = booking.InviteUID(b.Reference, db.uidDomain())
		err := tx.QueryRow(ctx, `
			INSERT INTO bookings (reference, session_id, mode, name, email, organisation, postcode,
				access_needs, status, manage_token_hash, created_at, invite_uid, phone, postal_address, companion_of)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
			ON CONFLICT (reference) DO NOTHING
			RETURNING id, created_at`,
			b.Reference, b.SessionID, string(b.Mode), b.Name, b.Email, b.Organisation, b.Postcode,
			b.AccessNeeds, string(b.Status), b.TokenHash, now, b.InviteUID, b.Phone, b.PostalAddress,
			nullID(b.CompanionOf)).Scan(&b.ID, &b.CreatedAt)
		switch {
		case err == nil && b.Status == booking.Confirmed && !b.WalkIn: // no address: booked by phone, told by the organiser
			return db.queueEmail(ctx, tx, booking.MsgBookingConfirmed, b, booking.EmailPayload{Token: b.ManageToken})
		case err == nil:
			return nil
		case isUniqueViolation(err, "bookings_one_live_per_person"):
			return errDuplicateBooking()
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("confirm booking: insert: %w", err)
		case !draw:
			return fmt.Errorf("confirm booking: the reference given is already taken")
		}
	}
	return fmt.Errorf("confirm booking: no free reference after %d tries", referenceTries)
}

// errDuplicateBooking refuses a second live booking of one person (a name
// at an email address) in a session: a second click on "Book my place".
// Two people who share an address each book under their own name.
func errDuplicateBooking() error {
	return booking.Errorf(booking.EDuplicate, "You already have a place at this session under this name and email address.")
}

// Booking reads a booking by its reference, typed in any case, with or
// without the hyphen.
func (db *DB) Booking(ctx context.Context, reference string) (*booking.Booking, error) {
	return readBooking(ctx, db.Pool, normalizeReference(reference), false)
}

func readBooking(ctx context.Context, q querier, reference string, lock bool) (*booking.Booking, error) {
	forUpdate := ""
	if lock {
		forUpdate = " FOR UPDATE"
	}
	b := &booking.Booking{}
	err := q.QueryRow(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE reference = $1`+forUpdate, reference).
		Scan(bookingDest(b)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errBookingNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("read booking: %w", err)
	}
	return b, nil
}

// CancelBooking cancels a live booking, gives its place back and queues the
// cancellation email with a higher invite sequence, in one transaction. A
// booking of a session that is cancelled or has ended is refused with
// EConflict: it would only send a second email and change the counts.
func (db *DB) CancelBooking(ctx context.Context, reference string, now time.Time) (*booking.Booking, booking.Mirror, error) {
	return db.cancelBooking(ctx, reference, now, nil)
}

// CancelDeclined cancels the booking reference as CancelBooking does, for
// a No given in a calendar to the invite of SEQUENCE sequence sent to
// email: EConflict when, under the booking's lock, its invite has changed
// since that one or it is no longer that address's.
func (db *DB) CancelDeclined(ctx context.Context, reference, email string, sequence int, now time.Time) (*booking.Booking, booking.Mirror, error) {
	return db.cancelBooking(ctx, reference, now, func(b *booking.Booking) error {
		if sequence < b.InviteSequence || !booking.SameAddress(email, b.Email) {
			return booking.Errorf(booking.EConflict, "The booking has changed since this answer was sent.")
		}
		return nil
	})
}

// cancelBooking is CancelBooking, refused with check's error when check is
// not nil and refuses the live booking as it stands under its lock.
func (db *DB) cancelBooking(ctx context.Context, reference string, now time.Time, check func(*booking.Booking) error) (*booking.Booking, booking.Mirror, error) {
	reference = normalizeReference(reference)
	var b *booking.Booking
	var mirror booking.Mirror
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		sess, cur, err := lockBooking(ctx, tx, reference)
		if err != nil {
			return err
		}
		b = cur
		if !b.Live() {
			return booking.Errorf(booking.EConflict, "This booking has already been cancelled.")
		}
		if check != nil {
			if err := check(b); err != nil {
				return err
			}
		}
		// Under the session's lock, so a cancellation of the session cannot
		// slip in between: its bookings were told already.
		if err := sess.CancelRefusal(now); err != nil {
			return err
		}
		before := booking.SnapshotBooking(b)
		counted := holdsPlace(b)
		// A workforce booking still waiting for its link, never sent an
		// invite, is cancelled without an email, as when its link lapses
		// (ReleaseUnverified): nobody confirmed the address is theirs. Its
		// sequence stays 0, which tells the pages no email went.
		silent := b.Status == booking.PendingVerification && b.InviteSequence == 0

		err = tx.QueryRow(ctx, `
			UPDATE bookings SET status = 'cancelled', cancelled_at = $2,
				invite_sequence = CASE WHEN status = 'pending_verification' AND invite_sequence = 0 THEN 0
					ELSE invite_sequence + 1 END
			WHERE id = $1
			RETURNING status, cancelled_at, invite_sequence`, b.ID, now).
			Scan(&b.Status, &b.CancelledAt, &b.InviteSequence)
		if err != nil {
			return fmt.Errorf("cancel booking: %w", err)
		}
		// A walk-in over capacity held no place, so gives none back.
		freed := 0
		if counted {
			freed = 1
		}
		// The companion of a person who cancels does not come alone: their
		// place goes too, and they are told when they gave an address.
		companion, err := liveCompanion(ctx, tx, b.ID, true)
		if err != nil {
			return err
		}
		if companion != nil {
			if err := db.cancelCompanion(ctx, tx, companion, now); err != nil {
				return err
			}
			freed++
		}
		var places booking.Places
		err = tx.QueryRow(ctx, `
			UPDATE session_capacity SET booked = booked - $3, version = version + 1
			WHERE session_id = $1 AND mode = $2
			RETURNING `+placesColumns, b.SessionID, string(b.Mode), freed).Scan(placesDest(&places)...)
		if err != nil {
			return fmt.Errorf("cancel booking: give place back: %w", err)
		}
		if places, err = db.offerFreedPlaces(ctx, tx, &sess.Session, places, freed, now); err != nil {
			return err // the waiting list's first person is offered the place at once
		}
		mirror = booking.MirrorOf(&sess.Session, sess.audience, places)
		if !silent {
			if err := db.queueEmail(ctx, tx, booking.MsgBookingCancelled, b, booking.EmailPayload{}); err != nil {
				return err
			}
		}
		return recordChange(ctx, tx, now, booking.AuditBookingCancel, booking.SubjectBooking, b.Reference,
			before, booking.SnapshotBooking(b))
	})
	if err != nil {
		return nil, booking.Mirror{}, err
	}
	return b, mirror, nil
}

// cancelCompanion cancels the live companion c (locked by the caller) with
// the booking they came with, and queues their cancellation when they
// gave an address. The caller gives their place back.
func (db *DB) cancelCompanion(ctx context.Context, tx pgx.Tx, c *booking.Booking, now time.Time) error {
	before := booking.SnapshotBooking(c)
	err := tx.QueryRow(ctx, `
		UPDATE bookings SET status = 'cancelled', cancelled_at = $2, invite_sequence = invite_sequence + 1
		WHERE id = $1
		RETURNING status, cancelled_at, invite_sequence`, c.ID, now).
		Scan(&c.Status, &c.CancelledAt, &c.InviteSequence)
	if err != nil {
		return fmt.Errorf("cancel companion: %w", err)
	}
	if err := db.queueEmail(ctx, tx, booking.MsgBookingCancelled, c, booking.EmailPayload{}); err != nil {
		return err
	}
	return recordChange(ctx, tx, now, booking.AuditBookingCancel, booking.SubjectBooking, c.Reference,
		before, booking.SnapshotBooking(c))
}
