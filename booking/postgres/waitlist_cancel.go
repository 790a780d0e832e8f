package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// endWaitingLists ends every entry of a session still waiting or offered a
// place, as the session is cancelled: offered places are given back (the
// session takes no one now), and each person gets a
// waitlist_session_cancelled email, which carries no invite. It runs
// inside UpdateSession, which holds the session and its places locked
// (the common lock order: session, places, then entries here).
func (db *DB) endWaitingLists(ctx context.Context, tx pgx.Tx, sessionID int64, reason string, now time.Time) error {
	// One statement: every CTE sees the entries as they were, so the
	// offered ones are counted before they end.
	rows, err := tx.Query(ctx, `
		WITH due AS (
			SELECT id, mode, status FROM waitlist_entries
			WHERE session_id = $1 AND status IN ('waiting', 'offered')
			ORDER BY id
			FOR UPDATE
		), ended AS (
			UPDATE waitlist_entries e SET status = 'cancelled', ended_at = $2
			FROM due WHERE e.id = due.id
			RETURNING e.id
		), given_back AS (
			UPDATE session_capacity c SET offered = c.offered - o.n, version = c.version + 1
			FROM (SELECT mode, count(*) AS n FROM due WHERE status = 'offered' GROUP BY mode) o
			WHERE c.session_id = $1 AND c.mode = o.mode
			RETURNING c.mode
		)
		SELECT id FROM due ORDER BY id`, sessionID, now)
	if err != nil {
		return fmt.Errorf("end waiting lists: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("end waiting lists: %w", err)
	}
	emails := make([]booking.Email, len(ids))
	for i, id := range ids {
		emails[i] = booking.Email{Kind: booking.MsgWaitlistSessionCancelled, SessionID: sessionID, WaitlistEntryID: id,
			Payload: booking.EmailPayload{Reason: reason}}
	}
	_, err = db.queue(ctx, tx, time.Time{}, emails...)
	return err
}
