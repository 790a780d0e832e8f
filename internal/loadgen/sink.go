package loadgen

import (
	"io"
	"maps"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Sink is an SMTP server on loopback that takes every message and
// remembers how often each Message-ID came and when each recipient first
// got one. Delay makes it slow to accept, as a busy relay is.
type Sink struct {
	Addr    string
	delay   time.Duration
	srv     *smtp.Server
	mu      sync.Mutex
	byID    map[string]int
	firstTo map[string]time.Time
	total   int
}

// StartSink listens on a free loopback port.
func StartSink(delay time.Duration) (*Sink, error) {
	s := &Sink{delay: delay, byID: map[string]int{}, firstTo: map[string]time.Time{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.Addr = ln.Addr().String()
	s.srv = smtp.NewServer(s)
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *Sink) Close() { _ = s.srv.Close() }

// Total is the number of messages received.
func (s *Sink) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// ByMessageID is how many times each Message-ID came.
func (s *Sink) ByMessageID() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.byID)
}

// FirstTo is when addr (lower case) first got a message.
func (s *Sink) FirstTo(addr string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.firstTo[addr]
	return at, ok
}

// NewSession implements smtp.Backend.
func (s *Sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }

type sinkSession struct {
	s  *Sink
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
	_, _ = io.Copy(io.Discard, msg.Body)
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
