package web_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// TestPairsAndSinglesNeverOverbook races people booking for themselves and
// people bringing a companion (two places under one hold) for the last
// places, through two instances at once, half holding then booking and
// half booking in one call: the places are filled exactly and never more,
// each pair is both places or neither, the counts equal the rows, and the
// Redis mirror agrees with Postgres.
func TestPairsAndSinglesNeverOverbook(t *testing.T) {
	e := newEnv(t)
	a, b := e.start(nil), e.start(nil)
	const capacity = 41 // odd: the last place can only go to someone alone
	sessionID := a.session(a.workshop("public"), capacity, 0)
	path := "/api/v1/sessions/" + itoa(sessionID)

	var (
		mu        sync.Mutex
		told      int                   // places people were told are theirs
		pairs     = map[string]string{} // booker's reference -> companion's
		statuses  = map[int]int{}
		next      atomic.Int64
		wg        sync.WaitGroup
		instances = []*instance{a, b}
		attempts  = 400
		record    = func(s int) { mu.Lock(); statuses[s]++; mu.Unlock() }
	)
	for w := 0; w < 60; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= attempts {
					return
				}
				in := instances[i%2]
				p := person(i)
				pair := i%3 != 0
				if pair {
					p["companion"] = map[string]any{"name": "Carer " + strconv.Itoa(i)}
					if i%2 == 0 {
						p["companion"].(map[string]any)["email"] = "carer" + strconv.Itoa(i) + "@example.org"
					}
				}
				var r response
				if i%4 < 2 {
					body := map[string]any{"mode": "in_person"}
					if pair {
						body["places"] = 2
					}
					h := in.do("POST", path+"/holds", body)
					record(h.status)
					if h.status != http.StatusCreated {
						continue
					}
					r = in.do("POST", "/api/v1/holds/"+h.json(t)["hold_id"].(string)+"/booking", p)
				} else {
					p["mode"] = "in_person"
					r = in.do("POST", path+"/bookings", p)
				}
				record(r.status)
				if r.status != http.StatusCreated {
					continue
				}
				got := r.json(t)
				mu.Lock()
				told++
				if c, ok := got["companion"].(map[string]any); ok {
					told++
					pairs[got["reference"].(string)] = c["reference"].(string)
				} else if pair {
					t.Errorf("a pair was booked without its companion: %s", r.body)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()

	for s, n := range statuses {
		if s > 499 {
			t.Errorf("%d responses with status %d", n, s)
		}
	}
	if told != capacity {
		t.Errorf("places people were told are theirs: %d, want exactly %d (statuses %v)", told, capacity, statuses)
	}
	live, booked := e.counts(sessionID)
	if live["in_person"] != capacity || booked["in_person"] != capacity {
		t.Errorf("Postgres: %d live rows, booked %d; want both %d", live["in_person"], booked["in_person"], capacity)
	}
	// Every pair is two live rows, the companion linked to its booker; no
	// companion is live without them.
	ctx := context.Background()
	for booker, companion := range pairs {
		var linked bool
		err := e.db.Pool.QueryRow(ctx, `
			SELECT c.companion_of = p.id AND c.status = 'confirmed' AND p.status = 'confirmed'
			FROM bookings c, bookings p WHERE c.reference = $1 AND p.reference = $2`, companion, booker).Scan(&linked)
		if err != nil || !linked {
			t.Errorf("pair %s with %s: linked %v, %v", booker, companion, linked, err)
		}
	}
	var rowsPaired int
	if err := e.db.Pool.QueryRow(ctx, `
		SELECT count(*) FROM bookings c JOIN bookings p ON p.id = c.companion_of
		WHERE c.session_id = $1 AND c.status <> 'cancelled' AND p.status <> 'cancelled'`, sessionID).Scan(&rowsPaired); err != nil {
		t.Fatal(err)
	}
	if rowsPaired != len(pairs) {
		t.Errorf("live companions in Postgres: %d, pairs told booked: %d", rowsPaired, len(pairs))
	}
	// The mirror in Redis says what Postgres says, with nothing still held.
	key := e.prefix + "{s:" + itoa(sessionID) + "}:in_person"
	taken, err := e.rdb.HGet(ctx, key, "taken").Int()
	if err != nil {
		t.Fatal(err)
	}
	held, _ := e.rdb.ZCard(ctx, key+":holds").Result()
	pending, _ := e.rdb.ZCard(ctx, key+":pending").Result()
	if taken != booked["in_person"] || held != 0 || pending != 0 {
		t.Errorf("Redis: taken %d, held %d, pending %d; Postgres booked %d", taken, held, pending, booked["in_person"])
	}
}
