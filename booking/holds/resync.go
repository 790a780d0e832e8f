package holds

import (
	"context"
	"sync"
	"time"

	"github.com/coventry/workshops/booking"
)

// unsynced remembers the sessions whose fresh counts could not reach Redis
// (an outage, a failover), so they are written once Redis answers again.
// Without it a mirror Redis kept through the outage (a network cut, a
// replica promoted with the data it had) stays behind Postgres until the
// session's next change or the mirror's expiry: in a failover test, the
// mirror said 10 places taken of 60 while Postgres had all 60 booked, and
// holds were given for places that did not exist.
type unsynced struct {
	mu       sync.Mutex
	sessions map[int64]struct{}
	wg       sync.WaitGroup
}

// maxUnsynced bounds what an outage can make this instance remember; past
// it, the mirrors left out heal at their expiry (WithMirrorTTL) instead.
const maxUnsynced = 10000

func (u *unsynced) add(mirrors []booking.Mirror) {
	ids := make([]int64, len(mirrors))
	for i, m := range mirrors {
		ids[i] = m.SessionID
	}
	u.addSessions(ids...)
}

func (u *unsynced) addSessions(ids ...int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.sessions == nil {
		u.sessions = map[int64]struct{}{}
	}
	for _, id := range ids {
		if len(u.sessions) >= maxUnsynced {
			return
		}
		u.sessions[id] = struct{}{}
	}
}

func (u *unsynced) take() []int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]int64, 0, len(u.sessions))
	for id := range u.sessions {
		out = append(out, id)
	}
	u.sessions = nil
	return out
}

// resync writes fresh counts from Postgres for the sessions whose syncs were
// lost, in the background: Redis has just answered again.
func (s *Store) resync() {
	ids := s.unsynced.take()
	if len(ids) == 0 {
		return
	}
	s.unsynced.wg.Go(func() {
		ctx := context.Background()
		failed := 0
		for _, id := range ids {
			lctx, cancel := context.WithTimeout(ctx, loadTimeout)
			mirrors, err := s.loader.Mirrors(lctx, id)
			cancel()
			if err == nil {
				err = s.sync(ctx, s.clock.Now(), mirrors)
			}
			if err != nil {
				failed++
				// For the next recovery, also when Postgres did not
				// answer and there are no mirrors to name it.
				s.unsynced.addSessions(id)
			}
		}
		if failed > 0 {
			s.log.Warn("holds: some mirrors could not be brought up to date after Redis came back; they heal at their next sync or expiry",
				"sessions", len(ids), "failed", failed)
		}
	})
}

// waitResync waits for a resync in flight, at most d.
func (s *Store) waitResync(d time.Duration) {
	done := make(chan struct{})
	go func() { s.unsynced.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}
