package web_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// TestWaitlistRaceNeverOverbooks cancels every booking of a full session
// from many goroutines over two instances while the people offered the
// places accept or decline them, more people join, others rush to book,
// the lapse worker runs and the clock jumps past every offer. Postgres must
// never overbook, every accepted entry must have exactly one booking, the
// rush must never snatch an offered place, and the Redis mirror must agree.
func TestWaitlistRaceNeverOverbooks(t *testing.T) {
	e := newEnv(t)
	a, b := e.start(nil), e.start(nil)
	instances := []*instance{a, b}
	const places = 24
	sid := a.session(a.workshop("public"), places, 0)
	manage := a.bookEveryPlace(sid, places, 0)
	for i := 1000; i < 1036; i++ {
		if r := instances[i%2].joinWaitlist(sid, i, "in_person"); r.status != http.StatusCreated {
			t.Fatalf("join %d: %d %s", i, r.status, r.body)
		}
	}

	var (
		wg                          sync.WaitGroup
		accepted, declined, refused atomic.Int64
		rushBooked, joined          atomic.Int64
		responses                   sync.WaitGroup
		offersSeen                  atomic.Int64
	)
	respond := func(in *instance, offer [2]string) {
		defer responses.Done()
		n := offersSeen.Add(1)
		q := "?token=" + offer[1]
		if n%7 == 3 {
			return // never reads the email: the offer lapses
		}
		if n%5 == 0 {
			if r := in.do("POST", "/api/v1/waitlist/"+offer[0]+"/decline"+q, nil); r.status == http.StatusOK {
				declined.Add(1)
			} else if r.status != http.StatusConflict {
				t.Errorf("decline: %d %s", r.status, r.body)
			}
			return
		}
		switch r := in.do("POST", "/api/v1/waitlist/"+offer[0]+"/accept"+q, nil); r.status {
		case http.StatusCreated:
			accepted.Add(1)
		case http.StatusConflict: // the offer lapsed when the clock jumped
			refused.Add(1)
		default:
			t.Errorf("accept: %d %s", r.status, r.body)
		}
	}
	var last int64
	var pollMu sync.Mutex
	poll := func() int {
		pollMu.Lock()
		defer pollMu.Unlock()
		var offers [][2]string
		offers, last = e.offerLinks(last)
		for i, o := range offers {
			responses.Add(1)
			go respond(instances[i%2], o)
		}
		return len(offers)
	}

	stop := make(chan struct{})
	var pollerDone sync.WaitGroup
	pollerDone.Add(1)
	go func() { // the people reading their offer emails
		defer pollerDone.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			poll()
			time.Sleep(2 * time.Millisecond) // pacing the poll, not waiting for expiry
		}
	}()
	for i, m := range manage {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == places/2 {
				e.clock.Advance(booking.DefaultOfferTTL + time.Minute) // every offer made so far ends
			}
			path, token := splitLink(t, m)
			if r := instances[i%2].do("DELETE", "/api/v1"+path+"?token="+token, nil); r.status != http.StatusOK {
				t.Errorf("cancel %d: %d %s", i, r.status, r.body)
			}
		}()
	}
	for i := 2000; i < 2020; i++ {
		wg.Add(2)
		go func() { // more people join
			defer wg.Done()
			switch r := instances[i%2].joinWaitlist(sid, i, "in_person"); r.status {
			case http.StatusCreated:
				joined.Add(1)
			default:
				t.Errorf("join during the race: %d %s", r.status, r.body)
			}
		}()
		go func() { // others try to book the freed places directly
			defer wg.Done()
			p := person(i + 1000)
			p["mode"] = "in_person"
			switch r := instances[i%2].do("POST", "/api/v1/sessions/"+itoa(sid)+"/bookings", p); r.status {
			case http.StatusCreated:
				rushBooked.Add(1)
			case http.StatusConflict:
			default:
				t.Errorf("rush: %d %s", r.status, r.body)
			}
		}()
	}
	wg.Add(1)
	go func() { // the lapse worker, in both instances
		defer wg.Done()
		for i := 0; i < 20; i++ {
			w := &booking.WaitlistWorker{Service: instances[i%2].svc}
			w.Step(context.Background())
		}
	}()
	wg.Wait()
	close(stop)
	pollerDone.Wait()
	responses.Wait()

	// Let everything settle: lapse what ended, answer what is offered.
	ctx := context.Background()
	for round := 0; ; round++ {
		if round > 50 {
			t.Fatal("offers never settled")
		}
		if _, err := a.svc.LapseOffers(ctx); err != nil {
			t.Fatal(err)
		}
		fresh := poll()
		responses.Wait()
		var offered int
		if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM waitlist_entries WHERE session_id = $1 AND status = 'offered'`, sid).Scan(&offered); err != nil {
			t.Fatal(err)
		}
		if offered == 0 {
			break
		}
		if fresh == 0 {
			e.clock.Advance(booking.DefaultOfferTTL + time.Minute) // what is left lapses
		}
	}

	if rushBooked.Load() != 0 {
		t.Errorf("the rush booked %d places that were freed for the waiting list", rushBooked.Load())
	}
	var capacity, booked, offered, live, acceptedEntries, withOneBooking, overbooked, lapsed int
	q := func(sql string, dest ...any) {
		t.Helper()
		if err := e.db.Pool.QueryRow(ctx, sql, sid).Scan(dest...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	q(`SELECT capacity, booked, offered FROM session_capacity WHERE session_id = $1 AND mode = 'in_person'`, &capacity, &booked, &offered)
	q(`SELECT count(*) FROM bookings WHERE session_id = $1 AND status <> 'cancelled'`, &live)
	q(`SELECT count(*) FROM waitlist_entries WHERE session_id = $1 AND status = 'accepted'`, &acceptedEntries)
	q(`SELECT count(*) FROM waitlist_entries w WHERE w.session_id = $1 AND w.status = 'accepted'
	   AND (SELECT count(*) FROM bookings b WHERE b.id = w.booking_id AND b.status <> 'cancelled'
	        AND lower(b.email) = lower(w.email) AND b.session_id = w.session_id) = 1`, &withOneBooking)
	q(`SELECT count(*) FROM session_capacity WHERE session_id = $1 AND booked + offered > capacity`, &overbooked)
	q(`SELECT count(*) FROM waitlist_entries WHERE session_id = $1 AND status = 'lapsed'`, &lapsed)
	t.Logf("accepted %d, declined %d, refused %d, lapsed %d, joined during the race %d; booked %d of %d",
		accepted.Load(), declined.Load(), refused.Load(), lapsed, joined.Load(), booked, capacity)
	if lapsed == 0 {
		t.Error("no offer lapsed: the race did not exercise lapses")
	}
	if overbooked != 0 || booked+offered > capacity || booked != live {
		t.Errorf("capacity %d, booked %d, offered %d, live bookings %d", capacity, booked, offered, live)
	}
	if int64(acceptedEntries) != accepted.Load() || withOneBooking != acceptedEntries {
		t.Errorf("%d accepted entries, %d with exactly one booking of theirs, %d accepted answers", acceptedEntries, withOneBooking, accepted.Load())
	}
	// People still wait, so every place went to someone from the list.
	if booked != capacity || acceptedEntries != capacity {
		t.Errorf("booked %d and accepted %d, want all %d places taken from the list", booked, acceptedEntries, capacity)
	}

	// The Redis mirror agrees with Postgres, before and after a sync.
	key := e.prefix + "{s:" + itoa(sid) + "}:in_person"
	if taken, err := e.rdb.HGet(ctx, key, "taken").Int(); err != nil || taken != booked+offered {
		t.Errorf("mirror taken = %d (%v), Postgres %d", taken, err, booked+offered)
	}
	ms, err := a.db.Mirrors(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	a.svc.Holds.Sync(ctx, ms...)
	if taken, err := e.rdb.HGet(ctx, key, "taken").Int(); err != nil || taken != booked+offered {
		t.Errorf("mirror taken after a sync = %d (%v), Postgres %d", taken, err, booked+offered)
	}
}
