// Package testenv gives tests their own fresh, migrated Postgres database and
// their own Redis database, and the checks that tests of more than one
// package share. A missing Postgres or Redis fails the test loudly: nothing
// here skips.
//
// A test package that uses Postgres runs through Main, so that its tests'
// databases are copies of one template migrated once:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
package testenv

import (
	"os"
	"sync/atomic"
	"time"
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
