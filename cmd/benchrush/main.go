// Command benchrush plays a launch rush against a running workshopd and
// measures it against a no-op Gin endpoint and against bare SQL, all in one
// run on one machine, so the figures are ratios rather than absolutes.
//
//	go run ./cmd/benchrush -base http://127.0.0.1:8090 -admin-token T -database postgres://...
//
// See docs/BENCHMARKS.md for what it measures and the figures.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/internal/loadgen"
)

func main() {
	var (
		base       = flag.String("base", "http://127.0.0.1:8090", "the running service")
		adminToken = flag.String("admin-token", os.Getenv("ADMIN_TOKEN"), "its ADMIN_TOKEN")
		database   = flag.String("database", os.Getenv("DATABASE_URL"), "its Postgres, for the bare-SQL comparison")
		clients    = flag.Int("clients", 100, "concurrent clients in the hold rush")
		requests   = flag.Int("requests", 20000, "hold requests in each phase")
		bookers    = flag.Int("bookers", 32, "concurrent clients in the confirmation comparison")
		sessions   = flag.Int("sessions", 1000, "sessions the confirmations are spread over")
		perSession = flag.Int("per-session", 10, "confirmations per session")
		serveNoop  = flag.String("serve-noop", "", "internal: serve the no-op endpoint on this address")
	)
	flag.Parse()
	if *serveNoop != "" {
		if err := noopServer(*serveNoop); err != nil {
			fmt.Fprintln(os.Stderr, "benchrush:", err)
			os.Exit(1)
		}
		return
	}
	client := loadgen.NewClient(*clients + *bookers)
	b := &bench{base: strings.TrimRight(*base, "/"), client: client,
		api: &loadgen.API{Base: strings.TrimRight(*base, "/"), AdminToken: *adminToken, Client: client}}
	if err := b.run(context.Background(), *clients, *requests, *database, *bookers, *sessions, *perSession); err != nil {
		fmt.Fprintln(os.Stderr, "benchrush:", err)
		os.Exit(1)
	}
}

// noopServer is the yardstick: a Gin JSON endpoint that parses the body
// and answers 409, in its own process as the service is.
func noopServer(addr string) error {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.POST("/noop", func(c *gin.Context) {
		var body struct {
			Mode string `json:"mode"`
		}
		if err := c.ShouldBindJSON(&body); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": gin.H{"code": "invalid"}})
			return
		}
		c.JSON(http.StatusConflict, gin.H{"error": gin.H{"code": "full", "message": "There are no places left."}})
	})
	return http.ListenAndServe(addr, r)
}

// startNoop runs this program again as the no-op server and waits for it.
func startNoop(ctx context.Context) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	self, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.CommandContext(ctx, self, "-serve-noop", addr)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop = func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	for range 100 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "http://" + addr + "/noop", stop, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return "", nil, errors.New("the no-op server did not start")
}

// phase is one measured stretch of requests.
type phase struct {
	name      string
	requests  int
	elapsed   time.Duration
	latencies []time.Duration
	statuses  map[int]int
}

func (p *phase) rps() float64 { return float64(p.requests) / p.elapsed.Seconds() }

func (p *phase) quantile(q float64) time.Duration {
	if len(p.latencies) == 0 {
		return 0
	}
	return p.latencies[int(q*float64(len(p.latencies)-1))]
}

// drive sends n requests from c concurrent clients; each request is made
// by do, which returns the HTTP status.
func drive(name string, c, n int, do func(i int) (int, error)) (*phase, error) {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		lat      = make([]time.Duration, 0, n)
		statuses = map[int]int{}
		firstErr error
	)
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, n/c+1)
			localStatus := map[int]int{}
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					break
				}
				t0 := time.Now()
				status, err := do(i)
				local = append(local, time.Since(t0))
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				localStatus[status]++
			}
			mu.Lock()
			lat = append(lat, local...)
			for s, k := range localStatus {
				statuses[s] += k
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	p := &phase{name: name, requests: n, elapsed: time.Since(start), latencies: lat, statuses: statuses}
	slices.Sort(p.latencies)
	return p, firstErr
}

// post sends a JSON body and drains the answer so the connection is reused.
func (b *bench) post(url, body string, into func([]byte)) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if into != nil {
		into(data)
	}
	if resp.StatusCode >= 500 {
		return resp.StatusCode, fmt.Errorf("%s: %d %s", url, resp.StatusCode, data)
	}
	return resp.StatusCode, nil
}
