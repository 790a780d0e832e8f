package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// A test's Redis database is its own, in this run and in any other on the
// same server: two `make test` runs at once never empty each other's keys.
// The test leases its database number: a key in database 0 naming the
// number, set only if no one holds it, renewed while the test runs and
// deleted when it ends, so a run that is killed frees its numbers within
// leaseTTL. The browser tests (tests/browser/lib/service.mjs) lease
// theirs the same way.
const (
	firstDB, lastDB = 1, 14 // of Redis's default 16: 0 is make run's, 15 make bench's
	leaseKey        = "workshops-test:redis-db:"
	leaseTTL        = time.Minute
	leaseRenew      = leaseTTL / 4
	leaseWait       = 2 * time.Minute // for a free number, before the test fails
)

// Scripts that touch the lease only while it is still this test's.
var (
	renewLease = redis.NewScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`)
	endLease   = redis.NewScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`)
)

// Redis returns a client on a Redis database that t alone uses, emptied
// first and when t ends, and that database's URL. A number after t, once the
// package's fixed database, is not used: every test leases a free one.
func Redis(t testing.TB, _ ...int) (*redis.Client, string) {
	t.Helper()
	opt, err := redis.ParseURL(RedisURL())
	if err != nil {
		t.Fatalf("testenv: TEST_REDIS_URL: %v", err)
	}
	ctx := context.Background()
	opt.DB = 0
	leases := redis.NewClient(opt)
	t.Cleanup(func() { _ = leases.Close() })
	if err := leases.Ping(ctx).Err(); err != nil {
		t.Fatalf("testenv: Redis at %s does not answer (run make test, which starts it): %v", RedisURL(), err)
	}
	n, release, err := lease(ctx, leases)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)

	opt.DB = n
	c := redis.NewClient(opt)
	if err := c.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.FlushDB(context.Background()).Err()
		_ = c.Close()
	})
	u, err := url.Parse(RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + strconv.Itoa(n)
	return c, u.String()
}

// lease takes the first free database number and keeps it until release.
func lease(ctx context.Context, leases *redis.Client) (n int, release func(), err error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	for deadline := time.Now().Add(leaseWait); ; {
		for n := firstDB; n <= lastDB; n++ {
			key := leaseKey + strconv.Itoa(n)
			ok, err := leases.SetNX(ctx, key, token, leaseTTL).Result()
			if err != nil {
				return 0, nil, fmt.Errorf("testenv: lease a Redis database: %w", err)
			}
			if ok {
				return n, keep(leases, key, token), nil
			}
		}
		if time.Now().After(deadline) {
			return 0, nil, fmt.Errorf("testenv: Redis databases %d to %d stayed leased by other tests for %s", firstDB, lastDB, leaseWait)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// keep renews the lease until the function it returns ends it.
func keep(leases *redis.Client, key, token string) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(leaseRenew)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				_ = renewLease.Run(context.Background(), leases, []string{key}, token, leaseTTL.Milliseconds()).Err()
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		_ = endLease.Run(context.Background(), leases, []string{key}, token).Err()
	}
}
