// Command killbench measures what `kill -9` of a workshopd costs the
// emails: duplicates and delays. It runs two `workshopd serve` processes
// over one fresh database and one Redis, sending to an SMTP sink of its own
// that counts messages by Message-ID; books places through both at a steady
// rate; kills one with SIGKILL every -every and starts it again at once;
// then waits until every confirmation has arrived (or -settle passes) and
// reports. The database, the instances and the sink are internal/loadgen's,
// as the other load programs' are. It needs a built workshopd, a Postgres server it may create and
// drop a database on, and a Redis database it may empty.
//
//	go run ./cmd/killbench -workshopd bin/workshopd \
//	  -postgres 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' \
//	  -redis redis://127.0.0.1:6379/15 -kills 5
//
// See docs/BENCHMARKS.md for the figures.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/coventry/workshops/internal/loadgen"
)

func main() {
	var (
		workshopd = flag.String("workshopd", "bin/workshopd", "the workshopd binary")
		pgURL     = flag.String("postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "a Postgres server to make a throw-away database on")
		redisURL  = flag.String("redis", "redis://127.0.0.1:6379/15", "a Redis database to use and empty")
		kills     = flag.Int("kills", 5, "how many times to kill -9 the first instance")
		every     = flag.Duration("every", 3*time.Second, "time between kills")
		rate      = flag.Int("rate", 20, "bookings per second, spread over both instances")
		settle    = flag.Duration("settle", 3*time.Minute, "how long to wait for the last emails")
		logFile   = flag.String("log", "killbench-server.log", "where the servers' logs go")
		delay     = flag.Duration("smtp-delay", 0, "how long the sink takes to accept each message (a slow relay widens the window a kill can hit)")
	)
	flag.Parse()
	if err := run(*workshopd, *pgURL, *redisURL, *kills, *every, *rate, *settle, *logFile, *delay); err != nil {
		fmt.Fprintln(os.Stderr, "killbench:", err)
		os.Exit(1)
	}
}

func run(workshopd, pgURL, redisURL string, kills int, every time.Duration, rate int, settle time.Duration, logFile string, delay time.Duration) error {
	ctx := context.Background()
	if _, err := os.Stat(workshopd); err != nil {
		return fmt.Errorf("%s: %w (make build)", workshopd, err)
	}
	dbURL, drop, err := loadgen.Database(ctx, pgURL, "killbench")
	if err != nil {
		return err
	}
	defer drop()
	ro, err := redis.ParseURL(redisURL)
	if err != nil {
		return err
	}
	rdb := redis.NewClient(ro)
	defer rdb.Close()
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	defer rdb.FlushDB(context.Background())

	sk, err := loadgen.StartSink(delay)
	if err != nil {
		return err
	}
	defer sk.Close()

	logf, err := os.Create(logFile)
	if err != nil {
		return err
	}
	defer logf.Close()
	token := "killbench-" + loadgen.Random(16)
	var ins [2]*loadgen.Instance
	for i := range ins {
		if ins[i], err = loadgen.NewInstance(workshopd, loadgen.ServiceEnv(dbURL, redisURL, token, sk.Addr), logf); err != nil {
			return err
		}
	}
	// The first migrates; then the second.
	for _, in := range ins {
		if err := in.Start(); err != nil {
			return err
		}
		defer in.Stop()
		if err := loadgen.WaitReady(in.URL(), 60*time.Second); err != nil {
			return err
		}
	}
	client := &http.Client{Timeout: 20 * time.Second}
	api := &loadgen.API{Base: ins[1].URL(), AdminToken: token, Client: client}
	workshop, err := api.CreateWorkshop("One Coventry Plan: have your say")
	if err != nil {
		return err
	}
	session, err := api.CreateSession(workshop, time.Now().Add(72*time.Hour).Truncate(time.Hour), 10000, 0)
	if err != nil {
		return err
	}
	sid := fmt.Sprint(session)

	// Bookings at a steady rate through both instances (the killed one
	// refuses while it is down: those attempts are counted, not retried).
	var (
		mu       sync.Mutex
		bookedAt = map[string]time.Time{}
		statuses = map[string]int{}
		n        atomic.Int64
		stop     = make(chan struct{})
		wg       sync.WaitGroup
	)
	tick := time.NewTicker(time.Second / time.Duration(rate))
	wg.Go(func() {
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			i := n.Add(1)
			wg.Go(func() {
				in := ins[i%2]
				email := fmt.Sprintf("kb%d@example.org", i)
				body, _ := json.Marshal(map[string]any{"mode": "in_person", "name": "Resident", "email": email,
					"postcode": "CV1 5RR", "consent": true})
				resp, err := client.Post(in.URL()+"/api/v1/sessions/"+sid+"/bookings", "application/json", bytes.NewReader(body))
				at := time.Now()
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					statuses["no answer"]++
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				statuses[fmt.Sprint(resp.StatusCode)]++
				if resp.StatusCode == http.StatusCreated {
					bookedAt[email] = at
				}
			})
		}
	})
	start := time.Now()
	time.Sleep(every)
	for k := range kills {
		ins[0].Kill()
		fmt.Printf("kill -9 %d at %v\n", k+1, time.Since(start).Round(time.Millisecond))
		if err := ins[0].Start(); err != nil {
			return err
		}
		time.Sleep(every)
	}
	close(stop)
	wg.Wait()
	loadEnd := time.Now()

	mu.Lock()
	want := len(bookedAt)
	mu.Unlock()
	deadline := time.Now().Add(settle)
	for {
		got := 0
		for email := range bookedAt {
			if _, ok := sk.FirstTo(email); ok {
				got++
			}
		}
		if got == want || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // a late duplicate still counts

	var delays []time.Duration
	missing := 0
	for email, at := range bookedAt {
		first, ok := sk.FirstTo(email)
		if !ok {
			missing++
			continue
		}
		delays = append(delays, first.Sub(at))
	}
	slices.Sort(delays)
	dups, extra, byID := 0, 0, sk.ByMessageID()
	for _, c := range byID {
		if c > 1 {
			dups++
			extra += c - 1
		}
	}
	pct := func(p float64) time.Duration {
		if len(delays) == 0 {
			return 0
		}
		return delays[int(p*float64(len(delays)-1))].Round(time.Millisecond)
	}
	over := func(d time.Duration) int {
		c := 0
		for _, x := range delays {
			if x > d {
				c++
			}
		}
		return c
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintf(w, "load %v, %d kill -9 of one of two instances, %d bookings/s, SMTP accepts in %v\n", loadEnd.Sub(start).Round(time.Second), kills, rate, delay)
	fmt.Fprintf(w, "answers: %v\n", statuses)
	fmt.Fprintf(w, "bookings confirmed (201): %d\n", want)
	fmt.Fprintf(w, "messages received: %d, distinct Message-IDs: %d\n", sk.Total(), len(byID))
	fmt.Fprintf(w, "Message-IDs received more than once: %d (%d extra copies)\n", dups, extra)
	fmt.Fprintf(w, "confirmations never received: %d\n", missing)
	fmt.Fprintf(w, "delay from 201 to receipt: p50 %v, p95 %v, p99 %v, max %v; over 5 s: %d, over 30 s: %d\n",
		pct(0.5), pct(0.95), pct(0.99), pct(1), over(5*time.Second), over(30*time.Second))
	if missing > 0 {
		return errors.New("some confirmations never arrived")
	}
	return nil
}
