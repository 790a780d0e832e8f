package outbox_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/postgres"
	"github.com/coventry/workshops/calendar"
	"github.com/coventry/workshops/internal/testenv"
	"github.com/coventry/workshops/notify"
	"github.com/coventry/workshops/notify/mailer"
	"github.com/coventry/workshops/notify/outbox"
	"github.com/coventry/workshops/notify/smtptest"
)

// These tests set up sessions and bookings with plain SQL, as the booking
// transactions would leave them, and queue emails through the store.

const (
	baseURL   = "https://workshops.coventry.gov.uk"
	teamsLink = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_OTk5%40thread.v2/0?context=%7b%7d"
	from      = "Coventry City Council <workshops@coventry.gov.uk>"
)

var london = booking.London

type env struct {
	t     *testing.T
	db    *postgres.DB
	url   string // of the database, for a second instance's store
	pool  *pgxpool.Pool
	clock *testenv.Clock
	comp  *notify.Composer
	inv   *calendar.Inviter
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, dbURL := testenv.Postgres(t, "notify")
	db.MailFrom = from
	inv, err := calendar.NewInviter(calendar.Config{
		BaseURL: baseURL, Council: "Coventry City Council",
		Organizer: calendar.Organizer{Name: "Coventry City Council", Email: "engagement@coventry.gov.uk"},
	})
	if err != nil {
		t.Fatal(err)
	}
	comp, err := notify.NewComposer(notify.Config{Council: "Coventry City Council", BaseURL: baseURL,
		ReplyTo: "engagement@coventry.gov.uk"}, inv)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, db: db, url: dbURL, pool: db.Pool, clock: testenv.NewClock(time.Now()), comp: comp, inv: inv}
}

// worker makes a worker sending to srv over its own connections, as
// another instance of the service would.
func (e *env) worker(srv *smtptest.Server, cfg outbox.Config) *outbox.Worker {
	e.t.Helper()
	m, err := mailer.NewSMTP(mailer.SMTPConfig{URL: "smtp+plain://" + srv.Addr, From: from, Timeout: 5 * time.Second})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = m.Close() })
	return e.workerWith(m, cfg)
}

// workerWith makes a worker sending through m.
func (e *env) workerWith(m notify.Mailer, cfg outbox.Config) *outbox.Worker {
	if cfg.Clock == nil {
		cfg.Clock = e.clock
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return outbox.New(e.db, e.comp, m, cfg)
}

func (e *env) exec(sql string, args ...any) {
	e.t.Helper()
	if _, err := e.pool.Exec(context.Background(), sql, args...); err != nil {
		e.t.Fatalf("%v\n%s", err, sql)
	}
}

func (e *env) workshop(title string) int64 {
	e.t.Helper()
	var id int64
	if err := e.pool.QueryRow(context.Background(),
		`INSERT INTO workshops (title, summary, audience) VALUES ($1, 'Tell us what matters to you.', 'public') RETURNING id`,
		title).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// session makes a hybrid session with room for everyone the tests book.
func (e *env) session(workshopID int64, start, end time.Time) int64 {
	e.t.Helper()
	var id int64
	if err := e.pool.QueryRow(context.Background(), `
INSERT INTO sessions (workshop_id, starts_at, ends_at, venue_name, venue_address, online_url)
VALUES ($1, $2, $3, 'Council House', E'Earl Street\nCoventry CV1 5RR', $4) RETURNING id`,
		workshopID, start, end, teamsLink).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	e.exec(`INSERT INTO session_capacity (session_id, mode, capacity) VALUES ($1, 'in_person', 1000), ($1, 'online', 1000)`, id)
	return id
}

var refs atomic.Int64

type bookingRow struct {
	ID        int64
	Reference string
	Email     string
}

func (e *env) book(sessionID int64, mode booking.Mode, name, email string, created time.Time) bookingRow {
	e.t.Helper()
	ref := fmt.Sprintf("R%05d", refs.Add(1))
	hash := make([]byte, 32)
	_, _ = rand.Read(hash)
	var id int64
	if err := e.pool.QueryRow(context.Background(), `
INSERT INTO bookings (reference, session_id, mode, name, email, status, manage_token_hash, created_at, invite_uid)
VALUES ($1, $2, $3, $4, $5, 'confirmed', $6, $7, $8) RETURNING id`,
		ref, sessionID, string(mode), name, email, hash, created,
		booking.InviteUID(ref, booking.SenderDomain(from))).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return bookingRow{ID: id, Reference: ref, Email: email}
}

// queue queues an email about a booking through the store, due a second
// ago by the test's clock, and returns its Message-ID.
func (e *env) queue(kind string, b bookingRow, sessionID int64, p booking.EmailPayload) string {
	e.t.Helper()
	ctx := context.Background()
	err := e.db.QueueEmail(ctx, booking.Email{Kind: kind, BookingID: b.ID, SessionID: sessionID, Payload: p},
		e.clock.Now().Add(-time.Second))
	if err != nil {
		e.t.Fatal(err)
	}
	var id string
	if err := e.pool.QueryRow(ctx, `SELECT message_id FROM outbox WHERE booking_id = $1 AND kind = $2
		ORDER BY id DESC LIMIT 1`, b.ID, kind).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// token is the manage token a booking's confirmation carries in these tests.
func token(b bookingRow) string { return "tok-" + strings.ToLower(b.Reference) }

func (e *env) manageURL(b bookingRow) string {
	return baseURL + "/bookings/" + b.Reference + "?token=" + token(b)
}

type outboxState struct {
	Status    string
	Attempts  int
	LastError string
	Next      time.Time
}

func (e *env) state(messageID string) outboxState {
	e.t.Helper()
	var s outboxState
	if err := e.pool.QueryRow(context.Background(),
		`SELECT status, attempts, last_error, next_attempt_at FROM outbox WHERE message_id = $1`, messageID).
		Scan(&s.Status, &s.Attempts, &s.LastError, &s.Next); err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *env) count(where string) int {
	e.t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE `+where).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// messageIDs returns the Message-ID of each message the server took.
func messageIDs(t *testing.T, got []smtptest.Received) []string {
	t.Helper()
	var ids []string
	for _, r := range got {
		m := smtptest.Parse(t, r.Data)
		ids = append(ids, strings.Trim(m.Header.Get("Message-Id"), "<>"))
	}
	return ids
}
