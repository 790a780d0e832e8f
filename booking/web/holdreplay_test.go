package web_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/coventry/workshops/internal/testenv"
)

// replay is two instances over one Postgres and a Redis server of the
// test's own, which it flushes, stops and starts.
type replay struct {
	t      *testing.T
	e      *env
	srv    *testenv.RedisServer
	a, b   *instance
	sid    int64
	people int
	booked map[string]int // hold id -> bookings it made
}

func newReplay(t *testing.T, capacity int) *replay {
	e := newEnv(t)
	srv := testenv.NewRedisServer(t)
	client := func() *redis.Client {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr(), DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	r := &replay{t: t, e: e, srv: srv, a: e.start(client()), b: e.start(client()), booked: map[string]int{}}
	r.sid = r.a.session(r.a.workshop("public"), capacity, 0)
	return r
}

// hold takes a hold on in, reporting whether it is stateless.
func (r *replay) hold(in *instance) (id string, stateless bool) {
	r.t.Helper()
	resp := in.do("POST", "/api/v1/sessions/"+itoa(r.sid)+"/holds", map[string]any{"mode": "in_person"})
	if resp.status != http.StatusCreated {
		r.t.Fatalf("hold: %d %s", resp.status, resp.body)
	}
	id = resp.json(r.t)["hold_id"].(string)
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(raw) < 2 {
		r.t.Fatalf("hold id %q: %v", id, err)
	}
	return id, raw[1]&1 != 0 // the token's flags byte (holds/token.go)
}

// book redeems hold id on in with a new person's details, and checks the
// answer: 201 when want, else 410 hold_expired.
func (r *replay) book(in *instance, id string, want bool, state string) {
	r.t.Helper()
	r.people++
	resp := in.do("POST", "/api/v1/holds/"+id+"/booking", person(r.people))
	switch {
	case want && resp.status == http.StatusCreated:
		r.booked[id]++
	case !want && resp.status == http.StatusGone && resp.errorCode() == "hold_expired":
	default:
		r.t.Fatalf("%s: booking with a hold (first use %v): %d %s", state, want, resp.status, resp.body)
	}
}

// redisBack waits until in keeps holds in Redis again: its breaker keeps
// Redis out for a second of wall time after a failure.
func (r *replay) redisBack(in *instance) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		id, stateless := r.hold(in)
		if rel := in.do("DELETE", "/api/v1/holds/"+id, nil); rel.status != http.StatusNoContent {
			r.t.Fatalf("release: %d %s", rel.status, rel.body)
		}
		if !stateless {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatal("the instance still issues stateless holds 10 s after Redis came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// check compares Postgres with the bookings the test saw made: each hold
// booked once, nothing more.
func (r *replay) check() {
	r.t.Helper()
	made := 0
	for id, n := range r.booked {
		if n != 1 {
			r.t.Errorf("hold %s… booked %d places", id[:8], n)
		}
		made += n
	}
	live, booked := r.e.counts(r.sid)
	if live["in_person"] != made || booked["in_person"] != made {
		r.t.Fatalf("live %v, booked %v; the test saw %d bookings made", live, booked, made)
	}
}

// One hold books one place in every state of Redis: up, flushed, restarted,
// down and coming back, redeemed on either of two instances.
func TestOneHoldOnePlaceInEveryStateOfRedis(t *testing.T) {
	r := newReplay(t, 50)
	ctx := context.Background()
	flush := func() {
		c := redis.NewClient(&redis.Options{Addr: r.srv.Addr()})
		defer func() { _ = c.Close() }()
		if err := c.FlushAll(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		r.e.clock.Advance(time.Second) // mirrors are made again after the holds
	}

	// Up: the second use is refused on either instance.
	up, _ := r.hold(r.a)
	r.book(r.a, up, true, "up")
	r.book(r.b, up, false, "up, the other instance")
	r.book(r.a, up, false, "up, again")

	// Flushed: Redis forgets both the used hold and one not used yet.
	used, _ := r.hold(r.a)
	r.book(r.b, used, true, "before the flush")
	unused, _ := r.hold(r.b)
	flush()
	r.book(r.a, used, false, "flushed, a hold used before")
	r.book(r.b, used, false, "flushed, a hold used before, the other instance")
	r.book(r.a, unused, true, "flushed, a hold not used yet")
	r.book(r.b, unused, false, "flushed, that hold again on the other instance")
	r.book(r.a, unused, false, "flushed, that hold again")

	// Restarted (no persistence: every key lost).
	used, _ = r.hold(r.a)
	r.book(r.a, used, true, "before the restart")
	unused, _ = r.hold(r.a)
	r.srv.Stop()
	r.srv.Start()
	r.e.clock.Advance(time.Second)
	r.book(r.b, used, false, "restarted, a hold used before")
	r.book(r.a, used, false, "restarted, a hold used before, the same instance")
	r.book(r.b, unused, true, "restarted, a hold not used yet")
	r.book(r.a, unused, false, "restarted, that hold again")
	r.redisBack(r.a)
	r.redisBack(r.b)
	r.book(r.a, unused, false, "restarted and answering, that hold again")

	// Down: holds from before the outage, and stateless ones.
	used, _ = r.hold(r.a)
	r.book(r.a, used, true, "before the outage")
	unused, _ = r.hold(r.b)
	r.srv.Stop()
	r.book(r.b, used, false, "down, a hold used before")
	r.book(r.a, used, false, "down, a hold used before, the same instance")
	r.book(r.b, unused, true, "down, a hold kept in Redis before")
	r.book(r.a, unused, false, "down, that hold again")
	stateless, isStateless := r.hold(r.a)
	if !isStateless {
		t.Fatal("a hold taken while Redis is down is not stateless")
	}
	r.book(r.a, stateless, true, "down, a stateless hold")
	r.book(r.b, stateless, false, "down, that stateless hold again")
	spare, _ := r.hold(r.b)

	// Coming back, empty: every hold above is replayed on both instances.
	r.srv.Start()
	r.e.clock.Advance(time.Second)
	for _, id := range []string{up, used, unused, stateless} {
		r.book(r.a, id, false, "coming back, a used hold")
		r.book(r.b, id, false, "coming back, a used hold, the other instance")
	}
	r.book(r.b, spare, true, "coming back, a stateless hold not used yet")
	r.redisBack(r.a)
	r.redisBack(r.b)
	for _, id := range []string{up, used, unused, stateless, spare} {
		r.book(r.b, id, false, "back, a used hold")
		r.book(r.a, id, false, "back, a used hold, the other instance")
	}
	fresh, isStateless := r.hold(r.b)
	if isStateless {
		t.Fatal("a hold taken once Redis is back is stateless")
	}
	r.book(r.a, fresh, true, "back")
	r.book(r.b, fresh, false, "back, again")
	r.check()
}

// The same hold sent to both instances at once, with Redis flushed so that
// neither can vouch for it: Postgres lets exactly one through.
func TestHoldRaceAcrossInstancesAfterFlush(t *testing.T) {
	r := newReplay(t, 50)
	ctx := context.Background()
	var ids []string
	for range 10 {
		id, _ := r.hold(r.a)
		ids = append(ids, id)
	}
	c := redis.NewClient(&redis.Options{Addr: r.srv.Addr()})
	defer func() { _ = c.Close() }()
	if err := c.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	// The mirror is made again after the holds, as it would be in life.
	r.e.clock.Advance(time.Second)
	for i, id := range ids {
		codes := make(chan int, 2)
		for j, in := range []*instance{r.a, r.b} {
			go func() {
				codes <- in.do("POST", "/api/v1/holds/"+id+"/booking", person(1000+2*i+j)).status
			}()
		}
		got := map[int]int{<-codes: 1}
		got[<-codes]++
		if got[http.StatusCreated] != 1 || got[http.StatusGone] != 1 {
			t.Fatalf("hold %d on both instances at once: %v, want one 201 and one 410", i, got)
		}
		r.booked[id]++
	}
	r.check()
}

// While Redis has lost its holds or cannot be asked, a place free in
// Postgres may still be held by someone typing: the waiting list is offered
// it once those holds have lapsed, whatever state Redis is in by then.
func TestWaitlistOffersHeldPlacesOnceHoldsLapse(t *testing.T) {
	for _, state := range []string{"down", "flushed", "restarted"} {
		t.Run(state, func(t *testing.T) {
			r := newReplay(t, 2)
			ctx := context.Background()
			r.a.bookEveryPlace(r.sid, 1, 0)
			r.hold(r.a) // the last place, held by someone typing
			if resp := r.a.joinWaitlist(r.sid, 7, "in_person"); resp.status != http.StatusCreated {
				t.Fatalf("join: %d %s", resp.status, resp.body)
			}
			offer := func(want int, when string) {
				t.Helper()
				if n, err := r.a.svc.OfferUnheldPlaces(ctx); err != nil || n != want {
					t.Fatalf("%s: offered %d places (%v), want %d", when, n, err, want)
				}
			}
			offer(0, "held, Redis up")
			switch state {
			case "down":
				r.srv.Stop()
			case "flushed":
				c := redis.NewClient(&redis.Options{Addr: r.srv.Addr()})
				if err := c.FlushAll(ctx).Err(); err != nil {
					t.Fatal(err)
				}
				_ = c.Close()
			case "restarted":
				r.srv.Stop()
				r.srv.Start()
			}
			offer(0, state+", at once")
			r.e.clock.Advance(9 * time.Minute)
			offer(0, state+", before the hold lapses")
			r.e.clock.Advance(time.Minute)
			offer(1, state+", once the hold has lapsed")
			offer(0, state+", again")
			if offers, _ := r.e.offerLinks(0); len(offers) != 1 {
				t.Fatalf("offers emailed: %v", offers)
			}
		})
	}
}
