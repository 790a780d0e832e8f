package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// SearchBookings finds bookings across sessions (booking.SearchBookings)
// and audits the search in the same transaction: who, and how many found.
func (db *DB) SearchBookings(ctx context.Context, q, phone string, limit int, now time.Time) ([]booking.BookingHit, error) {
	var hits []booking.BookingHit
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT `+prefixed("b.", bookingColumns)+`, w.title, s.starts_at, s.ends_at, s.status = 'cancelled'
			FROM bookings b
			JOIN sessions s ON s.id = b.session_id
			JOIN workshops w ON w.id = s.workshop_id
			WHERE b.anonymised_at IS NULL
			  AND (strpos(lower(unaccent(b.name)), lower(unaccent($1))) > 0
			       OR (b.email <> '' AND strpos(lower(b.email), lower($1)) > 0)
			       OR b.reference = $2
			       OR ($3 <> '' AND b.phone = $3))
			ORDER BY s.starts_at DESC, b.id DESC
			LIMIT $4`, q, normalizeReference(q), phone, limit)
		if err != nil {
			return fmt.Errorf("search bookings: %w", err)
		}
		hits, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (booking.BookingHit, error) {
			var h booking.BookingHit
			err := row.Scan(append(bookingDest(&h.Booking), &h.Workshop, &h.StartsAt, &h.EndsAt, &h.SessionCancelled)...)
			return h, err
		})
		if err != nil {
			return fmt.Errorf("search bookings: %w", err)
		}
		return recordChange(ctx, tx, now, booking.AuditBookingSearch, booking.SubjectSearch, "", nil,
			map[string]int{"results": len(hits)})
	})
	if err != nil {
		return nil, err
	}
	return hits, nil
}
