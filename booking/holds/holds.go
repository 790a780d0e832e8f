// Package holds keeps places for people while they type their details: a
// Redis sorted set per session and mode in front of Postgres, with signed
// stateless tokens when Redis cannot be reached (DESIGN.md, invariant 2).
// Redis only ever refuses early; Postgres alone decides a booking.
package holds

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/coventry/workshops/booking"
)

// Loader is what the holds need of Postgres: the mirror rows of a session
// (a booking error with ENotFound for a session that does not exist), and
// the single-use record of holds.
type Loader interface {
	Mirrors(ctx context.Context, sessionID int64) ([]booking.Mirror, error)
	Ledger
}

// Store implements booking.Holds. It is safe for concurrent use, and any
// number of instances can share one Redis.
type Store struct {
	rdb       redis.UniversalClient
	loader    Loader
	signer    signer
	ttl       time.Duration
	mirrorTTL time.Duration
	timeout   time.Duration
	clock     booking.Clock
	log       *slog.Logger
	breaker   breaker
	// downSince is when, on the holds' clock, Redis was first seen failing
	// in the outage going on (unix ms; 0 while it answers).
	downSince atomic.Int64
	loads     singleflight.Group
	stats     counters
	batch     *batcher
	prefix    string
	full      fullCache
	unsynced  unsynced
}

var _ booking.Holds = (*Store)(nil)

// Option changes a default of New.
type Option func(*Store)

// WithBreakerPause sets how long Redis is skipped after it fails (default
// 1s); 0 or less tries Redis on every call.
func WithBreakerPause(d time.Duration) Option { return func(s *Store) { s.breaker.pause = d } }

// WithMirrorTTL sets how long a mirror lives after its last write (default
// 15 minutes). Every Postgres change rewrites it, so a busy session never
// reloads; a quiet one reloads from Postgres at most this often, which bounds
// any drift left by a lost Sync.
func WithMirrorTTL(d time.Duration) Option { return func(s *Store) { s.mirrorTTL = d } }

// WithRedisTimeout bounds each call to Redis (default 500ms). Redis answers
// in a millisecond when well; a call that takes longer is treated as an
// outage, so a person waits this long at most, not for go-redis's dial and
// command retries (about 2s against a closed port).
func WithRedisTimeout(d time.Duration) Option { return func(s *Store) { s.timeout = d } }

// WithClock sets the clock Sync stamps new mirrors with (default the system
// clock); it must be the clock that gives Take its now.
func WithClock(c booking.Clock) Option { return func(s *Store) { s.clock = c } }

// WithFullCache sets how long this instance answers "full" for a session
// and mode without asking Redis again (default 200ms; 0 turns it off).
func WithFullCache(d time.Duration) Option { return func(s *Store) { s.full.ttl = d } }

// WithKeyPrefix puts p before every Redis key of the holds (default none),
// for several services, or test runs, sharing one Redis database.
func WithKeyPrefix(p string) Option { return func(s *Store) { s.prefix = p } }

// WithLogger sets where Redis outages and failed syncs are logged (default
// slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// loadTimeout bounds a reload from Postgres that outlives the request that
// started it (other requests may be waiting for the same load).
const loadTimeout = 5 * time.Second

// New returns a Store keeping holds for ttl. rdb may be nil: every hold is
// then stateless. key signs hold ids and must be at least 32 bytes; New
// panics on a short key, a nil loader or a ttl under a second, which are
// mistakes in the wiring rather than conditions to handle.
func New(rdb redis.UniversalClient, loader Loader, key []byte, ttl time.Duration, opts ...Option) *Store {
	switch {
	case len(key) < 32:
		panic("holds: the hold signing key must be at least 32 bytes")
	case loader == nil:
		panic("holds: nil loader")
	case ttl < time.Second:
		panic("holds: hold time under a second")
	}
	s := &Store{
		rdb: rdb, loader: loader, signer: newSigner(key), ttl: ttl,
		mirrorTTL: 15 * time.Minute, timeout: 500 * time.Millisecond, clock: booking.SystemClock, log: slog.Default(),
	}
	s.breaker.pause = time.Second
	s.full.ttl = 200 * time.Millisecond
	s.breaker.now = time.Now
	for _, o := range opts {
		o(s)
	}
	if rdb != nil {
		s.batch = newBatcher(rdb, s.timeout)
	}
	return s
}

// Close stops the goroutines that batch calls to Redis. The Redis client
// is the caller's to close.
func (s *Store) Close() {
	s.waitResync(10 * time.Second)
	if s.batch != nil {
		s.batch.close()
	}
}

// pendingLease is how long a place being confirmed stays counted without
// its settle: far longer than a confirmation takes, short enough that an
// instance dying mid-confirmation costs the place only briefly.
const pendingLease = 30 * time.Second

// Take keeps a place in the session and mode until now plus the hold time.
// An empty audience skips the audience check (organisers booking for
// someone who phoned).
func (s *Store) Take(ctx context.Context, sessionID int64, mode booking.Mode, audience booking.Audience, now time.Time) (booking.Hold, error) {
	return s.take(ctx, sessionID, mode, audience, 1, now, intoHolds)
}

// TakePlaces is Take for places places: 1, or 2 for a person and their
// companion. Both places of a pair are kept, or neither: a pair at one
// place left is refused as full and keeps nothing. The hold's id carries
// its places, so it is redeemed, put back and released whole.
func (s *Store) TakePlaces(ctx context.Context, sessionID int64, mode booking.Mode, audience booking.Audience, places int, now time.Time) (booking.Hold, error) {
	return s.take(ctx, sessionID, mode, audience, places, now, intoHolds)
}

// TakeRedeemed takes a place already redeemed, for a booking confirmed in
// the same request: one call to Redis instead of Take then Redeem.
func (s *Store) TakeRedeemed(ctx context.Context, sessionID int64, mode booking.Mode, audience booking.Audience, now time.Time) (booking.Hold, error) {
	return s.take(ctx, sessionID, mode, audience, 1, now, intoPending)
}

// TakeRedeemedPlaces is TakeRedeemed for places places, as TakePlaces.
func (s *Store) TakeRedeemedPlaces(ctx context.Context, sessionID int64, mode booking.Mode, audience booking.Audience, places int, now time.Time) (booking.Hold, error) {
	return s.take(ctx, sessionID, mode, audience, places, now, intoPending)
}

// TakeUnheld is TakeRedeemed for a place to offer to the waiting list, in
// any audience. It refuses while holds that Redis lost (a flush, a restart)
// or cannot be asked about (an outage) may still keep the place: until the
// hold time has passed since Redis lost them, or since it stopped answering.
func (s *Store) TakeUnheld(ctx context.Context, sessionID int64, mode booking.Mode, now time.Time) (booking.Hold, error) {
	return s.take(ctx, sessionID, mode, "", 1, now, intoUnheld)
}

// Where take files a place: the values of takeScript's ARGV[5].
const (
	intoHolds   = "holds"   // a person typing their details
	intoPending = "pending" // a booking about to be confirmed
	intoUnheld  = "unheld"  // pending, and only once no lost hold can keep it
)

// MaxPlaces is the most places one hold keeps: a person and one companion.
const MaxPlaces = 2

func (s *Store) take(ctx context.Context, sessionID int64, mode booking.Mode, audience booking.Audience, places int, now time.Time, into string) (booking.Hold, error) {
	if !mode.Valid() {
		return booking.Hold{}, errBadMode()
	}
	if places < 1 || places > MaxPlaces {
		return booking.Hold{}, errBadPlaces()
	}
	if sessionID <= 0 {
		return booking.Hold{}, errNoSession()
	}
	if s.full.full(sessionID, mode, audience, now) {
		return booking.Hold{}, s.refused(errFull(mode))
	}
	t := newToken(sessionID, mode, places, now, s.ttl)
	var mirrors []booking.Mirror
	if s.useRedis() {
		a, err := s.runTake(ctx, t, audience, into)
		if err == nil && a.status == stUnknown {
			// The mirror is missing (first use, expiry, flush, failover):
			// reload it from Postgres and try once more.
			if mirrors, err = s.load(ctx, sessionID); err != nil {
				return booking.Hold{}, err
			}
			if _, ok := mirrorFor(mirrors, mode); !ok {
				return booking.Hold{}, s.refused(errNotOffered(mode))
			}
			if err = s.sync(ctx, now, mirrors); err == nil {
				a, err = s.runTake(ctx, t, audience, into)
			}
		}
		if err == nil && a.status != stUnknown {
			// A pair refused may leave one place for a single: only a
			// single's "full" means full for everyone.
			if a.status == stFull && a.capacity > 0 && places == 1 {
				var lapse time.Time
				if a.soonest > 0 {
					lapse = time.UnixMilli(a.soonest)
				}
				s.full.remember(sessionID, mode, audience, now, lapse)
			}
			return s.answer(t, a)
		}
		if err != nil {
			if err := s.failed(ctx, "take", err); err != nil {
				return booking.Hold{}, err
			}
		}
		// Redis is down, or lost the mirror again at once: Postgres decides.
	}
	if into == intoUnheld && !s.holdsLapsed(now) {
		return booking.Hold{}, s.refused(errMayBeHeld(mode))
	}
	if mirrors == nil {
		var err error
		if mirrors, err = s.load(ctx, sessionID); err != nil {
			return booking.Hold{}, err
		}
	}
	m, ok := mirrorFor(mirrors, mode)
	if !ok {
		return booking.Hold{}, s.refused(errNotOffered(mode))
	}
	if err := check(m, audience, places, now.UnixMilli()); err != nil {
		return booking.Hold{}, s.refused(err)
	}
	t.stateless = true
	s.stats.stateless.Add(1)
	return t.hold(s.signer.encode(t)), nil
}

func (s *Store) runTake(ctx context.Context, t token, audience booking.Audience, into string) (takeAnswer, error) {
	// A take answered after its request gave up (timed out, went away)
	// kept a place for nobody: give it back.
	undo := func(v any) {
		if a, ok := parseTake(v); ok && a.status == stHeld {
			s.forget(t)
		}
	}
	v, err := s.runUndo(ctx, takeScript, s.keys(t), undo, t.issued, string(audience), t.member(), t.expires,
		into, t.issued+pendingLease.Milliseconds(), s.ttl.Milliseconds(), t.places)
	if err != nil {
		return takeAnswer{}, err
	}
	a, ok := parseTake(v)
	if !ok {
		return takeAnswer{}, fmt.Errorf("holds: take: %w %v", errBadAnswer, v)
	}
	return a, nil
}

func (s *Store) answer(t token, a takeAnswer) (booking.Hold, error) {
	switch a.status {
	case stHeld:
		s.stats.held.Add(1)
		return t.hold(s.signer.encode(t)), nil
	case stClosed:
		return booking.Hold{}, s.refused(errClosed())
	case stAudience:
		return booking.Hold{}, s.refused(booking.AudienceRefusal(a.audience))
	case stRecent:
		return booking.Hold{}, s.refused(errMayBeHeld(t.mode))
	case stFull:
		if a.capacity <= 0 {
			return booking.Hold{}, s.refused(errNotOffered(t.mode))
		}
		return booking.Hold{}, s.refused(errFull(t.mode))
	}
	return booking.Hold{}, fmt.Errorf("holds: take: %w %q", errBadAnswer, a.status)
}

// Parse reads what a hold id carries once its signature checks out.
func (s *Store) Parse(holdID string) (booking.Hold, error) {
	t, ok := s.signer.parse(holdID)
	if !ok {
		return booking.Hold{}, errHoldNotFound()
	}
	return t.hold(holdID), nil
}

// Redeem takes a hold out so its place can be confirmed. Every redemption
// is recorded in Postgres (Ledger), and the record decides: Redis refuses a
// second use early while it remembers the hold, but only the record is still
// there after a flush, a restart or an outage, so one hold books one place
// in every state of Redis, across any number of instances.
func (s *Store) Redeem(ctx context.Context, holdID string, now time.Time) (booking.Hold, error) {
	t, ok := s.signer.parse(holdID)
	if !ok {
		return booking.Hold{}, errHoldNotFound()
	}
	if t.expires <= now.UnixMilli() {
		return booking.Hold{}, errHoldExpired()
	}
	h := t.hold(holdID)
	if t.stateless || !s.useRedis() {
		return h, s.record(ctx, t)
	}
	v, err := s.run(ctx, redeemScript, s.keys(t), now.UnixMilli(), t.member(), t.issued,
		now.Add(pendingLease).UnixMilli(), t.places)
	if err != nil {
		if err := s.failed(ctx, "redeem", err); err != nil {
			return booking.Hold{}, err
		}
		return h, s.record(ctx, t)
	}
	switch v {
	case stOK, stUnknown, stLost:
		if err := s.record(ctx, t); err != nil {
			if booking.ErrorCode(err) == booking.EHoldExpired {
				// Used before Redis lost it: its place is not kept twice (on
				// failure the pending lease runs out by itself).
				_ = s.remove(ctx, t)
			} else {
				s.putBack(ctx, t, now)
			}
			return booking.Hold{}, err
		}
		return h, nil
	case stGone:
		return booking.Hold{}, errHoldExpired()
	}
	return booking.Hold{}, fmt.Errorf("holds: redeem: %w %v", errBadAnswer, v)
}

// Ledger is the single-use record of holds in Postgres: a hold id redeemed
// once is refused the second time, whatever Redis remembers.
type Ledger interface {
	// RecordRedemption records that the hold with this nonce is being used,
	// answering false when it already was. expires is the hold's end, after
	// which the record may go.
	RecordRedemption(ctx context.Context, nonce []byte, expires time.Time) (bool, error)
	// ForgetRedemption undoes RecordRedemption, for a hold whose booking
	// failed for a reason the person can correct.
	ForgetRedemption(ctx context.Context, nonce []byte) error
}

// record lets a hold be used once: hold_expired the second time.
func (s *Store) record(ctx context.Context, t token) error {
	first, err := s.loader.RecordRedemption(ctx, t.nonce[:], time.UnixMilli(t.expires))
	if err != nil {
		return fmt.Errorf("holds: record redemption: %w", err)
	}
	if !first {
		return errHoldExpired()
	}
	return nil
}

// unredeemTimeout bounds Unredeem. It runs after its request may have ended
// (the confirmation ran out of time, the person went away), so it has a
// deadline of its own: a Postgres that hangs must not hold the answer.
const unredeemTimeout = 2 * time.Second

// Unredeem puts back a redeemed hold whose confirmation failed for a reason
// the person can correct. Best effort: a hold that cannot be put back only
// costs the person a fresh Take. It returns within unredeemTimeout whatever
// Postgres and Redis do.
func (s *Store) Unredeem(ctx context.Context, h booking.Hold, now time.Time) {
	t, ok := s.signer.parse(h.ID)
	if !ok || t.expires <= now.UnixMilli() {
		return
	}
	s.full.forget(t.session, t.mode)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unredeemTimeout)
	defer cancel()
	// The record goes first: a hold back in Redis whose use is still
	// recorded would keep a place it can never book.
	if err := s.loader.ForgetRedemption(ctx, t.nonce[:]); err != nil {
		s.log.WarnContext(ctx, "holds: a redeemed hold could not be put back; the person takes a new one", "err", err)
		if !t.stateless && s.useRedis() {
			_ = s.remove(ctx, t) // or the pending lease runs out by itself
		}
		return
	}
	if t.stateless || !s.useRedis() {
		return
	}
	s.putBack(ctx, t, now)
}

// putBack moves a hold from pending back among the holds.
func (s *Store) putBack(ctx context.Context, t token, now time.Time) {
	if _, err := s.run(ctx, unredeemScript, s.keys(t), now.UnixMilli(), t.member(), t.expires, t.places); err != nil {
		if err := s.failed(ctx, "unredeem", err); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "holds: unredeem failed", "session", t.session, "mode", t.mode, "err", err)
		}
	}
}

// Release gives a hold's place back at once. Releasing a stateless or
// lapsed hold, or one Redis cannot be asked about, does nothing: it keeps
// nothing, or lapses on its own.
func (s *Store) Release(ctx context.Context, holdID string, now time.Time) error {
	t, ok := s.signer.parse(holdID)
	if !ok {
		return errHoldNotFound()
	}
	if t.stateless || t.expires <= now.UnixMilli() || !s.useRedis() {
		return nil
	}
	s.full.forget(t.session, t.mode)
	if err := s.remove(ctx, t); err != nil {
		return s.failed(ctx, "release", err)
	}
	s.ok()
	return nil
}

// Sync overwrites the mirrored counts with fresh ones from Postgres. Errors
// are logged and dropped: a missed sync heals at the next one or when the
// mirror expires and reloads.
func (s *Store) Sync(ctx context.Context, mirrors ...booking.Mirror) {
	ctx = context.WithoutCancel(ctx) // see Settle
	for _, m := range mirrors {
		s.full.forget(m.SessionID, m.Mode)
	}
	if len(mirrors) == 0 || s.rdb == nil {
		return
	}
	if !s.useRedis() {
		s.unsynced.add(mirrors)
		return
	}
	err := s.sync(ctx, s.clock.Now(), mirrors)
	if err == nil {
		return
	}
	s.unsynced.add(mirrors)
	switch ferr := s.failed(ctx, "sync", err); {
	case ctx.Err() != nil:
	case ferr != nil:
		s.log.ErrorContext(ctx, "holds: sync failed", "err", ferr)
	default:
		s.log.WarnContext(ctx, "holds: sync failed; the mirror heals at the next sync or reload", "err", err)
	}
}

// Settle ends the confirmation of h: it leaves pending and the fresh counts
// (which include its booking, or not if Postgres refused it) are written in
// the same step. Best effort, as Sync.
func (s *Store) Settle(ctx context.Context, h booking.Hold, mirrors ...booking.Mirror) {
	// The booking is made whether or not its requester is still there:
	// the count must reach Redis all the same.
	ctx = context.WithoutCancel(ctx)
	for _, m := range mirrors {
		s.full.forget(m.SessionID, m.Mode)
	}
	t, ok := s.signer.parse(h.ID)
	if !ok || t.stateless || !s.useRedis() {
		s.Sync(ctx, mirrors...)
		return
	}
	now := s.clock.Now()
	var rest []booking.Mirror
	settled := false
	var err error
	for _, m := range mirrors {
		if settled || m.SessionID != t.session || m.Mode != t.mode {
			rest = append(rest, m)
			continue
		}
		settled = true
		_, err = s.run(ctx, settleScript, []string{s.mirrorKey(m.SessionID, m.Mode), s.pendingKey(m.SessionID, m.Mode)},
			t.member(), m.Version, m.Capacity, m.Taken, closesMs(m), string(m.Audience),
			now.UnixMilli(), s.mirrorTTL.Milliseconds())
		if err != nil {
			break
		}
	}
	if err == nil && !settled {
		// No fresh count for its own mode: still end the lease.
		rctx, cancel := s.redisCtx(ctx)
		err = s.rdb.ZRem(rctx, s.pendingKey(t.session, t.mode), t.member(), pairMember(t.member())).Err()
		cancel()
	}
	if err == nil {
		s.Sync(ctx, rest...)
		return
	}
	s.unsynced.add(mirrors)
	if ferr := s.failed(ctx, "settle", err); ferr != nil && ctx.Err() == nil {
		s.log.ErrorContext(ctx, "holds: settle failed", "err", ferr)
	}
}

// remove takes a hold out of both the held and the pending sets, with the
// second place of a pair.
func (s *Store) remove(ctx context.Context, t token) error {
	rctx, cancel := s.redisCtx(ctx)
	defer cancel()
	members := []any{t.member(), pairMember(t.member())}
	_, err := s.rdb.Pipelined(rctx, func(p redis.Pipeliner) error {
		p.ZRem(rctx, s.holdsKey(t.session, t.mode), members...)
		p.ZRem(rctx, s.pendingKey(t.session, t.mode), members...)
		return nil
	})
	return err
}

// forget removes a hold its request never learnt of, in the background.
func (s *Store) forget(t token) {
	go func() {
		if err := s.remove(context.Background(), t); err != nil {
			s.log.Warn("holds: could not give back a hold nobody waited for; it lapses on its own", "err", err)
		}
	}()
}

// keys are the three keys of a hold's session and mode, in script order.
func (s *Store) keys(t token) []string {
	return []string{s.mirrorKey(t.session, t.mode), s.holdsKey(t.session, t.mode), s.pendingKey(t.session, t.mode)}
}

func (s *Store) sync(ctx context.Context, now time.Time, mirrors []booking.Mirror) error {
	for _, m := range mirrors {
		if m.SessionID <= 0 || !m.Mode.Valid() {
			s.log.WarnContext(ctx, "holds: sync skipped an invalid mirror", "session", m.SessionID, "mode", m.Mode)
			continue
		}
		_, err := s.run(ctx, syncScript, []string{s.mirrorKey(m.SessionID, m.Mode)},
			m.Version, m.Capacity, m.Taken, closesMs(m), string(m.Audience),
			now.UnixMilli(), s.mirrorTTL.Milliseconds())
		if err != nil {
			return fmt.Errorf("session %d %s version %d: %w", m.SessionID, m.Mode, m.Version, err)
		}
	}
	return nil
}

// Held counts the places live holds keep in a session and mode (a pair's
// two), 0 when unknown or when
// Redis cannot be asked. It only reads, so it never needs the primary.
func (s *Store) Held(ctx context.Context, sessionID int64, mode booking.Mode, now time.Time) int {
	if !mode.Valid() || !s.useRedis() {
		return 0
	}
	rctx, cancel := s.redisCtx(ctx)
	defer cancel()
	n, err := s.rdb.ZCount(rctx, s.holdsKey(sessionID, mode), "("+strconv.FormatInt(now.UnixMilli(), 10), "+inf").Result()
	if err != nil {
		if err := s.failed(ctx, "held", err); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "holds: count failed", "session", sessionID, "mode", mode, "err", err)
		}
		return 0
	}
	s.ok()
	return int(n)
}

// load reads a session's mirrors from Postgres, once for all the requests
// that miss the same mirror at the same moment (a launch after a flush).
func (s *Store) load(ctx context.Context, sessionID int64) ([]booking.Mirror, error) {
	ch := s.loads.DoChan(strconv.FormatInt(sessionID, 10), func() (any, error) {
		s.stats.reloads.Add(1)
		// Detached so one caller giving up does not fail the others waiting.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), loadTimeout)
		defer cancel()
		return s.loader.Mirrors(lctx, sessionID)
	})
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("holds: load session %d: %w", sessionID, ctx.Err())
	case r := <-ch:
		if r.Err != nil {
			return nil, fmt.Errorf("holds: load session %d: %w", sessionID, r.Err)
		}
		ms := r.Val.([]booking.Mirror)
		if len(ms) == 0 {
			return nil, errNoSession()
		}
		return ms, nil
	}
}

func mirrorFor(ms []booking.Mirror, mode booking.Mode) (booking.Mirror, bool) {
	for _, m := range ms {
		if m.Mode == mode {
			return m, true
		}
	}
	return booking.Mirror{}, false
}

func (s *Store) useRedis() bool { return s.rdb != nil && s.breaker.allow() }

func (s *Store) refused(err error) error {
	s.stats.refused.Add(1)
	return err
}

// Stats counts what the store has done since it started, for metrics.
type Stats struct {
	Held      uint64 // holds kept in Redis
	Stateless uint64 // holds issued without Redis
	Refused   uint64 // takes refused: full, closed, wrong audience, mode not offered
	Reloads   uint64 // mirrors reloaded from Postgres
	Failures  uint64 // Redis calls that failed
}

type counters struct {
	held, stateless, refused, reloads, failures atomic.Uint64
}

// Stats returns the counts so far.
func (s *Store) Stats() Stats {
	return Stats{
		Held: s.stats.held.Load(), Stateless: s.stats.stateless.Load(), Refused: s.stats.refused.Load(),
		Reloads: s.stats.reloads.Load(), Failures: s.stats.failures.Load(),
	}
}
