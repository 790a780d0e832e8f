package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

var _ booking.PersonalDataStore = (*DB)(nil)

// blankPersonalData is the SET list that removes a booking's personal data
// and records when ($2). The mode, status, attendance and times stay.
const blankPersonalData = `name = '', email = '', organisation = '', postcode = '', access_needs = '',
	anonymised_at = $2`

// forgetEmails follows a statement whose CTE "anon" returns the ids of the
// bookings just anonymised: emails still waiting for them are dropped (the
// address is gone) and the error text of the others, which may quote the
// address, is cleared. The two touch different rows, as one statement must.
const forgetEmails = `,
	dropped AS (
		DELETE FROM outbox WHERE booking_id IN (SELECT id FROM anon) AND status = 'pending'
		RETURNING id
	),
	cleared AS (
		UPDATE outbox SET last_error = ''
		WHERE booking_id IN (SELECT id FROM anon) AND status <> 'pending' AND last_error <> ''
		RETURNING id
	)`

// AnonymiseEnded anonymises up to limit bookings of sessions that ended at
// or before endedBy. SKIP LOCKED lets several instances sweep at once,
// each taking other rows; it locks booking rows only and waits for none,
// so it cannot deadlock with bookings taking the common lock order.
func (db *DB) AnonymiseEnded(ctx context.Context, endedBy, now time.Time, limit int) (int, error) {
	var n int
	err := db.Pool.QueryRow(ctx, `
		WITH due AS (
			SELECT b.id FROM bookings b JOIN sessions s ON s.id = b.session_id
			WHERE b.anonymised_at IS NULL AND s.ends_at <= $1
			ORDER BY b.id
			LIMIT $3
			FOR UPDATE OF b SKIP LOCKED
		),
		anon AS (
			UPDATE bookings SET `+blankPersonalData+`
			FROM due WHERE bookings.id = due.id
			RETURNING bookings.id
		)`+forgetEmails+`
		SELECT count(*) FROM anon`, endedBy, now, limit).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("anonymise ended sessions: %w", err)
	}
	return n, nil
}

// PersonalData returns every booking made with email, with its session, and
// the emails sent or waiting for them.
func (db *DB) PersonalData(ctx context.Context, email string) (*booking.PersonalData, error) {
	out := &booking.PersonalData{Email: email, Bookings: []booking.PersonalBooking{}, Emails: []booking.PersonalEmail{}}
	rows, err := db.Pool.Query(ctx, `
		SELECT `+prefixed("b.", bookingColumns)+`, b.anonymised_at,
			w.title, s.starts_at, s.ends_at, s.venue_name, s.venue_address
		FROM bookings b
		JOIN sessions s ON s.id = b.session_id
		JOIN workshops w ON w.id = s.workshop_id
		WHERE lower(b.email) = lower($1)
		ORDER BY s.starts_at, b.id`, email)
	if err != nil {
		return nil, fmt.Errorf("personal data: bookings: %w", err)
	}
	out.Bookings, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (booking.PersonalBooking, error) {
		var p booking.PersonalBooking
		dest := append(bookingDest(&p.Booking), &p.AnonymisedAt,
			&p.Workshop, &p.StartsAt, &p.EndsAt, &p.Venue.Name, &p.Venue.Address)
		err := row.Scan(dest...)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("personal data: bookings: %w", err)
	}

	rows, err = db.Pool.Query(ctx, `
		SELECT b.reference, o.kind, o.status, o.attempts, o.created_at, o.sent_at
		FROM outbox o JOIN bookings b ON b.id = o.booking_id
		WHERE lower(b.email) = lower($1)
		ORDER BY o.id`, email)
	if err != nil {
		return nil, fmt.Errorf("personal data: emails: %w", err)
	}
	out.Emails, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (booking.PersonalEmail, error) {
		var e booking.PersonalEmail
		err := row.Scan(&e.Reference, &e.Kind, &e.Status, &e.Attempts, &e.CreatedAt, &e.SentAt)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("personal data: emails: %w", err)
	}
	return out, nil
}

// LiveUpcoming returns the references of live bookings made with email for
// sessions that start after now.
func (db *DB) LiveUpcoming(ctx context.Context, email string, now time.Time) ([]string, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT b.reference FROM bookings b JOIN sessions s ON s.id = b.session_id
		WHERE lower(b.email) = lower($1) AND b.status <> 'cancelled' AND s.starts_at > $2
		ORDER BY b.id`, email, now)
	if err != nil {
		return nil, fmt.Errorf("live upcoming bookings: %w", err)
	}
	refs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("live upcoming bookings: %w", err)
	}
	return refs, nil
}

// ErasePersonalData anonymises the bookings made with email, except live
// bookings of sessions still to come (the service cancels those first and
// they are counted in Remaining), in one statement.
func (db *DB) ErasePersonalData(ctx context.Context, email string, now time.Time) (booking.Erasure, error) {
	var e booking.Erasure
	err := db.Pool.QueryRow(ctx, `
		WITH target AS (
			SELECT b.id FROM bookings b JOIN sessions s ON s.id = b.session_id
			WHERE lower(b.email) = lower($1)
			  AND NOT (b.status <> 'cancelled' AND s.starts_at > $2)
			FOR UPDATE OF b
		),
		anon AS (
			UPDATE bookings SET `+blankPersonalData+`
			FROM target WHERE bookings.id = target.id
			RETURNING bookings.id
		)`+forgetEmails+`
		SELECT (SELECT count(*) FROM anon), (SELECT count(*) FROM dropped),
			(SELECT count(*) FROM bookings b JOIN sessions s ON s.id = b.session_id
			 WHERE lower(b.email) = lower($1) AND b.status <> 'cancelled' AND s.starts_at > $2)`,
		email, now).Scan(&e.Anonymised, &e.EmailsDropped, &e.Remaining)
	if err != nil {
		return booking.Erasure{}, fmt.Errorf("erase personal data: %w", err)
	}
	return e, nil
}

// prefixed qualifies every column of a column list with a table alias, so a
// list shared with single-table queries can be used in a join.
func prefixed(alias, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = alias + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}
