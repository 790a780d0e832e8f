package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// What the organisers' pages read beyond the booking engine's Store. The
// session page's waiting list is in waitlist_admin.go.

var _ booking.OrganiserStore = (*DB)(nil)

// OrganiserWorkshops lists workshops with their sessions ending after from,
// soonest first; with facilitatorID > 0 only that organiser's sessions.
// With facilitatorID 0 the workshops with no such session follow, newest
// first. Two queries, whatever the number of sessions.
func (db *DB) OrganiserWorkshops(ctx context.Context, from time.Time, facilitatorID int64) ([]*booking.Workshop, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT `+workshopColumns+`, `+sessionColumns+`
		FROM sessions s JOIN workshops w ON w.id = s.workshop_id
		WHERE s.ends_at > $1
		  AND ($2 = 0 OR EXISTS (SELECT 1 FROM session_facilitators f
		                         WHERE f.session_id = s.id AND f.organiser_id = $2))
		ORDER BY s.starts_at, s.id`, from, facilitatorID)
	if err != nil {
		return nil, fmt.Errorf("organiser workshops: %w", err)
	}
	workshops, sessions, err := scanWorkshopSessions(rows)
	if err != nil {
		return nil, fmt.Errorf("organiser workshops: %w", err)
	}
	for _, s := range sessions {
		s.Workshop.Sessions = append(s.Workshop.Sessions, s)
	}
	if err := fillPlaces(ctx, db.Pool, sessions); err != nil {
		return nil, fmt.Errorf("organiser workshops: %w", err)
	}
	if facilitatorID != 0 {
		return workshops, nil
	}

	rows, err = db.Pool.Query(ctx, `
		SELECT `+workshopColumns+` FROM workshops w
		WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.workshop_id = w.id AND s.ends_at > $1)
		ORDER BY w.created_at DESC, w.id DESC`, from)
	if err != nil {
		return nil, fmt.Errorf("organiser workshops: idle: %w", err)
	}
	idle, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*booking.Workshop, error) {
		w := &booking.Workshop{}
		return w, row.Scan(workshopDest(w)...)
	})
	if err != nil {
		return nil, fmt.Errorf("organiser workshops: idle: %w", err)
	}
	return append(workshops, idle...), nil
}

// scanWorkshopSessions reads rows of workshopColumns then sessionColumns:
// the sessions in their order, each with its Workshop, and the workshops
// in the order of their first session. It closes rows.
func scanWorkshopSessions(rows pgx.Rows) ([]*booking.Workshop, []*booking.Session, error) {
	defer rows.Close()
	workshops := []*booking.Workshop{}
	byID := map[int64]*booking.Workshop{}
	var sessions []*booking.Session
	for rows.Next() {
		var w booking.Workshop
		s := &booking.Session{}
		if err := rows.Scan(append(workshopDest(&w), sessionDest(s)...)...); err != nil {
			return nil, nil, err
		}
		known, ok := byID[w.ID]
		if !ok {
			known = &w
			byID[w.ID] = known
			workshops = append(workshops, known)
		}
		s.Workshop = known
		sessions = append(sessions, s)
	}
	return workshops, sessions, rows.Err()
}

// WorkshopSessions lists every session of a workshop, soonest first.
func (db *DB) WorkshopSessions(ctx context.Context, workshopID int64) ([]*booking.Session, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT `+sessionColumns+` FROM sessions s
		WHERE s.workshop_id = $1 ORDER BY s.starts_at, s.id`, workshopID)
	if err != nil {
		return nil, fmt.Errorf("workshop sessions: %w", err)
	}
	sessions, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*booking.Session, error) {
		s := &booking.Session{}
		return s, row.Scan(sessionDest(s)...)
	})
	if err != nil {
		return nil, fmt.Errorf("workshop sessions: %w", err)
	}
	if err := fillPlaces(ctx, db.Pool, sessions); err != nil {
		return nil, fmt.Errorf("workshop sessions: %w", err)
	}
	return sessions, nil
}

// fillPlaces reads the places of sessions in one query.
func fillPlaces(ctx context.Context, q querier, sessions []*booking.Session) error {
	if len(sessions) == 0 {
		return nil
	}
	ids := make([]int64, len(sessions))
	for i, s := range sessions {
		ids[i] = s.ID
	}
	places, err := readPlaces(ctx, q, ids, false)
	if err != nil {
		return err
	}
	for _, s := range sessions {
		s.Places = completePlaces(s.ID, places[s.ID])
	}
	return nil
}

// BookingTakers reads from the audit log who made each booking of a session
// that was made on someone's behalf (see booking.BookByPhone). The log is
// the record of it; bookings carry no copy.
func (db *DB) BookingTakers(ctx context.Context, sessionID int64) (map[string]booking.Taker, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT a.subject_id, a.actor, coalesce(o.name, '')
		FROM bookings b
		JOIN audit_log a ON a.subject_type = $2 AND a.subject_id = b.reference AND a.action = $3
		LEFT JOIN organisers o ON o.id = a.organiser_id
		WHERE b.session_id = $1
		ORDER BY a.id`, sessionID, booking.SubjectBooking, booking.AuditBookingCreate)
	if err != nil {
		return nil, fmt.Errorf("booking takers: %w", err)
	}
	out := map[string]booking.Taker{}
	var ref string
	var t booking.Taker
	_, err = pgx.ForEachRow(rows, []any{&ref, &t.Actor, &t.Name}, func() error {
		out[ref] = t
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("booking takers: %w", err)
	}
	return out, nil
}
