package holds

import (
	"sync"
	"time"

	"github.com/coventry/workshops/booking"
)

// fullCache remembers, for a moment, that a session and mode answered
// "full", so that in a launch rush the thousands who come after are told
// at once, without a round trip to Redis each. It only ever refuses early:
// a place that frees is seen by this instance at once when the change goes
// through it (every Sync, Settle, Release and Unredeem forgets the entry),
// and by other instances within the cache's lifetime.
type fullCache struct {
	ttl time.Duration // 0 turns it off
	mu  sync.Mutex
	m   map[fullKey]fullMark
}

type fullKey struct {
	session  int64
	mode     booking.Mode
	audience booking.Audience
}

// fullMark is when a "full" was seen, on the wall clock (for the cache's
// lifetime) and on the holds' clock (so a test that moves its clock, or a
// hold that lapses on it, is never answered from before).
type fullMark struct {
	until time.Time
	at    time.Time
	// lapse is when the first hold lapses on the holds' clock (zero: none).
	lapse time.Time
}

func (c *fullCache) full(session int64, mode booking.Mode, audience booking.Audience, now time.Time) bool {
	if c.ttl <= 0 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.m[fullKey{session, mode, audience}]
	return ok && time.Now().Before(m.until) && !now.Before(m.at) && now.Sub(m.at) < c.ttl &&
		(m.lapse.IsZero() || now.Before(m.lapse))
}

func (c *fullCache) remember(session int64, mode booking.Mode, audience booking.Audience, now, lapse time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 10000 {
		c.m = map[fullKey]fullMark{} // a crude bound: sessions are few
	}
	c.m[fullKey{session, mode, audience}] = fullMark{until: time.Now().Add(c.ttl), at: now, lapse: lapse}
}

func (c *fullCache) forget(session int64, mode booking.Mode) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.m {
		if k.session == session && k.mode == mode {
			delete(c.m, k)
		}
	}
}
