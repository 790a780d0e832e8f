package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// endWaitingLists ends every entry of a session still waiting or offered a
// place, as the session is cancelled: offered places are given back (the
// session takes no one now), and each person gets one session_cancelled
// email naming their entry and no booking, so it carries no invite. It runs
// inside UpdateSession, which holds the session and its places locked
// (the common lock order: session, places, then entries here).
func endWaitingLists(ctx context.Context, tx pgx.Tx, sessionID int64, reason string, now time.Time) error {
	payload, err := json.Marshal(map[string]any{"reason": reason})
	if err != nil {
		return fmt.Errorf("end waiting lists: payload: %w", err)
	}
	// One statement: every CTE sees the entries as they were, so the
	// offered ones are counted before they end.
	_, err = tx.Exec(ctx, `
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
		INSERT INTO outbox (kind, session_id, waitlist_entry_id, payload, message_id)
		SELECT $3::text, $1, id, $4::jsonb,
			format('%s.w%s.0.%s@workshops', $3::text, id, replace(gen_random_uuid()::text, '-', ''))
		FROM due ORDER BY id`,
		sessionID, now, booking.MsgSessionCancelled, payload)
	if err != nil {
		return fmt.Errorf("end waiting lists: %w", err)
	}
	return nil
}
