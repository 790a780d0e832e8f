package postgres_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/postgres"
	"github.com/coventry/workshops/internal/testenv"
)

// now is the time the tests book at; sessions start relative to it.
var now = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func newDB(t *testing.T) *postgres.DB {
	t.Helper()
	db, _ := testenv.Postgres(t, "store")
	return db
}

func addWorkshop(t *testing.T, db *postgres.DB, audience booking.Audience) *booking.Workshop {
	t.Helper()
	w := &booking.Workshop{Title: "City centre plan", Summary: "Have your say.", Audience: audience}
	if err := db.CreateWorkshop(context.Background(), w, now); err != nil {
		t.Fatal(err)
	}
	return w
}

func addSession(t *testing.T, db *postgres.DB, workshopID int64, startsIn time.Duration, inPerson, online int) *booking.Session {
	t.Helper()
	s := &booking.Session{
		WorkshopID: workshopID,
		StartsAt:   now.Add(startsIn),
		EndsAt:     now.Add(startsIn + 2*time.Hour),
		Venue:      booking.Venue{Name: "Council House", Address: "Earl Street, CV1 5RR"},
		OnlineURL:  "https://teams.example/meet/1",
		Places: []booking.Places{
			{Mode: booking.Online, Capacity: online},
			{Mode: booking.InPerson, Capacity: inPerson},
		},
	}
	if err := db.CreateSession(context.Background(), s, now); err != nil {
		t.Fatal(err)
	}
	return s
}

func newBooking(sessionID int64, mode booking.Mode, email string) *booking.Booking {
	token := make([]byte, 32)
	_, _ = rand.Read(token)
	h := sha256.Sum256(token)
	return &booking.Booking{
		SessionID: sessionID, Mode: mode, Name: "Ada Lovelace", Email: email,
		Status: booking.Confirmed, TokenHash: h[:],
	}
}

func wantCode(t *testing.T, err error, code booking.Code) {
	t.Helper()
	if got := booking.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

type outboxRow struct {
	Kind      string
	BookingID int64
	SessionID int64
	Payload   map[string]any
	MessageID string
}

func (r outboxRow) sequence() int {
	n, _ := r.Payload["sequence"].(float64)
	return int(n)
}

// outbox reads the outbox rows of kind, oldest first.
func outbox(t *testing.T, db *postgres.DB, kind string) []outboxRow {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `
		SELECT kind, booking_id, session_id, payload, message_id FROM outbox
		WHERE kind = $1 ORDER BY id`, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var r outboxRow
		var payload []byte
		if err := rows.Scan(&r.Kind, &r.BookingID, &r.SessionID, &payload, &r.MessageID); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(payload, &r.Payload); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMigrationsApplyTwice(t *testing.T) {
	db := newDB(t) // migrated from empty
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	n, err := db.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("Pending = %d, want 0", n)
	}
}

func TestDatabaseRefusesOverbooking(t *testing.T) {
	db := newDB(t)
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 2, 0)
	ctx := context.Background()
	for _, q := range []string{
		`UPDATE session_capacity SET booked = 3 WHERE session_id = $1 AND mode = 'in_person'`,
		`UPDATE session_capacity SET booked = 1, offered = 2 WHERE session_id = $1 AND mode = 'in_person'`,
		`UPDATE session_capacity SET booked = 1 WHERE session_id = $1 AND mode = 'online'`,
	} {
		_, err := db.Pool.Exec(ctx, q, s.ID)
		if err == nil || !strings.Contains(err.Error(), "session_capacity_not_overbooked") {
			t.Errorf("%s: err = %v, want the CHECK to refuse", q, err)
		}
	}
}

func TestSession(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 20, 50)

	got, err := db.Session(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Workshop == nil || got.Workshop.ID != w.ID || got.Workshop.Title != w.Title || got.Workshop.Audience != booking.Public {
		t.Errorf("Workshop = %+v, want %+v", got.Workshop, w)
	}
	if !got.StartsAt.Equal(s.StartsAt) || got.Venue != s.Venue || got.Status != booking.Scheduled || got.OnlineURL != s.OnlineURL {
		t.Errorf("session = %+v, want %+v", got, s)
	}
	want := []booking.Places{
		{SessionID: s.ID, Mode: booking.InPerson, Capacity: 20},
		{SessionID: s.ID, Mode: booking.Online, Capacity: 50},
	}
	if fmt.Sprint(got.Places) != fmt.Sprint(want) {
		t.Errorf("Places = %+v, want %+v", got.Places, want)
	}
	if fmt.Sprint(s.Places) != fmt.Sprint(want) {
		t.Errorf("CreateSession filled Places = %+v, want %+v", s.Places, want)
	}

	_, err = db.Session(ctx, s.ID+1000)
	wantCode(t, err, booking.ENotFound)
	_, err = db.Workshop(ctx, w.ID+1000)
	wantCode(t, err, booking.ENotFound)

	// A session of a workshop that does not exist, or ending before it starts.
	bad := &booking.Session{WorkshopID: w.ID + 1000, StartsAt: now, EndsAt: now.Add(time.Hour)}
	wantCode(t, db.CreateSession(ctx, bad, now), booking.ENotFound)
	bad = &booking.Session{WorkshopID: w.ID, StartsAt: now, EndsAt: now.Add(-time.Hour)}
	err = db.CreateSession(ctx, bad, now)
	wantCode(t, err, booking.EInvalid)
	if booking.ErrorFields(err)["ends_at"] == "" {
		t.Errorf("fields = %v, want ends_at", booking.ErrorFields(err))
	}
}

func TestWorkshopsListing(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()

	later := addWorkshop(t, db, booking.Public)
	lateA := addSession(t, db, later.ID, 72*time.Hour, 10, 0)
	addSession(t, db, later.ID, -time.Hour, 10, 0) // started an hour ago
	cancelled := addSession(t, db, later.ID, 24*time.Hour, 10, 0)
	if _, err := db.UpdateSession(ctx, cancelled.ID, now, func(s *booking.Session) (booking.Notice, error) {
		s.Status = booking.Cancelled
		return booking.Notice{}, nil
	}); err != nil {
		t.Fatal(err)
	}
	sooner := addWorkshop(t, db, booking.Public)
	soonB := addSession(t, db, sooner.ID, 96*time.Hour, 0, 30)
	soonA := addSession(t, db, sooner.ID, 12*time.Hour, 5, 5)
	past := addWorkshop(t, db, booking.Public)
	addSession(t, db, past.ID, -48*time.Hour, 10, 10)
	addWorkshop(t, db, booking.Public) // no sessions at all
	staff := addWorkshop(t, db, booking.Workforce)
	staffS := addSession(t, db, staff.ID, 24*time.Hour, 10, 10)

	got, err := db.Workshops(ctx, booking.Public, now)
	if err != nil {
		t.Fatal(err)
	}
	var ids [][]int64
	for _, w := range got {
		row := []int64{w.ID}
		for _, s := range w.Sessions {
			row = append(row, s.ID)
			if len(s.Places) != 2 || s.Places[0].Mode != booking.InPerson || s.Places[1].Mode != booking.Online {
				t.Errorf("session %d places = %+v", s.ID, s.Places)
			}
		}
		ids = append(ids, row)
	}
	want := [][]int64{{sooner.ID, soonA.ID, soonB.ID}, {later.ID, lateA.ID}}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("listing = %v, want %v (workshop id, then session ids)", ids, want)
	}
	if got[0].Sessions[1].PlacesFor(booking.Online).Capacity != 30 || got[0].Title != sooner.Title {
		t.Errorf("first workshop = %+v", got[0])
	}

	got, err = db.Workshops(ctx, booking.Workforce, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != staff.ID || len(got[0].Sessions) != 1 || got[0].Sessions[0].ID != staffS.ID {
		t.Errorf("workforce listing = %+v", got)
	}

	got, err = db.Workshops(ctx, booking.Public, now.Add(365*24*time.Hour))
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("listing a year on = %v, %v; want an empty list", got, err)
	}
}

func TestMirrors(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Workforce)
	s := addSession(t, db, w.ID, 48*time.Hour, 3, 0)
	if _, err := db.ConfirmBooking(ctx, newBooking(s.ID, booking.InPerson, "a@example.org"), "", now); err != nil {
		t.Fatal(err)
	}

	got, err := db.Mirrors(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []booking.Mirror{
		{SessionID: s.ID, Mode: booking.InPerson, Capacity: 3, Taken: 1, Version: 1, ClosesAt: s.StartsAt, Audience: booking.Workforce},
		{SessionID: s.ID, Mode: booking.Online, Capacity: 0, Taken: 0, Version: 0, ClosesAt: s.StartsAt, Audience: booking.Workforce},
	}
	if len(got) != 2 {
		t.Fatalf("Mirrors = %+v", got)
	}
	for i := range want {
		if !got[i].ClosesAt.Equal(want[i].ClosesAt) {
			t.Errorf("mirror %d closes at %v, want %v", i, got[i].ClosesAt, want[i].ClosesAt)
		}
		got[i].ClosesAt = want[i].ClosesAt
		if got[i] != want[i] {
			t.Errorf("mirror %d = %+v, want %+v", i, got[i], want[i])
		}
	}

	if _, err := db.UpdateSession(ctx, s.ID, now, func(s *booking.Session) (booking.Notice, error) {
		s.Status = booking.Cancelled
		return booking.Notice{}, nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err = db.Mirrors(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range got {
		if !m.ClosesAt.IsZero() {
			t.Errorf("cancelled session's mirror closes at %v, want zero", m.ClosesAt)
		}
	}

	_, err = db.Mirrors(ctx, s.ID+1000)
	wantCode(t, err, booking.ENotFound)
	_, err = db.Places(ctx, s.ID+1000)
	wantCode(t, err, booking.ENotFound)
}

func TestHoldSigningKey(t *testing.T) {
	db := newDB(t)
	k1, err := db.HoldSigningKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	k2, err := db.HoldSigningKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) < 32 || string(k1) != string(k2) {
		t.Errorf("keys %x and %x: want the same key of at least 32 bytes", k1, k2)
	}
}

// isMessageID reports whether id is a Message-ID as booking.NewMessageID
// makes them: random, in the domain of MAIL_FROM (unset here: localhost).
func isMessageID(id string) bool {
	return regexp.MustCompile(`^[0-9a-f]{32}@localhost$`).MatchString(id)
}
