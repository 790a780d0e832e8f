// Command killbench measures what `kill -9` of a workshopd costs the
// emails: duplicates and delays. It runs two `workshopd serve` processes
// over one fresh database and one Redis, sending to an SMTP sink of its own
// that counts messages by Message-ID; books places through both at a steady
// rate; kills one with SIGKILL every -every and starts it again at once;
// then waits until every confirmation has arrived (or -settle passes) and
// reports. It needs a built workshopd, a Postgres server it may create and
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
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
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

// sink is an SMTP server that remembers when each Message-ID and each
// recipient first arrived, and how often each Message-ID came.
type sink struct {
	delay   time.Duration
	mu      sync.Mutex
	byID    map[string]int
	firstTo map[string]time.Time
	total   int
}

func (s *sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }

type sinkSession struct {
	s  *sink
	to []string
}

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, strings.ToLower(to))
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	id := msg.Header.Get("Message-ID")
	time.Sleep(ss.s.delay)
	now := time.Now()
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	ss.s.total++
	ss.s.byID[id]++
	for _, to := range ss.to {
		if _, ok := ss.s.firstTo[to]; !ok {
			ss.s.firstTo[to] = now
		}
	}
	return nil
}
func (ss *sinkSession) Reset()        { ss.to = nil }
func (ss *sinkSession) Logout() error { return nil }

type instance struct {
	args []string
	env  []string
	addr string
	cmd  *exec.Cmd
	log  io.Writer
}

func (in *instance) start() error {
	in.cmd = exec.Command(in.args[0], in.args[1:]...)
	in.cmd.Env = in.env
	in.cmd.Stdout, in.cmd.Stderr = in.log, in.log
	return in.cmd.Start()
}

func (in *instance) kill() {
	if in.cmd != nil && in.cmd.Process != nil {
		_ = in.cmd.Process.Signal(syscall.SIGKILL)
		_ = in.cmd.Wait()
	}
}

func (in *instance) stop() {
	if in.cmd != nil && in.cmd.Process != nil {
		_ = in.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = in.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			in.kill()
		}
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func run(workshopd, pgURL, redisURL string, kills int, every time.Duration, rate int, settle time.Duration, logFile string, delay time.Duration) error {
	ctx := context.Background()
	if _, err := os.Stat(workshopd); err != nil {
		return fmt.Errorf("%s: %w (make build)", workshopd, err)
	}
	// A throw-away database, dropped at the end.
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	dbName := "workshops_killbench_" + hex.EncodeToString(b)
	admin, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+dbName); err != nil {
		return err
	}
	defer func() {
		_, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+dbName+" WITH (FORCE)")
	}()
	u, err := url.Parse(pgURL)
	if err != nil {
		return err
	}
	u.Path = "/" + dbName
	dbURL := u.String()
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

	sk := &sink{delay: delay, byID: map[string]int{}, firstTo: map[string]time.Time{}}
	srv := smtp.NewServer(sk)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	logf, err := os.Create(logFile)
	if err != nil {
		return err
	}
	defer logf.Close()
	token := "killbench-" + hex.EncodeToString(append(b, b...)) + "-0123456789abcdef"
	var ins [2]*instance
	for i := range ins {
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		ins[i] = &instance{args: []string{workshopd, "serve"}, addr: addr, log: logf, env: append(os.Environ(),
			"DATABASE_URL="+dbURL, "REDIS_URL="+redisURL, "HTTP_ADDR="+addr, "BASE_URL=http://"+addr,
			"ADMIN_TOKEN="+token, "SMTP_URL=smtp+plain://"+ln.Addr().String(), "RATE_LIMITS=off",
			"MAIL_FROM=Coventry City Council <workshops@coventry.example.org>", "LOG_FORMAT=json")}
	}
	// The first migrates; then the second.
	for _, in := range ins {
		if err := in.start(); err != nil {
			return err
		}
		defer in.stop()
		if err := waitReady(in.addr, 60*time.Second); err != nil {
			return err
		}
	}
	client := &http.Client{Timeout: 20 * time.Second}
	sid, err := setup(client, "http://"+ins[1].addr, token)
	if err != nil {
		return err
	}

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
				resp, err := client.Post("http://"+in.addr+"/api/v1/sessions/"+sid+"/bookings", "application/json", bytes.NewReader(body))
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
		ins[0].kill()
		fmt.Printf("kill -9 %d at %v\n", k+1, time.Since(start).Round(time.Millisecond))
		if err := ins[0].start(); err != nil {
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
		sk.mu.Lock()
		got := 0
		for email := range bookedAt {
			if _, ok := sk.firstTo[email]; ok {
				got++
			}
		}
		sk.mu.Unlock()
		if got == want || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // a late duplicate still counts

	sk.mu.Lock()
	defer sk.mu.Unlock()
	var delays []time.Duration
	missing := 0
	for email, at := range bookedAt {
		first, ok := sk.firstTo[email]
		if !ok {
			missing++
			continue
		}
		delays = append(delays, first.Sub(at))
	}
	slices.Sort(delays)
	dups, extra := 0, 0
	for _, c := range sk.byID {
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
	fmt.Fprintf(w, "messages received: %d, distinct Message-IDs: %d\n", sk.total, len(sk.byID))
	fmt.Fprintf(w, "Message-IDs received more than once: %d (%d extra copies)\n", dups, extra)
	fmt.Fprintf(w, "confirmations never received: %d\n", missing)
	fmt.Fprintf(w, "delay from 201 to receipt: p50 %v, p95 %v, p99 %v, max %v; over 5 s: %d, over 30 s: %d\n",
		pct(0.5), pct(0.95), pct(0.99), pct(1), over(5*time.Second), over(30*time.Second))
	if missing > 0 {
		return errors.New("some confirmations never arrived")
	}
	return nil
}

func waitReady(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("workshopd at %s not ready after %v (see the log)", addr, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// setup creates a workshop and a session with ample places; it returns the
// session's id.
func setup(c *http.Client, base, token string) (string, error) {
	post := func(path string, body any) (map[string]any, error) {
		j, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+path, bytes.NewReader(j))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode != http.StatusCreated {
			return nil, fmt.Errorf("POST %s: %d %v", path, resp.StatusCode, out)
		}
		return out, nil
	}
	w, err := post("/api/v1/admin/workshops", map[string]any{"title": "One Coventry Plan: have your say",
		"summary": "Tell us what matters to you.", "audience": "public"})
	if err != nil {
		return "", err
	}
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Hour)
	s, err := post(fmt.Sprintf("/api/v1/admin/workshops/%v/sessions", w["id"]), map[string]any{
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339),
		"venue":    map[string]any{"name": "Council House", "address": "Earl Street, Coventry CV1 5RR"},
		"capacity": map[string]any{"in_person": 10000}})
	if err != nil {
		return "", err
	}
	return fmt.Sprint(s["id"]), nil
}
