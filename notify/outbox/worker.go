// Package outbox sends the emails the booking transactions write to the
// outbox table (DESIGN.md, invariant 3), and schedules reminders the same
// way. Any number of instances can run at once against one database.
//
// A worker claims due rows with FOR UPDATE SKIP LOCKED in one short
// statement that also leases them (moves next_attempt_at forward by
// Lease), sends outside any transaction, then marks each row sent, or due
// again after a backoff. Holding a transaction open across the SMTP
// conversation would pin a pooled connection and a snapshot for as long as
// a slow mail server takes; the lease costs only this: a send that outlives
// it may be repeated by another instance, and the stable Message-ID lets
// mail systems recognise the repeat. A crash between the mail server's
// "250 OK" and the mark has the same effect, whatever the design.
package outbox

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/notify"
)

// Config tunes the worker; the zero value of each field means its default.
type Config struct {
	// Batch is how many rows one claim takes; default 20.
	Batch int
	// Concurrency is how many messages of a batch are sent at once (each
	// on its own SMTP connection); default 4.
	Concurrency int
	// PollInterval is how often the outbox is checked when nobody calls
	// Wake; default 5 s, with jitter so instances spread out.
	PollInterval time.Duration
	// Lease is how long a claim keeps other instances off a row; default
	// 10 minutes. It must be longer than sending a batch can take.
	Lease time.Duration
	// FirstRetry is the wait after the first failure, doubled after each
	// further one up to MaxRetry (with jitter); defaults 30 s and 1 h.
	FirstRetry time.Duration
	MaxRetry   time.Duration
	// GiveUpAfter is how long after it was written a message is last
	// tried before it is marked failed; default 24 h.
	GiveUpAfter time.Duration
	// ReminderBefore is REMINDER_BEFORE: how long before a session starts
	// its reminder goes; default 24 h; negative turns reminders off.
	ReminderBefore time.Duration
	// ReminderEvery is how often Run looks for reminders to write; default 1 minute.
	ReminderEvery time.Duration
	// Clock tells the time written to rows; default the system clock.
	Clock booking.Clock
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

func (c *Config) defaults() {
	if c.Batch <= 0 {
		c.Batch = 20
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 5 * time.Second
	}
	if c.Lease <= 0 {
		c.Lease = 10 * time.Minute
	}
	if c.FirstRetry <= 0 {
		c.FirstRetry = 30 * time.Second
	}
	if c.MaxRetry <= 0 {
		c.MaxRetry = time.Hour
	}
	if c.GiveUpAfter <= 0 {
		c.GiveUpAfter = 24 * time.Hour
	}
	if c.ReminderBefore == 0 {
		c.ReminderBefore = 24 * time.Hour
	}
	if c.ReminderEvery <= 0 {
		c.ReminderEvery = time.Minute
	}
	if c.Clock == nil {
		c.Clock = booking.SystemClock
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Worker sends what the outbox holds.
type Worker struct {
	pool     *pgxpool.Pool
	composer *notify.Composer
	mailer   notify.Mailer
	cfg      Config
	log      *slog.Logger
	wake     chan struct{}
	metrics  *Metrics
}

// New returns a worker; Run starts it.
func New(pool *pgxpool.Pool, composer *notify.Composer, mailer notify.Mailer, cfg Config) *Worker {
	cfg.defaults()
	return &Worker{
		pool: pool, composer: composer, mailer: mailer, cfg: cfg, log: cfg.Logger,
		wake: make(chan struct{}, 1), metrics: newMetrics(pool),
	}
}

// Metrics returns the worker's Prometheus collector, to register once.
func (w *Worker) Metrics() *Metrics { return w.metrics }

// Wake asks the worker to look at the outbox now, as after a booking; it
// never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run sends due messages and writes reminders until ctx is cancelled, then
// returns nil once the message in hand is sent and marked.
func (w *Worker) Run(ctx context.Context) error {
	var lastReminders time.Time
	for {
		if w.cfg.ReminderBefore > 0 && time.Since(lastReminders) >= w.cfg.ReminderEvery {
			if n, err := w.ScheduleReminders(ctx); err != nil && ctx.Err() == nil {
				w.log.Error("outbox: schedule reminders", "err", err)
			} else if n > 0 {
				w.log.Info("outbox: reminders written", "count", n)
			}
			lastReminders = time.Now()
		}
		if _, err := w.SendDue(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("outbox: send", "err", err)
		}
		// Up to a fifth either way, so instances started together drift apart.
		d := w.cfg.PollInterval
		d += time.Duration(rand.Int64N(int64(d)*2/5+1)) - d/5
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-w.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// Result counts what one SendDue did.
type Result struct {
	Sent, Retried, Failed, Skipped int
}

// SendDue claims and sends due messages until none is left or ctx is
// cancelled. A cancelled ctx stops it between messages, never in the
// middle of one.
func (w *Worker) SendDue(ctx context.Context) (Result, error) {
	var total Result
	for ctx.Err() == nil {
		now := w.cfg.Clock.Now()
		rows, err := claim(ctx, w.pool, now, now.Add(w.cfg.Lease), w.cfg.Batch)
		if err != nil {
			return total, err
		}
		if len(rows) == 0 {
			return total, nil
		}
		res := w.sendBatch(ctx, rows, now)
		total.Sent += res.Sent
		total.Retried += res.Retried
		total.Failed += res.Failed
		total.Skipped += res.Skipped
		if len(rows) < w.cfg.Batch {
			return total, nil
		}
	}
	return total, nil
}

// sendBatch sends the rows of one claim, Concurrency at a time. A batch
// holds at most one row per booking (see claimSQL), so sending in
// parallel keeps each person's emails in order.
func (w *Worker) sendBatch(ctx context.Context, rows []*row, claimed time.Time) Result {
	var (
		mu      sync.Mutex
		res     Result
		down    bool // the mail server could not be reached: back off the rest
		pending []*row
		wg      sync.WaitGroup
	)
	sem := make(chan struct{}, w.cfg.Concurrency)
	deadline := claimed.Add(w.cfg.Lease / 2)
	for _, r := range rows {
		mu.Lock()
		stop := down
		mu.Unlock()
		if stop || ctx.Err() != nil || w.cfg.Clock.Now().After(deadline) {
			pending = append(pending, r)
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(r *row) {
			defer func() { <-sem; wg.Done() }()
			outcome, err := w.process(ctx, r)
			mu.Lock()
			defer mu.Unlock()
			switch outcome {
			case sent:
				res.Sent++
			case retried:
				res.Retried++
				if errors.Is(err, notify.ErrServerDown) {
					down = true
				}
			case failed:
				res.Failed++
			case skipped:
				res.Skipped++
			}
		}(r)
	}
	wg.Wait()
	if len(pending) == 0 {
		return res
	}
	// Rows not tried: after a failure to reach the server they share its
	// backoff; otherwise (shutdown, lease half gone) they are handed back.
	bg := context.WithoutCancel(ctx)
	now := w.cfg.Clock.Now()
	if down {
		for _, r := range pending {
			w.retry(bg, r, notify.ErrServerDown, now)
			res.Retried++
		}
		return res
	}
	if err := release(bg, w.pool, pending, now); err != nil {
		w.log.Error("outbox: release", "err", err)
	}
	return res
}

type outcome int

const (
	sent outcome = iota
	retried
	failed
	skipped
)

// process composes and sends one row and records what happened. The send
// and the mark run on a context that shutdown does not cancel, so a message
// is never left sent but unmarked by a clean stop.
func (w *Worker) process(ctx context.Context, r *row) (outcome, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	now := w.cfg.Clock.Now()
	log := w.log.With("outbox_id", r.ID, "kind", r.Kind, "attempt", r.Attempts)

	msg, why, err := w.compose(r, now)
	if why != "" {
		if err := markDone(ctx, w.pool, r, "skipped", why, now); err != nil {
			log.Error("outbox: mark skipped", "err", err)
		}
		w.metrics.count(r.Kind, "skipped")
		log.Info("outbox: message skipped", "why", why)
		return skipped, nil
	}
	if err == nil {
		err = w.mailer.Send(ctx, msg)
	}
	now = w.cfg.Clock.Now()
	switch {
	case err == nil:
		ok, merr := markSent(ctx, w.pool, r, now)
		if merr != nil {
			log.Error("outbox: sent but not marked; it will be sent again with the same Message-ID", "err", merr)
		} else if !ok {
			log.Warn("outbox: lease was lost while sending; another instance may send this message again")
		}
		w.metrics.count(r.Kind, "sent")
		return sent, nil
	case notify.IsPermanent(err):
		if merr := markDone(ctx, w.pool, r, "failed", scrub(err), now); merr != nil {
			log.Error("outbox: mark failed", "err", merr)
		}
		w.metrics.count(r.Kind, "failed")
		log.Warn("outbox: message failed for good", "err", scrub(err))
		return failed, err
	default:
		if w.retry(ctx, r, err, now) {
			return failed, err
		}
		return retried, err
	}
}

// retry marks r due again after its backoff, or failed once it is older
// than GiveUpAfter. It reports whether r failed for good.
func (w *Worker) retry(ctx context.Context, r *row, cause error, now time.Time) bool {
	log := w.log.With("outbox_id", r.ID, "kind", r.Kind, "attempt", r.Attempts)
	giveUp := r.CreatedAt.Add(w.cfg.GiveUpAfter)
	if !now.Before(giveUp) {
		if err := markDone(ctx, w.pool, r, "failed", scrub(cause), now); err != nil {
			log.Error("outbox: mark failed", "err", err)
		}
		w.metrics.count(r.Kind, "failed")
		log.Warn("outbox: message failed after a day of retries", "err", scrub(cause))
		return true
	}
	next := now.Add(Backoff(r.Attempts, w.cfg.FirstRetry, w.cfg.MaxRetry))
	if next.After(giveUp) {
		next = giveUp // one last try at the deadline
	}
	if err := markRetry(ctx, w.pool, r, next, scrub(cause)); err != nil {
		log.Error("outbox: mark retry", "err", err)
	}
	w.metrics.count(r.Kind, "retried")
	log.Info("outbox: send failed, will retry", "err", scrub(cause), "next_attempt_at", next)
	return false
}

// Backoff is the wait after the given number of failed attempts: first,
// doubled each time up to max, then a random part of the second half
// taken off ("equal jitter"), so instances that failed together do not
// retry together.
func Backoff(attempts int, first, max time.Duration) time.Duration {
	d := first
	for i := 1; i < attempts && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// compose builds the email of r as things stand now. It returns a reason
// instead when the email has lost its point (why != ""), and a permanent
// error when it cannot be written.
func (w *Worker) compose(r *row, now time.Time) (msg *notify.Message, why string, err error) {
	p, err := notify.ParsePayload(r.Payload)
	if err != nil {
		return nil, "", notify.Permanent(err)
	}
	if r.Kind == notify.MsgSignInLink {
		// About an organiser, not a session: nothing else to load.
		if p.ExpiresAt != nil && !now.Before(*p.ExpiresAt) {
			return nil, "sign-in link expired before it could be sent", nil
		}
		msg, err = w.composer.Compose(notify.Event{Kind: r.Kind, MessageID: r.MessageID, Payload: p, Now: now})
		if err != nil {
			return nil, "", notify.Permanent(err)
		}
		return msg, "", nil
	}
	if r.Session == nil || r.Workshop == nil {
		return nil, "", notify.Permanent(errors.New("outbox: the row's session is missing"))
	}
	switch r.Kind {
	case notify.MsgWaitlistOffer, notify.MsgWaitlistJoined:
		if r.Waiting == nil {
			if p.Email == "" {
				return nil, "", notify.Permanent(errors.New("outbox: the row's waiting-list entry is missing"))
			}
			break // an older row that carries the person itself
		}
		switch {
		case r.Kind == notify.MsgWaitlistOffer && r.WaitingStatus != "offered":
			return nil, "offer no longer open", nil
		case r.Kind == notify.MsgWaitlistJoined && r.WaitingStatus != "waiting" && r.WaitingStatus != "offered":
			return nil, "no longer on the waiting list", nil
		}
		r.Booking = r.Waiting
	}
	kind := r.Kind
	if r.Kind == booking.MsgSessionCancelled && r.Booking == nil && r.Waiting != nil {
		// Written for a waiting-list entry as the session was cancelled:
		// the person had no booking, so a message of their own, no invite.
		kind, r.Booking = notify.MsgWaitlistSessionCancelled, r.Waiting
	}
	if r.Kind == booking.MsgReminder {
		switch {
		case r.Booking == nil || r.Booking.Status != booking.Confirmed:
			return nil, "booking no longer confirmed", nil
		case r.Session.Status != booking.Scheduled:
			return nil, "session cancelled", nil
		case p.StartsAt != nil && !p.StartsAt.Equal(r.Session.StartsAt):
			return nil, "session moved; the new time has its own reminder", nil
		case !now.Before(r.Session.StartsAt):
			return nil, "session already started", nil
		}
	}
	if r.Kind == notify.MsgStaffVerification && (r.Booking == nil || r.Booking.Status != booking.PendingVerification) {
		return nil, "booking no longer waiting for its link", nil
	}
	msg, err = w.composer.Compose(notify.Event{
		Kind: kind, MessageID: r.MessageID, Workshop: r.Workshop, Session: r.Session,
		Booking: r.Booking, Payload: p, Now: now,
	})
	if err != nil {
		return nil, "", notify.Permanent(err)
	}
	return msg, "", nil
}

var emailLike = regexp.MustCompile(`[^\s<>"',;:]+@[^\s<>"',;:]+`)

// scrub makes an error fit for last_error and the log: no email
// addresses (a mail server may echo them), and short.
func scrub(err error) string {
	s := emailLike.ReplaceAllString(err.Error(), "<address>")
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}
