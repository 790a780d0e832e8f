// Package outbox sends the emails the booking transactions write to the
// outbox table (DESIGN.md, invariant 3), and schedules reminders the same
// way. Any number of instances can run at once against one database.
//
// A worker claims due rows through the store (booking.Outbox), which
// leases them for a short Lease, sends outside any transaction, then marks
// each row sent, or due again after a backoff. Holding a transaction open
// across the SMTP conversation would pin a connection and a snapshot for as
// long as a slow mail server takes. Instead the worker renews its leases
// while it works, so a crashed instance's emails go from another within
// seconds; a renewal that finds a row taken over stops before sending it.
// Only a crash between the mail server's "250 OK" and the mark sends an
// email twice, with the same Message-ID, whatever the design.
//
// Every instance LISTENs for the rows any instance queues (the store's
// ListenOutbox), and polls as well in case a notification is missed.
package outbox

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"sync"
	"time"

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
	// Lease is how long a claim keeps other instances off a row unless
	// renewed; default 30 s: how long a crashed instance's emails wait.
	Lease time.Duration
	// RenewEvery is how often the leases of a batch in hand are renewed;
	// default a third of Lease.
	RenewEvery time.Duration
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
	// SurveyFor, when set, finds the survey a workshop's confirmations and
	// reminders link to (0 for none); a failure only leaves the link out.
	SurveyFor func(ctx context.Context, workshopID int64, now time.Time) (int64, error)
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
		c.Lease = 30 * time.Second
	}
	if c.RenewEvery <= 0 {
		c.RenewEvery = c.Lease / 3
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
	store    booking.Outbox
	composer *notify.Composer
	mailer   notify.Mailer
	cfg      Config
	log      *slog.Logger
	wake     chan struct{}
	metrics  *Metrics
}

// New returns a worker; Run starts it.
func New(store booking.Outbox, composer *notify.Composer, mailer notify.Mailer, cfg Config) *Worker {
	cfg.defaults()
	return &Worker{
		store: store, composer: composer, mailer: mailer, cfg: cfg, log: cfg.Logger,
		wake: make(chan struct{}, 1), metrics: newMetrics(store),
	}
}

// Metrics returns the worker's Prometheus collector, to register once.
func (w *Worker) Metrics() *Metrics { return w.metrics }

// Wake asks the worker to look at the outbox now; it never blocks. Rows
// queued by any instance wake it through the store's notifications.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run sends due messages and writes reminders until ctx is cancelled, then
// returns nil once the message in hand is sent and marked.
func (w *Worker) Run(ctx context.Context) error {
	var listening sync.WaitGroup
	defer listening.Wait()
	listening.Go(func() { w.listen(ctx) })
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

// ScheduleReminders queues the reminders now due (ReminderBefore ahead)
// and wakes the worker if it queued any. It is safe in every instance at
// once: one writes, the others find the store's lock taken and return 0.
func (w *Worker) ScheduleReminders(ctx context.Context) (int, error) {
	if w.cfg.ReminderBefore < 0 {
		return 0, nil
	}
	const batch = 500
	now := w.cfg.Clock.Now()
	total := 0
	for {
		n, err := w.store.QueueReminders(ctx, now, w.cfg.ReminderBefore, batch)
		total += n
		if err != nil || n < batch {
			if total > 0 {
				w.Wake()
			}
			return total, err
		}
	}
}

// listen wakes the worker whenever any instance queues an email, listening
// again after a pause when the connection fails; meanwhile the poll goes on.
func (w *Worker) listen(ctx context.Context) {
	for {
		err := w.store.ListenOutbox(ctx, w.Wake)
		if ctx.Err() != nil {
			return
		}
		w.log.Warn("outbox: not listening for new emails; polling until listening again", "err", err)
		t := time.NewTimer(w.cfg.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Result counts what one SendDue did. Lost counts rows another instance
// took over (their lease ran out), left to it unsent.
type Result struct {
	Sent, Retried, Failed, Skipped, Lost int
}

// SendDue claims and sends due messages until none is left or ctx is
// cancelled. A cancelled ctx stops it between messages, never in the
// middle of one.
func (w *Worker) SendDue(ctx context.Context) (Result, error) {
	var total Result
	for ctx.Err() == nil {
		now := w.cfg.Clock.Now()
		rows, err := w.store.ClaimEmails(ctx, now, now.Add(w.cfg.Lease), w.cfg.Batch)
		if err != nil {
			return total, err
		}
		if len(rows) == 0 {
			return total, nil
		}
		res := w.sendBatch(ctx, rows)
		total.Sent += res.Sent
		total.Retried += res.Retried
		total.Failed += res.Failed
		total.Skipped += res.Skipped
		total.Lost += res.Lost
		if len(rows) < w.cfg.Batch {
			return total, nil
		}
	}
	return total, nil
}

// sendBatch sends the rows of one claim, Concurrency at a time, renewing
// their leases meanwhile. A batch holds at most one row per booking (see
// the store's claim), so sending in parallel keeps each person's emails in
// order.
func (w *Worker) sendBatch(ctx context.Context, rows []*booking.ClaimedEmail) Result {
	var (
		mu      sync.Mutex
		res     Result
		down    bool // the mail server could not be reached: back off the rest
		pending []*booking.ClaimedEmail
		wg      sync.WaitGroup
	)
	held := newLeases(rows)
	stopRenewing := make(chan struct{})
	var renewing sync.WaitGroup
	renewing.Go(func() { w.renew(ctx, held, stopRenewing) })
	sem := make(chan struct{}, w.cfg.Concurrency)
	for _, r := range rows {
		mu.Lock()
		stop := down
		mu.Unlock()
		if stop || ctx.Err() != nil {
			pending = append(pending, r)
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(r *booking.ClaimedEmail) {
			defer func() { <-sem; wg.Done() }()
			outcome, err := w.process(ctx, r, held)
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
			case lost:
				res.Lost++
			}
		}(r)
	}
	wg.Wait()
	close(stopRenewing)
	renewing.Wait()
	if len(pending) == 0 {
		return res
	}
	// Rows not tried: after a failure to reach the server they share its
	// backoff; otherwise (shutdown) they are handed back. Within the lease:
	// past it the rows are free again anyway, and a Postgres that hangs
	// must not hold up shutdown.
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.Lease)
	defer cancel()
	now := w.cfg.Clock.Now()
	if down {
		for _, r := range pending {
			w.retry(bg, r, notify.ErrServerDown, now)
			res.Retried++
		}
		return res
	}
	if err := w.store.ReleaseEmails(bg, pending, now); err != nil {
		w.log.Error("outbox: release", "err", err)
	}
	return res
}

// leases are the rows of a batch still in hand, and the cancel of each
// send in flight.
type leases struct {
	mu      sync.Mutex
	open    map[int64]*booking.ClaimedEmail
	sending map[int64]context.CancelFunc
}

func newLeases(rows []*booking.ClaimedEmail) *leases {
	l := &leases{open: map[int64]*booking.ClaimedEmail{}, sending: map[int64]context.CancelFunc{}}
	for _, r := range rows {
		l.open[r.ID] = r
	}
	return l
}

func (l *leases) rows() []*booking.ClaimedEmail {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]*booking.ClaimedEmail, 0, len(l.open))
	for _, r := range l.open {
		out = append(out, r)
	}
	return out
}

// keep drops the rows of asked not in held: another instance has them.
// A send of one in flight is cancelled, in case it has not gone yet.
func (l *leases) keep(asked []*booking.ClaimedEmail, held []int64) {
	still := make(map[int64]bool, len(held))
	for _, id := range held {
		still[id] = true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range asked {
		if !still[r.ID] {
			delete(l.open, r.ID)
			if cancel := l.sending[r.ID]; cancel != nil {
				cancel()
			}
		}
	}
}

// start records a send in flight; false when the row was lost meanwhile.
func (l *leases) start(id int64, cancel context.CancelFunc) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[id] == nil {
		return false
	}
	l.sending[id] = cancel
	return true
}

// done forgets a row: it needs no lease any more.
func (l *leases) done(id int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.open, id)
	delete(l.sending, id)
}

// renew moves the leases of the rows in hand forward every RenewEvery
// until stop is closed.
func (w *Worker) renew(ctx context.Context, held *leases, stop <-chan struct{}) {
	t := time.NewTicker(w.cfg.RenewEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		// One renewal at most per period: one that takes longer (a
		// Postgres that hangs) gives way to the next.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.RenewEvery)
		err := w.renewNow(rctx, held, held.rows())
		cancel()
		if err != nil {
			w.log.Error("outbox: renew leases", "err", err)
		}
	}
}

func (w *Worker) renewNow(ctx context.Context, held *leases, rows []*booking.ClaimedEmail) error {
	if len(rows) == 0 {
		return nil
	}
	ids, err := w.store.RenewEmailLeases(ctx, rows, w.cfg.Clock.Now().Add(w.cfg.Lease))
	if err != nil {
		return err
	}
	held.keep(rows, ids)
	return nil
}

type outcome int

const (
	sent outcome = iota
	retried
	failed
	skipped
	lost
)

// process composes and sends one row and records what happened. Just
// before sending it renews the row's lease: a row another instance took
// over is left to it. The send and the mark run on a context that shutdown
// does not cancel, so a message is never left sent but unmarked by a clean
// stop; only losing the lease cancels a send.
func (w *Worker) process(ctx context.Context, r *booking.ClaimedEmail, held *leases) (outcome, error) {
	defer held.done(r.ID)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	now := w.cfg.Clock.Now()
	log := w.log.With("outbox_id", r.ID, "kind", r.Kind, "attempt", r.Attempts)

	msg, why, err := w.compose(ctx, r, now)
	if why != "" {
		if err := w.store.EndEmail(ctx, r, booking.EmailSkipped, why, now); err != nil {
			log.Error("outbox: mark skipped", "err", err)
		}
		w.metrics.count(r.Kind, "skipped")
		log.Info("outbox: message skipped", "why", why)
		return skipped, nil
	}
	if err == nil {
		sendCtx, stopSend := context.WithCancel(ctx)
		defer stopSend()
		if rerr := w.renewNow(ctx, held, []*booking.ClaimedEmail{r}); rerr != nil {
			// Without Postgres the send could not be marked: leave the row
			// to its lease.
			log.Error("outbox: renew lease before sending", "err", rerr)
			return lost, rerr
		}
		if !held.start(r.ID, stopSend) {
			log.Warn("outbox: lease lost before sending; another instance has the message")
			w.metrics.count(r.Kind, "lost")
			return lost, nil
		}
		err = w.mailer.Send(sendCtx, msg)
		if err != nil && sendCtx.Err() != nil && ctx.Err() == nil {
			log.Warn("outbox: lease lost while sending; the send was stopped")
			w.metrics.count(r.Kind, "lost")
			return lost, nil
		}
	}
	now = w.cfg.Clock.Now()
	switch {
	case err == nil:
		ok, merr := w.store.MarkEmailSent(ctx, r, now)
		if merr != nil {
			log.Error("outbox: sent but not marked; it will be sent again with the same Message-ID", "err", merr)
		} else if !ok {
			log.Warn("outbox: lease was lost while sending; another instance may send this message again")
		}
		w.metrics.count(r.Kind, "sent")
		return sent, nil
	case notify.IsPermanent(err):
		if merr := w.store.EndEmail(ctx, r, booking.EmailFailed, scrub(err), now); merr != nil {
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
func (w *Worker) retry(ctx context.Context, r *booking.ClaimedEmail, cause error, now time.Time) bool {
	log := w.log.With("outbox_id", r.ID, "kind", r.Kind, "attempt", r.Attempts)
	giveUp := r.CreatedAt.Add(w.cfg.GiveUpAfter)
	if !now.Before(giveUp) {
		if err := w.store.EndEmail(ctx, r, booking.EmailFailed, scrub(cause), now); err != nil {
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
	if err := w.store.RetryEmailAt(ctx, r, next, scrub(cause)); err != nil {
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
func (w *Worker) compose(ctx context.Context, r *booking.ClaimedEmail, now time.Time) (msg *notify.Message, why string, err error) {
	p, err := booking.ParseEmailPayload(r.Payload)
	if err != nil {
		return nil, "", notify.Permanent(err)
	}
	e := notify.Event{Kind: r.Kind, MessageID: r.MessageID, Session: r.Session, Booking: r.Booking,
		Interest: r.Interest, Payload: p, Now: now}
	if why := lostPoint(r, p, now); why != "" {
		return nil, why, nil
	}
	if r.Entry != nil {
		// The person on the waiting list, who has no booking.
		x := r.Entry
		e.Booking = &booking.Booking{Reference: x.Reference, Mode: x.Mode, Name: x.Name, Email: x.Email,
			Status: booking.Confirmed, SessionID: x.SessionID}
	}
	e.SurveyID = w.surveyFor(ctx, r, now)
	msg, err = w.composer.Compose(e)
	if err != nil {
		return nil, "", notify.Permanent(err)
	}
	return msg, "", nil
}

// surveyFor is the survey a confirmation or a reminder links to, or 0.
func (w *Worker) surveyFor(ctx context.Context, r *booking.ClaimedEmail, now time.Time) int64 {
	if w.cfg.SurveyFor == nil || r.Session == nil || (r.Kind != booking.MsgBookingConfirmed && r.Kind != booking.MsgReminder) {
		return 0
	}
	id, err := w.cfg.SurveyFor(ctx, r.Session.WorkshopID, now)
	if err != nil {
		w.log.Warn("outbox: finding the workshop's survey failed; sending without its link", "outbox_id", r.ID, "err", err)
		return 0
	}
	return id
}

// lostPoint says why r is no longer worth sending, or "".
func lostPoint(r *booking.ClaimedEmail, p booking.EmailPayload, now time.Time) string {
	switch r.Kind {
	case booking.MsgSignInLink:
		if !p.ExpiresAt.IsZero() && !now.Before(p.ExpiresAt) {
			return "sign-in link expired before it could be sent"
		}
	case booking.MsgWaitlistOffer:
		if r.Entry != nil && r.Entry.Status != booking.Offered {
			return "offer no longer open"
		}
	case booking.MsgWaitlistJoined, booking.MsgWaitlistLink:
		if r.Entry != nil && !r.Entry.Status.Active() {
			return "no longer on the waiting list"
		}
	case booking.MsgEmailChange, booking.MsgBookingLink, booking.MsgSessionMessage:
		if r.Booking == nil || !r.Booking.Live() {
			return "booking no longer live"
		}
	case booking.MsgStaffVerification:
		if r.Booking == nil || r.Booking.Status != booking.PendingVerification {
			return "booking no longer waiting for its link"
		}
	case booking.MsgInterestConfirm:
		switch {
		case r.Interest == nil:
			return "registration stopped"
		case r.Interest.Confirmed():
			return "address already confirmed"
		case !p.ExpiresAt.IsZero() && !now.Before(p.ExpiresAt):
			return "confirmation link expired before it could be sent"
		}
	case booking.MsgBallotApplied:
		switch {
		case r.Session == nil:
			return "" // Compose refuses it
		case r.Session.Status != booking.Scheduled:
			return "session cancelled"
		case r.Session.DrawnAt != nil:
			return "ballot already drawn: its result says the rest"
		}
	case booking.MsgInterestSession:
		switch {
		case r.Interest == nil:
			return "registration stopped"
		case r.Session == nil:
			return "" // Compose refuses it
		case r.Session.Status != booking.Scheduled || !now.Before(r.Session.StartsAt):
			return "session no longer open"
		}
	case booking.MsgReminder:
		switch {
		case r.Booking == nil || r.Booking.Status != booking.Confirmed:
			return "booking no longer confirmed"
		case r.Session == nil:
			return "" // Compose refuses it
		case r.Session.Status != booking.Scheduled:
			return "session cancelled"
		case !r.ReminderFor.IsZero() && !r.ReminderFor.Equal(r.Session.StartsAt):
			return "session moved; the new time has its own reminder"
		case !now.Before(r.Session.StartsAt):
			return "session already started"
		}
	}
	return ""
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
