// Package testenv gives tests their own fresh, migrated Postgres database and
// their own Redis database number. A missing Postgres or Redis fails the
// test loudly: nothing here skips.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/coventry/workshops/booking/postgres"
)

// AdminURL is the Postgres server tests create their databases on.
func AdminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// RedisURL is the Redis server tests use.
func RedisURL() string {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// Database creates an empty database with a unique name and returns its URL
// and a function that drops it.
func Database(ctx context.Context, prefix string) (string, func(), error) {
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return "", nil, fmt.Errorf("testenv: Postgres at %s does not answer (run make test, which starts it): %w", AdminURL(), err)
	}
	defer admin.Close(ctx)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := fmt.Sprintf("wt_%s_%d_%s", prefix, os.Getpid(), hex.EncodeToString(b))
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", nil, fmt.Errorf("testenv: create database: %w", err)
	}
	u, err := url.Parse(AdminURL())
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, AdminURL())
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	}
	return u.String(), drop, nil
}

// Postgres opens a fresh, migrated database for t, dropped when t ends.
func Postgres(t testing.TB, prefix string) (*postgres.DB, string) {
	t.Helper()
	ctx := context.Background()
	dbURL, drop, err := Database(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	db, err := postgres.Open(ctx, dbURL, 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db, dbURL
}

// Redis returns a client on Redis database number n, emptied first and when
// t ends. Each test package uses its own n so packages running in parallel
// never see each other's keys.
func Redis(t testing.TB, n int) (*redis.Client, string) {
	return redisDB(t, n, true)
}

// RedisShared is Redis without emptying the database: for tests that keep
// their keys apart by prefix, so that two runs of them at once (two
// developers' go test on one machine) leave each other alone.
func RedisShared(t testing.TB, n int) (*redis.Client, string) {
	return redisDB(t, n, false)
}

func redisDB(t testing.TB, n int, flush bool) (*redis.Client, string) {
	t.Helper()
	u, err := url.Parse(RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + strconv.Itoa(n)
	opt, err := redis.ParseURL(u.String())
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("testenv: Redis at %s does not answer (run make test, which starts it): %v", RedisURL(), err)
	}
	if flush {
		if err := c.FlushDB(ctx).Err(); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if flush {
			_ = c.FlushDB(context.Background()).Err()
		}
		_ = c.Close()
	})
	return c, u.String()
}

// Clock is a clock a test moves by hand; safe for concurrent use.
type Clock struct{ ns atomic.Int64 }

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock {
	c := &Clock{}
	c.ns.Store(t.UnixNano())
	return c
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return time.Unix(0, c.ns.Load()) }

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }
