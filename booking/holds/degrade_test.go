package holds_test

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/holds"
)

const downTimeout = 100 * time.Millisecond

// downStore is a store whose Redis is a closed port.
func downStore(t *testing.T, f *fixture, opts ...holds.Option) *holds.Store {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = rdb.Close() })
	opts = append([]holds.Option{holds.WithClock(f.clock), holds.WithRedisTimeout(downTimeout)}, opts...)
	s := holds.New(rdb, f.loader, testKey, holdTTL, opts...)
	t.Cleanup(s.Close)
	return s
}

func TestRedisDownGivesStatelessHolds(t *testing.T) {
	f := setup(t) // the healthy Redis, to redeem on once it is back
	// A long pause, so the test sees exactly one attempt on Redis.
	s := downStore(t, f, holds.WithBreakerPause(time.Hour))
	open := mirror(20, booking.InPerson, 3, 2, 1)
	staff := mirror(21, booking.Online, 3, 0, 1)
	staff.Audience = booking.Workforce
	full := mirror(22, booking.InPerson, 3, 3, 1)
	closed := mirror(23, booking.InPerson, 3, 0, 1)
	closed.ClosesAt = f.clock.Now()
	f.loader.set(open, staff, full, closed)
	now := f.clock.Now()

	began := time.Now()
	h, err := s.Take(f.ctx, 20, booking.InPerson, booking.Public, now)
	if err != nil {
		t.Fatal(err)
	}
	// The person waits for the Redis time limit at most, not for go-redis'
	// own retries (generous bound: the race detector is slow).
	if d := time.Since(began); d > 10*downTimeout {
		t.Fatalf("the first take after Redis went down took %v", d)
	}
	if !h.Stateless || h.SessionID != 20 || h.Mode != booking.InPerson || !h.ExpiresAt.Equal(now.Add(holdTTL)) {
		t.Fatalf("hold %+v", h)
	}
	// Postgres alone counts: another stateless hold is still allowed.
	if _, err := s.Take(f.ctx, 20, booking.InPerson, booking.Public, now); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		id       int64
		mode     booking.Mode
		audience booking.Audience
		code     booking.Code
	}{
		{22, booking.InPerson, booking.Public, booking.EFull},
		{23, booking.InPerson, booking.Public, booking.EConflict},
		{21, booking.Online, booking.Public, booking.EForbidden},
		{21, booking.InPerson, booking.Workforce, booking.EInvalid},
		{404, booking.InPerson, booking.Public, booking.ENotFound},
	} {
		_, err := s.Take(f.ctx, c.id, c.mode, c.audience, now)
		wantCode(t, err, c.code)
	}
	if _, err := s.Take(f.ctx, 21, booking.Online, booking.Workforce, now); err != nil {
		t.Fatal(err)
	}

	got, err := s.Redeem(f.ctx, h.ID, now)
	if err != nil || got != h {
		t.Fatalf("redeem: %+v, %v", got, err)
	}
	s.Unredeem(f.ctx, got, now)
	if err := s.Release(f.ctx, h.ID, now); err != nil {
		t.Fatal(err)
	}
	s.Sync(f.ctx, open)
	if n := s.Held(f.ctx, 20, booking.InPerson, now); n != 0 {
		t.Fatalf("held %d", n)
	}
	_, err = s.Redeem(f.ctx, h.ID, now.Add(holdTTL))
	wantCode(t, err, booking.EHoldExpired)

	st := s.Stats()
	if st.Failures != 1 || st.Stateless != 3 || st.Held != 0 {
		t.Fatalf("stats %+v: want one failed Redis call, then the breaker keeps Redis out", st)
	}

	// Redis is back (another instance, the same key): a stateless hold is
	// still redeemed on its signature alone, and touches nothing in Redis.
	got, err = f.s.Redeem(f.ctx, h.ID, now)
	if err != nil || !got.Stateless {
		t.Fatalf("redeem a stateless hold with Redis up: %+v, %v", got, err)
	}
	if n, _ := f.rdb.DBSize(f.ctx).Result(); n != 0 {
		t.Fatalf("a stateless hold wrote %d keys", n)
	}
}

func TestRedisDownRetriesAfterPause(t *testing.T) {
	f := setup(t)
	s := downStore(t, f, holds.WithBreakerPause(0))
	f.loader.set(mirror(24, booking.InPerson, 3, 0, 1))
	for range 3 {
		h, err := s.Take(f.ctx, 24, booking.InPerson, booking.Public, f.clock.Now())
		if err != nil || !h.Stateless {
			t.Fatalf("take: %+v, %v", h, err)
		}
	}
	if st := s.Stats(); st.Failures != 3 {
		t.Fatalf("stats %+v: with no pause every take should try Redis", st)
	}
}

func TestRedisOnlyWithoutClient(t *testing.T) {
	f := setup(t)
	s := holds.New(nil, f.loader, testKey, holdTTL)
	f.loader.set(mirror(25, booking.Online, 1, 0, 1))
	h, err := s.Take(f.ctx, 25, booking.Online, booking.Public, f.clock.Now())
	if err != nil || !h.Stateless {
		t.Fatalf("take without Redis: %+v, %v", h, err)
	}
}

func TestBadHoldIDs(t *testing.T) {
	f := setup(t)
	f.loader.set(mirror(30, booking.InPerson, 3, 0, 1))
	h := f.mustTake(t, 30, booking.InPerson)
	now := f.clock.Now()

	raw, err := base64.RawURLEncoding.DecodeString(h.ID)
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string]string{
		"empty":      "",
		"garbage":    "not-a-hold",
		"truncated":  h.ID[:len(h.ID)-1],
		"extended":   h.ID + "A",
		"padded":     base64.URLEncoding.EncodeToString(raw),
		"std base64": base64.RawStdEncoding.EncodeToString(raw),
		"newline":    h.ID[:40] + "\n" + h.ID[40:len(h.ID)-1],
	}
	// Any single flipped bit, in the fields or in the MAC.
	for i := range raw {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x01
		bad[fmt.Sprintf("bit flipped in byte %d", i)] = base64.RawURLEncoding.EncodeToString(b)
	}
	// Random bytes of the right length: a forged id.
	forged := make([]byte, len(raw))
	_, _ = rand.Read(forged)
	bad["forged"] = base64.RawURLEncoding.EncodeToString(forged)
	// A well-formed id signed with another key.
	other := holds.New(f.rdb, f.loader, []byte("another-key-0123456789abcdefghij"), holdTTL, holds.WithClock(f.clock))
	t.Cleanup(other.Close)
	h2, err := other.Take(f.ctx, 30, booking.InPerson, booking.Public, now)
	if err != nil {
		t.Fatal(err)
	}
	bad["other key"] = h2.ID

	for name, id := range bad {
		if id == h.ID {
			continue // base64 std and url agree when no - or _ appears
		}
		_, err := f.s.Redeem(f.ctx, id, now)
		if booking.ErrorCode(err) != booking.ENotFound {
			t.Errorf("%s: redeem %q: %v, want not_found", name, id, err)
		}
		err = f.s.Release(f.ctx, id, now)
		if booking.ErrorCode(err) != booking.ENotFound {
			t.Errorf("%s: release %q: %v, want not_found", name, id, err)
		}
	}
	// The genuine one still works after all that.
	if _, err := f.s.Redeem(f.ctx, h.ID, now); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkTake(b *testing.B) {
	for _, c := range []struct {
		name            string
		capacity, taken int
	}{
		{"open", 1 << 30, 0},
		{"full", 100, 100},
	} {
		b.Run(c.name, func(b *testing.B) {
			f := setup(b)
			f.loader.set(mirror(40, booking.InPerson, c.capacity, c.taken, 1))
			now := f.clock.Now()
			want := booking.Code("")
			if c.taken >= c.capacity {
				want = booking.EFull
			}
			b.ReportAllocs()
			for b.Loop() {
				_, err := f.s.Take(f.ctx, 40, booking.InPerson, booking.Public, now)
				if booking.ErrorCode(err) != want {
					b.Fatal(err)
				}
			}
		})
		// Many people at once, as at a launch: Redis round trips overlap.
		b.Run(c.name+"/parallel", func(b *testing.B) {
			f := setup(b)
			f.loader.set(mirror(41, booking.InPerson, c.capacity, c.taken, 1))
			now := f.clock.Now()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := f.s.Take(f.ctx, 41, booking.InPerson, booking.Public, now); err != nil && booking.ErrorCode(err) != booking.EFull {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
