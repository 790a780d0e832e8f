package postgres

import (
	"context"
	"errors"

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
// changes), then its session_capacity rows, then booking rows.

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
