package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// ParticipationRows counts confirmed bookings by postcode and ward
// (booking.Participation) in one query. A booking's ward is the area of
// the ballot application it came from: won in the draw (booking_id), or
// offered from the waiting list the draw put it on (waitlist_entry_id,
// then the entry's booking). A companion who gave no postcode counts under
// the postcode of the person they came with.
func (db *DB) ParticipationRows(ctx context.Context, workshopID int64) ([]booking.ParticipationRow, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT upper(regexp_replace(CASE WHEN b.postcode = '' THEN coalesce(w.postcode, '') ELSE b.postcode END, '\s', '', 'g')),
		       b.anonymised_at IS NOT NULL,
		       CASE WHEN b.postcode_district = '' THEN coalesce(w.postcode_district, '') ELSE b.postcode_district END,
		       coalesce(a.area, ''),
		       count(*), count(*) FILTER (WHERE b.attended), count(b.attended)
		FROM bookings b
		JOIN sessions s ON s.id = b.session_id
		LEFT JOIN bookings w ON w.id = b.companion_of
		LEFT JOIN waitlist_entries e ON e.booking_id = b.id
		LEFT JOIN ballot_applications a ON a.booking_id = b.id OR (e.id IS NOT NULL AND a.waitlist_entry_id = e.id)
		WHERE b.status = 'confirmed' AND s.status = 'scheduled' AND ($1 = 0 OR s.workshop_id = $1)
		GROUP BY 1, 2, 3, 4`, workshopID)
	if err != nil {
		return nil, fmt.Errorf("participation: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (booking.ParticipationRow, error) {
		var r booking.ParticipationRow
		err := row.Scan(&r.Postcode, &r.Removed, &r.KeptDistrict, &r.Ward, &r.Booked, &r.Attended, &r.Recorded)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("participation: %w", err)
	}
	return out, nil
}

// WorkshopBookings counts every workshop's confirmed bookings of sessions
// not cancelled, newest workshop first.
func (db *DB) WorkshopBookings(ctx context.Context) ([]booking.WorkshopCount, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT w.id, w.title, w.archived_at IS NOT NULL, count(b.id), count(b.id) FILTER (WHERE b.attended)
		FROM workshops w
		LEFT JOIN sessions s ON s.workshop_id = w.id AND s.status = 'scheduled'
		LEFT JOIN bookings b ON b.session_id = s.id AND b.status = 'confirmed'
		GROUP BY w.id
		ORDER BY w.created_at DESC, w.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("workshop bookings: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (booking.WorkshopCount, error) {
		var c booking.WorkshopCount
		err := row.Scan(&c.ID, &c.Title, &c.Archived, &c.Booked, &c.Attended)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("workshop bookings: %w", err)
	}
	return out, nil
}
