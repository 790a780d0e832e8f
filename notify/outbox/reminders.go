package outbox

import (
	"context"
	"fmt"
	"time"
)

// reminderLock is the advisory lock that lets one instance at a time write
// reminders; the others skip their turn rather than wait.
const reminderLock = 0x776b73686f7073 // "wkshops"

// scheduleSQL writes one reminder row per confirmed booking whose session
// starts within the reminder window, raising the booking's invite SEQUENCE
// for the invite the reminder carries. The Message-ID names the booking
// and the start, so a booking gets one reminder per start time: a session
// moved after its reminder went gets another for the new time, and running
// this twice writes nothing twice. People who booked inside the window
// have just had their confirmation and get no reminder.
//
//	$1 now   $2 window end (now + before)   $3 before, in seconds   $4 batch
const scheduleSQL = `
WITH due AS (
    SELECT b.id, b.session_id, s.starts_at
    FROM sessions s
    JOIN bookings b ON b.session_id = s.id AND b.status = 'confirmed' AND b.email <> ''
    WHERE s.status = 'scheduled' AND s.starts_at > $1 AND s.starts_at <= $2
      AND b.created_at <= s.starts_at - $3 * interval '1 second'
      AND NOT EXISTS (
          SELECT 1 FROM outbox o
          WHERE o.message_id = 'reminder.' || b.id || '.' || floor(extract(epoch FROM s.starts_at))::bigint || '@workshops')
    ORDER BY s.starts_at, b.id
    LIMIT $4
    FOR UPDATE OF b
), bumped AS (
    UPDATE bookings b
    SET invite_sequence = b.invite_sequence + 1
    FROM due
    WHERE b.id = due.id
    RETURNING b.id, b.session_id, b.invite_sequence, due.starts_at
)
INSERT INTO outbox (kind, booking_id, session_id, payload, message_id, next_attempt_at)
SELECT 'reminder', id, session_id,
       jsonb_build_object('sequence', invite_sequence, 'starts_at', starts_at),
       'reminder.' || id || '.' || floor(extract(epoch FROM starts_at))::bigint || '@workshops',
       $1
FROM bumped
ON CONFLICT (message_id) DO NOTHING`

// ScheduleReminders writes the reminders now due (ReminderBefore ahead)
// and wakes the worker if it wrote any. It is safe in every instance at
// once: one writes, the others find the lock taken and return 0.
func (w *Worker) ScheduleReminders(ctx context.Context) (int, error) {
	if w.cfg.ReminderBefore < 0 {
		return 0, nil
	}
	now := w.cfg.Clock.Now()
	total := 0
	for {
		n, err := w.scheduleBatch(ctx, now, 500)
		total += n
		if err != nil || n < 500 {
			if total > 0 {
				w.Wake()
			}
			return total, err
		}
	}
}

func (w *Worker) scheduleBatch(ctx context.Context, now time.Time, batch int) (int, error) {
	tx, err := w.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("outbox: reminders: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	var mine bool
	if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, int64(reminderLock)).Scan(&mine); err != nil {
		return 0, fmt.Errorf("outbox: reminders: lock: %w", err)
	}
	if !mine {
		return 0, nil
	}
	before := w.cfg.ReminderBefore
	tag, err := tx.Exec(ctx, scheduleSQL, now, now.Add(before), before.Seconds(), batch)
	if err != nil {
		return 0, fmt.Errorf("outbox: reminders: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("outbox: reminders: commit: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
