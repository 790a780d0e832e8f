package main

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coventry/workshops/calendar/msgraph"
)

// Config is the service's configuration, read from the environment as
// CONTRACT.md lists it.
type Config struct {
	DatabaseURL       string
	RedisURL          string
	HTTPAddr          string
	BaseURL           string
	AdminToken        string
	SMTPURL           string
	MailDir           string
	MailFrom          string
	HoldTTL           time.Duration
	OfferTTL          time.Duration
	StaffEmailDomains []string
	RateLimits        bool
	ReminderBefore    time.Duration
	CouncilName       string
	// OrganizerEmail is the monitored council address invites come from.
	OrganizerEmail string
	// TrustedProxies may set X-Forwarded-For (TRUSTED_PROXIES).
	TrustedProxies []string
	// Graph makes Teams meetings when MSGRAPH_* are all set.
	Graph        msgraph.Config
	GraphEnabled bool
	// RetentionDays is how long after a session its bookings keep their
	// personal data (RETENTION_DAYS).
	RetentionDays int
	// DBMaxConns caps the Postgres pool of this instance.
	DBMaxConns int
	LogFormat  string
}

// configError names the variable at fault, so the program can stop with one
// clear line.
type configError struct{ name, problem string }

func (e *configError) Error() string { return e.name + ": " + e.problem }

// LoadConfig reads the configuration from getenv.
func LoadConfig(getenv func(string) string) (*Config, error) {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := &Config{
		DatabaseURL: get("DATABASE_URL", "postgres://localhost:5432/workshops?sslmode=disable"),
		RedisURL:    get("REDIS_URL", "redis://localhost:6379/0"),
		HTTPAddr:    get("HTTP_ADDR", ":8080"),
		BaseURL:     strings.TrimRight(get("BASE_URL", "http://localhost:8080"), "/"),
		AdminToken:  getenv("ADMIN_TOKEN"),
		SMTPURL:     get("SMTP_URL", ""),
		MailDir:     get("MAIL_DIR", ".dev/mail"),
		MailFrom:    get("MAIL_FROM", "Workshops <workshops@localhost>"),
		CouncilName: get("COUNCIL_NAME", "Coventry City Council"),
		LogFormat:   get("LOG_FORMAT", ""),
	}
	var err error
	if c.HoldTTL, err = duration(get, "HOLD_TTL", "10m", time.Minute, 2*time.Hour); err != nil {
		return nil, err
	}
	if c.OfferTTL, err = duration(get, "OFFER_TTL", "24h", 15*time.Minute, 14*24*time.Hour); err != nil {
		return nil, err
	}
	if c.ReminderBefore, err = duration(get, "REMINDER_BEFORE", "24h", time.Hour, 14*24*time.Hour); err != nil {
		return nil, err
	}
	if c.RetentionDays, err = strconv.Atoi(get("RETENTION_DAYS", "90")); err != nil || c.RetentionDays < 1 || c.RetentionDays > 3650 {
		return nil, &configError{"RETENTION_DAYS", "must be a whole number of days from 1 to 3650"}
	}
	if c.DBMaxConns, err = strconv.Atoi(get("DB_MAX_CONNS", "20")); err != nil || c.DBMaxConns < 2 || c.DBMaxConns > 500 {
		return nil, &configError{"DB_MAX_CONNS", "must be a whole number from 2 to 500"}
	}
	if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, &configError{"DATABASE_URL", "must be a postgres:// URL"}
	}
	if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		return nil, &configError{"REDIS_URL", "must be a redis:// or rediss:// URL"}
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &configError{"BASE_URL", "must be an absolute http:// or https:// URL"}
	}
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || u.Host == "" || (u.Scheme != "smtp" && u.Scheme != "smtps" && u.Scheme != "smtp+plain") {
			return nil, &configError{"SMTP_URL", "must be smtp://, smtps:// or smtp+plain:// with a host"}
		}
	}
	from, err := mail.ParseAddress(c.MailFrom)
	if err != nil {
		return nil, &configError{"MAIL_FROM", "must be an email address, like Workshops <workshops@example.org>"}
	}
	c.OrganizerEmail = get("ORGANIZER_EMAIL", from.Address)
	if _, err := mail.ParseAddress(c.OrganizerEmail); err != nil {
		return nil, &configError{"ORGANIZER_EMAIL", "must be an email address"}
	}
	if v := get("STAFF_EMAIL_DOMAINS", ""); v != "" {
		for _, d := range strings.Split(v, ",") {
			d = strings.ToLower(strings.TrimSpace(d))
			if d == "" || strings.ContainsAny(d, "@ /") || !strings.Contains(d, ".") {
				return nil, &configError{"STAFF_EMAIL_DOMAINS", fmt.Sprintf("%q is not a domain, like coventry.gov.uk", d)}
			}
			c.StaffEmailDomains = append(c.StaffEmailDomains, d)
		}
	}
	if v := get("TRUSTED_PROXIES", ""); v != "" {
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if net.ParseIP(p) == nil {
				if _, _, err := net.ParseCIDR(p); err != nil {
					return nil, &configError{"TRUSTED_PROXIES", fmt.Sprintf("%q is not an address or CIDR range, like 10.0.0.0/8", p)}
				}
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	switch strings.ToLower(get("RATE_LIMITS", "on")) {
	case "on":
		c.RateLimits = true
	case "off":
		c.RateLimits = false
	default:
		return nil, &configError{"RATE_LIMITS", "must be on or off"}
	}
	if c.Graph, c.GraphEnabled, err = msgraph.ConfigFromEnv(getenv); err != nil {
		return nil, err
	}
	switch c.LogFormat {
	case "", "json", "text":
	default:
		return nil, &configError{"LOG_FORMAT", "must be json or text"}
	}
	return c, nil
}

func duration(get func(string, string) string, name, def string, min, max time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(get(name, def))
	if err != nil {
		return 0, &configError{name, "must be a duration, like " + def}
	}
	if d < min || d > max {
		return 0, &configError{name, fmt.Sprintf("must be between %s and %s", min, max)}
	}
	return d, nil
}
