package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/coventry/workshops/booking"
)

// Failure is an email given up on, for the admin API. It holds no
// personal data: the booking is named by its reference.
type Failure struct {
	ID               int64     `json:"id"`
	Kind             string    `json:"kind"`
	BookingReference string    `json:"booking_reference,omitempty"`
	SessionID        int64     `json:"session_id,omitempty"`
	MessageID        string    `json:"message_id"`
	Attempts         int       `json:"attempts"`
	LastError        string    `json:"last_error"`
	CreatedAt        time.Time `json:"created_at"`
	FailedAt         time.Time `json:"failed_at"`
}

// Failures lists up to limit failed emails, newest first.
func (w *Worker) Failures(ctx context.Context, limit int) ([]Failure, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := w.pool.Query(ctx, `
SELECT o.id, o.kind, COALESCE(b.reference, ''), COALESCE(o.session_id, 0), o.message_id,
       o.attempts, o.last_error, o.created_at, o.next_attempt_at
FROM outbox o LEFT JOIN bookings b ON b.id = o.booking_id
WHERE o.status = 'failed'
ORDER BY o.created_at DESC, o.id DESC
LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("outbox: failures: %w", err)
	}
	defer rows.Close()
	out := []Failure{}
	for rows.Next() {
		var f Failure
		if err := rows.Scan(&f.ID, &f.Kind, &f.BookingReference, &f.SessionID, &f.MessageID,
			&f.Attempts, &f.LastError, &f.CreatedAt, &f.FailedAt); err != nil {
			return nil, fmt.Errorf("outbox: failures: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox: failures: %w", err)
	}
	return out, nil
}

// Retry puts a failed email back in the queue, due now, with a fresh day
// of retries (for after an administrator has mended the cause). It keeps
// its Message-ID. ENotFound when id is not a failed email.
func (w *Worker) Retry(ctx context.Context, id int64) error {
	now := w.cfg.Clock.Now()
	tag, err := w.pool.Exec(ctx, `
UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, created_at = $2
WHERE id = $1 AND status = 'failed'`, id, now)
	if err != nil {
		return fmt.Errorf("outbox: retry: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return booking.Errorf(booking.ENotFound, "There is no failed email %d.", id)
	}
	w.Wake()
	return nil
}
