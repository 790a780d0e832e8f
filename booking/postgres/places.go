package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// UpcomingPlaces reads the places dashboard (booking.PlacesBoard) in three
// queries whatever the number of sessions: the sessions with their
// workshops, their places, and their lists counted by session and mode.
func (db *DB) UpcomingPlaces(ctx context.Context, now time.Time) ([]*booking.Session, map[int64]map[booking.Mode]booking.ListCounts, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT `+workshopColumns+`, `+sessionColumns+`
		FROM sessions s JOIN workshops w ON w.id = s.workshop_id
		WHERE s.starts_at > $1 AND s.status = 'scheduled' AND w.archived_at IS NULL
		ORDER BY s.starts_at, s.id`, now)
	if err != nil {
		return nil, nil, fmt.Errorf("upcoming places: %w", err)
	}
	_, sessions, err := scanWorkshopSessions(rows)
	if err != nil {
		return nil, nil, fmt.Errorf("upcoming places: %w", err)
	}
	if err := fillPlaces(ctx, db.Pool, sessions); err != nil {
		return nil, nil, fmt.Errorf("upcoming places: %w", err)
	}
	ids := make([]int64, len(sessions))
	for i, s := range sessions {
		ids[i] = s.ID
	}
	rows, err = db.Pool.Query(ctx, `
		SELECT session_id, mode, count(*) FILTER (WHERE list = 'waiting'), count(*) FILTER (WHERE list = 'ballot')
		FROM (SELECT session_id, mode, 'waiting' AS list FROM waitlist_entries
		      WHERE session_id = ANY($1) AND status = 'waiting'
		      UNION ALL
		      SELECT session_id, mode, 'ballot' FROM ballot_applications WHERE session_id = ANY($1)) l
		GROUP BY session_id, mode`, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("upcoming places: lists: %w", err)
	}
	lists := map[int64]map[booking.Mode]booking.ListCounts{}
	var id int64
	var mode booking.Mode
	var c booking.ListCounts
	_, err = pgx.ForEachRow(rows, []any{&id, &mode, &c.Waiting, &c.Applications}, func() error {
		if lists[id] == nil {
			lists[id] = map[booking.Mode]booking.ListCounts{}
		}
		lists[id][mode] = c
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("upcoming places: lists: %w", err)
	}
	return sessions, lists, nil
}
