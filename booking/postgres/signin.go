package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// usedLinksKept is how long spent and lapsed sign-in links stay, so that
// following one again says "already used" or "expired" rather than "not
// valid". Older ones are deleted when the same account asks for a new link.
const usedLinksKept = 24 * time.Hour

const signInLinkColumns = `id, organiser_id, token_hash, created_at, expires_at, used_at`

func signInLinkDest(l *booking.SignInLink) []any {
	return []any{&l.ID, &l.OrganiserID, &l.TokenHash, &l.CreatedAt, &l.ExpiresAt, &l.UsedAt}
}

func errLinkNotFound() error {
	return booking.Errorf(booking.ENotFound, "We could not find that sign-in link.")
}

// SignInLinksSince counts the links made for an organiser since a time.
func (db *DB) SignInLinksSince(ctx context.Context, organiserID int64, since time.Time) (int, error) {
	var n int
	err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM signin_links WHERE organiser_id = $1 AND created_at > $2`,
		organiserID, since).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count sign-in links: %w", err)
	}
	return n, nil
}

// CreateSignInLink stores l and its email's outbox row in one transaction,
// and forgets the account's links that lapsed long ago.
func (db *DB) CreateSignInLink(ctx context.Context, l *booking.SignInLink, payload booking.EmailPayload) error {
	return db.Transact(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM signin_links WHERE organiser_id = $1 AND expires_at < $2`,
			l.OrganiserID, l.CreatedAt.Add(-usedLinksKept))
		if err != nil {
			return fmt.Errorf("create sign-in link: prune: %w", err)
		}
		err = tx.QueryRow(ctx, `
			INSERT INTO signin_links (organiser_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)
			RETURNING id`, l.OrganiserID, l.TokenHash, l.CreatedAt, l.ExpiresAt).Scan(&l.ID)
		if err != nil {
			return fmt.Errorf("create sign-in link: %w", err)
		}
		// No booking and no session: the sender takes everything from the payload.
		_, err = db.queue(ctx, tx, time.Time{}, booking.Email{Kind: booking.MsgSignInLink, Payload: payload})
		if err != nil {
			return fmt.Errorf("create sign-in link: queue email: %w", err)
		}
		return nil
	})
}

// SignInLink reads a link by the hash of its token.
func (db *DB) SignInLink(ctx context.Context, tokenHash []byte) (*booking.SignInLink, error) {
	return readSignInLink(ctx, db.Pool, tokenHash, false)
}

func readSignInLink(ctx context.Context, q querier, tokenHash []byte, lock bool) (*booking.SignInLink, error) {
	sql := `SELECT ` + signInLinkColumns + ` FROM signin_links WHERE token_hash = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	l := &booking.SignInLink{}
	err := q.QueryRow(ctx, sql, tokenHash).Scan(signInLinkDest(l)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errLinkNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("read sign-in link: %w", err)
	}
	return l, nil
}

// UseSignInLink spends a link and starts a sign-in in one transaction. The
// link's row lock makes two uses at once safe: the second sees the first's
// mark and is refused.
func (db *DB) UseSignInLink(ctx context.Context, tokenHash []byte, sess *booking.OrganiserSession, check func(l *booking.SignInLink, o *booking.Organiser) error) error {
	return db.Transact(ctx, func(tx pgx.Tx) error {
		l, err := readSignInLink(ctx, tx, tokenHash, true)
		if err != nil {
			return err
		}
		o, err := readOrganiser(ctx, tx, `o.id = $1`, l.OrganiserID, false)
		if err != nil {
			return err
		}
		if err := check(l, o); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE signin_links SET used_at = $2 WHERE id = $1`, l.ID, sess.CreatedAt); err != nil {
			return fmt.Errorf("use sign-in link: %w", err)
		}
		// Sign-ins past their absolute end are gone for good; drop them here
		// rather than in a job of their own.
		if _, err := tx.Exec(ctx, `DELETE FROM organiser_sessions WHERE organiser_id = $1 AND expires_at <= $2`,
			o.ID, sess.CreatedAt); err != nil {
			return fmt.Errorf("use sign-in link: prune: %w", err)
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO organiser_sessions (id_hash, organiser_id, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $4, $5)`,
			sess.IDHash, o.ID, sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt)
		if err != nil {
			return fmt.Errorf("start sign-in: %w", err)
		}
		sess.Organiser = o
		return nil
	})
}

// OrganiserSession reads a sign-in with its organiser.
func (db *DB) OrganiserSession(ctx context.Context, idHash []byte) (*booking.OrganiserSession, error) {
	s := &booking.OrganiserSession{Organiser: &booking.Organiser{}}
	err := db.Pool.QueryRow(ctx, `
		SELECT z.id_hash, z.created_at, z.last_seen_at, z.expires_at, `+organiserColumns+`
		FROM organiser_sessions z JOIN organisers o ON o.id = z.organiser_id
		WHERE z.id_hash = $1`, idHash).
		Scan(append([]any{&s.IDHash, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt}, organiserDest(s.Organiser)...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, booking.Errorf(booking.ENotFound, "We could not find that sign-in.")
	}
	if err != nil {
		return nil, fmt.Errorf("read sign-in: %w", err)
	}
	return s, nil
}

// TouchOrganiserSession records activity at now; it never moves the time back.
func (db *DB) TouchOrganiserSession(ctx context.Context, idHash []byte, now time.Time) error {
	_, err := db.Pool.Exec(ctx, `UPDATE organiser_sessions SET last_seen_at = $2 WHERE id_hash = $1 AND last_seen_at < $2`,
		idHash, now)
	if err != nil {
		return fmt.Errorf("touch sign-in: %w", err)
	}
	return nil
}

// EndOrganiserSession deletes a sign-in.
func (db *DB) EndOrganiserSession(ctx context.Context, idHash []byte) error {
	if _, err := db.Pool.Exec(ctx, `DELETE FROM organiser_sessions WHERE id_hash = $1`, idHash); err != nil {
		return fmt.Errorf("end sign-in: %w", err)
	}
	return nil
}
