// Package smtptest runs a real SMTP server in the test process (go-smtp)
// that keeps what it receives, can refuse chosen recipients, can be
// stopped and started again on the same port, and can speak STARTTLS or
// implicit TLS with a certificate the test trusts. It also parses what
// arrived as MIME.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options choose how the server talks.
type Options struct {
	// StartTLS offers STARTTLS; ImplicitTLS speaks TLS from the first byte.
	StartTLS    bool
	ImplicitTLS bool
	// Username and Password, when set, are required (AUTH PLAIN).
	Username, Password string
	// IdleTimeout closes a connection that sends nothing for this long,
	// with "421 Idle timeout" as real servers do; default 30 s.
	IdleTimeout time.Duration
	// DataDelay holds every message this long before accepting it, so that
	// messages sent at once overlap.
	DataDelay time.Duration
}

// Received is one message as the server took it.
type Received struct {
	From string
	To   []string
	Data []byte
	TLS  bool
}

// Server is an SMTP server on 127.0.0.1.
type Server struct {
	Addr string
	// ClientTLS trusts the server's certificate.
	ClientTLS *tls.Config

	opts      Options
	serverTLS *tls.Config

	mu       sync.Mutex
	msgs     []Received
	reject   map[string]bool
	srv      *smtp.Server
	ln       net.Listener
	arrived  chan struct{}
	sessions int
}

// Start starts a server and stops it when t ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{opts: opts, reject: map[string]bool{}, arrived: make(chan struct{}, 1)}
	if opts.StartTLS || opts.ImplicitTLS {
		s.serverTLS, s.ClientTLS = certificate(t)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(s.Stop)
	return s
}

// Reserve returns a server that is not listening yet: its address refuses
// connections until Restart.
func Reserve(t testing.TB, opts Options) *Server {
	s := Start(t, opts)
	s.Stop()
	return s
}

func (s *Server) serve(ln net.Listener) {
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = !s.opts.StartTLS && !s.opts.ImplicitTLS
	srv.ReadTimeout = 30 * time.Second
	if s.opts.IdleTimeout > 0 {
		srv.ReadTimeout = s.opts.IdleTimeout
	}
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 10 << 20
	if s.opts.StartTLS {
		srv.TLSConfig = s.serverTLS
	}
	if s.opts.ImplicitTLS {
		ln = tls.NewListener(ln, s.serverTLS)
	}
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// Stop closes the server: connections are refused until Restart.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if ln != nil {
		// Closed here too: Serve may not have taken the listener yet.
		_ = ln.Close()
	}
	if srv != nil {
		_ = srv.Close()
	}
}

// Restart listens again on the same address.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may linger a moment after Stop
		if ln, err = net.Listen("tcp", s.Addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("smtptest: listen again on %s: %v", s.Addr, err)
	}
	s.serve(ln)
}

// Reject makes the server refuse RCPT TO addr with 550.
func (s *Server) Reject(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject[strings.ToLower(addr)] = true
}

// Messages returns what has arrived so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Sessions counts the SMTP connections the server has taken.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Wait waits until at least n messages have arrived, or fails the test
// after timeout.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if m := s.Messages(); len(m) >= n {
			return m
		}
		select {
		case <-s.arrived:
		case <-deadline:
			t.Fatalf("smtptest: %d messages arrived within %v, want %d", len(s.Messages()), timeout, n)
		}
	}
}

// NewSession implements smtp.Backend.
func (s *Server) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.sessions++
	s.mu.Unlock()
	return &session{s: s, conn: c, authed: s.opts.Username == ""}, nil
}

type session struct {
	s      *Server
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.s.opts.Username || password != ss.s.opts.Password {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	bad := ss.s.reject[strings.ToLower(to)]
	ss.s.mu.Unlock()
	if bad {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<" + to + ">: no such user"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	time.Sleep(ss.s.opts.DataDelay)
	ss.s.mu.Lock()
	_, isTLS := ss.conn.TLSConnectionState()
	ss.s.msgs = append(ss.s.msgs, Received{From: ss.from, To: ss.to, Data: data, TLS: isTLS})
	ss.s.mu.Unlock()
	select {
	case ss.s.arrived <- struct{}{}:
	default:
	}
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// certificate makes a self-signed certificate for 127.0.0.1 and localhost,
// and a client configuration that trusts it.
func certificate(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtptest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	client = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return server, client
}
