package holds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/internal/testenv"
)

func TestBreaker(t *testing.T) {
	now := time.Unix(1000, 0)
	b := breaker{pause: time.Second, now: func() time.Time { return now }}
	if !b.allow() {
		t.Fatal("a fresh breaker keeps Redis out")
	}
	if !b.trip() || b.trip() {
		t.Fatal("trip should report only the first failure")
	}
	if b.allow() {
		t.Fatal("Redis allowed during the pause")
	}
	now = now.Add(time.Second)
	if !b.allow() {
		t.Fatal("no probe after the pause")
	}
	if b.allow() {
		t.Fatal("a second probe while the first is out")
	}
	if !b.reset() || b.reset() {
		t.Fatal("reset should report only the recovery")
	}
	for range 2 {
		if !b.allow() {
			t.Fatal("Redis kept out after it answered")
		}
	}
}

func TestUnavailable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{io.EOF, true},
		{redis.ErrClosed, true},
		{redis.ErrPoolTimeout, true},
		{fmt.Errorf("wrapped: %w", io.ErrUnexpectedEOF), true},
		{redisErr("LOADING Redis is loading the dataset in memory"), true},
		{redisErr("READONLY You can't write against a read only replica."), true},
		{redisErr("CLUSTERDOWN The cluster is down"), true},
		{redisErr("BUSY Redis is busy running a script."), true},
		{redisErr("OOM command not allowed when used memory > 'maxmemory'."), true},
		{redis.Nil, false},
		{fmt.Errorf("holds: take: %w %v", errBadAnswer, 42), false},
		{redisErr("ERR Error running script: attempt to compare nil with number"), false},
		{redisErr("WRONGTYPE Operation against a key holding the wrong kind of value"), false},
	} {
		if got := unavailable(c.err); got != c.want {
			t.Errorf("unavailable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// redisErr is a reply error as go-redis returns it from the server.
type redisErr string

func (e redisErr) Error() string { return string(e) }
func (redisErr) RedisError()     {}

func TestTokenRoundTrip(t *testing.T) {
	s := newSigner([]byte("holds-test-key-0123456789abcdef!"))
	now := time.UnixMilli(1_900_000_000_123)
	for _, stateless := range []bool{false, true} {
		for _, mode := range booking.Modes {
			for places := 1; places <= MaxPlaces; places++ {
				tk := newToken(1<<40+7, mode, places, now, 10*time.Minute)
				tk.stateless = stateless
				id := s.encode(tk)
				if len(id) != tokenChars {
					t.Fatalf("id %q is %d characters, want %d", id, len(id), tokenChars)
				}
				got, ok := s.parse(id)
				if !ok || got != tk {
					t.Fatalf("parse(%q) = %+v %v, want %+v", id, got, ok, tk)
				}
			}
		}
	}
}

// FuzzParse checks that nothing but our own signature gets through, and
// that parsing never panics.
func FuzzParse(f *testing.F) {
	s := newSigner([]byte("holds-test-key-0123456789abcdef!"))
	f.Add(s.encode(newToken(42, booking.Online, 1, time.UnixMilli(1e12), time.Minute)))
	f.Add(s.encode(newToken(42, booking.InPerson, 2, time.UnixMilli(1e12), time.Minute)))
	f.Add("")
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, id string) {
		tk, ok := s.parse(id)
		if ok && s.encode(tk) != id {
			t.Fatalf("%q parsed but is not the canonical id %q", id, s.encode(tk))
		}
	})
}

// The scripts must never be handed a mode outside the key layout.
func TestUnknownModeIsRefusedBeforeRedis(t *testing.T) {
	s := New(nil, loaderFunc(func(context.Context, int64) ([]booking.Mirror, error) {
		t.Fatal("loader called for an invalid mode")
		return nil, nil
	}), []byte("holds-test-key-0123456789abcdef!"), time.Minute)
	_, err := s.Take(context.Background(), 1, booking.Mode("in_person}:x"), booking.Public, time.Now())
	if booking.ErrorCode(err) != booking.EInvalid {
		t.Fatalf("take with a bad mode: %v", err)
	}
}

type loaderFunc func(context.Context, int64) ([]booking.Mirror, error)

func (f loaderFunc) Mirrors(ctx context.Context, id int64) ([]booking.Mirror, error) {
	return f(ctx, id)
}

func (loaderFunc) RecordRedemption(context.Context, []byte, time.Time) (bool, error) {
	panic("loaderFunc keeps no record")
}

func (loaderFunc) ForgetRedemption(context.Context, []byte) error {
	panic("loaderFunc keeps no record")
}

// TestWaitingForABatchIsNotAnOutage: a call that waits in this process for
// a batch (every worker busy, a machine short of CPU in a rush) for longer
// than the Redis timeout has not seen Redis fail. It is answered when its
// batch runs, and the breaker stays closed: before, such waits sent whole
// rushes stateless, holding more places than were free.
func TestWaitingForABatchIsNotAnOutage(t *testing.T) {
	rdb, _ := testenv.Redis(t)
	s := New(rdb, noLoader{}, make([]byte, 32), time.Minute, WithRedisTimeout(50*time.Millisecond))
	t.Cleanup(s.Close)
	s.batch.once.Do(func() {}) // no workers yet: calls wait for one
	ping := redis.NewScript(`return 'pong'`)
	done := make(chan error, 1)
	go func() {
		ctx := context.Background()
		v, err := s.run(ctx, ping, []string{"k"})
		switch {
		case err != nil:
			if ferr := s.failed(ctx, "ping", err); ferr != nil {
				err = ferr
			}
		case v != "pong":
			err = fmt.Errorf("answer %v", v)
		}
		done <- err
	}()
	time.Sleep(200 * time.Millisecond) // four Redis timeouts in the queue
	s.batch.start()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("a call that waited for its batch: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer 10 s after the workers started")
	}
	if st := s.Stats(); st.Failures != 0 || s.breaker.until.Load() != 0 {
		t.Fatalf("%d failures counted, breaker open: %v", st.Failures, s.breaker.until.Load() != 0)
	}
}

// noLoader is a Postgres the test never asks.
type noLoader struct{}

func (noLoader) Mirrors(context.Context, int64) ([]booking.Mirror, error) {
	return nil, errors.New("not asked")
}
func (noLoader) RecordRedemption(context.Context, []byte, time.Time) (bool, error) {
	return false, errors.New("not asked")
}
func (noLoader) ForgetRedemption(context.Context, []byte) error { return errors.New("not asked") }

// TestResyncKeepsASessionPostgresDidNotAnswerFor: a session whose counts
// could not be read when Redis came back is remembered for the next
// recovery, not forgotten because there were no counts to name it by.
func TestResyncKeepsASessionPostgresDidNotAnswerFor(t *testing.T) {
	rdb, _ := testenv.Redis(t)
	s := New(rdb, noLoader{}, make([]byte, 32), time.Minute)
	t.Cleanup(s.Close)
	s.unsynced.add([]booking.Mirror{{SessionID: 7, Mode: booking.InPerson}, {SessionID: 8, Mode: booking.Online}})
	s.resync()
	s.waitResync(10 * time.Second)
	got := s.unsynced.take()
	slices.Sort(got)
	if !slices.Equal(got, []int64{7, 8}) {
		t.Fatalf("sessions left to resync: %v, want [7 8]", got)
	}
}
