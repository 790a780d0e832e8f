package holds_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/holds"
	"github.com/coventry/workshops/internal/testenv"
)

func (f *fixture) takePair(t testing.TB, id int64, mode booking.Mode) (booking.Hold, error) {
	t.Helper()
	return f.s.TakePlaces(f.ctx, id, mode, booking.Public, 2, f.clock.Now())
}

func wantHeld(t testing.TB, f *fixture, id int64, want int) {
	t.Helper()
	if n := f.s.Held(f.ctx, id, booking.InPerson, f.clock.Now()); n != want {
		t.Fatalf("Held %d, want %d", n, want)
	}
}

// A pair at one place left gets nothing and keeps nothing: the one place
// is still there for a single.
func TestPairAtOnePlaceLeftTakesNothing(t *testing.T) {
	f := setup(t)
	f.loader.set(mirror(40, booking.InPerson, 3, 2, 1))
	_, err := f.takePair(t, 40, booking.InPerson)
	wantCode(t, err, booking.EFull)
	wantHeld(t, f, 40, 0)
	f.mustTake(t, 40, booking.InPerson)
	wantHeld(t, f, 40, 1)

	// Without Redis, Postgres' count refuses the pair the same way.
	s := downStore(t, f, holds.WithBreakerPause(time.Hour))
	_, err = s.TakePlaces(f.ctx, 40, booking.InPerson, booking.Public, 2, f.clock.Now())
	wantCode(t, err, booking.EFull)
	if h, err := s.Take(f.ctx, 40, booking.InPerson, booking.Public, f.clock.Now()); err != nil || !h.Stateless {
		t.Fatalf("a single without Redis: %+v, %v", h, err)
	}

	for _, places := range []int{0, 3} {
		_, err := f.s.TakePlaces(f.ctx, 40, booking.InPerson, booking.Public, places, f.clock.Now())
		wantCode(t, err, booking.EInvalid)
	}
}

// A pair's two places are kept, redeemed, put back and released together.
func TestPairMovesAsOne(t *testing.T) {
	f := setup(t)
	f.loader.set(mirror(41, booking.InPerson, 4, 0, 1))
	pair, err := f.takePair(t, 41, booking.InPerson)
	if err != nil || pair.Places != 2 {
		t.Fatalf("pair: %+v, %v", pair, err)
	}
	if got, err := f.s.Parse(pair.ID); err != nil || got.Places != 2 {
		t.Fatalf("parse: %+v, %v", got, err)
	}
	wantHeld(t, f, 41, 2)

	got, err := f.s.Redeem(f.ctx, pair.ID, f.clock.Now())
	if err != nil || got != pair {
		t.Fatalf("redeem: %+v, %v", got, err)
	}
	wantHeld(t, f, 41, 0)
	// Pending, both places still count: a second pair does not fit beside
	// a single.
	f.mustTake(t, 41, booking.InPerson)
	_, err = f.takePair(t, 41, booking.InPerson)
	wantCode(t, err, booking.EFull)

	f.s.Unredeem(f.ctx, got, f.clock.Now())
	wantHeld(t, f, 41, 3)
	if err := f.s.Release(f.ctx, pair.ID, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	wantHeld(t, f, 41, 1)

	// Settled with the count that includes both, the pending places go.
	pair = f.must2(t, 41)
	if _, err := f.s.Redeem(f.ctx, pair.ID, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	f.s.Settle(f.ctx, pair, mirror(41, booking.InPerson, 4, 2, 2))
	wantHeld(t, f, 41, 1)
	f.mustTake(t, 41, booking.InPerson)
	_, err = f.take(t, 41, booking.InPerson)
	wantCode(t, err, booking.EFull)

	// A pair lapses whole.
	f.loader.set(mirror(42, booking.InPerson, 2, 0, 1))
	f.must2(t, 42)
	f.clock.Advance(holdTTL)
	f.must2(t, 42)
}

func (f *fixture) must2(t testing.TB, id int64) booking.Hold {
	t.Helper()
	h, err := f.takePair(t, id, booking.InPerson)
	if err != nil {
		t.Fatalf("pair %d: %v", id, err)
	}
	return h
}

// A pair Redis lost in a flush is still good (the single-use record
// decides), and once redeemed both its places count again.
func TestPairAcrossAFlush(t *testing.T) {
	f := setup(t)
	f.loader.set(mirror(43, booking.InPerson, 4, 0, 1))
	pair := f.must2(t, 43)
	if err := f.rdb.FlushDB(f.ctx).Err(); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Second)
	f.mustTake(t, 43, booking.InPerson) // reloads the mirror: 4 free
	if _, err := f.s.Redeem(f.ctx, pair.ID, f.clock.Now()); err != nil {
		t.Fatalf("redeem a pair lost in a flush: %v", err)
	}
	_, err := f.takePair(t, 43, booking.InPerson)
	wantCode(t, err, booking.EFull)
	f.mustTake(t, 43, booking.InPerson)
	_, err = f.take(t, 43, booking.InPerson)
	wantCode(t, err, booking.EFull)
	_, err = f.s.Redeem(f.ctx, pair.ID, f.clock.Now())
	wantCode(t, err, booking.EHoldExpired)
}

// Pairs and singles racing for the last places never hold more than are
// free, and a pair is never half held.
func TestPairsAndSinglesRacingNeverExceedCapacity(t *testing.T) {
	f := setup(t)
	const capacity, taken, people = 41, 6, 300
	const free = capacity - taken
	f.loader.set(mirror(44, booking.InPerson, capacity, taken, 1))

	var places, singlesFull, pairsFull atomic.Int64
	var wg sync.WaitGroup
	startGun := make(chan struct{})
	for i := range people {
		n := 1 + i%2
		wg.Go(func() {
			<-startGun
			h, err := f.s.TakePlaces(f.ctx, 44, booking.InPerson, booking.Public, n, f.clock.Now())
			switch booking.ErrorCode(err) {
			case "":
				if h.Places != n {
					t.Errorf("hold of %d places for %d", h.Places, n)
				}
				places.Add(int64(n))
			case booking.EFull:
				if n == 1 {
					singlesFull.Add(1)
				} else {
					pairsFull.Add(1)
				}
			default:
				t.Errorf("take %d: %v", n, err)
			}
		})
	}
	close(startGun)
	wg.Wait()
	got := places.Load()
	switch {
	case got > free:
		t.Fatalf("%d places held, only %d free", got, free)
	case singlesFull.Load() > 0 && got != free:
		t.Fatalf("a single was refused with %d of %d places held", got, free)
	case pairsFull.Load() > 0 && got < free-1:
		t.Fatalf("a pair was refused with %d of %d places held", got, free)
	}
	wantHeld(t, f, 44, int(got))
}

// A pair across a Redis restart: while Redis is down a pair is decided on
// Postgres' count (refused at one place left), and after the restart (every
// key lost) a pair held before it still redeems once, its two places
// counted again beside the new holds.
func TestPairAcrossARedisRestart(t *testing.T) {
	f := setup(t) // for its loader and clock
	srv := testenv.NewRedisServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	s := holds.New(rdb, f.loader, testKey, holdTTL, holds.WithClock(f.clock),
		holds.WithRedisTimeout(downTimeout), holds.WithBreakerPause(0), holds.WithFullCache(0))
	t.Cleanup(s.Close)
	take := func(places int) (booking.Hold, error) {
		return s.TakePlaces(f.ctx, 45, booking.InPerson, booking.Public, places, f.clock.Now())
	}
	f.loader.set(mirror(45, booking.InPerson, 5, 0, 1))
	pair, err := take(2)
	if err != nil || pair.Stateless {
		t.Fatalf("pair: %+v, %v", pair, err)
	}

	srv.Stop()
	f.loader.set(mirror(45, booking.InPerson, 5, 4, 2)) // booked meanwhile
	_, err = take(2)
	wantCode(t, err, booking.EFull)
	if h, err := take(1); err != nil || !h.Stateless {
		t.Fatalf("a single while Redis is down: %+v, %v", h, err)
	}

	srv.Start()
	f.clock.Advance(time.Second)
	f.loader.set(mirror(45, booking.InPerson, 5, 1, 3)) // three cancelled
	if _, err := take(1); err != nil {
		t.Fatalf("a single after the restart: %v", err)
	}
	if _, err := s.Redeem(f.ctx, pair.ID, f.clock.Now()); err != nil {
		t.Fatalf("redeem a pair lost in the restart: %v", err)
	}
	// 1 taken, 1 held, 2 pending: one place is left, for a single only.
	_, err = take(2)
	wantCode(t, err, booking.EFull)
	if _, err := take(1); err != nil {
		t.Fatalf("the last place: %v", err)
	}
	_, err = take(1)
	wantCode(t, err, booking.EFull)
	_, err = s.Redeem(f.ctx, pair.ID, f.clock.Now())
	wantCode(t, err, booking.EHoldExpired)
}
