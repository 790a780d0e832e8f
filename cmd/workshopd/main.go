// Command workshopd is the workshop booking service: `serve`, `migrate` and
// `seed-demo`. It is the only place that knows every adapter and wires them.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/coventry/workshops/attendance"
	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/holds"
	"github.com/coventry/workshops/booking/postgres"
	"github.com/coventry/workshops/booking/web"
	"github.com/coventry/workshops/calendar"
	"github.com/coventry/workshops/calendar/msgraph"
	"github.com/coventry/workshops/competition"
	"github.com/coventry/workshops/internal/reqlog"
	"github.com/coventry/workshops/notify"
	"github.com/coventry/workshops/notify/inbound"
	"github.com/coventry/workshops/notify/mailer"
	"github.com/coventry/workshops/notify/outbox"
	"github.com/coventry/workshops/survey"
)

const usage = `usage: workshopd <command>

commands:
  serve      apply pending migrations, serve HTTP and run the background workers
  migrate    apply pending migrations and exit
  seed-demo  add demo workshops and sessions (safe to run twice)
  create-admin EMAIL [NAME]
             make or promote an admin account (safe to run twice)
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "workshopd:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	if len(args) == 0 || (len(args) != 1 && args[0] != "create-admin") {
		fmt.Fprint(stderr, usage)
		return errors.New("expected one command")
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	slog.SetDefault(logger)
	redis.SetLogger(redisLog{logger})
	switch args[0] {
	case "serve":
		ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		app, err := Open(ctx, cfg)
		if err != nil {
			return err
		}
		return app.Serve(ctx)
	case "migrate":
		db, err := postgres.Open(ctx, cfg.DatabaseURL, 2)
		if err != nil {
			return err
		}
		defer db.Close()
		return migrate(ctx, db, cfg)
	case "seed-demo":
		app, err := Open(ctx, cfg)
		if err != nil {
			return err
		}
		defer app.Close()
		return seedDemo(ctx, app.Service, app.DB, time.Now())
	case "create-admin":
		return createAdmin(ctx, cfg, args[1:], os.Stdout)
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	var h slog.Handler = slog.NewJSONHandler(w, nil)
	if format == "text" {
		h = slog.NewTextHandler(w, nil)
	}
	// Lines logged with a request's context carry its id, in any package.
	return slog.New(reqlog.NewHandler(h))
}

// redisLog puts go-redis's own messages (a failed dial while Redis is down)
// into the service's log, instead of plain text lines amid the JSON.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "go-redis", "detail", fmt.Sprintf(format, v...))
}

// App is one running instance of the service. Open then Serve; a test can
// run several over the same Postgres and Redis.
type App struct {
	Config  *Config
	DB      *postgres.DB
	Redis   redis.UniversalClient
	Holds   *holds.Store
	Service *booking.Service
	// Competition is the young people's poster competition.
	Competition *competition.Service
	Surveys     *survey.Service
	Web         *web.Server
	Outbox      *outbox.Worker
	// Replies reads the organiser mailbox for calendar replies; nil when
	// no mailbox is configured.
	Replies *inbound.Reader
	mailer  mailer.Mailer

	workers sync.WaitGroup
}

// Open connects to Postgres and Redis, applies migrations and builds the
// service. Redis that does not answer is not fatal: holds degrade.
func Open(ctx context.Context, cfg *Config) (*App, error) {
	db, err := postgres.Open(ctx, cfg.DatabaseURL, int32(cfg.DBMaxConns))
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, db, cfg); err != nil {
		db.Close()
		return nil, err
	}
	key, err := db.HoldSigningKey(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	opt, err := redisOptions(cfg.RedisURL) // LoadConfig checked it
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	// Short timeouts: a Redis that does not answer must cost a booking
	// milliseconds, not seconds, before holds fall back to Postgres.
	opt.DialTimeout = 500 * time.Millisecond
	opt.ReadTimeout = 500 * time.Millisecond
	opt.WriteTimeout = 500 * time.Millisecond
	opt.MaxRetries = 1
	// One server, a Cluster or a Sentinel set, as REDIS_URL says.
	rdb := redis.NewUniversalClient(opt)
	if err := rdb.Ping(ctx).Err(); err != nil {
		slog.Warn("redis does not answer; holds fall back to signed tokens until it does", "err", err)
	}
	h := holds.New(rdb, db, key, cfg.HoldTTL, holds.WithLogger(slog.Default()))
	db.OfferTTL = cfg.OfferTTL
	db.MailFrom = cfg.MailFrom
	db.InviteUIDDomain = cfg.InviteUIDDomain
	// Postgres plays every store role of the service.
	svc := &booking.Service{Store: db, Holds: h, Waitlist: db, Staff: db, Attendance: db,
		OrganiserPages: db, PersonalData: db, Accounts: db, Replies: db, Ballots: db, Interest: db, Clock: booking.SystemClock,
		StaffEmailDomains: cfg.StaffEmailDomains, AreaWeights: cfg.AreaWeights}
	posters, pdfOK := competition.NewPosters(2)
	if !pdfOK {
		slog.Warn("pdftoppm (poppler-utils) not found: poster entries sent as PDF are refused")
	}
	sheetFonts, err := attendance.LoadFonts(cfg.SheetFontDir)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(sheetFonts.Missing) > 0 {
		slog.Warn("sign-in sheet fonts missing (SHEET_FONT_DIR): names in their scripts print as boxes; apt-get install "+attendance.FontPackages,
			"missing", sheetFonts.Missing)
	}
	contest := &competition.Service{Store: db, Posters: posters, Clock: booking.SystemClock,
		ClosesAt: cfg.CompetitionClosesAt.Time, BaseURL: cfg.BaseURL}
	app := &App{Config: cfg, DB: db, Redis: rdb, Holds: h, Service: svc, Competition: contest,
		Surveys: &survey.Service{Store: db, Clock: booking.SystemClock, Keep: time.Duration(cfg.RetentionDays) * 24 * time.Hour}}
	fail := func(err error) (*App, error) {
		app.Close()
		return nil, err
	}
	if err := svc.Check(); err != nil {
		return fail(err)
	}
	var graph *msgraph.Client
	if cfg.GraphEnabled {
		if graph, err = msgraph.New(cfg.Graph); err != nil {
			return fail(err)
		}
		svc.Meetings = teams{graph}
	}
	inv, err := calendar.NewInviter(calendar.Config{BaseURL: cfg.BaseURL, Council: cfg.CouncilName,
		Organizer: calendar.Organizer{Name: cfg.CouncilName, Email: cfg.OrganizerEmail}})
	if err != nil {
		return fail(err)
	}
	comp, err := notify.NewComposer(notify.Config{Council: cfg.CouncilName, BaseURL: cfg.BaseURL, ReplyTo: cfg.OrganizerEmail,
		OfferTTL: cfg.OfferTTL}, inv)
	if err != nil {
		return fail(err)
	}
	if app.mailer, err = mailer.New(cfg.SMTPURL, cfg.MailDir, cfg.MailFrom); err != nil {
		return fail(fmt.Errorf("SMTP_URL / MAIL_DIR: %w", err))
	}
	app.Outbox = outbox.New(db, comp, app.mailer, outbox.Config{
		ReminderBefore: cfg.ReminderBefore, Clock: booking.SystemClock, Logger: slog.Default(),
		SurveyFor: app.Surveys.LinkedFrom,
	})
	svc.Queued = app.Outbox.Wake
	reg := prometheus.NewRegistry()
	reg.MustRegister(app.Outbox.Metrics())
	reg.MustRegister(holdsMetrics(h)...)
	var replies inbound.Source
	switch {
	case cfg.InboundIMAPURL != "":
		if replies, err = inbound.NewIMAP(cfg.InboundIMAPURL); err != nil {
			return fail(fmt.Errorf("INBOUND_IMAP_URL: %w", err))
		}
	case cfg.InboundGraphMailbox != "":
		if replies, err = inbound.NewGraph(graph, cfg.InboundGraphMailbox, nil); err != nil {
			return fail(fmt.Errorf("INBOUND_GRAPH_MAILBOX: %w", err))
		}
	}
	if replies != nil {
		app.Replies = inbound.NewReader(replies, svc, cfg.InboundPollInterval, slog.Default())
		reg.MustRegister(app.Replies.Metrics())
	}
	app.Web = web.New(web.Config{BaseURL: cfg.BaseURL, AdminToken: cfg.AdminToken, MetricsToken: cfg.MetricsToken,
		CouncilName:    cfg.CouncilName,
		CouncilPhone:   cfg.CouncilPhone,
		SheetFonts:     sheetFonts,
		RateLimits:     bool(cfg.RateLimits),
		TrustedProxies: cfg.TrustedProxies, OrganiserEmail: cfg.OrganizerEmail, OfferTTL: cfg.OfferTTL}, web.Deps{
		Service: svc, Postgres: db, Redis: redisPinger{rdb}, Logger: slog.Default(), RateStore: rdb,
		Registry: reg, Calendar: inv, Outbox: app.Outbox, Competition: contest, Surveys: app.Surveys,
	})
	return app, nil
}

// migrate applies pending migrations, then stores the invite UID of every
// booking made before UIDs were stored: the one built from BASE_URL's host,
// which is what those bookings' invites were sent with.
func migrate(ctx context.Context, db *postgres.DB, cfg *Config) error {
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return fmt.Errorf("BASE_URL: %w", err)
	}
	n, err := db.KeepInviteUIDs(ctx, u.Hostname())
	if err != nil {
		return err
	}
	if n > 0 {
		slog.Info("invite UIDs of earlier bookings stored", "count", n)
	}
	return nil
}

type redisPinger struct{ c redis.UniversalClient }

func (p redisPinger) Ping(ctx context.Context) error { return p.c.Ping(ctx).Err() }

// Serve serves HTTP until ctx ends, then shuts down in order: stop taking
// requests, drain those in flight, stop the workers, close the pools. It
// all takes under 10 s.
func (a *App) Serve(ctx context.Context) error {
	defer a.Close()
	srv := &http.Server{
		Addr:              a.Config.HTTPAddr,
		Handler:           a.Web.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
	ln, err := net.Listen("tcp", a.Config.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR: %w", err)
	}
	slog.Info("serving", "addr", ln.Addr().String(), "base_url", a.Config.BaseURL)
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	if a.Config.MetricsAddr != "" {
		// /metrics on a listener of its own, for the scraper's network only.
		msrv := &http.Server{Handler: a.Web.MetricsHandler(), ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout: 15 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 60 * time.Second}
		mln, err := net.Listen("tcp", a.Config.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("METRICS_ADDR: %w", err)
		}
		slog.Info("serving metrics", "addr", mln.Addr().String())
		servers = append(servers, msrv)
		go func() { errc <- msrv.Serve(mln) }()
	}

	workCtx, stopWorkers := context.WithCancel(context.Background())
	defer stopWorkers()
	a.startWorkers(workCtx)

	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	slog.Info("shutting down")
	drainCtx, cancel := context.WithTimeout(context.Background(), 7*time.Second)
	defer cancel()
	for _, srv := range servers {
		if err := srv.Shutdown(drainCtx); err != nil {
			slog.Warn("requests still in flight at shutdown", "err", err)
		}
	}
	stopWorkers()
	done := make(chan struct{})
	go func() { a.workers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		slog.Warn("workers did not stop in time")
	}
	return nil
}

// startWorkers runs the background work every instance shares safely.
func (a *App) startWorkers(ctx context.Context) {
	a.workers.Go(func() { (&booking.WaitlistWorker{Service: a.Service, Logger: slog.Default()}).Run(ctx) })
	a.workers.Go(func() { (&booking.StaffSweep{Service: a.Service, Logger: slog.Default()}).Run(ctx) })
	a.workers.Go(func() { (&booking.InterestSweep{Service: a.Service, Logger: slog.Default()}).Run(ctx) })
	a.workers.Go(func() {
		keep := time.Duration(a.Config.RetentionDays) * 24 * time.Hour
		(&booking.RetentionJob{Store: a.DB, Keep: keep, Logger: slog.Default(),
			Also: []booking.Sweeper{a.Competition, a.Surveys}}).Run(ctx)
	})
	a.workers.Go(func() {
		if err := a.Outbox.Run(ctx); err != nil {
			slog.Error("outbox worker stopped", "err", err)
		}
	})
	if a.Replies == nil {
		slog.Info("calendar replies are not read: set INBOUND_IMAP_URL or INBOUND_GRAPH_MAILBOX to read the organiser mailbox")
		return
	}
	slog.Info("reading calendar replies from the organiser mailbox",
		"source", a.Replies.Source.Name(), "every", a.Config.InboundPollInterval.String())
	a.workers.Go(func() { a.Replies.Run(ctx) })
}

// teams adapts the Graph client to the booking service's Meetings.
type teams struct{ g *msgraph.Client }

func (t teams) Create(ctx context.Context, subject string, start, end time.Time) (booking.Meeting, error) {
	m, err := t.g.Create(ctx, subject, start, end)
	return booking.Meeting{ID: m.ID, JoinURL: m.JoinURL}, err
}

func (t teams) Move(ctx context.Context, id string, start, end time.Time) error {
	return t.g.Move(ctx, id, start, end)
}

// Close releases the pools and the mail connection.
func (a *App) Close() {
	if a.mailer != nil {
		_ = a.mailer.Close()
	}
	a.Holds.Close()
	_ = a.Redis.Close()
	a.DB.Close()
}
