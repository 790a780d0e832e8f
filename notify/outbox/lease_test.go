package outbox_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/postgres"
	"github.com/coventry/workshops/notify"
	"github.com/coventry/workshops/notify/outbox"
	"github.com/coventry/workshops/notify/smtptest"
)

// gate is a mailer that holds each send until the test lets it go, so a
// test can act while an instance is in the middle of sending.
type gate struct {
	started chan string // the Message-ID of each send begun
	release chan struct{}
	mu      sync.Mutex
	sent    []string
}

func newGate() *gate {
	return &gate{started: make(chan string, 100), release: make(chan struct{})}
}

func (g *gate) Send(ctx context.Context, m *notify.Message) error {
	g.started <- m.MessageID
	select {
	case <-g.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sent = append(g.sent, m.MessageID)
	return nil
}

func (g *gate) Sent() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.sent...)
}

func (e *env) confirmation(email string) string {
	e.t.Helper()
	start := time.Now().Add(30 * 24 * time.Hour)
	sid := e.session(e.workshop("Have your say"), start, start.Add(2*time.Hour))
	return e.queue(booking.MsgBookingConfirmed, e.book(sid, booking.Online, "Ada", email, time.Now()), sid,
		booking.EmailPayload{})
}

// sendInBackground runs one SendDue of w while the test goes on.
func sendInBackground(t *testing.T, w *outbox.Worker) <-chan outbox.Result {
	done := make(chan outbox.Result, 1)
	go func() {
		res, err := w.SendDue(context.Background())
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	return done
}

// eventually waits up to five seconds for cond, which another goroutine
// makes true.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5 s", what)
		}
	}
}

// An instance killed after claiming emails delays them by one lease, not
// more: another instance sends them once it runs out.
func TestCrashedInstanceEmailsGoAfterTheLease(t *testing.T) {
	e := newEnv(t)
	srv := smtptest.Start(t, smtptest.Options{})
	id := e.confirmation("ada@example.org")
	// The crashed instance claimed the row and died before sending it.
	now := e.clock.Now()
	if claimed, err := e.db.ClaimEmails(context.Background(), now, now.Add(30*time.Second), 10); err != nil || len(claimed) != 1 {
		t.Fatalf("claim = %d rows, %v", len(claimed), err)
	}
	w := e.worker(srv, outbox.Config{})
	if res, err := w.SendDue(context.Background()); err != nil || res.Sent != 0 {
		t.Fatalf("within the lease: SendDue = %+v, %v; want the row left alone", res, err)
	}
	e.clock.Advance(31 * time.Second) // the default lease is 30 s
	if res, err := w.SendDue(context.Background()); err != nil || res.Sent != 1 {
		t.Fatalf("after the lease: SendDue = %+v, %v; want it sent", res, err)
	}
	if got := messageIDs(t, srv.Wait(t, 1, 5*time.Second)); len(got) != 1 || got[0] != id {
		t.Errorf("sent %v, want %s once", got, id)
	}
	if s := e.state(id); s.Status != "sent" || s.Attempts != 2 {
		t.Errorf("row %+v", s)
	}
}

// A worker renews its lease while it sends, so a slow send is not taken
// over and sent twice.
func TestLeaseRenewedWhileSending(t *testing.T) {
	e := newEnv(t)
	srv := smtptest.Start(t, smtptest.Options{})
	id := e.confirmation("ada@example.org")
	g := newGate()
	slow := e.workerWith(g, outbox.Config{Lease: 30 * time.Second, RenewEvery: 5 * time.Millisecond})
	done := sendInBackground(t, slow)
	<-g.started
	e.clock.Advance(45 * time.Second) // past the lease the claim took
	eventually(t, "lease renewed", func() bool { return e.state(id).Next.After(e.clock.Now()) })

	other := e.worker(srv, outbox.Config{})
	if res, err := other.SendDue(context.Background()); err != nil || res.Sent != 0 {
		t.Errorf("another instance: SendDue = %+v, %v; want nothing to take over", res, err)
	}
	close(g.release)
	if res := <-done; res.Sent != 1 {
		t.Errorf("slow worker: %+v", res)
	}
	if got := g.Sent(); len(got) != 1 || got[0] != id || len(srv.Messages()) != 0 {
		t.Errorf("sent %v by the slow worker and %d by the other, want once", got, len(srv.Messages()))
	}
	if s := e.state(id); s.Status != "sent" {
		t.Errorf("row %+v", s)
	}
}

// A worker whose lease ran out without renewal (stalled, say) and was taken
// over does not send what it still had in hand.
func TestLostLeaseStopsBeforeSending(t *testing.T) {
	e := newEnv(t)
	srv := smtptest.Start(t, smtptest.Options{})
	ids := []string{e.confirmation("ada@example.org"), e.confirmation("bo@example.org")}
	g := newGate()
	stalled := e.workerWith(g, outbox.Config{Concurrency: 1, RenewEvery: time.Hour})
	done := sendInBackground(t, stalled)
	first := <-g.started
	e.clock.Advance(31 * time.Second)
	other := e.worker(srv, outbox.Config{})
	if res, err := other.SendDue(context.Background()); err != nil || res.Sent != 2 {
		t.Fatalf("taking over: SendDue = %+v, %v", res, err)
	}
	close(g.release)
	res := <-done
	// The send in flight went (nothing can stop a send the mail server
	// has taken); the other message was left to the instance that has it.
	if got := g.Sent(); len(got) != 1 || got[0] != first || res.Lost != 1 {
		t.Errorf("stalled worker sent %v (%+v), want only %s", got, res, first)
	}
	for _, id := range ids {
		if s := e.state(id); s.Status != "sent" || s.Attempts != 2 {
			t.Errorf("row %s: %+v", id, s)
		}
	}
}

// An email queued through one instance's store wakes every instance's
// worker at once (LISTEN/NOTIFY), not at its next poll.
func TestQueuedEmailWakesOtherInstances(t *testing.T) {
	e := newEnv(t)
	srv := smtptest.Start(t, smtptest.Options{})
	ctx := context.Background()
	stop := run(t, e.worker(srv, outbox.Config{PollInterval: time.Hour, ReminderBefore: -1}))
	eventually(t, "worker listening", func() bool {
		var n int
		err := e.pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND query = 'LISTEN outbox'`).Scan(&n)
		return err == nil && n == 1
	})

	first, err := postgres.Open(ctx, e.url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	first.MailFrom = from
	start := time.Now().Add(30 * 24 * time.Hour)
	sid := e.session(e.workshop("Have your say"), start, start.Add(2*time.Hour))
	b := e.book(sid, booking.Online, "Ada", "ada@example.org", time.Now())
	if err := first.QueueEmail(ctx, booking.Email{Kind: booking.MsgBookingConfirmed, BookingID: b.ID, SessionID: sid},
		e.clock.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	srv.Wait(t, 1, 5*time.Second) // the poll is an hour away
	stop()
}

// run runs w until the returned stop is called, which checks that Run
// stops in time and without an error.
func run(t *testing.T, w *outbox.Worker) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	return func() {
		t.Helper()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Run = %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not stop")
		}
	}
}
