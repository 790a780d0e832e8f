package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// WaitlistEntries lists the entries still on the waiting lists of a session
// (offered, then waiting in the order they joined), for its organisers.
// Each waiting entry has its position in its own mode's list.
func (db *DB) WaitlistEntries(ctx context.Context, sessionID int64) ([]booking.WaitlistEntry, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT `+entryColumns+`,
			CASE WHEN status = 'waiting'
				THEN row_number() OVER (PARTITION BY mode, status = 'waiting' ORDER BY id)
				ELSE 0 END
		FROM waitlist_entries
		WHERE session_id = $1 AND status IN ('waiting', 'offered')
		ORDER BY status = 'waiting', id`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("waiting list entries: %w", err)
	}
	entries, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (booking.WaitlistEntry, error) {
		var e booking.WaitlistEntry
		err := row.Scan(append(entryDest(&e), &e.Position)...)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("waiting list entries: %w", err)
	}
	return entries, nil
}
