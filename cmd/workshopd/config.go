package main

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/calendar/msgraph"
	"github.com/coventry/workshops/notify/inbound"
)

// Config is the service's configuration, read from the environment by
// caarlos0/env from the tags below; README.md lists every variable and its
// default (TestReadmeListsEveryVariable keeps it so).
type Config struct {
	DatabaseURL string `env:"DATABASE_URL" envDefault:"postgres://localhost:5432/workshops?sslmode=disable"`
	// RedisURL is one server, a Cluster or a Sentinel set (redisurl.go).
	RedisURL string `env:"REDIS_URL" envDefault:"redis://localhost:6379/0"`
	HTTPAddr string `env:"HTTP_ADDR" envDefault:":8080"`
	BaseURL  string `env:"BASE_URL" envDefault:"http://localhost:8080"`
	// AdminToken is at least minSecret long, or empty (admin API off).
	AdminToken string `env:"ADMIN_TOKEN"`
	// MetricsAddr serves /metrics on a listener of its own; MetricsToken
	// serves it on HTTP_ADDR to bearers of the token. Neither: no /metrics.
	MetricsAddr  string `env:"METRICS_ADDR"`
	MetricsToken string `env:"METRICS_TOKEN"`
	SMTPURL      string `env:"SMTP_URL"`
	MailDir      string `env:"MAIL_DIR" envDefault:".dev/mail"`
	MailFrom     string `env:"MAIL_FROM" envDefault:"Workshops <workshops@localhost>"`
	// OrganizerEmail is the monitored council address invites come from;
	// MAIL_FROM's address when unset.
	OrganizerEmail string `env:"ORGANIZER_EMAIL"`
	// InviteUIDDomain ends the invite UIDs of new bookings; MAIL_FROM's
	// domain when unset. Never BASE_URL's host: UIDs must outlive it.
	InviteUIDDomain string `env:"INVITE_UID_DOMAIN"`
	CouncilName     string `env:"COUNCIL_NAME" envDefault:"Coventry City Council"`
	// CouncilPhone is the council's number for the confirmations
	// organisers print for people booked by phone; unset leaves it off.
	CouncilPhone string `env:"COUNCIL_PHONE"`
	// SheetFontDir holds the fonts the sign-in sheet PDF draws names with
	// in scripts beyond Latin, Greek and Cyrillic (Debian's fonts-noto-core
	// and fonts-droid-fallback; attendance.LoadFonts): a font missing is
	// logged at start and its script prints as boxes.
	SheetFontDir      string        `env:"SHEET_FONT_DIR" envDefault:"/usr/share/fonts/truetype"`
	HoldTTL           time.Duration `env:"HOLD_TTL" envDefault:"10m"`
	OfferTTL          time.Duration `env:"OFFER_TTL" envDefault:"24h"`
	ReminderBefore    time.Duration `env:"REMINDER_BEFORE" envDefault:"24h"`
	StaffEmailDomains []string      `env:"STAFF_EMAIL_DOMAINS"`
	RateLimits        onOff         `env:"RATE_LIMITS" envDefault:"on"`
	// TrustedProxies may set X-Forwarded-For.
	TrustedProxies []string `env:"TRUSTED_PROXIES"`
	// Graph makes Teams meetings when all four MSGRAPH_* are set.
	Graph        msgraph.Config
	GraphEnabled bool `env:"-"`
	// InboundIMAPURL is the organiser mailbox, read over IMAP for the
	// answers calendars send to invites (notify/inbound); or
	// InboundGraphMailbox, read through Graph with the MSGRAPH_*
	// credentials. Neither: replies are not read.
	InboundIMAPURL      string        `env:"INBOUND_IMAP_URL"`
	InboundGraphMailbox string        `env:"INBOUND_GRAPH_MAILBOX"`
	InboundPollInterval time.Duration `env:"INBOUND_POLL_INTERVAL" envDefault:"1m"`
	// RetentionDays is how long after a session its bookings keep their
	// personal data.
	RetentionDays int `env:"RETENTION_DAYS" envDefault:"90"`
	// CompetitionClosesAt is when the poster competition stops taking
	// entries, in the council's time; unset: it takes none.
	CompetitionClosesAt councilTime `env:"COMPETITION_CLOSES_AT"`
	// AreaWeightsText (AREA_WEIGHTS) weighs the areas of the city in a
	// ballot's draw (booking.ParseAreaWeights); AreaWeights is it read.
	AreaWeightsText string              `env:"AREA_WEIGHTS"`
	AreaWeights     booking.AreaWeights `env:"-"`
	// DBMaxConns caps the Postgres pool of this instance.
	DBMaxConns int    `env:"DB_MAX_CONNS" envDefault:"20"`
	LogFormat  string `env:"LOG_FORMAT"`
}

// minSecret is the shortest ADMIN_TOKEN or METRICS_TOKEN accepted: a short
// token can be guessed.
const minSecret = 32

// onOff is a switch written as on or off.
type onOff bool

func (o *onOff) UnmarshalText(b []byte) error {
	switch strings.ToLower(string(b)) {
	case "on":
		*o = true
	case "off":
		*o = false
	default:
		return errors.New("must be on or off")
	}
	return nil
}

// councilTime is a moment written in the council's time (Europe/London),
// as 2026-09-02T23:59, or in RFC 3339 with its offset.
type councilTime struct{ time.Time }

func (t *councilTime) UnmarshalText(b []byte) error {
	v := string(b)
	if at, err := time.Parse(time.RFC3339, v); err == nil {
		t.Time = at
		return nil
	}
	at, err := time.ParseInLocation("2006-01-02T15:04", v, booking.London)
	if err != nil {
		return errors.New("must be a date and time in Europe/London, like 2026-09-02T23:59")
	}
	t.Time = at
	return nil
}

// configError names the variable at fault, so the program can stop with one
// clear line.
type configError struct{ name, problem string }

func (e *configError) Error() string { return e.name + ": " + e.problem }

// LoadConfig reads the configuration through getenv (os.Getenv). A value of
// only spaces counts as unset.
func LoadConfig(getenv func(string) string) (*Config, error) {
	c := &Config{}
	params, err := env.GetFieldParams(c)
	if err != nil {
		return nil, err
	}
	environ := map[string]string{}
	for _, p := range params {
		if v := strings.TrimSpace(getenv(p.Key)); v != "" {
			environ[p.Key] = v
		}
	}
	if err := env.ParseWithOptions(c, env.Options{Environment: environ}); err != nil {
		return nil, parseProblem(c, err)
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

// parseProblem turns env's first error, which names a struct field, into one
// naming the variable.
func parseProblem(c *Config, err error) error {
	var agg env.AggregateError
	if errors.As(err, &agg) && len(agg.Errors) > 0 {
		err = agg.Errors[0]
	}
	var pe env.ParseError
	if !errors.As(err, &pe) {
		return err
	}
	f, _ := reflect.TypeOf(c).Elem().FieldByName(pe.Name)
	name, def := f.Tag.Get("env"), f.Tag.Get("envDefault")
	switch pe.Type {
	case reflect.TypeFor[time.Duration]():
		return &configError{name, "must be a duration, like " + def}
	case reflect.TypeFor[int]():
		return &configError{name, "must be a whole number, like " + def}
	}
	var ue interface{ Unwrap() error }
	for errors.As(pe.Err, &ue) && ue.Unwrap() != nil {
		pe.Err = ue.Unwrap()
	}
	return &configError{name, pe.Err.Error()}
}

// check holds the rules a value must meet beyond its type.
func (c *Config) check() error {
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	for _, d := range []struct {
		name     string
		v        time.Duration
		min, max time.Duration
	}{
		{"HOLD_TTL", c.HoldTTL, time.Minute, 2 * time.Hour},
		{"OFFER_TTL", c.OfferTTL, 15 * time.Minute, 14 * 24 * time.Hour},
		{"REMINDER_BEFORE", c.ReminderBefore, time.Hour, 14 * 24 * time.Hour},
		{"INBOUND_POLL_INTERVAL", c.InboundPollInterval, time.Second, time.Hour},
	} {
		if d.v < d.min || d.v > d.max {
			return &configError{d.name, fmt.Sprintf("must be between %s and %s", d.min, d.max)}
		}
	}
	if c.RetentionDays < 1 || c.RetentionDays > 3650 {
		return &configError{"RETENTION_DAYS", "must be a whole number of days from 1 to 3650"}
	}
	w, err := booking.ParseAreaWeights(c.AreaWeightsText)
	if err != nil {
		return &configError{"AREA_WEIGHTS", err.Error()}
	}
	c.AreaWeights = w
	if c.DBMaxConns < 2 || c.DBMaxConns > 500 {
		return &configError{"DB_MAX_CONNS", "must be a whole number from 2 to 500"}
	}
	if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return &configError{"DATABASE_URL", "must be a postgres:// URL"}
	}
	if _, err := redisOptions(c.RedisURL); err != nil {
		// url.Error repeats the URL, password and all: keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &configError{"REDIS_URL", err.Error()}
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &configError{"BASE_URL", "must be an absolute http:// or https:// URL"}
	}
	for _, s := range []struct{ name, v string }{{"ADMIN_TOKEN", c.AdminToken}, {"METRICS_TOKEN", c.MetricsToken}} {
		if s.v != "" && len(s.v) < minSecret {
			return &configError{s.name, fmt.Sprintf("must be at least %d characters (openssl rand -hex 32 makes one)", minSecret)}
		}
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return &configError{"METRICS_ADDR", "must be host:port or :port, like 127.0.0.1:9090"}
		}
		if c.MetricsToken != "" {
			return &configError{"METRICS_TOKEN", "set METRICS_ADDR or METRICS_TOKEN, not both"}
		}
	}
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || u.Host == "" || (u.Scheme != "smtp" && u.Scheme != "smtps" && u.Scheme != "smtp+plain") {
			return &configError{"SMTP_URL", "must be smtp://, smtps:// or smtp+plain:// with a host"}
		}
	}
	from, err := mail.ParseAddress(c.MailFrom)
	if err != nil {
		return &configError{"MAIL_FROM", "must be an email address, like Workshops <workshops@example.org>"}
	}
	if c.OrganizerEmail == "" {
		c.OrganizerEmail = from.Address
	}
	if _, err := mail.ParseAddress(c.OrganizerEmail); err != nil {
		return &configError{"ORGANIZER_EMAIL", "must be an email address"}
	}
	if c.CouncilPhone != "" {
		n, ok := booking.NormalizeUKPhone(c.CouncilPhone)
		if !ok {
			return &configError{"COUNCIL_PHONE", "must be a UK phone number, like 024 7683 3333"}
		}
		c.CouncilPhone = booking.UKPhoneText(n)
	}
	if c.InviteUIDDomain == "" {
		c.InviteUIDDomain = booking.SenderDomain(c.MailFrom)
	} else if d, ok := booking.UIDDomain(c.InviteUIDDomain); ok {
		c.InviteUIDDomain = d
	} else {
		return &configError{"INVITE_UID_DOMAIN", "must be a domain, like coventry.gov.uk"}
	}
	for i, d := range c.StaffEmailDomains {
		d = strings.ToLower(strings.TrimSpace(d))
		if d == "" || strings.ContainsAny(d, "@ /") || !strings.Contains(d, ".") {
			return &configError{"STAFF_EMAIL_DOMAINS", fmt.Sprintf("%q is not a domain, like coventry.gov.uk", d)}
		}
		c.StaffEmailDomains[i] = d
	}
	for i, p := range c.TrustedProxies {
		p = strings.TrimSpace(p)
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				return &configError{"TRUSTED_PROXIES", fmt.Sprintf("%q is not an address or CIDR range, like 10.0.0.0/8", p)}
			}
		}
		c.TrustedProxies[i] = p
	}
	if c.GraphEnabled, err = c.Graph.Enabled(); err != nil {
		return err
	}
	if c.InboundIMAPURL != "" {
		if _, err := inbound.NewIMAP(c.InboundIMAPURL); err != nil {
			return &configError{"INBOUND_IMAP_URL", err.Error()}
		}
		if c.InboundGraphMailbox != "" {
			return &configError{"INBOUND_GRAPH_MAILBOX", "set INBOUND_IMAP_URL or INBOUND_GRAPH_MAILBOX, not both"}
		}
	}
	if c.InboundGraphMailbox != "" && !c.GraphEnabled {
		return &configError{"INBOUND_GRAPH_MAILBOX", "needs the four MSGRAPH_ settings (an app with Mail.ReadWrite)"}
	}
	switch c.LogFormat {
	case "", "json", "text":
	default:
		return &configError{"LOG_FORMAT", "must be json or text"}
	}
	return nil
}
