package loadgen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Database creates an empty database on the Postgres server at adminURL,
// named for prefix and chance; drop removes it.
func Database(ctx context.Context, adminURL, prefix string) (dbURL string, drop func(), err error) {
	name := "workshops_" + prefix + "_" + Random(6)
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", nil, err
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", nil, err
	}
	drop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, adminURL)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		drop()
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}

// Random is n random bytes in hex.
func Random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ServiceEnv is the configuration of a workshopd under load: one database,
// one Redis (a server or a cluster), the SMTP sink, no rate limits (every
// request comes from this machine) and JSON logs.
func ServiceEnv(dbURL, redisURL, adminToken, smtpAddr string) []string {
	return []string{"DATABASE_URL=" + dbURL, "REDIS_URL=" + redisURL, "ADMIN_TOKEN=" + adminToken,
		"SMTP_URL=smtp+plain://" + smtpAddr, "RATE_LIMITS=off", "LOG_FORMAT=json",
		"MAIL_FROM=Coventry City Council <workshops@coventry.example.org>"}
}

// Instance is one `workshopd serve` process on a loopback port of its own.
type Instance struct {
	Addr string
	bin  string
	env  []string
	log  io.Writer
	cmd  *exec.Cmd
}

// NewInstance prepares bin to serve with env on a free loopback address,
// its output going to log; Start starts it.
func NewInstance(bin string, env []string, log io.Writer) (*Instance, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	_ = l.Close()
	env = append(append(os.Environ(), env...), "HTTP_ADDR="+addr, "BASE_URL=http://"+addr)
	return &Instance{Addr: addr, bin: bin, env: env, log: log}, nil
}

// URL is the instance's base URL.
func (in *Instance) URL() string { return "http://" + in.Addr }

// Start starts the process; WaitReady says when it serves.
func (in *Instance) Start() error {
	in.cmd = exec.Command(in.bin, "serve")
	in.cmd.Env = in.env
	in.cmd.Stdout, in.cmd.Stderr = in.log, in.log
	return in.cmd.Start()
}

// Kill ends the process with SIGKILL, as a crash would.
func (in *Instance) Kill() {
	if in.cmd != nil && in.cmd.Process != nil {
		_ = in.cmd.Process.Signal(syscall.SIGKILL)
		_ = in.cmd.Wait()
		in.cmd = nil
	}
}

// Stop asks the process to shut down (SIGTERM), and kills it after 15 s.
func (in *Instance) Stop() {
	if in.cmd == nil || in.cmd.Process == nil {
		return
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = in.cmd.Wait(); close(done) }()
	select {
	case <-done:
		in.cmd = nil
	case <-time.After(15 * time.Second):
		in.Kill()
	}
}

// WaitReady waits until base/readyz answers 200, for at most within.
func WaitReady(base string, within time.Duration) error {
	c := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(within)
	for {
		resp, err := c.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("workshopd at %s not ready after %v (see its log)", base, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
