package inbound

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/coventry/workshops/booking"
)

// Applier is what a reply is handed to: the booking service.
type Applier interface {
	ApplyCalendarReply(ctx context.Context, r booking.CalendarReply) (booking.ReplyOutcome, string, error)
}

// Outcomes the reader adds to the booking service's, for the log and the
// metrics.
const (
	OutcomeMalformed booking.ReplyOutcome = "malformed"
	OutcomeForged    booking.ReplyOutcome = "forged"
)

// Reader reads the organiser mailbox every Interval and applies the
// calendar replies it finds. Safe to run in every instance: a reply
// applied twice (two instances, or a crash before it was marked) changes
// nothing the second time, as the booking is cancelled already or the
// same answer is recorded again.
type Reader struct {
	Source   Source
	Apply    Applier
	Logger   *slog.Logger
	Interval time.Duration
	// Batch is the most messages read in one round; 50 when zero.
	Batch int

	replies *prometheus.CounterVec

	mu sync.Mutex
	// leftAlone holds the messages read and found not to be calendar
	// replies, so they are not fetched again each round. It lives as long
	// as the process: after a restart they are read once more.
	leftAlone map[string]bool
}

// NewReader returns a Reader with its metrics.
func NewReader(src Source, apply Applier, interval time.Duration, logger *slog.Logger) *Reader {
	if logger == nil {
		logger = slog.Default()
	}
	return &Reader{
		Source: src, Apply: apply, Interval: interval, Logger: logger,
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "workshops_calendar_replies_total",
			Help: "Calendar replies read from the organiser mailbox, by what they did.",
		}, []string{"outcome"}),
		leftAlone: map[string]bool{},
	}
}

// Metrics is the counter of replies by outcome, to register.
func (r *Reader) Metrics() prometheus.Collector { return r.replies }

// Run reads the mailbox at once and then every Interval until ctx ends.
// A round that fails (the mailbox or Postgres does not answer) is logged
// and tried again at the next.
func (r *Reader) Run(ctx context.Context) {
	t := time.NewTicker(r.Interval)
	defer t.Stop()
	for {
		if _, err := r.Poll(ctx); err != nil && ctx.Err() == nil {
			r.Logger.Warn("calendar replies: mailbox round failed; trying again later",
				"source", r.Source.Name(), "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Round says what one round read.
type Round struct {
	// Outcomes counts the replies by what they did.
	Outcomes map[booking.ReplyOutcome]int
	// LeftAlone counts the messages that were not calendar replies.
	LeftAlone int
}

// Poll reads the mailbox once: every unhandled message, up to Batch, is
// classified; each calendar reply is applied and then marked handled.
// Other mail is left alone. An error from the booking service (an outage)
// ends the round with that message unmarked, to be read again.
func (r *Reader) Poll(ctx context.Context) (Round, error) {
	round := Round{Outcomes: map[booking.ReplyOutcome]int{}}
	batch := r.Batch
	if batch == 0 {
		batch = 50
	}
	mb, err := r.Source.Open(ctx)
	if err != nil {
		return round, err
	}
	defer mb.Close()
	msgs, err := mb.Unhandled(ctx, r.isLeftAlone, batch)
	if err != nil {
		return round, err
	}
	for _, m := range msgs {
		k, rep, why := classify(m.Raw)
		var outcome booking.ReplyOutcome
		var reference string
		switch k {
		case other:
			r.leaveAlone(m.ID)
			round.LeftAlone++
			continue
		case malformed:
			outcome = OutcomeMalformed
		case forged:
			outcome = OutcomeForged
		case reply:
			outcome, reference, err = r.Apply.ApplyCalendarReply(ctx, rep)
			if err != nil {
				return round, err
			}
		}
		if err := mb.MarkHandled(ctx, m.ID); err != nil {
			return round, err
		}
		round.Outcomes[outcome]++
		r.replies.WithLabelValues(string(outcome)).Inc()
		// The booking reference and what happened; never the addresses
		// or names the message carries.
		attrs := []any{"source", r.Source.Name(), "outcome", string(outcome)}
		if reference != "" {
			attrs = append(attrs, "reference", reference)
		}
		if why != "" {
			attrs = append(attrs, "problem", why)
		}
		r.Logger.Info("calendar reply", attrs...)
	}
	return round, nil
}

func (r *Reader) isLeftAlone(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.leftAlone[id]
}

func (r *Reader) leaveAlone(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.leftAlone[id] = true
}
