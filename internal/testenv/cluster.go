package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgBin is where Debian installs the Postgres server programs.
const pgBin = "/usr/lib/postgresql/15/bin"

// Cluster is a Postgres server of a test's own, which the test may stop and
// start: for outages that must not disturb the shared server.
type Cluster struct {
	t    testing.TB
	dir  string
	port int
	// URL is the cluster's postgres database, trust authentication.
	URL string
}

// NewCluster initialises a cluster in a temporary directory and starts it on
// a free loopback port; it is stopped and removed when t ends. initdb
// refuses to run as root (as CI does), so there it runs as the postgres
// user. Anything that goes wrong fails the test: nothing here skips.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	for _, prog := range []string{"initdb", "pg_ctl"} {
		if _, err := os.Stat(filepath.Join(pgBin, prog)); err != nil {
			t.Fatalf("testenv: the Postgres 15 server programs are needed (apt-get install postgresql-15): %v", err)
		}
	}
	dir, err := os.MkdirTemp("", "workshops-cluster-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	cl := &Cluster{t: t, dir: dir, port: FreePort(t)}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("testenv: running as root, initdb needs the postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	cl.run("initdb", "--auth=trust", "--username=postgres", "--encoding=UTF8", "--no-sync", "-D", cl.data())
	conf := fmt.Sprintf("\nlisten_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\nfsync = off\nmax_connections = 50\n", cl.port, dir)
	f, err := os.OpenFile(filepath.Join(cl.data(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(conf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	cl.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", cl.port)
	cl.Start()
	t.Cleanup(func() { cl.pgctl("stop", "-m", "immediate") })
	return cl
}

func (cl *Cluster) data() string { return filepath.Join(cl.dir, "data") }

// Start starts the cluster and waits until it takes connections.
func (cl *Cluster) Start() {
	cl.t.Helper()
	if out, err := cl.pgctl("start", "-w", "-t", "60", "-l", filepath.Join(cl.dir, "log")); err != nil {
		log, _ := os.ReadFile(filepath.Join(cl.dir, "log"))
		cl.t.Fatalf("testenv: pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

// Stop stops the cluster the way an operator would (fast shutdown: open
// connections are ended, transactions in flight rolled back).
func (cl *Cluster) Stop() {
	cl.t.Helper()
	if out, err := cl.pgctl("stop", "-w", "-m", "fast"); err != nil {
		cl.t.Fatalf("testenv: pg_ctl stop: %v\n%s", err, out)
	}
}

// Freeze stops every process of the cluster with SIGSTOP: a Postgres that
// hangs rather than refuses. Connections stay open and new ones are accepted
// by the kernel, but nothing is ever answered, as with a server stuck on a
// dead disk or a network that drops packets. Thaw ends it; so does the
// test's end.
func (cl *Cluster) Freeze() {
	cl.t.Helper()
	cl.t.Cleanup(func() { cl.signal(syscall.SIGCONT) })
	cl.signal(syscall.SIGSTOP)
}

// Thaw lets the processes Freeze stopped run again.
func (cl *Cluster) Thaw() {
	cl.t.Helper()
	cl.signal(syscall.SIGCONT)
}

// signal sends sig to the postmaster and to every process it started.
func (cl *Cluster) signal(sig syscall.Signal) {
	cl.t.Helper()
	pidFile, err := os.ReadFile(filepath.Join(cl.data(), "postmaster.pid"))
	if err != nil {
		cl.t.Fatalf("testenv: the cluster is not running: %v", err)
	}
	postmaster, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(pidFile), "\n", 2)[0]))
	if err != nil {
		cl.t.Fatalf("testenv: postmaster.pid: %v", err)
	}
	pids := []int{postmaster}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		cl.t.Fatal(err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		// /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces.
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		i := strings.LastIndexByte(string(stat), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(postmaster) {
			pids = append(pids, pid)
		}
	}
	// The postmaster first on SIGSTOP, so it starts no backend meanwhile;
	// last on SIGCONT, so no backend it starts finds the others stopped.
	if sig == syscall.SIGCONT {
		slices.Reverse(pids)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			cl.t.Fatalf("testenv: signal %v to %d: %v", sig, pid, err)
		}
	}
}

// Database creates a database on the cluster and returns its URL.
func (cl *Cluster) Database(name string) string {
	cl.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, cl.URL)
	if err != nil {
		cl.t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		cl.t.Fatal(err)
	}
	return strings.Replace(cl.URL, "/postgres?", "/"+name+"?", 1)
}

func (cl *Cluster) pgctl(args ...string) ([]byte, error) {
	return cl.command("pg_ctl", append(args, "-D", cl.data())...).CombinedOutput()
}

func (cl *Cluster) run(prog string, args ...string) {
	cl.t.Helper()
	if out, err := cl.command(prog, args...).CombinedOutput(); err != nil {
		cl.t.Fatalf("testenv: %s: %v\n%s", prog, err, out)
	}
}

// command runs a server program, as the postgres user when we are root.
func (cl *Cluster) command(prog string, args ...string) *exec.Cmd {
	path := filepath.Join(pgBin, prog)
	if os.Geteuid() == 0 {
		cmd := exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
		cmd.Dir = cl.dir
		return cmd
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = cl.dir
	return cmd
}

// FreePort is a loopback port nothing listens on at the moment, for a
// server a test starts of its own.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
