package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/coventry/workshops/notify"
)

// SMTPConfig says how to reach the mail server.
type SMTPConfig struct {
	// URL is SMTP_URL: smtp://user:pass@host:587 (STARTTLS required),
	// smtps://user:pass@host:465 (implicit TLS) or smtp+plain://host:1025
	// (no TLS, for local sinks; credentials refused).
	URL string
	// From is MAIL_FROM.
	From string
	// TLSConfig overrides the TLS settings (tests trust their own CA);
	// ServerName defaults to the URL's host.
	TLSConfig *tls.Config
	// Timeout bounds dialling and each command; default 30 s.
	Timeout time.Duration
	// MaxIdle is how many connections stay open between messages; default 4.
	MaxIdle int
	// MaxIdleTime is how long an open connection may sit unused and still
	// be used again; default 20 s. Mail servers close idle connections
	// (often after 30 to 300 s), and firewalls and NAT on the way drop them
	// without a word, so an older one is closed rather than tried.
	MaxIdleTime time.Duration
	// CheckTimeout bounds the NOOP that checks an idle connection before it
	// is used again; default 2 s. A connection that does not answer in time
	// is dead, and the message goes on a fresh one.
	CheckTimeout time.Duration
}

// SMTP sends over SMTP, keeping a few connections open so a burst of
// emails does not pay for a TCP and TLS handshake each. Safe for
// concurrent use.
type SMTP struct {
	host         string
	opts         []gomail.Option
	from         *mail.Address
	idle         chan *conn
	maxIdleTime  time.Duration
	checkTimeout time.Duration
	timeout      time.Duration
}

// conn is one open connection to the mail server. Each has a go-mail
// Client of its own, since go-mail's dial writes to the Client (what SMTP
// AUTH the server offers).
type conn struct {
	client *gomail.Client
	smtp   *smtp.Client
	// used is when it last finished a message.
	used time.Time
}

// NewSMTP checks cfg. It does not connect: a mail server that is down at
// start only delays emails, which wait in the outbox.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	from, err := parseFrom(cfg.From)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, errors.New("SMTP_URL: not a URL") // the URL may hold a password: never echo it
	}
	host := u.Hostname()
	if host == "" {
		return nil, errors.New("SMTP_URL: no host")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.MaxIdle <= 0 {
		cfg.MaxIdle = 4
	}
	if cfg.MaxIdleTime <= 0 {
		cfg.MaxIdleTime = 20 * time.Second
	}
	if cfg.CheckTimeout <= 0 {
		cfg.CheckTimeout = 2 * time.Second
	}
	tlsConfig := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = host
		}
	}
	// WithoutNoop: Send checks a reused connection itself, with a short
	// deadline; a fresh one needs no check.
	opts := []gomail.Option{gomail.WithTimeout(cfg.Timeout), gomail.WithTLSConfig(tlsConfig), gomail.WithoutNoop()}
	var port int
	switch u.Scheme {
	case "smtp":
		port = 587
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "smtps":
		port = 465
		opts = append(opts, gomail.WithSSL())
	case "smtp+plain":
		port = 25
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
		if u.User != nil {
			return nil, errors.New("SMTP_URL: smtp+plain:// would send the password unencrypted; use smtp:// or smtps://")
		}
	default:
		return nil, fmt.Errorf("SMTP_URL: scheme %q is not smtp, smtps or smtp+plain", u.Scheme)
	}
	if p := u.Port(); p != "" {
		port, err = strconv.Atoi(p)
		if err != nil || port <= 0 || port > 65535 {
			return nil, errors.New("SMTP_URL: bad port")
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	return &SMTP{host: host, opts: opts, from: from, idle: make(chan *conn, cfg.MaxIdle),
		maxIdleTime: cfg.MaxIdleTime, checkTimeout: cfg.CheckTimeout, timeout: cfg.Timeout}, nil
}

// Send delivers m, on an idle connection that still answers or else on a
// fresh one: a message never waits for a dead connection, nor fails for one
// (see take). Errors that retrying will not mend (the server refuses the
// address or the message) are notify.PermanentError. Error text holds SMTP
// codes but never addresses. Cancelling ctx stops the conversation.
func (s *SMTP) Send(ctx context.Context, m *notify.Message) error {
	msg, err := Build(s.from, m)
	if err != nil {
		return err
	}
	c := s.take()
	if c == nil {
		if c, err = s.dial(ctx); err != nil {
			return err
		}
	}
	stop := context.AfterFunc(ctx, func() { _ = c.smtp.Close() })
	err = c.client.SendWithSMTPClient(c.smtp, msg)
	cancelled := !stop()
	if msg.IsDelivered() {
		// Delivered, even if the RSET after it failed.
		if err == nil && !cancelled {
			s.put(c)
		} else {
			c.drop()
		}
		return nil
	}
	c.drop()
	if cancelled {
		return fmt.Errorf("smtp: stopped: %w", ctx.Err())
	}
	return classify(err)
}

// take returns an idle connection that answers a NOOP within CheckTimeout,
// or nil. One idle longer than MaxIdleTime is closed untried. When one
// fails its check, every idle connection is closed: they sat through the
// same quiet spell, and trying each in turn could cost a CheckTimeout each,
// where dialling costs one handshake.
func (s *SMTP) take() *conn {
	for {
		var c *conn
		select {
		case c = <-s.idle:
		default:
			return nil
		}
		if time.Since(c.used) > s.maxIdleTime {
			c.drop()
			continue
		}
		if err := c.check(s.checkTimeout, s.timeout); err != nil {
			c.drop()
			s.dropIdle()
			return nil
		}
		return c
	}
}

// check sends a NOOP with a short deadline, then gives the connection the
// full timeout back for the message.
func (c *conn) check(within, timeout time.Duration) error {
	if !c.smtp.HasConnection() {
		return errors.New("smtp: connection closed")
	}
	if err := c.smtp.UpdateDeadline(within); err != nil {
		return err
	}
	if err := c.smtp.Noop(); err != nil {
		return err
	}
	return c.smtp.UpdateDeadline(timeout)
}

// drop closes a connection without a word: it is dead, or in doubt, and a
// QUIT could wait for the full timeout.
func (c *conn) drop() { _ = c.smtp.Close() }

// quit closes a healthy connection politely, waiting at most within.
func (c *conn) quit(within time.Duration) {
	if c.smtp.UpdateDeadline(within) == nil {
		_ = c.smtp.Quit()
	}
	_ = c.smtp.Close()
}

func (s *SMTP) put(c *conn) {
	c.used = time.Now()
	select {
	case s.idle <- c:
	default:
		c.quit(s.checkTimeout)
	}
}

// dropIdle closes every idle connection untried.
func (s *SMTP) dropIdle() {
	for {
		select {
		case c := <-s.idle:
			c.drop()
		default:
			return
		}
	}
}

func (s *SMTP) dial(ctx context.Context) (*conn, error) {
	client, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return nil, notify.Permanent(fmt.Errorf("smtp: client: %w", err))
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("smtp: connect: %w: %w", notify.ErrServerDown, scrubDial(err))
	}
	return &conn{client: client, smtp: sc}, nil
}

// Close closes the idle connections.
func (s *SMTP) Close() error {
	for {
		select {
		case c := <-s.idle:
			c.quit(s.checkTimeout)
		default:
			return nil
		}
	}
}

// classify turns a go-mail error into one fit for the outbox's last_error:
// the step, the SMTP codes and whether it is worth trying again. go-mail's
// own text lists the recipients, so it is not kept.
func classify(err error) error {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return fmt.Errorf("smtp: %w", scrubDial(err))
	}
	e := fmt.Errorf("smtp: %s", se.Reason)
	if code := se.ErrorCode(); code != 0 {
		e = fmt.Errorf("smtp: %s: %d %s", se.Reason, code, se.EnhancedStatusCode())
	}
	// A 5xx for the recipient or the message itself will not change by
	// trying again; a 5xx to MAIL FROM is our configuration, which an
	// administrator will mend, so it is retried like any other failure.
	if !se.IsTemp() && se.ErrorCode() >= 500 &&
		(se.Reason == gomail.ErrSMTPRcptTo || se.Reason == gomail.ErrSMTPDataClose || se.Reason == gomail.ErrSMTPData) {
		return notify.Permanent(e)
	}
	return e
}

// scrubDial keeps the kind of a network failure and drops the rest.
func scrubDial(err error) error {
	var ne *net.OpError
	if errors.As(err, &ne) {
		return fmt.Errorf("%s %s: %w", ne.Op, ne.Net, ne.Err)
	}
	return err
}
