package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// KeepInviteUIDs stores, for every booking made before invite UIDs were
// stored (migration 00013), the UID its invites were sent with: the one
// built from legacyHost, BASE_URL's host at the time. workshopd calls it at
// start, after migrating, so those bookings keep their UID even if BASE_URL
// changes later. It returns how many bookings it filled in; running it
// again (or in several instances at once) changes nothing more.
func (db *DB) KeepInviteUIDs(ctx context.Context, legacyHost string) (int, error) {
	host := strings.ToLower(legacyHost)
	if host == "" || strings.ContainsAny(host, "@ \r\n") {
		return 0, fmt.Errorf("keep invite UIDs: %q is not a host", legacyHost)
	}
	tag, err := db.Pool.Exec(ctx, `
		UPDATE bookings SET invite_uid = 'booking-' || reference || '@' || $1
		WHERE invite_uid IS NULL`, host)
	if err != nil {
		return 0, fmt.Errorf("keep invite UIDs: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// BookingByInviteUID reads the booking whose invites carry uid, for a
// calendar reply (an iTIP REPLY names the event by its UID alone). UIDs
// are compared exactly, as calendars compare them. A UID no booking has is
// a booking.ENotFound error.
func (db *DB) BookingByInviteUID(ctx context.Context, uid string) (*booking.Booking, error) {
	b := &booking.Booking{}
	err := db.Pool.QueryRow(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE invite_uid = $1`, uid).
		Scan(bookingDest(b)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errBookingNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("booking by invite UID: %w", err)
	}
	return b, nil
}
