// Command soak runs the service as it would be run at scale and checks
// that nothing drifts: three `workshopd serve` processes over one Postgres
// and a Redis Cluster of three masters and three replicas on loopback
// (internal/rediscluster), with an SMTP sink counting by Message-ID.
// Mixed traffic goes to all three for -duration: holds, bookings with and
// without a hold, holds released or left to lapse, cancellations, switches
// between in person and online, moves to another session, waiting-list
// sign-ups and offers accepted, pages read, and an organiser moving
// sessions and adding places. Once quiet it checks:
//
//   - no session and way of taking part has more places taken than it has,
//     and the counts agree with the bookings and offers themselves;
//   - the Redis mirror of every session's places equals Postgres;
//   - every email in the outbox was sent, and arrived exactly once;
//   - every booking answered 201 is in Postgres, as the answers left it;
//   - no answer was a 5xx other than 503 with Retry-After, and every
//     request was answered.
//
// It exits 1 when a check fails. `make soak` builds workshopd and runs it
// (SOAK_DURATION, default 10m); CI runs it for two minutes.
//
//	go run ./cmd/soak -workshopd bin/workshopd -duration 10m \
//	  -postgres 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
//
// See docs/BENCHMARKS.md for the figures.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/coventry/workshops/internal/loadgen"
	"github.com/coventry/workshops/internal/rediscluster"
)

type options struct {
	workshopd, postgres, logFile string
	duration, settle             time.Duration
	instances, rate, sessions    int
	inPerson, online             int
	adminEvery                   time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.workshopd, "workshopd", "bin/workshopd", "the workshopd binary (make build)")
	flag.StringVar(&o.postgres, "postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "a Postgres server to make a throw-away database on")
	flag.StringVar(&o.logFile, "log", "soak-server.log", "where the servers' logs go")
	flag.DurationVar(&o.duration, "duration", 10*time.Minute, "how long the traffic lasts")
	flag.DurationVar(&o.settle, "settle", 3*time.Minute, "how long, once the holds have lapsed, the checks may take to pass")
	flag.IntVar(&o.instances, "instances", 3, "workshopd processes")
	flag.IntVar(&o.rate, "rate", 20, "actions a second, spread over the instances")
	flag.IntVar(&o.sessions, "sessions", 6, "sessions of the workshop")
	flag.IntVar(&o.inPerson, "in-person", 20, "in-person places of each session at the start")
	flag.IntVar(&o.online, "online", 10, "online places of each session at the start")
	flag.DurationVar(&o.adminEvery, "admin-every", 10*time.Second, "how often the organiser moves a session or adds places")
	flag.Parse()
	ok, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// holdTTL is the shortest HOLD_TTL the service takes, so that holds left
// to lapse do so within the soak.
const holdTTL = time.Minute

func run(o options) (bool, error) {
	ctx := context.Background()
	if _, err := os.Stat(o.workshopd); err != nil {
		return false, fmt.Errorf("%s: %w (make build)", o.workshopd, err)
	}
	dir, err := os.MkdirTemp("", "soak-redis-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	cluster, err := rediscluster.Start(dir, 3)
	if err != nil {
		return false, err
	}
	defer cluster.Close()
	dbURL, drop, err := loadgen.Database(ctx, o.postgres, "soak")
	if err != nil {
		return false, err
	}
	defer drop()
	sink, err := loadgen.StartSink(0)
	if err != nil {
		return false, err
	}
	defer sink.Close()
	logf, err := os.Create(o.logFile)
	if err != nil {
		return false, err
	}
	defer logf.Close()

	token := "soak-" + loadgen.Random(16)
	env := append(loadgen.ServiceEnv(dbURL, cluster.URL, token, sink.Addr), "HOLD_TTL="+holdTTL.String())
	client := loadgen.NewClient(64)
	var apis []*loadgen.API
	for range o.instances {
		in, err := loadgen.NewInstance(o.workshopd, env, logf)
		if err != nil {
			return false, err
		}
		// One at a time: the first migrates.
		if err := in.Start(); err != nil {
			return false, err
		}
		defer in.Stop()
		if err := loadgen.WaitReady(in.URL(), time.Minute); err != nil {
			return false, err
		}
		apis = append(apis, &loadgen.API{Base: in.URL(), AdminToken: token, Client: client})
	}
	fmt.Printf("soak: %d workshopd over one Postgres and a Redis Cluster (%s), %v of traffic at %d actions/s\n",
		o.instances, strings.Join(cluster.Addrs, ","), o.duration, o.rate)

	s, err := newSoak(apis, o)
	if err != nil {
		return false, err
	}
	start := time.Now()
	s.traffic(o.duration)
	fmt.Printf("soak: traffic ended after %v; waiting %v for the holds left to lapse\n", time.Since(start).Round(time.Second), holdTTL)
	time.Sleep(holdTTL + 2*time.Second)

	c, err := newChecker(ctx, dbURL, cluster, sink)
	if err != nil {
		return false, err
	}
	defer c.close()
	var problems []string
	deadline := time.Now().Add(o.settle)
	for {
		problems = c.check(ctx, s)
		if len(problems) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	s.report(w)
	c.report(w)
	if len(problems) > 0 {
		fmt.Fprintf(w, "\nFAILED (%d problems; the servers' log is %s):\n", len(problems), o.logFile)
		for i, p := range problems {
			if i == 40 {
				fmt.Fprintf(w, "  ... and %d more\n", len(problems)-i)
				break
			}
			fmt.Fprintln(w, "  "+p)
		}
		printErrors(w, o.logFile)
		return false, nil
	}
	fmt.Fprintln(w, "\nevery check passed")
	return true, nil
}

// printErrors shows the servers' logged errors, which say why a request
// failed (the request id of a 5xx above is in its line).
func printErrors(w io.Writer, logFile string) {
	f, err := os.Open(logFile)
	if err != nil {
		return
	}
	defer f.Close()
	var errs []string
	lines := bufio.NewScanner(f)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	for lines.Scan() {
		if strings.Contains(lines.Text(), `"level":"ERROR"`) {
			errs = append(errs, lines.Text())
		}
	}
	if len(errs) == 0 {
		return
	}
	fmt.Fprintf(w, "\nthe servers logged %d errors; the last ones:\n", len(errs))
	for _, e := range errs[max(0, len(errs)-20):] {
		fmt.Fprintln(w, "  "+e)
	}
}
