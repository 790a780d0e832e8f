package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coventry/workshops/internal/testenv"
	"github.com/coventry/workshops/notify/smtptest"
)

// Two instances over one Postgres and a real three-master Redis Cluster
// (REDIS_URL=redis+cluster://...) with a replica per master. Holds and
// bookings go through the cluster; during a rush for a session, the master
// serving that session's slot is killed and its replica takes over. Nothing
// is overbooked, every answer is one the contract allows (a 5xx other than
// 503 is a bug), holds fall back to stateless while the slot has no master,
// and go back to the cluster once the replica serves it.
func TestRedisClusterFailoverDuringRush(t *testing.T) {
	ctx := context.Background()
	cl := testenv.NewRedisCluster(t, 3)
	dbURL := database(t, "cluster")
	smtp := smtptest.Start(t, smtptest.Options{})
	a := openE2E(t, dbURL, smtp, map[string]string{"REDIS_URL": cl.URL})
	b := openE2E(t, dbURL, smtp, map[string]string{"REDIS_URL": cl.URL})

	const inPerson, online = 60, 5
	_, w := call(t, "POST", a.url+"/api/v1/admin/workshops", map[string]any{
		"title": "One Coventry Plan: the city centre", "summary": "Tell us", "audience": "public"}, e2eAdmin)
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Hour)
	status, s := call(t, "POST", a.url+"/api/v1/admin/workshops/"+jsonID(w)+"/sessions", map[string]any{
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339),
		"venue":      map[string]any{"name": "Council House", "address": "Earl Street, Coventry CV1 5RR"},
		"online_url": "https://teams.microsoft.com/l/meetup-join/cluster",
		"capacity":   map[string]any{"in_person": inPerson, "online": online}}, e2eAdmin)
	if status != http.StatusCreated {
		t.Fatalf("create session: %d %v", status, s)
	}
	sid := jsonID(s)
	sessionURL := "/api/v1/sessions/" + sid
	holdsKey := "{s:" + sid + "}:in_person:holds"

	// A hold is kept in the cluster, on the master of the session's slot.
	status, h := call(t, "POST", a.url+sessionURL+"/holds", map[string]any{"mode": "in_person"}, "")
	if status != http.StatusCreated {
		t.Fatalf("hold through the cluster: %d %v", status, h)
	}
	if n, err := cl.Client().ZCard(ctx, holdsKey).Result(); err != nil || n != 1 {
		t.Fatalf("holds in the cluster after one hold: %d %v", n, err)
	}
	if st := a.app.Holds.Stats(); st.Held != 1 || st.Stateless != 0 {
		t.Fatalf("holds before the rush: %+v", st)
	}
	master, replicas := cl.MasterOf(holdsKey)
	if len(replicas) == 0 {
		t.Fatalf("the master %s of the session's slot has no replica", master)
	}

	var (
		mu       sync.Mutex
		statuses = map[int]int{}
		bad      []string
		booked   = map[string]int{}
		next     atomic.Int64
		made     atomic.Int64
		killed   = make(chan struct{})
		kill     sync.Once
		wg       sync.WaitGroup
	)
	client := &http.Client{Timeout: 30 * time.Second}
	send := func(base, path string, body map[string]any) (int, map[string]any) {
		j, _ := json.Marshal(body)
		resp, err := client.Post(base+path, "application/json", bytes.NewReader(j))
		if err != nil {
			mu.Lock()
			bad = append(bad, fmt.Sprintf("POST %s: %v", path, err))
			mu.Unlock()
			return 0, nil
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		mu.Lock()
		statuses[resp.StatusCode]++
		if resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable {
			bad = append(bad, fmt.Sprintf("POST %s: %d %v", path, resp.StatusCode, out))
		}
		mu.Unlock()
		return resp.StatusCode, out
	}
	const attempts, workers = 400, 40
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= attempts {
					return
				}
				if i == attempts/2 {
					<-killed // the second half of the rush runs after the kill
				}
				base := a.url
				if i%2 == 1 {
					base = b.url
				}
				mode := "in_person" // online is kept for after the failover
				person := map[string]any{"name": "Resident", "email": fmt.Sprintf("cluster%d@example.org", i),
					"postcode": "CV1 5RR", "consent": true}
				var st int
				if i%3 == 0 {
					hs, hold := send(base, sessionURL+"/holds", map[string]any{"mode": mode})
					if hs != http.StatusCreated {
						continue
					}
					st, _ = send(base, "/api/v1/holds/"+hold["hold_id"].(string)+"/booking", person)
				} else {
					person["mode"] = mode
					st, _ = send(base, sessionURL+"/bookings", person)
				}
				if st == http.StatusCreated {
					mu.Lock()
					booked[mode]++
					mu.Unlock()
					if made.Add(1) == 10 {
						kill.Do(func() { cl.Kill(master); close(killed) })
					}
				}
			}
		})
	}
	wg.Wait()
	kill.Do(func() { close(killed); t.Error("the rush ended before the master was killed") })
	t.Logf("answers: %v; booked %v; holds a %+v, b %+v", statuses, booked, a.app.Holds.Stats(), b.app.Holds.Stats())
	for _, msg := range bad {
		t.Error(msg)
	}

	// Postgres never overbooked and agrees with what people were told.
	var live = map[string]int{}
	rows, err := a.app.DB.Pool.Query(ctx, `SELECT mode, count(*) FROM bookings WHERE session_id = $1 AND status = 'confirmed' GROUP BY mode`, sid)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var mode string
		var n int
		if err := rows.Scan(&mode, &n); err != nil {
			t.Fatal(err)
		}
		live[mode] = n
	}
	rows.Close()
	if live["in_person"] > inPerson {
		t.Errorf("overbooked: %v, capacity in person %d", live, inPerson)
	}
	if live["in_person"] != booked["in_person"] {
		t.Errorf("told booked %v, Postgres has %v", booked, live)
	}
	var over int
	if err := a.app.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM session_capacity WHERE booked + offered > capacity`).Scan(&over); err != nil || over != 0 {
		t.Errorf("%d capacity rows over capacity (%v)", over, err)
	}

	// While the slot had no master, holds fell back to stateless ones.
	if a.app.Holds.Stats().Stateless+b.app.Holds.Stats().Stateless == 0 {
		t.Error("no stateless hold while the session's master was down: the failover was not seen")
	}
	// The replica serves the slot now, and holds are kept in the cluster again.
	cl.WaitHealthy()
	if now, _ := cl.MasterOf(holdsKey); now == master {
		t.Fatalf("the killed master %s still serves the slot", master)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		before := a.app.Holds.Stats().Held
		st, out := call(t, "POST", a.url+sessionURL+"/holds", map[string]any{"mode": "online"}, "")
		if st != http.StatusCreated {
			t.Fatalf("hold after the failover: %d %v", st, out)
		}
		if a.app.Holds.Stats().Held > before {
			if n, err := cl.Client().ZCard(ctx, "{s:"+sid+"}:online:holds").Result(); err != nil || n == 0 {
				t.Fatalf("a hold kept after the failover is not in the cluster: %d %v", n, err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("holds still not kept in the cluster 30 s after the failover")
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Once quiet, the mirror the replica kept agrees with Postgres: the
	// counts that could not be written during the failover are written
	// when Redis answers again.
	var pgTaken int
	if err := a.app.DB.Pool.QueryRow(ctx, `SELECT booked + offered FROM session_capacity WHERE session_id = $1 AND mode = 'in_person'`, sid).Scan(&pgTaken); err != nil {
		t.Fatal(err)
	}
	check := cl.Client()
	for {
		taken, err := check.HGet(ctx, "{s:"+sid+"}:in_person", "taken").Int()
		if err == nil && taken == pgTaken {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Redis mirror says %d places taken (%v), Postgres %d", taken, err, pgTaken)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
