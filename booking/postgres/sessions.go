package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

const sessionColumns = `s.id, s.workshop_id, s.starts_at, s.ends_at, s.venue_name, s.venue_address,
	s.online_url, s.status, s.cancel_reason, s.sequence, s.created_at, s.teams_meeting_id,
	s.allocation, s.applications_close_at, s.drawn_at`

func sessionDest(s *booking.Session) []any {
	return []any{&s.ID, &s.WorkshopID, &s.StartsAt, &s.EndsAt, &s.Venue.Name, &s.Venue.Address,
		&s.OnlineURL, &s.Status, &s.CancelReason, &s.Sequence, &s.CreatedAt, &s.TeamsMeetingID,
		&s.Allocation, &s.ApplicationsCloseAt, &s.DrawnAt}
}

const placesColumns = `session_id, mode, capacity, booked, offered, version`

func placesDest(p *booking.Places) []any {
	return []any{&p.SessionID, &p.Mode, &p.Capacity, &p.Booked, &p.Offered, &p.Version}
}

// modeOrder sorts capacity rows the way pages show them: in person first.
const modeOrder = `CASE mode WHEN 'in_person' THEN 0 ELSE 1 END`

// CreateSession stores s with one capacity row for every mode (a mode s.Places
// leaves out gets capacity 0, so it can be opened later), and its audit
// entry; it fills s.ID, s.CreatedAt, s.Status and s.Places.
func (db *DB) CreateSession(ctx context.Context, s *booking.Session, now time.Time) error {
	if s.Status == "" {
		s.Status = booking.Scheduled
	}
	if s.Allocation == "" {
		s.Allocation = booking.FirstCome
	}
	capacities := map[booking.Mode]int{}
	for _, p := range s.Places {
		if !p.Mode.Valid() {
			return fieldError("capacity", "Give capacities only for in person and online places.")
		}
		if _, twice := capacities[p.Mode]; twice {
			return fieldError("capacity", "Give each way of taking part one capacity.")
		}
		if p.Capacity < 0 {
			return fieldError("capacity", "A capacity cannot be negative.")
		}
		capacities[p.Mode] = p.Capacity
	}
	modes := make([]string, len(booking.Modes))
	caps := make([]int32, len(booking.Modes))
	for i, m := range booking.Modes {
		modes[i], caps[i] = string(m), int32(capacities[m])
	}

	return db.Transact(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO sessions (workshop_id, starts_at, ends_at, venue_name, venue_address,
				online_url, status, cancel_reason, sequence, teams_meeting_id, allocation, applications_close_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			RETURNING id, created_at`,
			s.WorkshopID, s.StartsAt, s.EndsAt, s.Venue.Name, s.Venue.Address,
			s.OnlineURL, string(s.Status), s.CancelReason, s.Sequence, s.TeamsMeetingID,
			string(s.Allocation), s.ApplicationsCloseAt).Scan(&s.ID, &s.CreatedAt)
		if err != nil {
			return sessionWriteError("create session", err)
		}
		rows, err := tx.Query(ctx, `
			INSERT INTO session_capacity (session_id, mode, capacity)
			SELECT $1, m, c FROM unnest($2::text[], $3::int[]) AS t (m, c)
			RETURNING `+placesColumns,
			s.ID, modes, caps)
		if err != nil {
			return fmt.Errorf("create session: places: %w", err)
		}
		places, err := pgx.CollectRows(rows, scanPlaces)
		if err != nil {
			return fmt.Errorf("create session: places: %w", err)
		}
		s.Places = completePlaces(s.ID, places)
		return recordChange(ctx, tx, now, booking.AuditSessionCreate, booking.SubjectSession, strconv.FormatInt(s.ID, 10),
			nil, booking.SnapshotSession(s))
	})
}

// sessionWriteError maps what the database refuses in a session to errors
// people can act on.
func sessionWriteError(op string, err error) error {
	switch {
	case isForeignKeyViolation(err, "sessions_workshop_id_fkey"):
		return errWorkshopNotFound()
	case isCheckViolation(err, "sessions_ends_after_start"):
		return fieldError("ends_at", "The end must be after the start.")
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Session reads a session with its places and workshop.
func (db *DB) Session(ctx context.Context, id int64) (*booking.Session, error) {
	return readSession(ctx, db.Pool, id, false)
}

// Places returns the places of a session, one entry per mode, in person first.
func (db *DB) Places(ctx context.Context, sessionID int64) ([]booking.Places, error) {
	s, err := readSession(ctx, db.Pool, sessionID, false)
	if err != nil {
		return nil, err
	}
	return s.Places, nil
}

// Mirrors returns what Redis needs to know of every mode of a session.
func (db *DB) Mirrors(ctx context.Context, sessionID int64) ([]booking.Mirror, error) {
	s, err := readSession(ctx, db.Pool, sessionID, false)
	if err != nil {
		return nil, err
	}
	mirrors := make([]booking.Mirror, 0, len(s.Places))
	for _, p := range s.Places {
		mirrors = append(mirrors, booking.MirrorOf(s, s.Workshop.Audience, p))
	}
	return mirrors, nil
}

// readSession reads a session with its workshop and places; with lock, the
// session and capacity rows stay locked until the transaction ends.
func readSession(ctx context.Context, q querier, id int64, lock bool) (*booking.Session, error) {
	forUpdate := ""
	if lock {
		forUpdate = " FOR UPDATE OF s"
	}
	s := &booking.Session{Workshop: &booking.Workshop{}}
	err := q.QueryRow(ctx, `
		SELECT `+sessionColumns+`, `+workshopColumns+`
		FROM sessions s JOIN workshops w ON w.id = s.workshop_id
		WHERE s.id = $1`+forUpdate, id).
		Scan(append(sessionDest(s), workshopDest(s.Workshop)...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errSessionNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	places, err := readPlaces(ctx, q, []int64{id}, lock)
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	s.Places = completePlaces(id, places[id])
	return s, nil
}

// readPlaces reads the capacity rows of sessions, in person first.
func readPlaces(ctx context.Context, q querier, sessionIDs []int64, lock bool) (map[int64][]booking.Places, error) {
	forUpdate := ""
	if lock {
		forUpdate = " FOR UPDATE"
	}
	rows, err := q.Query(ctx, `
		SELECT `+placesColumns+` FROM session_capacity
		WHERE session_id = ANY($1)
		ORDER BY session_id, `+modeOrder+forUpdate, sessionIDs)
	if err != nil {
		return nil, fmt.Errorf("places: %w", err)
	}
	list, err := pgx.CollectRows(rows, scanPlaces)
	if err != nil {
		return nil, fmt.Errorf("places: %w", err)
	}
	places := map[int64][]booking.Places{}
	for _, p := range list {
		places[p.SessionID] = append(places[p.SessionID], p)
	}
	return places, nil
}

func scanPlaces(row pgx.CollectableRow) (booking.Places, error) {
	var p booking.Places
	err := row.Scan(placesDest(&p)...)
	return p, err
}

// completePlaces gives one entry per mode, in booking.Modes order; a mode
// without a capacity row has no places.
func completePlaces(sessionID int64, rows []booking.Places) []booking.Places {
	out := make([]booking.Places, 0, len(booking.Modes))
	for _, m := range booking.Modes {
		p := booking.Places{SessionID: sessionID, Mode: m}
		for _, r := range rows {
			if r.Mode == m {
				p = r
			}
		}
		out = append(out, p)
	}
	return out
}
