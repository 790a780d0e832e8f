// Package postgres is the booking store on Postgres: the truth about places,
// bookings and the emails they cause.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/migrations"
)

// DB is the store. It is safe for concurrent use by many goroutines and by
// many processes at once.
type DB struct {
	Pool *pgxpool.Pool
	// OfferTTL is how long a place offered from a waiting list is kept
	// (OFFER_TTL); zero means booking.DefaultOfferTTL.
	OfferTTL time.Duration
	// MailFrom is MAIL_FROM: its domain ends every Message-ID (see
	// booking.NewMessageID).
	MailFrom string
	// InviteUIDDomain is the domain the invite UIDs of new bookings end
	// with (INVITE_UID_DOMAIN); empty means MailFrom's domain. It must not
	// follow BASE_URL: see booking.InviteUID.
	InviteUIDDomain string
}

// uidDomain is the domain of new bookings' invite UIDs.
func (db *DB) uidDomain() string {
	if db.InviteUIDDomain != "" {
		return db.InviteUIDDomain
	}
	return booking.SenderDomain(db.MailFrom)
}

// Open connects to Postgres at url and checks that it answers.
func Open(ctx context.Context, url string, maxConns int32) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// A Postgres that does not answer (a host gone, a full backlog)
		// costs a request this long, not the operating system's minutes.
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: ping: %w", err)
	}
	return &DB{Pool: pool}, nil
}

// connectTimeout bounds one attempt to connect when DATABASE_URL names no
// connect_timeout.
const connectTimeout = 5 * time.Second

// Close closes the pool.
func (db *DB) Close() { db.Pool.Close() }

// Ping reports whether Postgres answers.
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }

// Unreachable reports whether err says Postgres could not be reached or
// went away: refused or timed-out connections, a pool that could not get a
// connection in time, a connection lost mid-query, a server shutting down
// or out of connections. The caller answers these as an outage, not a fault.
func (db *DB) Unreachable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception; 57P01-57P05: shutting down,
		// crashed, starting up; 53300: too many connections.
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P") || pe.Code == "53300"
	}
	var connect *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connect) || errors.As(err, &netErr) ||
		pgconn.Timeout(err) || pgconn.SafeToRetry(err) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, context.DeadlineExceeded)
}

func newProvider(db *DB) (*goose.Provider, func() error, error) {
	sqldb := stdlib.OpenDBFromPool(db.Pool)
	p, err := goose.NewProvider(goose.DialectPostgres, sqldb, migrations.FS)
	if err != nil {
		sqldb.Close()
		return nil, nil, fmt.Errorf("migrate: %w", err)
	}
	return p, sqldb.Close, nil
}

// Migrate applies every pending migration, each in its own transaction.
// Several instances starting at once are safe: goose takes a Postgres
// advisory lock.
func (db *DB) Migrate(ctx context.Context) error {
	sqldb := stdlib.OpenDBFromPool(db.Pool)
	defer sqldb.Close()
	locker, err := lockerForMigrations()
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqldb, migrations.FS, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		slog.Info("migration applied", "version", r.Source.Version, "duration", r.Duration)
	}
	return nil
}

// Pending reports how many migrations are not yet applied. `workshopd serve`
// applies them before it serves (Migrate), so this is for tests and tools.
func (db *DB) Pending(ctx context.Context) (int, error) {
	p, closeDB, err := newProvider(db)
	if err != nil {
		return 0, err
	}
	defer closeDB()
	status, err := p.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("migration status: %w", err)
	}
	n := 0
	for _, s := range status {
		if s.State == goose.StatePending {
			n++
		}
	}
	return n, nil
}

// Transact runs fn in a transaction, committing when fn returns nil and
// rolling back otherwise (or when fn panics, which it re-raises).
func (db *DB) Transact(ctx context.Context, fn func(tx pgx.Tx) error) (err error) {
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback(ctx)
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback(ctx)
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// isUniqueViolation reports whether err is a unique violation of constraint.
func isUniqueViolation(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && (constraint == "" || pe.ConstraintName == constraint)
}

// isCheckViolation reports whether err is a violation of CHECK constraint.
func isCheckViolation(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23514" && pe.ConstraintName == constraint
}
