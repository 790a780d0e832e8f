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

// outageInstance is an instance over a database of cl, answering with
// the given request timeout, its hold keys under a prefix of its own.
func outageInstance(t *testing.T, cl *testenv.Cluster, requestTimeout time.Duration) *instance {
	t.Helper()
	ctx := context.Background()
	dbURL := cl.Database("workshops")
	db := testenv.Migrated(t, dbURL)
	rdb, _ := testenv.Redis(t)
	e := &env{t: t, db: db, dbURL: dbURL, rdb: rdb, clock: testenv.NewClock(time.Now().Truncate(time.Second)),
		prefix: fmt.Sprintf("outage%d-%d:", os.Getpid(), envs.Add(1))}
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
	srv := web.New(web.Config{BaseURL: "http://test.example", AdminToken: adminToken, RequestTimeout: requestTimeout}, web.Deps{
		Service: svc, Postgres: db, Redis: pinger{rdb}, Calendar: inv,
		Logger: slog.New(slog.NewJSONHandler(&e.logs, nil)),
	})
	return &instance{env: e, db: db, rdb: rdb, svc: svc, handler: srv.Handler()}
}

// TestPostgresOutage stops Postgres under load and starts it again. While
// it is down every answer is a 503 with Retry-After (JSON on the API, the
// "service unavailable" page on pages), never a 500 and never a request
// left hanging; /readyz says 503 and then 200; the service recovers without
// a restart; and every booking answered 201 is in the database.
func TestPostgresOutage(t *testing.T) {
	cl := testenv.NewCluster(t) // fails, never skips, without a cluster
	ctx := context.Background()
	const requestTimeout = 3 * time.Second
	in := outageInstance(t, cl, requestTimeout)
	db := in.db
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

// TestPostgresHangs stops every Postgres process with SIGSTOP: a server that
// takes connections and never answers, unlike a stopped one that refuses
// them. No request may wait past its deadline (the request timeout, plus
// the bounded clean-up of a booking that ran out of it): each is answered
// 503 with Retry-After, and the service recovers once Postgres does.
func TestPostgresHangs(t *testing.T) {
	cl := testenv.NewCluster(t)
	ctx := context.Background()
	const requestTimeout = 2 * time.Second
	in := outageInstance(t, cl, requestTimeout)
	session := in.session(in.workshop("public"), 100, 0)
	sid := itoa(session)
	ts := httptest.NewServer(in.handler)
	t.Cleanup(ts.Close)

	var emails atomic.Int64
	bookingBody := func() string {
		p, _ := json.Marshal(map[string]any{"mode": "in_person", "name": "Resident", "postcode": "CV1 5RR", "consent": true,
			"email": fmt.Sprintf("hang%d@example.org", emails.Add(1))})
		return string(p)
	}
	var booked []string
	book := func() response {
		r := in.do("POST", "/api/v1/sessions/"+sid+"/bookings", bookingBody())
		if r.status == http.StatusCreated {
			booked = append(booked, r.json(t)["reference"].(string))
		}
		return r
	}
	// Bookings first, so that the pool holds open connections and Redis the
	// session's mirror when Postgres stops answering.
	for i := 0; i < 5; i++ {
		if r := book(); r.status != http.StatusCreated {
			t.Fatalf("booking before the hang: %d %s", r.status, r.body)
		}
	}

	cl.Freeze()
	// The request timeout, holds.Unredeem's own bound (2 s) for the clean-up
	// after a booking that ran out of time, and a margin for a busy machine.
	limit := requestTimeout + 2*time.Second + 2*time.Second
	client := &http.Client{Timeout: 3 * limit} // long enough to see how long a hang lasts
	type call struct {
		method, path, body string
		want               int // 0: any answer but a 5xx other than 503
	}
	calls := []call{
		{"POST", "/api/v1/sessions/" + sid + "/bookings", bookingBody(), http.StatusServiceUnavailable},
		{"POST", "/api/v1/sessions/" + sid + "/bookings", bookingBody(), http.StatusServiceUnavailable},
		{"POST", "/api/v1/sessions/" + sid + "/bookings", bookingBody(), http.StatusServiceUnavailable},
		{"POST", "/api/v1/sessions/" + sid + "/holds", `{"mode":"in_person"}`, 0},
		{"GET", "/api/v1/sessions/" + sid, "", http.StatusServiceUnavailable},
		{"GET", "/api/v1/workshops", "", http.StatusServiceUnavailable},
		{"GET", "/sessions/" + sid, "", http.StatusServiceUnavailable},
		{"GET", "/", "", http.StatusServiceUnavailable},
		{"GET", "/calendar/sessions/" + sid + ".ics", "", http.StatusServiceUnavailable},
		{"GET", "/readyz", "", http.StatusServiceUnavailable},
	}
	var wg sync.WaitGroup
	for _, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequest(c.method, ts.URL+c.path, strings.NewReader(c.body))
			if err != nil {
				t.Error(err)
				return
			}
			if c.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			start := time.Now()
			resp, err := client.Do(req)
			took := time.Since(start)
			if err != nil {
				t.Errorf("%s %s: no answer after %v: %v", c.method, c.path, took.Round(time.Millisecond), err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch {
			case took > limit:
				t.Errorf("%s %s: answered %d after %v, past the deadline of %v", c.method, c.path, resp.StatusCode, took.Round(time.Millisecond), limit)
			case c.want != 0 && resp.StatusCode != c.want:
				t.Errorf("%s %s: %d, want %d: %.200s", c.method, c.path, resp.StatusCode, c.want, b)
			case resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable:
				t.Errorf("%s %s: %d: %.200s", c.method, c.path, resp.StatusCode, b)
			case resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "":
				t.Errorf("%s %s: 503 without Retry-After", c.method, c.path)
			}
			t.Logf("%s %s: %d in %v", c.method, c.path, resp.StatusCode, took.Round(time.Millisecond))
		}()
	}
	wg.Wait()

	cl.Thaw()
	deadline := time.Now().Add(60 * time.Second)
	for in.do("GET", "/readyz", nil).status != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("/readyz not 200 a minute after Postgres answers again")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Recovered without a restart. A pooled connection to the stopped
	// server may fail one request on the way; a second try must book.
	r := book()
	if r.status != http.StatusCreated {
		if r = book(); r.status != http.StatusCreated {
			t.Fatalf("booking after Postgres answers again: %d %s", r.status, r.body)
		}
	}
	var stored, taken, capacity int
	if err := in.db.Pool.QueryRow(ctx, `SELECT count(*) FROM bookings WHERE reference = ANY($1)`, booked).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != len(booked) {
		t.Errorf("%d bookings answered 201, %d of them in the database", len(booked), stored)
	}
	if err := in.db.Pool.QueryRow(ctx, `SELECT booked + offered, capacity FROM session_capacity WHERE session_id = $1 AND mode = 'in_person'`, session).Scan(&taken, &capacity); err != nil {
		t.Fatal(err)
	}
	if taken > capacity {
		t.Errorf("%d places taken of %d", taken, capacity)
	}
}
