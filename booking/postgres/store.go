package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/coventry/workshops/booking"
)

var _ booking.Store = (*DB)(nil)

// querier is what a pool and a transaction have in common, so that the
// lower-case helpers run inside the transaction of the exported method that
// calls them, or on the pool for plain reads.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Lock order. Every writer takes its row locks in the same order, so two
// writers never wait for each other in a circle: the session row first
// (FOR SHARE when booking or cancelling, FOR UPDATE when the session itself
// changes), then its session_capacity rows (by mode), then booking or
// waiting-list rows. lockSessionPlaces takes the first two and lockBooking
// all three, for the writers that change a booking; lockEntry (waitlist.go)
// does the same for a waiting-list entry.

// lockSessionPlaces locks a session FOR SHARE and then the places of modes,
// in mode order, until the transaction ends.
func lockSessionPlaces(ctx context.Context, tx pgx.Tx, sessionID int64, modes ...booking.Mode) (*lockedSession, error) {
	sess, err := lockSession(ctx, tx, sessionID)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(modes))
	for i, m := range modes {
		names[i] = string(m)
	}
	if _, err := tx.Exec(ctx, `
		SELECT FROM session_capacity WHERE session_id = $1 AND mode = ANY($2)
		ORDER BY mode FOR NO KEY UPDATE`, sessionID, names); err != nil {
		return nil, fmt.Errorf("lock places: %w", err)
	}
	return sess, nil
}

// lockBooking locks, in the common order, the session and the places of
// the booking with reference (and of the modes also), then the booking.
func lockBooking(ctx context.Context, tx pgx.Tx, reference string, also ...booking.Mode) (*lockedSession, *booking.Booking, error) {
	// Where the booking is, read without a lock so that the locks follow
	// the order; checked again once the booking is locked.
	var sessionID int64
	var mode booking.Mode
	err := tx.QueryRow(ctx, `SELECT session_id, mode FROM bookings WHERE reference = $1`, reference).
		Scan(&sessionID, &mode)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, errBookingNotFound()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find booking: %w", err)
	}
	sess, err := lockSessionPlaces(ctx, tx, sessionID, append([]booking.Mode{mode}, also...)...)
	if err != nil {
		return nil, nil, err
	}
	b, err := readBooking(ctx, tx, reference, true)
	if err != nil {
		return nil, nil, err
	}
	if b.SessionID != sessionID || b.Mode != mode {
		return nil, nil, booking.Errorf(booking.EConflict, "This booking changed while we were changing it. Please try again.")
	}
	return sess, b, nil
}

func errSessionNotFound() error {
	return booking.Errorf(booking.ENotFound, "We could not find that session.")
}

func errWorkshopNotFound() error {
	return booking.Errorf(booking.ENotFound, "We could not find that workshop.")
}

func errBookingNotFound() error {
	return booking.Errorf(booking.ENotFound, "We could not find a booking with that reference.")
}

func errSessionClosed() error {
	return booking.Errorf(booking.EConflict, "This session is no longer taking bookings.")
}

func errFull() error {
	return booking.Errorf(booking.EFull, "Sorry, all the places for this session have been taken.")
}

func errModeNotOffered() error {
	e := booking.Errorf(booking.EInvalid, "This session cannot be attended that way.")
	e.Fields = map[string]string{"mode": "Choose a way of taking part that this session offers."}
	return e
}

func fieldError(field, message string) error {
	return booking.FieldErrors(map[string]string{field: message})
}

// isForeignKeyViolation reports whether err is a violation of foreign key
// constraint (any, when constraint is "").
func isForeignKeyViolation(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503" && (constraint == "" || pe.ConstraintName == constraint)
}
