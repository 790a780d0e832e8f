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
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/holds"
	"github.com/coventry/workshops/booking/postgres"
	"github.com/coventry/workshops/booking/web"
	"github.com/coventry/workshops/competition"
	"github.com/coventry/workshops/internal/testenv"
	"github.com/coventry/workshops/survey"
)

const adminToken = "test-admin-token-0123456789abcdef0123"

// metricsToken lets a test read /metrics on the router.
const metricsToken = "test-metrics-token-0123456789abcdef"

// competitionOpenFor is how long after a test instance starts the poster
// competition closes.
const competitionOpenFor = 30 * 24 * time.Hour

// env is one Postgres database and one Redis database, shared by the
// instances a test starts over them.
type env struct {
	t     testing.TB
	db    *postgres.DB
	dbURL string
	rdb   *redis.Client
	clock *testenv.Clock
	logs  logs
	// prefix keeps this test's hold keys apart from any other test run
	// sharing the Redis database (session ids restart in every database).
	prefix string
	// councilPhone is COUNCIL_PHONE for the instances started.
	councilPhone string
}

var envs atomic.Int64

func newEnv(t testing.TB) *env {
	t.Helper()
	db, dbURL := testenv.Postgres(t, "web")
	rdb, _ := testenv.Redis(t)
	prefix := fmt.Sprintf("t%d.%d:", os.Getpid(), envs.Add(1))
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	})
	return &env{t: t, db: db, dbURL: dbURL, rdb: rdb, clock: testenv.NewClock(time.Now().Truncate(time.Second)),
		prefix: prefix}
}

// instance is one workshopd as a router: its own pool, Redis client and
// service, over the env's Postgres and Redis.
type instance struct {
	env     *env
	db      *postgres.DB
	rdb     redis.UniversalClient
	svc     *booking.Service
	handler http.Handler
}

// start builds an instance. rdb nil means the env's Redis.
func (e *env) start(rdb redis.UniversalClient) *instance {
	e.t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, e.dbURL, 20)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(db.Close)
	if rdb == nil {
		rdb = e.rdb
	}
	key, err := db.HoldSigningKey(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	h := holds.New(rdb, db, key, 10*time.Minute, holds.WithClock(e.clock), holds.WithKeyPrefix(e.prefix), holds.WithLogger(slog.New(slog.NewJSONHandler(&e.logs, nil))))
	e.t.Cleanup(h.Close)
	svc := newService(e.t, db, h, e.clock)
	posters, _ := competition.NewPosters(2)
	contest := &competition.Service{Store: db, Posters: posters, Clock: e.clock,
		ClosesAt: e.clock.Now().Add(competitionOpenFor), BaseURL: "http://test.example"}
	srv := web.New(web.Config{BaseURL: "http://test.example", AdminToken: adminToken, MetricsToken: metricsToken, CouncilPhone: e.councilPhone}, web.Deps{
		Service: svc, Postgres: db, Redis: pinger{rdb},
		Logger:      slog.New(slog.NewJSONHandler(&e.logs, nil)),
		Competition: contest,
		Surveys:     &survey.Service{Store: db, Clock: e.clock},
	})
	return &instance{env: e, db: db, rdb: rdb, svc: svc, handler: srv.Handler()}
}

// newService wires the service as main does: Postgres in every store role.
func newService(t testing.TB, db *postgres.DB, h booking.Holds, clock booking.Clock) *booking.Service {
	t.Helper()
	svc := &booking.Service{Store: db, Holds: h, Waitlist: db, Staff: db, Attendance: db,
		OrganiserPages: db, PersonalData: db, Accounts: db, Replies: db, Ballots: db, Interest: db, Clock: clock}
	if err := svc.Check(); err != nil {
		t.Fatal(err)
	}
	return svc
}

type pinger struct{ c redis.UniversalClient }

func (p pinger) Ping(ctx context.Context) error { return p.c.Ping(ctx).Err() }

// unreachableRedis is a client pointed at a port nothing listens on.
func unreachableRedis(t *testing.T) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// response is an answer read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("status %d, body not JSON: %v: %s", r.status, err, r.body)
	}
	return m
}

// errorCode returns the code of a contract-shaped error body, or "".
func (r response) errorCode() string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(r.body, &e) != nil || e.Error.Message == "" {
		return ""
	}
	return e.Error.Code
}

// do sends a request through the instance's router. body may be a string
// (sent as is), []byte, or anything else (sent as JSON).
func (in *instance) do(method, path string, body any, header ...string) response {
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			in.env.t.Fatal(err)
		}
		raw = j
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	in.handler.ServeHTTP(w, req)
	res := response{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
	checkOpenAPILater(in.env.t, req, raw, res) // openapi_test.go
	return res
}

func (in *instance) admin(method, path string, body any) response {
	return in.do(method, path, body, "Authorization", "Bearer "+adminToken)
}

// workshop creates a workshop through the admin API and returns its id.
func (in *instance) workshop(audience string) int64 {
	in.env.t.Helper()
	r := in.admin("POST", "/api/v1/admin/workshops", map[string]any{
		"title": "One Coventry Plan: have your say", "summary": "Tell us what matters to you.", "audience": audience,
	})
	if r.status != http.StatusCreated {
		in.env.t.Fatalf("create workshop: %d %s", r.status, r.body)
	}
	return int64(r.json(in.env.t)["id"].(float64))
}

// session creates a hybrid session starting a week after the test clock.
func (in *instance) session(workshopID int64, inPerson, online int) int64 {
	in.env.t.Helper()
	start := in.env.clock.Now().Add(7 * 24 * time.Hour).UTC()
	body := map[string]any{
		"starts_at": start.Format(time.RFC3339),
		"ends_at":   start.Add(2 * time.Hour).Format(time.RFC3339),
		"venue":     map[string]any{"name": "Council House", "address": "Earl Street, Coventry CV1 5RR"},
		"capacity":  map[string]any{"in_person": inPerson, "online": online},
	}
	if online > 0 {
		body["online_url"] = "https://teams.microsoft.com/l/meetup-join/test"
	}
	r := in.admin("POST", "/api/v1/admin/workshops/"+itoa(workshopID)+"/sessions", body)
	if r.status != http.StatusCreated {
		in.env.t.Fatalf("create session: %d %s", r.status, r.body)
	}
	return int64(r.json(in.env.t)["id"].(float64))
}

func person(i int) map[string]any {
	return map[string]any{
		"name": "Resident " + itoa(int64(i)), "email": "resident" + itoa(int64(i)) + "@example.org",
		"postcode": "CV1 5RR", "consent": true,
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// logs collects every log line of a test, so a test can show that nothing
// personal was written.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// counts reads what Postgres holds for a session: the bookings holding a
// place per mode (postgres.CountedPlace) and the capacity rows' booked
// column.
func (e *env) counts(sessionID int64) (live, booked map[string]int) {
	e.t.Helper()
	ctx := context.Background()
	live, booked = map[string]int{}, map[string]int{}
	rows, err := e.db.Pool.Query(ctx, `SELECT mode, count(*) FROM bookings WHERE session_id = $1 AND `+postgres.CountedPlace+` GROUP BY mode`, sessionID)
	if err != nil {
		e.t.Fatal(err)
	}
	for rows.Next() {
		var m string
		var n int
		if err := rows.Scan(&m, &n); err != nil {
			e.t.Fatal(err)
		}
		live[m] = n
	}
	rows.Close()
	rows, err = e.db.Pool.Query(ctx, `SELECT mode, booked FROM session_capacity WHERE session_id = $1`, sessionID)
	if err != nil {
		e.t.Fatal(err)
	}
	for rows.Next() {
		var m string
		var n int
		if err := rows.Scan(&m, &n); err != nil {
			e.t.Fatal(err)
		}
		booked[m] = n
	}
	rows.Close()
	return live, booked
}
