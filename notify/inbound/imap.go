package inbound

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
)

// IMAP reads a mailbox over IMAP: go-imap v1 (the stable release), one
// connection per round.
type IMAP struct {
	addr      string
	tls       bool // implicit TLS (imaps://)
	host      string
	user      string
	password  string
	mailbox   string
	TLSConfig *tls.Config // nil: the system's roots, for host
	// Timeout bounds each command; 30 s when zero.
	Timeout time.Duration
}

// NewIMAP reads INBOUND_IMAP_URL: imaps://user:password@host[:993]/Mailbox
// (implicit TLS), or imap://user:password@host[:143]/Mailbox, which upgrades
// with STARTTLS and may stay in plain text only to a loopback address. The
// mailbox is INBOX when the path is empty. Errors never repeat the password.
func NewIMAP(raw string) (*IMAP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("must be imaps://user:password@host/INBOX")
	}
	s := &IMAP{host: u.Hostname()}
	port := u.Port()
	switch u.Scheme {
	case "imaps":
		s.tls = true
		if port == "" {
			port = "993"
		}
	case "imap":
		if port == "" {
			port = "143"
		}
	default:
		return nil, errors.New("must be imaps:// (or imap:// with STARTTLS)")
	}
	if s.host == "" {
		return nil, errors.New("has no host")
	}
	if u.User == nil || u.User.Username() == "" {
		return nil, errors.New("has no user name (imaps://user:password@host/INBOX)")
	}
	s.user = u.User.Username()
	s.password, _ = u.User.Password()
	s.mailbox = strings.TrimPrefix(u.Path, "/")
	if s.mailbox == "" {
		s.mailbox = "INBOX"
	}
	s.addr = net.JoinHostPort(s.host, port)
	return s, nil
}

// Name is "imap".
func (s *IMAP) Name() string { return "imap" }

// loopback reports whether host is this machine, where plain text is safe.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Open connects, signs in and selects the mailbox. A mailbox that cannot
// keep the handled keyword is refused: every reply would be read again.
func (s *IMAP) Open(ctx context.Context) (Mailbox, error) {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	tlsConfig := s.TLSConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	}
	d := net.Dialer{Timeout: timeout}
	var conn net.Conn
	var err error
	if s.tls {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: tlsConfig}).DialContext(ctx, "tcp", s.addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", s.addr)
	}
	if err != nil {
		return nil, fmt.Errorf("imap: connect: %w", err)
	}
	// go-imap v1 knows no contexts: the connection closes when ctx ends.
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			conn.Close()
		case <-done:
		}
	}()
	m := &imapMailbox{done: done}
	fail := func(err error) (Mailbox, error) {
		close(done)
		conn.Close()
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(timeout)) // the greeting
	c, err := client.New(conn)
	if err != nil {
		return fail(fmt.Errorf("imap: greeting: %w", err))
	}
	c.Timeout = timeout
	// Its own log would print errors (a connection closed under it) as
	// plain text amid the service's JSON; they come back from the commands.
	c.ErrorLog = log.New(io.Discard, "", 0)
	m.c = c
	if !s.tls {
		ok, err := c.SupportStartTLS()
		if err != nil {
			return fail(fmt.Errorf("imap: capabilities: %w", err))
		}
		switch {
		case ok:
			if err := c.StartTLS(tlsConfig); err != nil {
				return fail(fmt.Errorf("imap: STARTTLS: %w", err))
			}
		case !loopback(s.host):
			return fail(errors.New("imap: the server offers no STARTTLS; use imaps://"))
		}
	}
	if err := c.Login(s.user, s.password); err != nil {
		return fail(errors.New("imap: sign-in refused")) // the server's text may echo the user
	}
	st, err := c.Select(s.mailbox, false)
	if err != nil {
		return fail(fmt.Errorf("imap: select mailbox: %w", err))
	}
	if !slices.Contains(st.PermanentFlags, imap.TryCreateFlag) && !slices.Contains(st.PermanentFlags, HandledKeyword) {
		return fail(fmt.Errorf("imap: the mailbox does not keep the keyword %s", HandledKeyword))
	}
	m.validity = st.UidValidity
	return m, nil
}

type imapMailbox struct {
	c        *client.Client
	validity uint32
	done     chan struct{}
}

// id names a message by the mailbox's UIDVALIDITY and its UID, so a
// mailbox rebuilt with new UIDs is read afresh.
func (m *imapMailbox) id(uid uint32) string {
	return strconv.FormatUint(uint64(m.validity), 10) + ":" + strconv.FormatUint(uint64(uid), 10)
}

func (m *imapMailbox) uid(id string) (uint32, error) {
	v, u, ok := strings.Cut(id, ":")
	if !ok || v != strconv.FormatUint(uint64(m.validity), 10) {
		return 0, errors.New("imap: the mailbox's UIDs changed since the message was read")
	}
	n, err := strconv.ParseUint(u, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("imap: message id %q", id)
	}
	return uint32(n), nil
}

func (m *imapMailbox) Unhandled(ctx context.Context, skip func(string) bool, max int) ([]Message, error) {
	crit := imap.NewSearchCriteria()
	crit.WithoutFlags = []string{HandledKeyword, imap.DeletedFlag}
	uids, err := m.c.UidSearch(crit)
	if err != nil {
		return nil, fmt.Errorf("imap: search: %w", err)
	}
	slices.Sort(uids)
	var want imap.SeqSet
	n := 0
	for _, u := range uids {
		if n < max && !skip(m.id(u)) {
			want.AddNum(u)
			n++
		}
	}
	if n == 0 {
		return nil, nil
	}
	// Sizes first: a message too big to be a calendar reply is not read.
	small := new(imap.SeqSet)
	var big []Message
	err = fetch(m.c, &want, []imap.FetchItem{imap.FetchUid, imap.FetchRFC822Size}, func(msg *imap.Message) {
		if msg.Size > maxMessage {
			big = append(big, Message{ID: m.id(msg.Uid)})
		} else {
			small.AddNum(msg.Uid)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("imap: fetch sizes: %w", err)
	}
	out := big
	if small.Empty() {
		return out, nil
	}
	// BODY.PEEK: reading leaves \Seen as it was, so mail left alone looks
	// untouched to the people who read the mailbox.
	section := &imap.BodySectionName{Peek: true}
	err = fetch(m.c, small, []imap.FetchItem{imap.FetchUid, section.FetchItem()}, func(msg *imap.Message) {
		body := msg.GetBody(section)
		if body == nil {
			return
		}
		raw, err := io.ReadAll(io.LimitReader(body, maxMessage+1))
		if err == nil {
			out = append(out, Message{ID: m.id(msg.Uid), Raw: raw})
		}
	})
	if err != nil {
		return nil, fmt.Errorf("imap: fetch messages: %w", err)
	}
	return out, ctx.Err()
}

// fetch runs UID FETCH, calling each for every message the server sends.
func fetch(c *client.Client, set *imap.SeqSet, items []imap.FetchItem, each func(*imap.Message)) error {
	ch := make(chan *imap.Message, 8)
	errc := make(chan error, 1)
	go func() { errc <- c.UidFetch(set, items, ch) }()
	for msg := range ch {
		each(msg)
	}
	return <-errc
}

// MarkHandled adds the handled keyword and \Seen.
func (m *imapMailbox) MarkHandled(_ context.Context, id string) error {
	u, err := m.uid(id)
	if err != nil {
		return err
	}
	set := new(imap.SeqSet)
	set.AddNum(u)
	flags := []any{HandledKeyword, imap.SeenFlag}
	if err := m.c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), flags, nil); err != nil {
		return fmt.Errorf("imap: mark handled: %w", err)
	}
	return nil
}

// Close signs out and closes the connection.
func (m *imapMailbox) Close() error {
	defer close(m.done)
	return m.c.Logout()
}
