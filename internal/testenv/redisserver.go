package testenv

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/coventry/workshops/internal/rediscluster"
)

// RedisServer is a redis-server of a test's own on a free loopback port,
// which the test may stop and start again: for outages and restarts that
// must not disturb the shared server. It keeps nothing on disk, so a
// restart loses every key, as a restart without persistence does.
type RedisServer struct {
	t    testing.TB
	port int
	dir  string
	cmd  *exec.Cmd
	out  *bytes.Buffer
	// URL is database 0 of the server.
	URL string
}

// NewRedisServer starts a redis-server (the binary must be on PATH) and
// stops it when t ends. Anything that goes wrong fails the test.
func NewRedisServer(t testing.TB) *RedisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatalf("testenv: redis-server is needed (apt-get install redis-server): %v", err)
	}
	port := FreePort(t)
	r := &RedisServer{t: t, port: port, dir: t.TempDir(), URL: fmt.Sprintf("redis://127.0.0.1:%d/0", port)}
	r.Start()
	t.Cleanup(r.Stop)
	return r
}

// Addr is the server's host:port.
func (r *RedisServer) Addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

// Start starts the server and waits until it answers.
func (r *RedisServer) Start() {
	r.t.Helper()
	if r.cmd != nil {
		r.t.Fatal("testenv: redis-server started twice")
	}
	r.out = &bytes.Buffer{}
	cmd := exec.Command("redis-server", "--bind", "127.0.0.1", "--port", strconv.Itoa(r.port),
		"--save", "", "--appendonly", "no", "--dir", r.dir)
	cmd.Stdout, cmd.Stderr = r.out, r.out
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("testenv: start redis-server: %v", err)
	}
	r.cmd = cmd
	if err := rediscluster.WaitForPing(r.Addr(), 10*time.Second); err != nil {
		r.Stop()
		r.t.Fatalf("testenv: redis-server on port %d does not answer after 10 s: %v\n%s", r.port, err, r.out)
	}
}

// Stop kills the server (as a crash would) and waits for it to end.
func (r *RedisServer) Stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}
