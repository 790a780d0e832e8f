package mailer_test

import (
	"context"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coventry/workshops/notify/mailer"
	"github.com/coventry/workshops/notify/smtptest"
)

// A server that closes idle connections (with "421 Idle timeout", as
// go-smtp, Postfix and Exchange do) leaves every pooled connection dead
// after a quiet spell: the next message goes at once, on one fresh
// connection, instead of failing or waiting for a retry.
func TestSMTPServerClosedIdleConnections(t *testing.T) {
	ctx := context.Background()
	srv := smtptest.Start(t, smtptest.Options{IdleTimeout: 200 * time.Millisecond, DataDelay: 100 * time.Millisecond})
	m, err := mailer.NewSMTP(mailer.SMTPConfig{URL: "smtp+plain://" + srv.Addr, From: from, Timeout: 5 * time.Second, MaxIdle: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	// A burst: four messages at once fill the pool with four connections.
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			if err := m.Send(ctx, message("burst."+strconv.Itoa(i)+"@workshops")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := srv.Sessions(); n != 4 {
		t.Fatalf("%d connections for a burst of 4, want 4 (the test needs them pooled)", n)
	}
	time.Sleep(600 * time.Millisecond) // the server closes all four

	for i := range 3 {
		began := time.Now()
		if err := m.Send(ctx, message("after-quiet."+strconv.Itoa(i)+"@workshops")); err != nil {
			t.Fatalf("send %d after a quiet spell: %v", i, err)
		}
		if took := time.Since(began); took > 2*time.Second {
			t.Errorf("send %d after a quiet spell took %v", i, took)
		}
	}
	// One new connection, used for all three.
	if n := srv.Sessions(); n != 5 {
		t.Errorf("%d connections in all, want 5", n)
	}
	srv.Wait(t, 7, 5*time.Second)
}

// A connection a firewall dropped without a word answers nothing: the
// check gives up within CheckTimeout, not the full Timeout, and the message
// goes on a fresh connection; one idle past MaxIdleTime is not even tried.
func TestSMTPSilentlyDeadConnection(t *testing.T) {
	ctx := context.Background()
	srv := smtptest.Start(t, smtptest.Options{})
	for _, c := range []struct {
		name          string
		maxIdle, wait time.Duration
		check         time.Duration
	}{
		{"checked", time.Minute, 0, 300 * time.Millisecond},
		{"too old to try", 100 * time.Millisecond, 300 * time.Millisecond, time.Minute},
	} {
		t.Run(c.name, func(t *testing.T) {
			fw := newFirewall(t, srv.Addr)
			m, err := mailer.NewSMTP(mailer.SMTPConfig{URL: "smtp+plain://" + fw.addr, From: from,
				Timeout: 10 * time.Second, MaxIdleTime: c.maxIdle, CheckTimeout: c.check})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = m.Close() })
			if err := m.Send(ctx, message("first@workshops")); err != nil {
				t.Fatal(err)
			}
			fw.dropOpenFlows()
			time.Sleep(c.wait)
			began := time.Now()
			if err := m.Send(ctx, message("second@workshops")); err != nil {
				t.Fatalf("send on after the flow was dropped: %v", err)
			}
			if took := time.Since(began); took > 3*time.Second {
				t.Errorf("the send waited %v for a dead connection", took)
			}
			if n := fw.flows.Load(); n != 2 {
				t.Errorf("%d connections, want 2", n)
			}
		})
	}
}

// firewall forwards TCP connections to a server until dropOpenFlows, after
// which the connections already open stay open but carry nothing either
// way, as when a firewall or NAT forgets an idle flow; new ones still pass.
type firewall struct {
	addr  string
	flows atomic.Int32
	mu    sync.Mutex
	open  []net.Conn
	dead  []*atomic.Bool
}

func newFirewall(t *testing.T, upstream string) *firewall {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &firewall{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = ln.Close()
		f.mu.Lock()
		for _, c := range f.open {
			_ = c.Close()
		}
		f.mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", upstream)
			if err != nil {
				_ = c.Close()
				continue
			}
			f.flows.Add(1)
			dead := new(atomic.Bool)
			f.mu.Lock()
			f.open, f.dead = append(f.open, c, up), append(f.dead, dead)
			f.mu.Unlock()
			wg.Go(func() { pass(c, up, dead); _ = c.Close() })
			wg.Go(func() { pass(up, c, dead); _ = up.Close() })
		}
	})
	return f
}

// pass copies from src to dst until either ends, throwing away what
// arrives once dead is set.
func pass(dst io.Writer, src io.Reader, dead *atomic.Bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !dead.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (f *firewall) dropOpenFlows() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.dead {
		d.Store(true)
	}
}
