// Package web is the HTTP side of the service on Gin: the JSON API, the
// public and organisers' pages, health and metrics. routes.go lists every
// route with its guard and rate limit; handlers return errors and fail
// (errors.go) renders them, as JSON or as a page.
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/coventry/workshops/attendance"
	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/calendar"
	"github.com/coventry/workshops/competition"
	"github.com/coventry/workshops/internal/reqlog"
	"github.com/coventry/workshops/survey"
)

// maxBody is the largest request body accepted; a booking is well under 8 KiB.
const maxBody = 64 << 10

// Config is what the web layer needs to know of the service's settings.
type Config struct {
	BaseURL    string
	AdminToken string
	// MetricsToken lets its bearers read /metrics on this router
	// (METRICS_TOKEN); empty: /metrics is not served here.
	MetricsToken string
	// TrustedProxies are the addresses or CIDR ranges of the proxies in
	// front of the service (TRUSTED_PROXIES); empty trusts none.
	TrustedProxies []string
	// RateLimits turns on the per-client limits on holds, bookings and
	// waiting-list sign-ups (RATE_LIMITS); they need Deps.RateStore.
	RateLimits bool
	// OrganiserEmail is the monitored council address the pages give
	// people who need help (ORGANIZER_EMAIL); empty shows defaultContact.
	OrganiserEmail string
	// CouncilName is the council's name on every page and on the attendance
	// sheets (COUNCIL_NAME); empty is defaultCouncilName.
	CouncilName string
	// CouncilPhone is the council's phone number as people write it
	// (COUNCIL_PHONE), on the confirmations organisers print and read out
	// for people booked by phone; empty leaves it off.
	CouncilPhone string
	// SheetFonts draw the names on the sign-in sheet PDF
	// (attendance.LoadFonts); nil is DejaVu alone.
	SheetFonts *attendance.Fonts
	// OfferTTL is how long a place offered from a waiting list is kept
	// (OFFER_TTL), for the pages to say; zero is booking.DefaultOfferTTL.
	OfferTTL time.Duration
	// RequestTimeout bounds the store calls of one request: past it the
	// request is answered 503 rather than left hanging on a Postgres
	// that does not answer. Zero is defaultRequestTimeout.
	RequestTimeout time.Duration
}

// defaultRequestTimeout is long enough for the largest export (an
// attendance PDF of a full session) and short of a proxy's usual 30 s.
const defaultRequestTimeout = 15 * time.Second

// Pinger reports whether a backing service answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Database is Postgres as the web layer sees it: whether it answers, and
// whether an error means it could not be reached, which is answered as an
// outage (503 unavailable), not as a fault of ours.
type Database interface {
	Pinger
	Unreachable(err error) bool
}

// Deps are the parts the handlers call.
type Deps struct {
	Service  *booking.Service
	Postgres Database
	Redis    Pinger // nil when Redis is not configured
	Logger   *slog.Logger
	// Registry receives the service's metrics; each router has its own so
	// that two instances can run in one test process.
	Registry *prometheus.Registry
	// RateStore keeps the per-client request counts; nil turns limits off.
	RateStore redis.UniversalClient
	// Calendar builds invites and session feeds.
	Calendar *calendar.Inviter
	// Outbox shows and retries failed emails; nil where emails are not sent.
	Outbox EmailOutbox
	// Competition is the young people's poster competition.
	Competition *competition.Service
	// Surveys is the short survey (api_surveys.go, pages_survey.go).
	Surveys *survey.Service
}

// Server holds the router and what the handlers share.
type Server struct {
	cfg     Config
	svc     *booking.Service
	deps    Deps
	log     *slog.Logger
	metrics *metrics
	adminOK []byte // SHA-256 of the admin token; nil refuses everyone
	// metricsOK is the SHA-256 of the metrics token; nil: no /metrics here.
	metricsOK []byte

	views       *views       // parsed page templates (render.go)
	assets      *assetServer // embedded CSS, JavaScript, images
	crossOrigin *http.CrossOriginProtection
	limiter     *rateLimiter // nil when rate limits are off
	hsts        bool         // BASE_URL is https: browsers must keep to https
}

// New builds the router.
func New(cfg Config, deps Deps) *Server {
	gin.SetMode(gin.ReleaseMode)
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.Registry == nil {
		deps.Registry = prometheus.NewRegistry()
	}
	s := &Server{cfg: cfg, svc: deps.Service, deps: deps, log: deps.Logger, metrics: newMetrics(deps.Registry)}
	if cfg.AdminToken != "" {
		s.adminOK = hashToken(cfg.AdminToken)
	}
	if cfg.MetricsToken != "" {
		s.metricsOK = hashToken(cfg.MetricsToken)
	}
	s.hsts = strings.HasPrefix(cfg.BaseURL, "https://")
	s.assets = newAssetServer()
	s.views = mustViews(s.assets)
	s.crossOrigin = newCrossOrigin()
	if cfg.RateLimits && deps.RateStore != nil {
		s.limiter = newRateLimiter(deps.RateStore)
	}
	return s
}

// Handler returns the router with every route.
func (s *Server) Handler() http.Handler {
	r := gin.New()
	// The client address decides rate limits: X-Forwarded-For is believed
	// only from the proxies named in TRUSTED_PROXIES, never from anyone.
	if err := r.SetTrustedProxies(s.cfg.TrustedProxies); err != nil {
		panic("web: trusted proxies: " + err.Error()) // LoadConfig checked them
	}
	r.HandleMethodNotAllowed = true
	r.Use(s.requestID, s.deadline, s.recover, s.accessLog, s.securityHeaders, s.limitBody, s.protect)
	r.NoRoute(func(c *gin.Context) {
		// A browser gets a page; anything else the API's answer.
		c.Set(pageKey, wantsPage(c) && strings.Contains(c.GetHeader("Accept"), "text/html"))
		s.fail(c, booking.Errorf(booking.ENotFound, "There is nothing at this address."))
	})
	r.NoMethod(func(c *gin.Context) {
		s.writeError(c, http.StatusMethodNotAllowed, "method_not_allowed", "This address does not take that method.", nil)
	})

	s.register(r)
	return r
}

// councilName is the council's name as people know it.
func (s *Server) councilName() string {
	if s.cfg.CouncilName == "" {
		return defaultCouncilName
	}
	return s.cfg.CouncilName
}

// requestID gives every request an id, echoed to the client and put into the
// context, where reqlog.Handler adds it to every line logged with it.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if id == "" || len(id) > 64 || !printableASCII(id) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set("request_id", id)
	c.Request = c.Request.WithContext(reqlog.WithID(c.Request.Context(), id))
	c.Header("X-Request-ID", id)
	c.Next()
}

// deadline gives the request's context a deadline, so that no store call
// waits past it.
func (s *Server) deadline(c *gin.Context) {
	d := s.cfg.RequestTimeout
	if d <= 0 {
		d = defaultRequestTimeout
	}
	if entryPaths[c.FullPath()] {
		// A poster takes a while to arrive over a phone's connection
		// (limitBody gives the connection the same time).
		d += uploadTime
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), d)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// accessLog writes one line per request. The path is logged without its
// query string: manage links carry tokens there.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	s.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
		slog.String("request_id", c.GetString("request_id")),
		slog.String("method", c.Request.Method),
		slog.String("route", route),
		slog.Int("status", c.Writer.Status()),
		slog.Duration("duration", time.Since(start)),
	)
}

// recover turns a panic into a logged 500 rather than a dropped connection.
func (s *Server) recover(c *gin.Context) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic", "request_id", c.GetString("request_id"), "route", c.FullPath(), "panic", p)
			if !c.Writer.Written() {
				s.writeError(c, http.StatusInternalServerError, string(booking.EInternal), booking.ErrorMessage(nil), nil)
			}
			c.Abort()
		}
	}()
	c.Next()
}

// securityHeaders keeps tokens in links from leaking and forbids framing.
func (s *Server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	if s.hsts {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	c.Next()
}

// limitBody bounds every request body at maxBody, except the routes that
// take a poster (api_competition.go), which read their form as it streams
// and answer a file too large themselves.
func (s *Server) limitBody(c *gin.Context) {
	upload := entryPaths[c.FullPath()]
	if upload {
		// The server's ReadTimeout (15 s) would cut off a 15 MB poster sent
		// at a few megabits a second: this request gets uploadTime more to
		// arrive, and to answer after it.
		rc := http.NewResponseController(c.Writer)
		now := time.Now()
		_ = rc.SetReadDeadline(now.Add(uploadTime))
		_ = rc.SetWriteDeadline(now.Add(uploadTime + defaultRequestTimeout))
	}
	if c.Request.Body != nil {
		limit := int64(maxBody)
		if upload {
			limit = uploadBody
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	}
	if !upload && s.refuseLongForm(c) { // pages_toolarge.go
		return
	}
	c.Next()
}
