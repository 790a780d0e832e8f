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
}

// SMTP sends over SMTP, keeping a few connections open so a burst of
// emails does not pay for a TCP and TLS handshake each. Safe for
// concurrent use.
type SMTP struct {
	host string
	opts []gomail.Option
	from *mail.Address
	idle chan *gomail.Client
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
	tlsConfig := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = host
		}
	}
	opts := []gomail.Option{gomail.WithTimeout(cfg.Timeout), gomail.WithTLSConfig(tlsConfig)}
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
	return &SMTP{host: host, opts: opts, from: from, idle: make(chan *gomail.Client, cfg.MaxIdle)}, nil
}

// Send delivers m. A connection taken from the idle ones that turns out to
// be dead is replaced once; errors that retrying will not mend (the server
// refuses the address or the message) are notify.PermanentError. Error
// text holds SMTP codes but never addresses.
func (s *SMTP) Send(ctx context.Context, m *notify.Message) error {
	msg, err := Build(s.from, m)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		c, reused := s.take()
		if c == nil {
			if c, err = s.dial(ctx); err != nil {
				return err
			}
		}
		err = c.Send(msg)
		if msg.IsDelivered() {
			// Delivered, even if the RSET after it failed.
			if err == nil {
				s.put(c)
			} else {
				_ = c.Close()
			}
			return nil
		}
		_ = c.Close()
		var se *gomail.SendError
		if reused && attempt == 0 && errors.As(err, &se) && se.Reason == gomail.ErrConnCheck {
			continue // the server closed an idle connection: dial afresh
		}
		return classify(err)
	}
}

func (s *SMTP) take() (*gomail.Client, bool) {
	select {
	case c := <-s.idle:
		return c, true
	default:
		return nil, false
	}
}

func (s *SMTP) put(c *gomail.Client) {
	select {
	case s.idle <- c:
	default:
		_ = c.Close()
	}
}

func (s *SMTP) dial(ctx context.Context) (*gomail.Client, error) {
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return nil, notify.Permanent(fmt.Errorf("smtp: client: %w", err))
	}
	if err := c.DialWithContext(ctx); err != nil {
		return nil, fmt.Errorf("smtp: connect: %w: %w", notify.ErrServerDown, scrubDial(err))
	}
	return c, nil
}

// Close closes the idle connections.
func (s *SMTP) Close() error {
	for {
		select {
		case c := <-s.idle:
			_ = c.Close()
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
