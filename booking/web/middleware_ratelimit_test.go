package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/coventry/workshops/booking/holds"
	"github.com/coventry/workshops/booking/postgres"
	"github.com/coventry/workshops/booking/web"
)

// startLimited is start with the rate limits on, their counts in rateStore.
// Only these tests turn them on: the race tests send thousands of requests
// from one address.
func (e *env) startLimited(rateStore redis.UniversalClient) *instance {
	return e.startLimitedBehind(rateStore, []string{testProxy})
}

// testProxy is the address httptest gives every request: the tests play a
// proxy that tells the client's address in X-Forwarded-For.
const testProxy = "192.0.2.1"

// startLimitedBehind starts an instance with rate limits on, believing
// X-Forwarded-For only from the proxies given.
func (e *env) startLimitedBehind(rateStore redis.UniversalClient, proxies []string) *instance {
	e.t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, e.dbURL, 10)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(db.Close)
	key, err := db.HoldSigningKey(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(&e.logs, nil))
	h := holds.New(e.rdb, db, key, 10*time.Minute, holds.WithClock(e.clock), holds.WithLogger(log), holds.WithKeyPrefix(e.prefix))
	e.t.Cleanup(h.Close)
	svc := newService(e.t, db, h, e.clock)
	srv := web.New(web.Config{BaseURL: "http://test.example", AdminToken: adminToken, RateLimits: true,
		TrustedProxies: proxies}, web.Deps{
		Service: svc, Postgres: db, Redis: pinger{e.rdb}, Logger: log, RateStore: rateStore,
	})
	return &instance{env: e, db: db, rdb: e.rdb, svc: svc, handler: srv.Handler()}
}

// clientAddress is an address of this test run alone, so counts left in
// Redis by an earlier run do not matter.
func clientAddress() string {
	return fmt.Sprintf("198.51.%d.%d", rand.IntN(100)+100, rand.IntN(250)+1)
}

func TestRateLimitsOnHolds(t *testing.T) {
	e := newEnv(t)
	in := e.startLimited(e.rdb)
	sid := in.session(in.workshop("public"), 200, 200)
	me, other := clientAddress(), clientAddress()

	hold := func(from string) response {
		return in.do("POST", "/api/v1/sessions/"+itoa(sid)+"/holds", map[string]any{"mode": "online"}, "X-Forwarded-For", from)
	}
	allowed := 0
	var last response
	for i := 0; i < 40; i++ {
		if last = hold(me); last.status == http.StatusTooManyRequests {
			break
		}
		if last.status != http.StatusCreated {
			t.Fatalf("hold %d: %d %s", i, last.status, last.body)
		}
		allowed++
	}
	if allowed != 30 || last.errorCode() != "rate_limited" || last.header.Get("Retry-After") == "" {
		t.Fatalf("allowed %d holds, then %d %s (Retry-After %q)", allowed, last.status, last.body, last.header.Get("Retry-After"))
	}
	// A page gets a friendly page.
	r := in.form("/sessions/"+itoa(sid), url.Values{"mode": {"in_person"}}, "X-Forwarded-For", me)
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.text(), "You have made too many requests") {
		t.Errorf("page over the limit: %d %s", r.status, r.body)
	}
	// Someone else, and reading, are not limited.
	if r := hold(other); r.status != http.StatusCreated {
		t.Errorf("another client: %d", r.status)
	}
	if r := in.do("GET", "/api/v1/sessions/"+itoa(sid), nil, "X-Forwarded-For", me); r.status != http.StatusOK {
		t.Errorf("reading: %d", r.status)
	}
}

// When Redis cannot count, requests go through: limits protect the
// service, they are not what keeps places right.
func TestRateLimitsFailOpen(t *testing.T) {
	e := newEnv(t)
	in := e.startLimited(unreachableRedis(t))
	sid := in.session(in.workshop("public"), 50, 50)
	for i := 0; i < 35; i++ {
		r := in.do("POST", "/api/v1/sessions/"+itoa(sid)+"/holds", map[string]any{"mode": "in_person"})
		if r.status != http.StatusCreated {
			t.Fatalf("hold %d with the rate store down: %d %s", i, r.status, r.body)
		}
	}
}

// Without a trusted proxy, a forged X-Forwarded-For does not buy a fresh
// limit: the client is the address the connection came from.
func TestForgedForwardedForIsIgnored(t *testing.T) {
	e := newEnv(t)
	in := e.startLimitedBehind(e.rdb, nil)
	sid := in.session(in.workshop("public"), 200, 200)
	limited := false
	for i := 0; i < 40 && !limited; i++ {
		r := in.do("POST", "/api/v1/sessions/"+itoa(sid)+"/holds", map[string]any{"mode": "online"}, "X-Forwarded-For", clientAddress())
		limited = r.status == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatal("40 holds from one connection with a new X-Forwarded-For each were never limited")
	}
}
