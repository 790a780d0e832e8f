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

var _ booking.AttendanceStore = (*DB)(nil)

// Attendees returns the live bookings of a session in the order they were
// made; the service sorts them for people.
func (db *DB) Attendees(ctx context.Context, sessionID int64) ([]booking.Booking, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT `+bookingColumns+` FROM bookings
		WHERE session_id = $1 AND status <> 'cancelled'
		ORDER BY id`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("attendees: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (booking.Booking, error) {
		var b booking.Booking
		err := row.Scan(bookingDest(&b)...)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("attendees: %w", err)
	}
	pairUp(list)
	return list, nil
}

// pairUp names, on each live booking of a pair, the other: the companion
// on the person's, the person on the companion's (booking.Booking.With).
func pairUp(list []booking.Booking) {
	at := make(map[int64]int, len(list))
	for i := range list {
		at[list[i].ID] = i
	}
	for i := range list {
		if j, ok := at[list[i].CompanionOf]; ok {
			list[i].With, list[j].With = list[j].Name, list[i].Name
		}
	}
}

// lockSessionShared keeps a session as it is until the transaction ends,
// as bookings do, and reads it: the first lock in the common order.
func lockSessionShared(ctx context.Context, tx pgx.Tx, id int64) (*booking.Session, error) {
	if _, err := tx.Exec(ctx, `SELECT FROM sessions WHERE id = $1 FOR SHARE`, id); err != nil {
		return nil, fmt.Errorf("lock session: %w", err)
	}
	return readSession(ctx, tx, id, false)
}

// sessionOfBooking finds the session of the booking under reference
// without a lock, so that the locks taken after it follow the common
// order: session, then booking. A caller that must be sure checks, once
// it holds the booking's lock, that the booking is still in that session.
func sessionOfBooking(ctx context.Context, tx pgx.Tx, reference string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `SELECT session_id FROM bookings WHERE reference = $1`, reference).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, errBookingNotFound()
	}
	if err != nil {
		return 0, fmt.Errorf("find the session of a booking: %w", err)
	}
	return id, nil
}

// MarkAttendance records whether the person booked under reference came,
// when booking.CheckAttendance allows it.
func (db *DB) MarkAttendance(ctx context.Context, reference string, attended *bool, now time.Time) (*booking.Booking, error) {
	reference = normalizeReference(reference)
	var b *booking.Booking
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		sessionID, err := sessionOfBooking(ctx, tx, reference)
		if err != nil {
			return err
		}
		sess, err := lockSessionShared(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		if b, err = readBooking(ctx, tx, reference, true); err != nil {
			return err
		}
		if err := booking.CheckAttendance(b, sess, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE bookings SET attended = $2 WHERE id = $1`, b.ID, attended); err != nil {
			return fmt.Errorf("mark attendance: %w", err)
		}
		before := booking.SnapshotBooking(b)
		b.Attended = attended
		return recordChange(ctx, tx, now, booking.AuditBookingAttendance, booking.SubjectBooking, b.Reference,
			before, booking.SnapshotBooking(b))
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// MarkNoShows records every live booking of a session nobody ticked in as
// not attended, once booking.CheckNoShows allows it. Running it twice
// marks nobody the second time.
func (db *DB) MarkNoShows(ctx context.Context, sessionID int64, now time.Time) (int, error) {
	var n int64
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		sess, err := lockSessionShared(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		if err := booking.CheckNoShows(sess, now); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `
			UPDATE bookings SET attended = false
			WHERE session_id = $1 AND status <> 'cancelled' AND attended IS NULL`, sessionID)
		if err != nil {
			return fmt.Errorf("mark no-shows: %w", err)
		}
		n = tag.RowsAffected()
		return recordChange(ctx, tx, now, booking.AuditSessionNoShows, booking.SubjectSession, strconv.FormatInt(sessionID, 10),
			nil, map[string]int64{"marked_no_show": n})
	})
	return int(n), err
}

// WorkshopAttendance counts the live bookings of every session of a
// workshop by mode, soonest session first.
func (db *DB) WorkshopAttendance(ctx context.Context, workshopID int64) (*booking.Workshop, []booking.SessionAttendance, error) {
	w, err := db.Workshop(ctx, workshopID)
	if err != nil {
		return nil, nil, err
	}
	rows, err := db.Pool.Query(ctx, `
		SELECT `+sessionColumns+` FROM sessions s
		WHERE s.workshop_id = $1 ORDER BY s.starts_at, s.id`, workshopID)
	if err != nil {
		return nil, nil, fmt.Errorf("workshop attendance: sessions: %w", err)
	}
	sessions, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*booking.Session, error) {
		s := &booking.Session{Workshop: w}
		err := row.Scan(sessionDest(s)...)
		return s, err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("workshop attendance: sessions: %w", err)
	}
	ids := make([]int64, len(sessions))
	for i, s := range sessions {
		ids[i] = s.ID
	}
	places, err := readPlaces(ctx, db.Pool, ids, false)
	if err != nil {
		return nil, nil, fmt.Errorf("workshop attendance: %w", err)
	}
	counts, err := countAttendance(ctx, db.Pool, ids)
	if err != nil {
		return nil, nil, err
	}
	out := make([]booking.SessionAttendance, len(sessions))
	for i, s := range sessions {
		s.Places = completePlaces(s.ID, places[s.ID])
		a := booking.SessionAttendance{Session: s, ByMode: make([]booking.AttendanceCount, len(booking.Modes))}
		for j, m := range booking.Modes {
			a.ByMode[j] = counts[s.ID][m]
			a.ByMode[j].Mode = m
		}
		out[i] = a
	}
	return w, out, nil
}

// countAttendance counts live bookings by session and mode in one pass.
func countAttendance(ctx context.Context, q querier, sessionIDs []int64) (map[int64]map[booking.Mode]booking.AttendanceCount, error) {
	rows, err := q.Query(ctx, `
		SELECT session_id, mode, count(*),
			count(*) FILTER (WHERE attended),
			count(*) FILTER (WHERE NOT attended),
			count(*) FILTER (WHERE attended IS NULL)
		FROM bookings
		WHERE session_id = ANY($1) AND status <> 'cancelled'
		GROUP BY session_id, mode`, sessionIDs)
	if err != nil {
		return nil, fmt.Errorf("count attendance: %w", err)
	}
	defer rows.Close()
	out := map[int64]map[booking.Mode]booking.AttendanceCount{}
	for rows.Next() {
		var id int64
		var c booking.AttendanceCount
		if err := rows.Scan(&id, &c.Mode, &c.Booked, &c.Attended, &c.NoShow, &c.Unmarked); err != nil {
			return nil, fmt.Errorf("count attendance: %w", err)
		}
		if out[id] == nil {
			out[id] = map[booking.Mode]booking.AttendanceCount{}
		}
		out[id][c.Mode] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count attendance: %w", err)
	}
	return out, nil
}
