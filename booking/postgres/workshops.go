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

const workshopColumns = `w.id, w.title, w.summary, w.audience, w.created_at, w.archived_at`

func workshopDest(w *booking.Workshop) []any {
	return []any{&w.ID, &w.Title, &w.Summary, &w.Audience, &w.CreatedAt, &w.ArchivedAt}
}

// CreateWorkshop stores w, and its audit entry, and fills w.ID and w.CreatedAt.
func (db *DB) CreateWorkshop(ctx context.Context, w *booking.Workshop, now time.Time) error {
	if !w.Audience.Valid() {
		return fieldError("audience", "Choose who the workshop is for.")
	}
	return db.Transact(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO workshops (title, summary, audience) VALUES ($1, $2, $3)
			RETURNING id, created_at`,
			w.Title, w.Summary, string(w.Audience)).Scan(&w.ID, &w.CreatedAt)
		if isCheckViolation(err, "workshops_title_check") {
			return fieldError("title", "Enter a title of up to 200 characters.")
		}
		if err != nil {
			return fmt.Errorf("create workshop: %w", err)
		}
		return recordChange(ctx, tx, now, booking.AuditWorkshopCreate, booking.SubjectWorkshop, strconv.FormatInt(w.ID, 10),
			nil, booking.SnapshotWorkshop(w))
	})
}

// Workshop reads a workshop without its sessions.
func (db *DB) Workshop(ctx context.Context, id int64) (*booking.Workshop, error) {
	w := &booking.Workshop{}
	err := db.Pool.QueryRow(ctx, `SELECT `+workshopColumns+` FROM workshops w WHERE w.id = $1`, id).
		Scan(workshopDest(w)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errWorkshopNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("read workshop: %w", err)
	}
	return w, nil
}

// Workshops lists the workshops of audience that have a session still to
// come and are not archived, each with those sessions soonest first; the workshops are ordered by
// their soonest session. Two queries, whatever the number of sessions.
func (db *DB) Workshops(ctx context.Context, audience booking.Audience, now time.Time) ([]*booking.Workshop, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT `+workshopColumns+`, `+sessionColumns+`
		FROM sessions s JOIN workshops w ON w.id = s.workshop_id
		WHERE w.audience = $1 AND w.archived_at IS NULL AND s.status = 'scheduled' AND s.starts_at > $2
		ORDER BY s.starts_at, s.id`,
		string(audience), now)
	if err != nil {
		return nil, fmt.Errorf("list workshops: %w", err)
	}
	defer rows.Close()

	workshops := []*booking.Workshop{}
	byID := map[int64]*booking.Workshop{}
	sessions := map[int64]*booking.Session{}
	var ids []int64
	for rows.Next() {
		var w booking.Workshop
		s := &booking.Session{}
		if err := rows.Scan(append(workshopDest(&w), sessionDest(s)...)...); err != nil {
			return nil, fmt.Errorf("list workshops: %w", err)
		}
		known, ok := byID[w.ID]
		if !ok {
			known = &w
			byID[w.ID] = known
			workshops = append(workshops, known)
		}
		known.Sessions = append(known.Sessions, s)
		sessions[s.ID] = s
		ids = append(ids, s.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list workshops: %w", err)
	}
	if len(ids) == 0 {
		return workshops, nil
	}

	places, err := readPlaces(ctx, db.Pool, ids, false)
	if err != nil {
		return nil, fmt.Errorf("list workshops: %w", err)
	}
	for id, s := range sessions {
		s.Places = completePlaces(id, places[id])
	}
	return workshops, nil
}

// UpdateWorkshop reads the workshop under a row lock, lets change edit it,
// and writes back its title, summary and archiving with the audit entry of
// action, in one transaction. A change that changes nothing writes nothing.
func (db *DB) UpdateWorkshop(ctx context.Context, id int64, action string, now time.Time, change func(w *booking.Workshop) error) (*booking.Workshop, error) {
	var w *booking.Workshop
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		w = &booking.Workshop{}
		err := tx.QueryRow(ctx, `SELECT `+workshopColumns+` FROM workshops w WHERE w.id = $1 FOR UPDATE`, id).
			Scan(workshopDest(w)...)
		if errors.Is(err, pgx.ErrNoRows) {
			return errWorkshopNotFound()
		}
		if err != nil {
			return fmt.Errorf("update workshop: %w", err)
		}
		before := booking.SnapshotWorkshop(w)
		if err := change(w); err != nil {
			return err
		}
		after := booking.SnapshotWorkshop(w)
		if sameSnapshot(before, after) {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE workshops SET title = $2, summary = $3, archived_at = $4 WHERE id = $1`,
			w.ID, w.Title, w.Summary, w.ArchivedAt); err != nil {
			return fmt.Errorf("update workshop: %w", err)
		}
		return recordChange(ctx, tx, now, action, booking.SubjectWorkshop, strconv.FormatInt(w.ID, 10), before, after)
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}
