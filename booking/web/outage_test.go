package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/holds"
	"github.com/coventry/workshops/booking/web"
	"github.com/coventry/workshops/calendar"
	"github.com/coventry/workshops/internal/testenv"
)

// TestPostgresOutage stops Postgres under load and starts it again. While
// it is down every answer is a 503 with Retry-After (JSON on the API, the
// "service unavailable" page on pages), never a 500 and never a request
// left hanging; /readyz says 503 and then 200; the service recovers without
// a restart; and every booking answered 201 is in the database.
func TestPostgresOutage(t *testing.T) {
	cl := testenv.NewCluster(t) // fails, never skips, without a cluster
	ctx := context.Background()
	dbURL := cl.Database("workshops")
	db := testenv.Migrated(t, dbURL)
	rdb, _ := testenv.Redis(t)
	e := &env{t: t, db: db, dbURL: dbURL, rdb: rdb, clock: testenv.NewClock(time.Now().Truncate(time.Second)),
		prefix: fmt.Sprintf("outage%d:", os.Getpid())}
	key, err := db.HoldSigningKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h := holds.New(rdb, db, key, 10*time.Minute, holds.WithClock(e.clock), holds.WithKeyPrefix(e.prefix), holds.WithLogger(slog.New(slog.NewJSONHandler(&e.logs, nil))))
	t.Cleanup(h.Close)
	t.Cleanup(func() {
		iter := rdb.Scan(ctx, 0, e.prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	})
	svc := &booking.Service{Store: db, Holds: h, Clock: e.clock}
	inv, err := calendar.NewInviter(calendar.Config{BaseURL: "http://test.example", Council: "Coventry City Council",
		Organizer: calendar.Organizer{Name: "Coventry City Council", Email: "engagement@coventry.gov.uk"}})
	if err != nil {
		t.Fatal(err)
	}
	const requestTimeout = 3 * time.Second
	srv := web.New(web.Config{BaseURL: "http://test.example", AdminToken: adminToken, RequestTimeout: requestTimeout}, web.Deps{
		Service: svc, Postgres: db, Redis: pinger{rdb}, Calendar: inv,
		Logger: slog.New(slog.NewJSONHandler(&e.logs, nil)),
	})
	in := &instance{env: e, db: db, rdb: rdb, svc: svc, handler: srv.Handler()}
	session := in.session(in.workshop("public"), 5000, 0)
	ts := httptest.NewServer(in.handler)
	t.Cleanup(ts.Close)
	// No answer may take longer than the request timeout and a margin:
	// a client that gives up first has found a request left hanging.
	client := &http.Client{Timeout: requestTimeout + 5*time.Second}

	sid := itoa(session)
	type call struct{ method, path, body string }
	calls := []call{
		{"POST", "/api/v1/sessions/" + sid + "/bookings", ""}, // body per request, below
		{"GET", "/api/v1/workshops", ""},
		{"GET", "/api/v1/sessions/" + sid, ""},
		{"POST", "/api/v1/sessions/" + sid + "/holds", `{"mode":"in_person"}`},
		{"GET", "/", ""},
		{"GET", "/sessions/" + sid, ""},
		{"GET", "/calendar/sessions/" + sid + ".ics", ""},
	}

	var (
		mu     sync.Mutex
		bad    []string
		booked []string
		byCode = map[int]int{}
		sent   atomic.Int64
		stop   atomic.Bool
		wg     sync.WaitGroup
		emails atomic.Int64
	)
	const maxRequests = 6000
	record := func(c call, status int, hdr http.Header, body []byte, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s %s: %v", c.method, c.path, err))
			return
		}
		byCode[status]++
		switch {
		case status == http.StatusServiceUnavailable:
			if hdr.Get("Retry-After") == "" {
				bad = append(bad, fmt.Sprintf("%s %s: 503 without Retry-After", c.method, c.path))
			}
		case status >= 500:
			bad = append(bad, fmt.Sprintf("%s %s: %d %.200s", c.method, c.path, status, body))
		case status == http.StatusCreated && strings.HasSuffix(c.path, "/bookings"):
			var out struct{ Reference string }
			if json.Unmarshal(body, &out) != nil || out.Reference == "" {
				bad = append(bad, fmt.Sprintf("201 without a reference: %.200s", body))
				return
			}
			booked = append(booked, out.Reference)
		}
	}
	send := func(c call) (int, http.Header, []byte, error) {
		var body io.Reader
		if c.body != "" {
			body = strings.NewReader(c.body)
		}
		req, err := http.NewRequest(c.method, ts.URL+c.path, body)
		if err != nil {
			return 0, nil, nil, err
		}
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b, err
	}
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; !stop.Load() && sent.Add(1) <= maxRequests; i++ {
				c := calls[i%len(calls)]
				if c.body == "" && c.method == "POST" {
					p, _ := json.Marshal(map[string]any{"mode": "in_person", "name": "Resident", "postcode": "CV1 5RR", "consent": true,
						"email": fmt.Sprintf("outage%d@example.org", emails.Add(1))})
					c.body = string(p)
				}
				status, hdr, body, err := send(c)
				record(c, status, hdr, body, err)
			}
		}()
	}
	deadline := time.Now().Add(90 * time.Second) // the whole test's bound
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for !ok() {
			if time.Now().After(deadline) {
				stop.Store(true)
				wg.Wait()
				t.Fatalf("gave up waiting for %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	ready := func() int {
		status, _, _, err := send(call{"GET", "/readyz", ""})
		if err != nil {
			return 0
		}
		return status
	}
	createdBefore := func() int { mu.Lock(); defer mu.Unlock(); return len(booked) }

	waitFor("bookings before the outage", func() bool { return createdBefore() >= 20 })
	cl.Stop()
	if got := ready(); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz with Postgres stopped: %d, want 503", got)
	}
	outageFrom := sent.Load()
	waitFor("load during the outage", func() bool { return sent.Load() >= outageFrom+300 })

	// A page during the outage: the plain "sorry" page, with the council's address.
	status, hdr, body, err := send(call{"GET", "/sessions/" + sid, ""})
	if err != nil || status != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" ||
		!bytes.Contains(body, []byte("Sorry, the service is unavailable")) || !bytes.Contains(body, []byte("mailto:")) {
		t.Errorf("session page during the outage: %d %v Retry-After %q\n%.2000s", status, err, hdr.Get("Retry-After"), body)
	}
	// The API during the outage: the contract's error shape.
	status, hdr, body, err = send(call{"GET", "/api/v1/sessions/" + sid, ""})
	if err != nil || status != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" ||
		(response{status: status, body: body}).errorCode() != "unavailable" {
		t.Errorf("API during the outage: %d %v %s", status, err, body)
	}

	cl.Start()
	waitFor("/readyz 200 after Postgres came back", func() bool { return ready() == http.StatusOK })
	recoveredAt := sent.Load()
	waitFor("load after recovery", func() bool { return sent.Load() >= recoveredAt+200 || sent.Load() >= maxRequests })
	stop.Store(true)
	wg.Wait()

	// Recovered without a restart: the same router books again.
	r := in.do("POST", "/api/v1/sessions/"+sid+"/bookings", map[string]any{"mode": "in_person", "name": "Ann Lee",
		"email": "after@example.org", "consent": true})
	if r.status != http.StatusCreated {
		t.Fatalf("booking after Postgres came back: %d %s", r.status, r.body)
	}
	booked = append(booked, r.json(t)["reference"].(string))

	t.Logf("answers by status: %v; %d bookings answered 201", byCode, len(booked))
	seen := map[string]int{}
	for _, b := range bad {
		if seen[b]++; seen[b] == 1 {
			t.Error(b)
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d answers that should not be", len(bad))
	}
	if byCode[http.StatusServiceUnavailable] == 0 {
		t.Error("no request was answered 503: the outage was not seen")
	}
	var stored int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM bookings WHERE reference = ANY($1)`, booked).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != len(booked) {
		t.Errorf("%d bookings answered 201, %d of them in the database", len(booked), stored)
	}
}
