package outbox_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/calendar"
	"github.com/coventry/workshops/internal/testenv"
	"github.com/coventry/workshops/notify"
	"github.com/coventry/workshops/notify/mailer"
	"github.com/coventry/workshops/notify/outbox"
	"github.com/coventry/workshops/notify/smtptest"
)

// BenchmarkOutbox measures confirmations per second from the outbox table
// into a local SMTP server: claim, load, compose (text, HTML, invite), MIME,
// SMTP, mark sent. Run it with
//
//	go test -run '^$' -bench Outbox -benchtime 2000x ./notify/outbox/
//
// The figure is in docs/BENCHMARKS.md.
func BenchmarkOutbox(b *testing.B) {
	for _, c := range []struct{ batch, concurrency int }{{20, 1}, {20, 4}, {50, 8}} {
		b.Run(fmt.Sprintf("batch=%d/concurrency=%d", c.batch, c.concurrency), func(b *testing.B) {
			benchOutbox(b, c.batch, c.concurrency)
		})
	}
}

func benchOutbox(b *testing.B, batch, concurrency int) {
	db, _ := testenv.Postgres(b, "notifybench")
	ctx := context.Background()
	srv := smtptest.Start(b, smtptest.Options{})
	inv, err := calendar.NewInviter(calendar.Config{BaseURL: baseURL, Council: "Coventry City Council",
		Organizer: calendar.Organizer{Email: "engagement@coventry.gov.uk"}})
	if err != nil {
		b.Fatal(err)
	}
	comp, err := notify.NewComposer(notify.Config{Council: "Coventry City Council", BaseURL: baseURL}, inv)
	if err != nil {
		b.Fatal(err)
	}
	m, err := mailer.NewSMTP(mailer.SMTPConfig{URL: "smtp+plain://" + srv.Addr, From: from, MaxIdle: concurrency})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	w := outbox.New(db, comp, m, outbox.Config{Batch: batch, Concurrency: concurrency,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})

	start := time.Now().Add(30 * 24 * time.Hour)
	if _, err := db.Pool.Exec(ctx, `
WITH w AS (INSERT INTO workshops (title, summary, audience) VALUES ('One Coventry Plan: have your say', 'Tell us what matters.', 'public') RETURNING id),
     s AS (INSERT INTO sessions (workshop_id, starts_at, ends_at, venue_name, venue_address, online_url)
           SELECT id, $1, $2, 'Council House', 'Earl Street, Coventry CV1 5RR', $3 FROM w RETURNING id)
INSERT INTO session_capacity (session_id, mode, capacity) SELECT id, m, 100000 FROM s, unnest(ARRAY['in_person', 'online']) m`,
		start, start.Add(2*time.Hour), teamsLink); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `
INSERT INTO bookings (reference, session_id, mode, name, email, status, manage_token_hash)
SELECT 'B' || i, (SELECT id FROM sessions), CASE WHEN i % 2 = 0 THEN 'online' ELSE 'in_person' END,
       'Person ' || i, 'person' || i || '@example.org', 'confirmed', sha256(i::text::bytea)
FROM generate_series(1, $1) i`, b.N); err != nil {
		b.Fatal(err)
	}
	rows, err := db.Pool.Query(ctx, `SELECT id, session_id FROM bookings`)
	if err != nil {
		b.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Booking, Session int64 }])
	if err != nil {
		b.Fatal(err)
	}
	for _, id := range ids {
		if err := db.QueueEmail(ctx, booking.Email{Kind: booking.MsgBookingConfirmed, BookingID: id.Booking,
			SessionID: id.Session, Payload: booking.EmailPayload{Token: fmt.Sprint("t", id.Booking)}},
			time.Now().Add(-time.Second)); err != nil {
			b.Fatal(err)
		}
	}

	b.ResetTimer()
	t0 := time.Now()
	sent := 0
	for sent < b.N {
		res, err := w.SendDue(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if res.Sent == 0 {
			b.Fatalf("stuck after %d: %+v", sent, res)
		}
		sent += res.Sent
	}
	elapsed := time.Since(t0)
	b.StopTimer()
	if got := len(srv.Messages()); got != b.N {
		b.Fatalf("%d arrived, want %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}
