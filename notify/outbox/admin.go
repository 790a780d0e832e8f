package outbox

import (
	"context"

	"github.com/coventry/workshops/booking"
)

// Failure is an email given up on, for the admin API.
type Failure = booking.FailedEmail

// Failures lists up to limit failed emails, newest first.
func (w *Worker) Failures(ctx context.Context, limit int) ([]Failure, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return w.store.FailedEmails(ctx, limit)
}

// Retry puts a failed email back in the queue, due now, with a fresh day
// of retries (for after an administrator has mended the cause). It keeps
// its Message-ID. ENotFound when id is not a failed email.
func (w *Worker) Retry(ctx context.Context, id int64) error {
	if err := w.store.RetryFailedEmail(ctx, id, w.cfg.Clock.Now()); err != nil {
		return err
	}
	w.Wake()
	return nil
}
