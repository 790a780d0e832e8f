package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/coventry/workshops/internal/loadgen"
)

type bench struct {
	base   string
	client *http.Client
	api    *loadgen.API // the organiser's calls that set the sessions up
}

func (b *bench) run(ctx context.Context, clients, requests int, database string, bookers, sessions, perSession int) error {
	noop, stop, err := startNoop(ctx)
	if err != nil {
		return err
	}
	defer stop()

	workshop, err := b.api.CreateWorkshop("Benchmark: One Coventry Plan launch")
	if err != nil {
		return err
	}
	full, err := b.createSession(workshop, 50, 0, 0)
	if err != nil {
		return err
	}
	// Enough places that no hold in the phase is refused: the phase
	// alternates modes.
	open, err := b.createSession(workshop, (requests+1)/2, (requests+1)/2, 1)
	if err != nil {
		return err
	}
	warm, err := b.createSession(workshop, 10000, 0, 2)
	if err != nil {
		return err
	}
	holdBody := map[bool]string{true: `{"mode":"in_person"}`, false: `{"mode":"online"}`}

	// Warm both servers' connections and code paths.
	if _, err := drive("warm-up", clients, 2000, func(i int) (int, error) {
		if i%2 == 0 {
			return b.post(noop, holdBody[true], nil)
		}
		return b.post(b.sessionURL(warm)+"/holds", holdBody[true], nil)
	}); err != nil {
		return err
	}

	noopPhase, err := drive("no-op Gin endpoint (parse, 409)", clients, requests, func(int) (int, error) {
		return b.post(noop, holdBody[true], nil)
	})
	if err != nil {
		return err
	}
	var booked atomic.Int64
	fullPhase, err := drive("holds, session with 50 places", clients, requests, func(i int) (int, error) {
		return b.post(b.sessionURL(full)+"/holds", holdBody[true], func(body []byte) {
			var h struct {
				HoldID string `json:"hold_id"`
			}
			if json.Unmarshal(body, &h) == nil && h.HoldID != "" {
				status, err := b.post(b.base+"/api/v1/holds/"+h.HoldID+"/booking", person(i), nil)
				if err == nil && status == http.StatusCreated {
					booked.Add(1)
				}
			}
		})
	})
	if err != nil {
		return err
	}
	openPhase, err := drive("holds, session with ample places", clients, requests, func(i int) (int, error) {
		return b.post(b.sessionURL(open)+"/holds", holdBody[i%2 == 0], nil)
	})
	if err != nil {
		return err
	}

	fmt.Printf("\nLaunch rush: %d clients, %d requests a phase\n\n", clients, requests)
	fmt.Printf("%-36s %10s %9s %9s %8s  %s\n", "phase", "req/s", "p50", "p99", "ratio", "statuses")
	for _, p := range []*phase{noopPhase, fullPhase, openPhase} {
		fmt.Printf("%-36s %10.0f %9s %9s %8.2f  %v\n", p.name, p.rps(),
			p.quantile(0.50).Round(10*time.Microsecond), p.quantile(0.99).Round(10*time.Microsecond),
			p.rps()/noopPhase.rps(), p.statuses)
	}
	fmt.Printf("\nbookings made in the 50-place session: %d (places: 50)\n", booked.Load())
	if booked.Load() != 50 {
		return fmt.Errorf("bookings made %d, want exactly the 50 places", booked.Load())
	}
	if database == "" {
		fmt.Println("\n(no -database: the confirmation comparison with bare SQL is skipped)")
		return nil
	}
	return b.confirmations(ctx, database, workshop, bookers, sessions, perSession)
}

// confirmations compares booking through the service, spread over many
// sessions, with the bare SQL of the same conditional UPDATE and INSERT
// run against Postgres by the same number of clients.
func (b *bench) confirmations(ctx context.Context, database string, workshop int64, clients, sessions, perSession int) error {
	pool, err := pgxpool.New(ctx, database)
	if err != nil {
		return err
	}
	defer pool.Close()
	serviceSessions, bareSessions := make([]int64, sessions), make([]int64, sessions)
	for i := range sessions {
		if serviceSessions[i], err = b.createSession(workshop, perSession, 0, 10+i); err != nil {
			return err
		}
		if bareSessions[i], err = b.createSession(workshop, perSession, 0, 10+i); err != nil {
			return err
		}
	}
	n := sessions * perSession
	svc, err := drive("confirmations through the service", clients, n, func(i int) (int, error) {
		body := strings.Replace(person(i), "{", `{"mode":"in_person",`, 1)
		return b.post(b.sessionURL(serviceSessions[i%sessions])+"/bookings", body, nil)
	})
	if err != nil {
		return err
	}
	bare, err := drive("bare SQL: conditional UPDATE + INSERT", clients, n, func(i int) (int, error) {
		return bareConfirm(ctx, pool, bareSessions[i%sessions], i)
	})
	if err != nil {
		return err
	}
	fmt.Printf("\nConfirmations: %d clients, %d bookings over %d sessions\n\n", clients, n, sessions)
	fmt.Printf("%-40s %10s %9s %9s %8s  %s\n", "path", "conf/s", "p50", "p99", "ratio", "statuses")
	for _, p := range []*phase{bare, svc} {
		fmt.Printf("%-40s %10.0f %9s %9s %8.2f  %v\n", p.name, p.rps(),
			p.quantile(0.50).Round(10*time.Microsecond), p.quantile(0.99).Round(10*time.Microsecond),
			p.rps()/bare.rps(), p.statuses)
	}
	if svc.statuses[http.StatusCreated] != n || bare.statuses[http.StatusCreated] != n {
		return fmt.Errorf("not every confirmation was made: service %v, bare %v", svc.statuses, bare.statuses)
	}
	return nil
}

// bareConfirm is the least any design must do to confirm a place.
func bareConfirm(ctx context.Context, pool *pgxpool.Pool, sessionID int64, i int) (int, error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	tag, err := tx.Exec(ctx, `UPDATE session_capacity SET booked = booked + 1, version = version + 1
		WHERE session_id = $1 AND mode = 'in_person' AND booked + offered < capacity`, sessionID)
	if err != nil {
		return 0, err
	}
	if tag.RowsAffected() == 0 {
		return http.StatusConflict, nil
	}
	ref := make([]byte, 6)
	_, _ = rand.Read(ref)
	hash := sha256.Sum256(ref)
	if _, err := tx.Exec(ctx, `INSERT INTO bookings (reference, session_id, mode, name, email, status, manage_token_hash)
		VALUES ($1, $2, 'in_person', $3, $4, 'confirmed', $5)`,
		"BARE-"+hex.EncodeToString(ref), sessionID, fmt.Sprintf("Bare %d", i), fmt.Sprintf("bare%d@example.org", i), hash[:]); err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, err
	}
	return http.StatusCreated, nil
}

func person(i int) string {
	return fmt.Sprintf(`{"name":"Resident %d","email":"resident%d@example.org","postcode":"CV1 5RR","consent":true}`, i, i)
}

func (b *bench) sessionURL(id int64) string { return fmt.Sprintf("%s/api/v1/sessions/%d", b.base, id) }

// createSession makes a session some minutes into next month, so sessions
// of the same run never share a start.
func (b *bench) createSession(workshop int64, inPerson, online, minute int) (int64, error) {
	start := time.Now().Add(30*24*time.Hour + time.Duration(minute)*time.Minute)
	return b.api.CreateSession(workshop, start, inPerson, online)
}
