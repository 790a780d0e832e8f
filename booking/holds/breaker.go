package holds

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// breaker keeps requests away from a Redis that just failed, so that during
// an outage each request does not wait for its own dial timeout. After the
// pause one request probes Redis while the rest stay stateless; a success
// closes the breaker, a failure starts another pause.
type breaker struct {
	pause time.Duration
	now   func() time.Time // the wall clock: this is about network timeouts
	until atomic.Int64     // unix ns until which Redis is skipped; 0 while it answers
}

func (b *breaker) allow() bool {
	u := b.until.Load()
	if u == 0 || b.pause <= 0 {
		return true
	}
	now := b.now().UnixNano()
	if now < u {
		return false
	}
	return b.until.CompareAndSwap(u, now+int64(b.pause))
}

// trip opens the breaker; it reports whether it was closed, so the outage
// is logged once rather than once a request.
func (b *breaker) trip() bool {
	return b.until.Swap(b.now().Add(b.pause).UnixNano()) == 0
}

// reset closes the breaker; it reports whether it was open.
func (b *breaker) reset() bool {
	if b.until.Load() == 0 {
		return false
	}
	return b.until.Swap(0) != 0
}

// errBadAnswer is a script reply this code does not expect: a bug.
var errBadAnswer = errors.New("unexpected script answer")

// unavailable reports whether err means Redis cannot serve us right now, as
// opposed to a bug (a script error, a wrong type), which must not be hidden
// behind stateless holds. The caller has already ruled out its own context
// ending.
func unavailable(err error) bool {
	if errors.Is(err, redis.Nil) || errors.Is(err, errBadAnswer) {
		return false
	}
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		// Not a reply from Redis: dial, read or write failure, EOF, pool
		// timeout, closed client.
		return true
	}
	switch {
	case redis.IsLoadingError(err), redis.IsReadOnlyError(err), redis.IsClusterDownError(err),
		redis.IsTryAgainError(err), redis.IsMasterDownError(err), redis.IsMaxClientsError(err),
		redis.IsOOMError(err), redis.IsAuthError(err), redis.IsPermissionError(err):
		return true
	}
	// A long-running script elsewhere blocks the server.
	return strings.HasPrefix(rerr.Error(), "BUSY")
}

// redisCtx bounds one call to Redis. Running out of this time, unlike the
// caller's own context ending, counts as Redis being unavailable (failed).
func (s *Store) redisCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.timeout)
}

func (s *Store) run(ctx context.Context, sc *redis.Script, keys []string, args ...any) (any, error) {
	return s.runUndo(ctx, sc, keys, nil, args...)
}

// runUndo is run with a way to take back what the script did when the
// caller has given up waiting for it (see batcher.run). The Redis timeout
// bounds each batch on the wire (batcher.exec), not the wait for a batch:
// in a rush on a busy machine calls queue here for longer than Redis takes
// to answer, and that is not Redis failing. Counting it so sent whole
// rushes stateless, holding more places than were free.
func (s *Store) runUndo(ctx context.Context, sc *redis.Script, keys []string, undo func(any), args ...any) (any, error) {
	v, err := s.batch.run(ctx, sc, keys, args, undo)
	if err == nil {
		s.ok()
	}
	return v, err
}

// ok notes that Redis answered.
func (s *Store) ok() {
	if s.breaker.reset() {
		s.downSince.Store(0)
		s.log.Info("holds: Redis answers again; holds are kept in Redis")
		s.resync()
	}
}

// holdsLapsed reports, while Redis cannot be asked, whether every hold it
// kept has lapsed: the hold time has passed since this instance first saw
// it fail. Redis failed no later than that, so no hold it kept was taken
// after it.
func (s *Store) holdsLapsed(now time.Time) bool {
	if s.rdb == nil {
		return true // never a hold in Redis
	}
	since := s.downSince.Load()
	return since != 0 && now.UnixMilli() >= since+s.ttl.Milliseconds()
}

// failed sorts a Redis error: nil means Redis is unavailable and the caller
// carries on without it; otherwise the error to return (the caller's own
// context ending, or a bug that stateless holds must not hide).
func (s *Store) failed(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("holds: %s: %w", op, cerr)
	}
	s.stats.failures.Add(1)
	if !unavailable(err) {
		return fmt.Errorf("holds: %s: %w", op, err)
	}
	// A cluster client learns of a failover from MOVED replies, or once a
	// minute: a master that stopped answering may have been replaced by its
	// replica, so ask the cluster now (in the background, at most once in
	// 200ms) and the breaker's next probe goes to the new master.
	if cc, ok := s.rdb.(*redis.ClusterClient); ok {
		cc.ReloadState(ctx)
	}
	s.downSince.CompareAndSwap(0, s.clock.Now().UnixMilli())
	if s.breaker.trip() {
		s.log.WarnContext(ctx, "holds: Redis unavailable; issuing stateless holds", "op", op, "err", err, "retry_in", s.breaker.pause)
	}
	return nil
}
