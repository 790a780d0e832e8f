package holds_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/holds"
	"github.com/coventry/workshops/internal/testenv"
)

var testKey = []byte("holds-test-key-0123456789abcdef!")

// start is far from the real date on purpose: key TTLs must be relative to
// the caller's clock, or Redis would expire these keys at once.
var start = time.Date(2031, 5, 12, 9, 30, 0, 0, time.UTC)

const holdTTL = 10 * time.Minute

// fakeLoader stands in for Postgres: fixed mirrors, counted reads, and the
// single-use record of holds in memory (the real one is tested in
// booking/web, over Postgres).
type fakeLoader struct {
	mu       sync.Mutex
	ms       map[int64][]booking.Mirror
	calls    atomic.Int64
	redeemed map[string]bool
}

func (f *fakeLoader) RecordRedemption(_ context.Context, nonce []byte, _ time.Time) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.redeemed == nil {
		f.redeemed = map[string]bool{}
	}
	if f.redeemed[string(nonce)] {
		return false, nil
	}
	f.redeemed[string(nonce)] = true
	return true, nil
}

func (f *fakeLoader) ForgetRedemption(_ context.Context, nonce []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.redeemed, string(nonce))
	return nil
}

func (f *fakeLoader) Mirrors(_ context.Context, id int64) ([]booking.Mirror, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	ms, ok := f.ms[id]
	if !ok {
		return nil, booking.Errorf(booking.ENotFound, "We could not find that session.")
	}
	return append([]booking.Mirror(nil), ms...), nil
}

// set replaces the mirrors of the sessions named in ms.
func (f *fakeLoader) set(ms ...booking.Mirror) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ms == nil {
		f.ms = map[int64][]booking.Mirror{}
	}
	for _, m := range ms {
		delete(f.ms, m.SessionID)
	}
	for _, m := range ms {
		f.ms[m.SessionID] = append(f.ms[m.SessionID], m)
	}
}

type fixture struct {
	s      *holds.Store
	rdb    *redis.Client
	clock  *testenv.Clock
	loader *fakeLoader
	ctx    context.Context
}

func setup(t testing.TB, opts ...holds.Option) *fixture {
	t.Helper()
	rdb, _ := testenv.Redis(t)
	f := &fixture{rdb: rdb, clock: testenv.NewClock(start), loader: &fakeLoader{}, ctx: context.Background()}
	opts = append([]holds.Option{holds.WithClock(f.clock)}, opts...)
	f.s = holds.New(rdb, f.loader, testKey, holdTTL, opts...)
	t.Cleanup(f.s.Close)
	return f
}

// mirror is an open public session closing a week after start.
func mirror(id int64, mode booking.Mode, capacity, taken int, version int64) booking.Mirror {
	return booking.Mirror{
		SessionID: id, Mode: mode, Capacity: capacity, Taken: taken, Version: version,
		ClosesAt: start.Add(7 * 24 * time.Hour), Audience: booking.Public,
	}
}

func (f *fixture) take(t testing.TB, id int64, mode booking.Mode) (booking.Hold, error) {
	t.Helper()
	return f.s.Take(f.ctx, id, mode, booking.Public, f.clock.Now())
}

func (f *fixture) mustTake(t testing.TB, id int64, mode booking.Mode) booking.Hold {
	t.Helper()
	h, err := f.take(t, id, mode)
	if err != nil {
		t.Fatalf("take %d %s: %v", id, mode, err)
	}
	return h
}

func wantCode(t testing.TB, err error, code booking.Code) {
	t.Helper()
	if got := booking.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func TestTakeUntilFull(t *testing.T) {
	f := setup(t)
	f.loader.set(mirror(1, booking.InPerson, 5, 2, 1), mirror(1, booking.Online, 2, 0, 1))

	for i := range 3 {
		h := f.mustTake(t, 1, booking.InPerson)
		if h.SessionID != 1 || h.Mode != booking.InPerson || h.Stateless || h.ID == "" {
			t.Fatalf("hold %d: %+v", i, h)
		}
		if want := f.clock.Now().Add(holdTTL).UnixMilli(); h.ExpiresAt.UnixMilli() != want {
			t.Fatalf("hold expires %v, want %v", h.ExpiresAt, time.UnixMilli(want))
		}
	}
	_, err := f.take(t, 1, booking.InPerson)
	wantCode(t, err, booking.EFull)
	if msg := booking.ErrorMessage(err); msg != "There are no in-person places left for this session." {
		t.Fatalf("message %q", msg)
	}
	if n := f.s.Held(f.ctx, 1, booking.InPerson, f.clock.Now()); n != 3 {
		t.Fatalf("held %d, want 3", n)
	}

	// Online places are counted apart.
	f.mustTake(t, 1, booking.Online)
	f.mustTake(t, 1, booking.Online)
	_, err = f.take(t, 1, booking.Online)
	wantCode(t, err, booking.EFull)

	if got := f.loader.calls.Load(); got != 1 {
		t.Fatalf("loader read %d times, want once (both modes are mirrored together)", got)
	}
	st := f.s.Stats()
	if st.Held != 5 || st.Refused != 2 || st.Stateless != 0 || st.Failures != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestKeysExpire(t *testing.T) {
	f := setup(t, holds.WithMirrorTTL(time.Hour))
	f.loader.set(mirror(2, booking.InPerson, 5, 0, 1))
	f.mustTake(t, 2, booking.InPerson)
	for _, key := range []string{"{s:2}:in_person", "{s:2}:in_person:holds", "{s:2}:online"} {
		ttl, err := f.rdb.PTTL(f.ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if key == "{s:2}:online" {
			if ttl != -2 {
				t.Fatalf("%s exists (ttl %v) though the session has no online places", key, ttl)
			}
			continue
		}
		if ttl < holdTTL-time.Minute || ttl > time.Hour {
			t.Fatalf("%s ttl %v, want between the hold time and the mirror TTL", key, ttl)
		}
	}
}

func TestConcurrentTakesNeverExceedCapacity(t *testing.T) {
	f := setup(t)
	const capacity, taken, people = 40, 7, 400
	f.loader.set(mirror(3, booking.InPerson, capacity, taken, 1))

	// No mirror yet: the first wave also races to reload it.
	var held, full atomic.Int64
	var wg sync.WaitGroup
	startGun := make(chan struct{})
	for range people {
		wg.Go(func() {
			<-startGun
			_, err := f.take(t, 3, booking.InPerson)
			switch booking.ErrorCode(err) {
			case "":
				held.Add(1)
			case booking.EFull:
				full.Add(1)
			default:
				t.Errorf("take: %v", err)
			}
		})
	}
	close(startGun)
	wg.Wait()
	if held.Load() != capacity-taken || full.Load() != people-(capacity-taken) {
		t.Fatalf("held %d full %d, want %d and %d", held.Load(), full.Load(), capacity-taken, people-(capacity-taken))
	}
	if n := f.s.Held(f.ctx, 3, booking.InPerson, f.clock.Now()); n != capacity-taken {
		t.Fatalf("Held %d, want %d", n, capacity-taken)
	}
	t.Logf("%d takes read Postgres %d times", people, f.loader.calls.Load())
}

// TestScriptsForgottenMidRush: after SCRIPT FLUSH (as after a restart or a
// failover) a whole batch meets NOSCRIPT; the scripts are loaded once and
// the batch runs again, within the Redis timeout, so nothing goes stateless.
func TestScriptsForgottenMidRush(t *testing.T) {
	f := setup(t, holds.WithRedisTimeout(200*time.Millisecond))
	const capacity, people = 30, 300
	f.loader.set(mirror(3, booking.InPerson, capacity, 0, 1))
	f.mustTake(t, 3, booking.InPerson)
	if err := f.rdb.ScriptFlush(f.ctx).Err(); err != nil {
		t.Fatal(err)
	}
	var held atomic.Int64
	var wg sync.WaitGroup
	startGun := make(chan struct{})
	for range people {
		wg.Go(func() {
			<-startGun
			if _, err := f.take(t, 3, booking.InPerson); err == nil {
				held.Add(1)
			} else if booking.ErrorCode(err) != booking.EFull {
				t.Errorf("take: %v", err)
			}
		})
	}
	close(startGun)
	wg.Wait()
	if st := f.s.Stats(); st.Failures != 0 || held.Load() != capacity-1 {
		t.Errorf("held %d, want %d; %d Redis calls failed", held.Load(), capacity-1, st.Failures)
	}
}

func TestExpiryGivesPlaceBack(t *testing.T) {
	f := setup(t)
	f.loader.set(mirror(4, booking.Online, 1, 0, 1))
	f.mustTake(t, 4, booking.Online)

	f.clock.Advance(holdTTL - time.Millisecond)
	_, err := f.take(t, 4, booking.Online)
	wantCode(t, err, booking.EFull)

	f.clock.Advance(time.Millisecond) // the hold ends exactly now
	if n := f.s.Held(f.ctx, 4, booking.Online, f.clock.Now()); n != 0 {
		t.Fatalf("held %d after expiry", n)
	}
	f.mustTake(t, 4, booking.Online)
}

func TestReleaseGivesPlaceBack(t *testing.T) {
	f := setup(t)
	f.loader.set(mirror(5, booking.InPerson, 1, 0, 1))
	h := f.mustTake(t, 5, booking.InPerson)
	if err := f.s.Release(f.ctx, h.ID, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Release(f.ctx, h.ID, f.clock.Now()); err != nil {
		t.Fatalf("second release: %v", err)
	}
	f.mustTake(t, 5, booking.InPerson)

	_, err := f.s.Redeem(f.ctx, h.ID, f.clock.Now())
	wantCode(t, err, booking.EHoldExpired)
}

func TestRedeemAndUnredeem(t *testing.T) {
	f := setup(t)
	f.loader.set(mirror(6, booking.InPerson, 1, 0, 1))
	pending := func() int64 {
		t.Helper()
		return f.rdb.ZCard(f.ctx, "{s:6}:in_person:pending").Val()
	}
	h := f.mustTake(t, 6, booking.InPerson)

	got, err := f.s.Redeem(f.ctx, h.ID, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got != h {
		t.Fatalf("redeemed %+v, want %+v", got, h)
	}
	// The place moved from held to pending: still no place for anyone else.
	if pending() != 1 || f.s.Held(f.ctx, 6, booking.InPerson, f.clock.Now()) != 0 {
		t.Fatalf("after redeem: pending %d", pending())
	}
	_, err = f.take(t, 6, booking.InPerson)
	wantCode(t, err, booking.EFull)
	_, err = f.s.Redeem(f.ctx, h.ID, f.clock.Now())
	wantCode(t, err, booking.EHoldExpired)

	// The confirmation failed (say, a duplicate email): the person keeps the hold.
	f.s.Unredeem(f.ctx, got, f.clock.Now())
	f.s.Unredeem(f.ctx, got, f.clock.Now()) // twice is harmless
	if pending() != 0 || f.s.Held(f.ctx, 6, booking.InPerson, f.clock.Now()) != 1 {
		t.Fatalf("after unredeem: pending %d", pending())
	}
	_, err = f.take(t, 6, booking.InPerson)
	wantCode(t, err, booking.EFull)
	if _, err := f.s.Redeem(f.ctx, h.ID, f.clock.Now()); err != nil {
		t.Fatalf("redeem after unredeem: %v", err)
	}

	// Postgres took the booking: settle ends the lease and writes the count.
	f.s.Settle(f.ctx, got, mirror(6, booking.InPerson, 1, 1, 2))
	if pending() != 0 {
		t.Fatalf("after settle: pending %d", pending())
	}
	_, err = f.take(t, 6, booking.InPerson)
	wantCode(t, err, booking.EFull)
}

// Confirmations commit in one order and report in another. A count from
// Postgres that does not yet include a booking in flight must not free its
// place: the booking stays counted as pending until its own settle.
func TestSettleOutOfOrderNeverFreesAPlaceInFlight(t *testing.T) {
	f := setup(t)
	f.loader.set(mirror(16, booking.InPerson, 2, 0, 1))
	a, b := f.mustTake(t, 16, booking.InPerson), f.mustTake(t, 16, booking.InPerson)
	for _, h := range []booking.Hold{a, b} {
		if _, err := f.s.Redeem(f.ctx, h.ID, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// A committed first (version 2, taken 1), B second (version 3, taken 2).
	f.s.Settle(f.ctx, a, mirror(16, booking.InPerson, 2, 1, 2))
	_, err := f.take(t, 16, booking.InPerson)
	wantCode(t, err, booking.EFull) // B is still in flight
	f.s.Settle(f.ctx, b, mirror(16, booking.InPerson, 2, 2, 3))
	_, err = f.take(t, 16, booking.InPerson)
	wantCode(t, err, booking.EFull)

	// The other order: B's count (which includes A) arrives before A's.
	f.loader.set(mirror(17, booking.InPerson, 2, 0, 1))
	a, b = f.mustTake(t, 17, booking.InPerson), f.mustTake(t, 17, booking.InPerson)
	for _, h := range []booking.Hold{a, b} {
		if _, err := f.s.Redeem(f.ctx, h.ID, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	f.s.Settle(f.ctx, b, mirror(17, booking.InPerson, 2, 2, 3))
	f.s.Settle(f.ctx, a, mirror(17, booking.InPerson, 2, 1, 2)) // older: count skipped, lease ended
	if n := f.rdb.ZCard(f.ctx, "{s:17}:in_person:pending").Val(); n != 0 {
		t.Fatalf("pending after both settles: %d", n)
	}
	_, err = f.take(t, 17, booking.InPerson)
	wantCode(t, err, booking.EFull)
	// A cancellation frees one: the next take gets it.
	f.s.Sync(f.ctx, mirror(17, booking.InPerson, 2, 1, 4))
	f.mustTake(t, 17, booking.InPerson)
}

// A confirmation whose instance died never settles: its lease runs out and
// the place comes back.
func TestPendingLeaseRunsOut(t *testing.T) {
	f := setup(t)
	f.loader.set(mirror(18, booking.InPerson, 1, 0, 1))
	if _, err := f.s.TakeRedeemed(f.ctx, 18, booking.InPerson, booking.Public, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	_, err := f.take(t, 18, booking.InPerson)
	wantCode(t, err, booking.EFull)
	f.clock.Advance(31 * time.Second) // past the pending lease
	f.mustTake(t, 18, booking.InPerson)
}

func TestExpiredHoldCannotBeRedeemed(t *testing.T) {
	f := setup(t)
	f.loader.set(mirror(7, booking.InPerson, 3, 0, 1))
	h := f.mustTake(t, 7, booking.InPerson)
	f.clock.Advance(holdTTL)
	_, err := f.s.Redeem(f.ctx, h.ID, f.clock.Now())
	wantCode(t, err, booking.EHoldExpired)

	// Whatever Redis knows: with the mirror gone the token still says expired.
	h = f.mustTake(t, 7, booking.InPerson)
	if err := f.rdb.FlushDB(f.ctx).Err(); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(holdTTL + time.Second)
	_, err = f.s.Redeem(f.ctx, h.ID, f.clock.Now())
	wantCode(t, err, booking.EHoldExpired)
	f.s.Unredeem(f.ctx, h, f.clock.Now()) // a lapsed hold is not put back
	if n := f.s.Held(f.ctx, 7, booking.InPerson, f.clock.Now()); n != 0 {
		t.Fatalf("held %d", n)
	}
}

func TestSyncNeverGoesBackwards(t *testing.T) {
	f := setup(t)
	f.loader.set(mirror(8, booking.InPerson, 5, 0, 1))
	f.s.Sync(f.ctx, mirror(8, booking.InPerson, 5, 3, 5))
	f.s.Sync(f.ctx, mirror(8, booking.InPerson, 5, 0, 4)) // older: ignored
	f.s.Sync(f.ctx, mirror(8, booking.InPerson, 5, 0, 5)) // same version: ignored
	f.mustTake(t, 8, booking.InPerson)
	f.mustTake(t, 8, booking.InPerson)
	_, err := f.take(t, 8, booking.InPerson)
	wantCode(t, err, booking.EFull)
	if got := f.loader.calls.Load(); got != 0 {
		t.Fatalf("loader read %d times; Sync had written the mirror", got)
	}

	// A cancellation frees two places: 2 holds + 1 taken leaves 2 of 5.
	f.s.Sync(f.ctx, mirror(8, booking.InPerson, 5, 1, 6))
	f.mustTake(t, 8, booking.InPerson)
	f.mustTake(t, 8, booking.InPerson)
	_, err = f.take(t, 8, booking.InPerson)
	wantCode(t, err, booking.EFull)

	// The organiser closes bookings by cancelling: the mirror says so.
	cancelled := mirror(8, booking.InPerson, 5, 1, 7)
	cancelled.ClosesAt = time.Time{}
	f.s.Sync(f.ctx, cancelled)
	_, err = f.take(t, 8, booking.InPerson)
	wantCode(t, err, booking.EConflict)
}

func TestMirrorReloadsAfterFlush(t *testing.T) {
	f := setup(t)
	f.loader.set(mirror(9, booking.InPerson, 3, 0, 1))
	before := f.mustTake(t, 9, booking.InPerson)
	if err := f.rdb.FlushDB(f.ctx).Err(); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)

	// Postgres moved on meanwhile; the reload brings the new count.
	f.loader.set(mirror(9, booking.InPerson, 3, 2, 2))
	f.mustTake(t, 9, booking.InPerson)
	_, err := f.take(t, 9, booking.InPerson)
	wantCode(t, err, booking.EFull)
	if got := f.loader.calls.Load(); got != 2 {
		t.Fatalf("loader read %d times, want 2", got)
	}

	// The hold Redis lost in the flush is still good: Postgres decides.
	h, err := f.s.Redeem(f.ctx, before.ID, f.clock.Now())
	if err != nil || h.ID != before.ID {
		t.Fatalf("redeem a hold lost in a flush: %+v, %v", h, err)
	}
}

// A hold whose requester went away before Redis answered is given back
// when the answer comes, not kept for nobody for the whole hold time.
func TestHoldNobodyWaitedForIsGivenBack(t *testing.T) {
	f := setup(t, holds.WithRedisTimeout(2*time.Second))
	f.loader.set(mirror(19, booking.InPerson, 1, 0, 1))
	f.s.Sync(f.ctx, mirror(19, booking.InPerson, 1, 0, 1))
	// Hold every write for 300 ms: the take is sent, then waits in Redis
	// while its requester gives up after 100 ms.
	if err := f.rdb.Do(f.ctx, "CLIENT", "PAUSE", "300", "WRITE").Err(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(f.ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := f.s.Take(ctx, 19, booking.InPerson, booking.Public, f.clock.Now()); err == nil {
		t.Fatal("a take whose requester went away answered as if it were there")
	}
	// A write waits until Redis wakes and has run the late take.
	if err := f.rdb.Set(f.ctx, "holds-test-awake", "1", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	// Its hold is removed again.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if f.rdb.ZCard(f.ctx, "{s:19}:in_person:holds").Val() == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
		if time.Now().After(deadline) {
			t.Fatal("the hold nobody waited for is still kept")
		}
	}
	f.mustTake(t, 19, booking.InPerson)
}

// In a rush, "full" is answered from memory for a moment; a change that goes
// through this instance, or the first hold lapsing, ends that at once.
func TestFullIsRememberedUntilSomethingChanges(t *testing.T) {
	f := setup(t, holds.WithFullCache(time.Hour))
	f.loader.set(mirror(20, booking.InPerson, 1, 1, 1))
	_, err := f.take(t, 20, booking.InPerson)
	wantCode(t, err, booking.EFull)
	// A place freed behind this instance's back is not seen yet...
	if err := f.rdb.HSet(f.ctx, "{s:20}:in_person", "taken", 0).Err(); err != nil {
		t.Fatal(err)
	}
	_, err = f.take(t, 20, booking.InPerson)
	wantCode(t, err, booking.EFull)
	// ...but a count written through it is.
	f.s.Sync(f.ctx, mirror(20, booking.InPerson, 1, 0, 2))
	h := f.mustTake(t, 20, booking.InPerson)
	_, err = f.take(t, 20, booking.InPerson)
	wantCode(t, err, booking.EFull)
	// The remembered "full" ends when the hold behind it lapses.
	f.clock.Advance(holdTTL)
	if h2 := f.mustTake(t, 20, booking.InPerson); h2.ID == h.ID {
		t.Fatal("same hold twice")
	}
}

// Every use of a hold is recorded, so a hold used while Redis kept it is
// refused once Redis has lost it; one put back after a failed booking
// (Unredeem) can still be used once.
func TestRedeemIsRecordedWhateverRedisRemembers(t *testing.T) {
	f := setup(t)
	f.loader.set(mirror(26, booking.InPerson, 5, 0, 1))
	used, kept := f.mustTake(t, 26, booking.InPerson), f.mustTake(t, 26, booking.InPerson)
	if _, err := f.s.Redeem(f.ctx, used.ID, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	f.s.Settle(f.ctx, used, mirror(26, booking.InPerson, 5, 1, 2))
	got, err := f.s.Redeem(f.ctx, kept.ID, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	f.s.Unredeem(f.ctx, got, f.clock.Now()) // say, a duplicate email
	if err := f.rdb.FlushDB(f.ctx).Err(); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Second)

	_, err = f.s.Redeem(f.ctx, used.ID, f.clock.Now())
	wantCode(t, err, booking.EHoldExpired)
	if _, err := f.s.Redeem(f.ctx, kept.ID, f.clock.Now()); err != nil {
		t.Fatalf("a hold put back, after the flush: %v", err)
	}
	_, err = f.s.Redeem(f.ctx, kept.ID, f.clock.Now())
	wantCode(t, err, booking.EHoldExpired)
}

// An offer to the waiting list waits while holds Redis lost may still keep
// the place.
func TestTakeUnheldWaitsForLostHolds(t *testing.T) {
	f := setup(t)
	f.loader.set(mirror(27, booking.InPerson, 2, 0, 1))
	f.mustTake(t, 27, booking.InPerson)
	f.clock.Advance(holdTTL) // the mirror is older than a hold
	if _, err := f.s.TakeUnheld(f.ctx, 27, booking.InPerson, f.clock.Now()); err != nil {
		t.Fatalf("nothing lost: %v", err)
	}
	if err := f.rdb.FlushDB(f.ctx).Err(); err != nil {
		t.Fatal(err)
	}
	_, err := f.s.TakeUnheld(f.ctx, 27, booking.InPerson, f.clock.Now())
	wantCode(t, err, booking.EFull)
	f.mustTake(t, 27, booking.InPerson) // people may still hold it
	f.clock.Advance(holdTTL)
	if h, err := f.s.TakeUnheld(f.ctx, 27, booking.InPerson, f.clock.Now()); err != nil || h.Stateless {
		t.Fatalf("once lost holds lapsed: %+v, %v", h, err)
	}

	// Redis down: from the first failure seen, for the hold time.
	s := downStore(t, f, holds.WithBreakerPause(0))
	_, err = s.TakeUnheld(f.ctx, 27, booking.InPerson, f.clock.Now())
	wantCode(t, err, booking.EFull)
	f.clock.Advance(holdTTL - time.Millisecond)
	_, err = s.TakeUnheld(f.ctx, 27, booking.InPerson, f.clock.Now())
	wantCode(t, err, booking.EFull)
	f.clock.Advance(time.Millisecond)
	if h, err := s.TakeUnheld(f.ctx, 27, booking.InPerson, f.clock.Now()); err != nil || !h.Stateless {
		t.Fatalf("once the holds lapsed with Redis down: %+v, %v", h, err)
	}
}
