package outbox_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/calendar"
	"github.com/coventry/workshops/internal/testenv"
	"github.com/coventry/workshops/notify"
	"github.com/coventry/workshops/notify/mailer"
	"github.com/coventry/workshops/notify/outbox"
	"github.com/coventry/workshops/notify/smtptest"
)

// The store is written in parallel with this package, so these tests set
// up their rows with plain SQL, as the booking transaction would leave them.

const (
	baseURL   = "https://workshops.coventry.gov.uk"
	teamsLink = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_OTk5%40thread.v2/0?context=%7b%7d"
	from      = "Coventry City Council <workshops@coventry.gov.uk>"
)

var london = booking.London

type env struct {
	t     *testing.T
	pool  *pgxpool.Pool
	clock *testenv.Clock
	comp  *notify.Composer
	inv   *calendar.Inviter
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, _ := testenv.Postgres(t, "notify")
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
	return &env{t: t, pool: db.Pool, clock: testenv.NewClock(time.Now()), comp: comp, inv: inv}
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
	if cfg.Clock == nil {
		cfg.Clock = e.clock
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return outbox.New(e.pool, e.comp, m, cfg)
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
INSERT INTO bookings (reference, session_id, mode, name, email, status, manage_token_hash, created_at)
VALUES ($1, $2, $3, $4, $5, 'confirmed', $6, $7) RETURNING id`,
		ref, sessionID, string(mode), name, email, hash, created).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return bookingRow{ID: id, Reference: ref, Email: email}
}

// queue writes an outbox row as the booking transaction does, due a
// second ago, and returns its Message-ID.
func (e *env) queue(kind string, b bookingRow, sessionID int64, payload map[string]any) string {
	e.t.Helper()
	seq := 0
	if s, ok := payload["sequence"].(int); ok {
		seq = s
	}
	r := make([]byte, 8)
	_, _ = rand.Read(r)
	id := fmt.Sprintf("%s.%d.%d.%s@workshops", kind, b.ID, seq, hex.EncodeToString(r))
	raw, _ := json.Marshal(payload)
	e.exec(`
INSERT INTO outbox (kind, booking_id, session_id, payload, message_id, next_attempt_at)
VALUES ($1, $2, $3, $4, $5, now() - interval '1 second')`, kind, b.ID, sessionID, raw, id)
	return id
}

func (e *env) manageURL(b bookingRow) string {
	return baseURL + "/bookings/" + b.Reference + "?token=tok-" + strings.ToLower(b.Reference)
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
