package web_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// rushResult is what a rush of people saw.
type rushResult struct {
	booked   map[string]int // 201 bookings by mode
	statuses map[int]int
	emails   []string
}

// rush sends attempts people at a session through the instances in turn, a
// hundred at a time: even attempts hold a place then book it, odd ones book
// in one call. Three in five want to come in person. When flushAt > 0, Redis
// is flushed as the flushAt-th booking is made.
func rush(t *testing.T, instances []*instance, sessionID int64, attempts int, flushAt int64) rushResult {
	t.Helper()
	var (
		mu     sync.Mutex
		res    = rushResult{booked: map[string]int{}, statuses: map[int]int{}}
		made   atomic.Int64
		next   atomic.Int64
		wg     sync.WaitGroup
		path   = "/api/v1/sessions/" + itoa(sessionID)
		record = func(status int) {
			mu.Lock()
			res.statuses[status]++
			mu.Unlock()
		}
	)
	for w := 0; w < 100; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= attempts {
					return
				}
				in := instances[i%len(instances)]
				mode := "in_person"
				if i%5 >= 3 {
					mode = "online"
				}
				p := person(i)
				var r response
				if i%2 == 0 {
					h := in.do("POST", path+"/holds", map[string]any{"mode": mode})
					record(h.status)
					if h.status != http.StatusCreated {
						continue
					}
					r = in.do("POST", "/api/v1/holds/"+h.json(t)["hold_id"].(string)+"/booking", p)
				} else {
					p["mode"] = mode
					r = in.do("POST", path+"/bookings", p)
				}
				record(r.status)
				if r.status == http.StatusCreated {
					mu.Lock()
					res.booked[mode]++
					res.emails = append(res.emails, p["email"].(string))
					mu.Unlock()
					if made.Add(1) == flushAt {
						if err := in.env.rdb.FlushDB(context.Background()).Err(); err != nil {
							t.Error(err)
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	return res
}

// checkRush asserts the promise: exactly the places, split right, nothing
// above 499, and Postgres agreeing with what people were told.
func checkRush(t *testing.T, e *env, sessionID int64, res rushResult) {
	t.Helper()
	failed := false
	for status, n := range res.statuses {
		if status > 499 {
			t.Errorf("%d responses with status %d", n, status)
			failed = true
		}
	}
	if failed {
		// What the service logged of them (nothing personal: checked below).
		for _, line := range strings.Split(e.logs.String(), "\n") {
			if strings.Contains(line, `"level":"ERROR"`) || strings.Contains(line, `"level":"WARN"`) {
				t.Log(line)
			}
		}
	}
	if res.booked["in_person"] != 30 || res.booked["online"] != 20 {
		t.Errorf("people told they were booked: %v, want in_person 30, online 20 (statuses %v)", res.booked, res.statuses)
	}
	live, booked := e.counts(sessionID)
	if live["in_person"] != 30 || live["online"] != 20 {
		t.Errorf("live bookings in Postgres: %v, want in_person 30, online 20", live)
	}
	if booked["in_person"] != 30 || booked["online"] != 20 {
		t.Errorf("booked counts in Postgres: %v, want in_person 30, online 20", booked)
	}
	// Nothing personal in the logs, even under load.
	logged := e.logs.String()
	for _, email := range res.emails {
		if strings.Contains(logged, email) {
			t.Fatalf("an email address was logged: %s", email)
		}
	}
}

func TestRushNeverOverbooks(t *testing.T) {
	cases := []struct {
		name        string
		unreachable bool
		flushAt     int64
	}{
		{name: "redis"},
		{name: "redis flushed mid-race", flushAt: 10},
		{name: "redis unreachable from the start", unreachable: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			var in *instance
			if tc.unreachable {
				in = e.start(unreachableRedis(t))
			} else {
				in = e.start(nil)
			}
			sessionID := in.session(in.workshop("public"), 30, 20)
			res := rush(t, []*instance{in}, sessionID, 2000, tc.flushAt)
			checkRush(t, e, sessionID, res)
		})
	}
}

func TestTwoInstancesNeverOverbook(t *testing.T) {
	e := newEnv(t)
	a, b := e.start(nil), e.start(nil)
	sessionID := a.session(a.workshop("public"), 30, 20)
	res := rush(t, []*instance{a, b}, sessionID, 2000, 0)
	checkRush(t, e, sessionID, res)
}
