package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

var _ booking.InterestStore = (*DB)(nil)

// interestColumns are read by scanInterest, in its order.
const interestColumns = `id, name, email, audience, modes, area, times, created_at, confirmed_at`

func scanInterest(row pgx.Row) (*booking.Interest, error) {
	in := &booking.Interest{}
	var modes, times []string
	err := row.Scan(&in.ID, &in.Name, &in.Email, &in.Audience, &modes, &in.Area, &times, &in.CreatedAt, &in.ConfirmedAt)
	in.Modes, in.Times = modesOf(modes), timesOf(times)
	return in, err
}

// textArray turns modes or times into the text[] they are stored as.
func textArray[T ~string](s []T) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}

func modesOf(s []string) []booking.Mode {
	out := make([]booking.Mode, len(s))
	for i, m := range s {
		out[i] = booking.Mode(m)
	}
	return out
}

func timesOf(s []string) []booking.TimeOfWeek {
	out := make([]booking.TimeOfWeek, len(s))
	for i, t := range s {
		out[i] = booking.TimeOfWeek(t)
	}
	return out
}

// interestKey is the key the links of registrations are signed with
// (migration 00022).
func interestKey(ctx context.Context, q querier) ([]byte, error) {
	var key []byte
	err := q.QueryRow(ctx, `SELECT value FROM service_secrets WHERE name = 'interest_link_key'`).Scan(&key)
	if err != nil {
		return nil, fmt.Errorf("interest link key: %w", err)
	}
	return key, nil
}

// lockAddress serialises the registrations of one address for the rest of
// the transaction: the count of those waiting, and the one confirmed
// registration per audience, hold however many requests race.
func lockAddress(ctx context.Context, q querier, email string) error {
	if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('interest:' || lower($1), 0))`, email); err != nil {
		return fmt.Errorf("interest: lock address: %w", err)
	}
	return nil
}

// RegisterInterest stores in unconfirmed with the email asking to confirm
// its address, unless the address has enough waiting already.
func (db *DB) RegisterInterest(ctx context.Context, in *booking.Interest, now time.Time) error {
	return db.Transact(ctx, func(tx pgx.Tx) error {
		if err := lockAddress(ctx, tx, in.Email); err != nil {
			return err
		}
		var waiting int
		if err := tx.QueryRow(ctx, `
			SELECT count(*) FROM interests
			WHERE lower(email) = lower($1) AND confirmed_at IS NULL AND created_at > $2`,
			in.Email, now.Add(-booking.ConfirmWindow)).Scan(&waiting); err != nil {
			return fmt.Errorf("register interest: %w", err)
		}
		if waiting >= booking.MaxPendingInterest {
			return nil
		}
		in.CreatedAt = now
		if err := tx.QueryRow(ctx, `
			INSERT INTO interests (name, email, audience, modes, area, times, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			RETURNING id`,
			in.Name, in.Email, string(in.Audience), textArray(in.Modes), in.Area, textArray(in.Times), now).Scan(&in.ID); err != nil {
			return fmt.Errorf("register interest: %w", err)
		}
		key, err := interestKey(ctx, tx)
		if err != nil {
			return err
		}
		_, err = db.queue(ctx, tx, time.Time{}, booking.Email{Kind: booking.MsgInterestConfirm, InterestID: in.ID,
			Payload: booking.EmailPayload{Token: booking.InterestToken(key, in.ID), ExpiresAt: now.Add(booking.ConfirmWindow)}})
		return err
	})
}

// interestOfToken reads, and with lock locks, the registration of a token
// that is still in force at now.
func interestOfToken(ctx context.Context, q querier, token string, now time.Time, lock bool) (*booking.Interest, error) {
	key, err := interestKey(ctx, q)
	if err != nil {
		return nil, err
	}
	id, ok := booking.InterestTokenID(key, token)
	if !ok {
		return nil, booking.ErrInterestLink
	}
	sql := `SELECT ` + interestColumns + ` FROM interests
		WHERE id = $1 AND (confirmed_at IS NOT NULL OR created_at > $2)`
	if lock {
		sql += ` FOR UPDATE`
	}
	in, err := scanInterest(q.QueryRow(ctx, sql, id, now.Add(-booking.ConfirmWindow)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, booking.ErrInterestLink
	}
	if err != nil {
		return nil, fmt.Errorf("interest: %w", err)
	}
	return in, nil
}

// InterestByToken reads the registration of a link.
func (db *DB) InterestByToken(ctx context.Context, token string, now time.Time) (*booking.Interest, error) {
	return interestOfToken(ctx, db.Pool, token, now, false)
}

// ConfirmInterest confirms the registration of a link, replacing the
// address's confirmed registration for the same audience.
func (db *DB) ConfirmInterest(ctx context.Context, token string, now time.Time) (*booking.Interest, error) {
	var in *booking.Interest
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		var err error
		if in, err = interestOfToken(ctx, tx, token, now, false); err != nil {
			return err
		}
		if err := lockAddress(ctx, tx, in.Email); err != nil {
			return err
		}
		// Read again under the address's lock: it may have been confirmed
		// or stopped meanwhile.
		if in, err = interestOfToken(ctx, tx, token, now, true); err != nil || in.Confirmed() {
			return err
		}
		if _, err := tx.Exec(ctx, `
			DELETE FROM interests
			WHERE audience = $1 AND lower(email) = lower($2) AND confirmed_at IS NOT NULL AND id <> $3`,
			string(in.Audience), in.Email, in.ID); err != nil {
			return fmt.Errorf("confirm interest: replace: %w", err)
		}
		// The database's clock, as sessions.created_at is: the sweep
		// compares the two ("sessions created since you confirmed").
		var at time.Time
		if err := tx.QueryRow(ctx, `UPDATE interests SET confirmed_at = now() WHERE id = $1 RETURNING confirmed_at`,
			in.ID).Scan(&at); err != nil {
			return fmt.Errorf("confirm interest: %w", err)
		}
		in.ConfirmedAt = &at
		return nil
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}

// StopInterest deletes the registration of a link, and any other of its
// address for the same audience (asked for again, not yet confirmed); their
// notices and emails go with them (ON DELETE CASCADE).
func (db *DB) StopInterest(ctx context.Context, token string) error {
	key, err := interestKey(ctx, db.Pool)
	if err != nil {
		return err
	}
	id, ok := booking.InterestTokenID(key, token)
	if !ok {
		return booking.ErrInterestLink
	}
	tag, err := db.Pool.Exec(ctx, `
		DELETE FROM interests
		WHERE (audience, lower(email)) = (SELECT audience, lower(email) FROM interests WHERE id = $1)`, id)
	if err != nil {
		return fmt.Errorf("stop interest: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return booking.ErrInterestLink
	}
	return nil
}

// notifyInterestSQL writes a notice for each confirmed registration a
// session suits ($2: one session, or 0 for all) and returns those written.
// The rule is booking.Interest.Suits, with the time of week of
// booking.TimeOfWeekOf ($4 is booking.EveningsFrom). A mode has places
// when some are free and nobody waits for them (free places go to the
// waiting list first). Ballot sessions and archived workshops are left
// out: the email says places go to whoever books first. The primary key of interest_notices keeps each
// pair to one row: a sweep racing another waits for its insert and then
// writes nothing, so only one of them queues the email.
const notifyInterestSQL = `
WITH open AS (
    SELECT s.id, s.created_at, w.audience, array_agg(c.mode) AS modes,
        CASE WHEN extract(isodow FROM s.starts_at AT TIME ZONE 'Europe/London') >= 6 THEN 'weekends'
             WHEN extract(hour FROM s.starts_at AT TIME ZONE 'Europe/London') >= $4 THEN 'evenings'
             ELSE 'weekday_daytime' END AS time_of_week
    FROM sessions s
    JOIN workshops w ON w.id = s.workshop_id
    JOIN session_capacity c ON c.session_id = s.id AND c.booked + c.offered < c.capacity
    WHERE s.status = 'scheduled' AND s.starts_at > $1 AND ($2 = 0 OR s.id = $2)
      AND s.allocation = 'first_come' AND w.archived_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM waitlist_entries we
                      WHERE we.session_id = s.id AND we.mode = c.mode AND we.status = 'waiting')
    GROUP BY s.id, w.audience
), due AS (
    SELECT i.id AS interest_id, o.id AS session_id
    FROM open o
    JOIN interests i ON i.audience = o.audience AND i.confirmed_at IS NOT NULL
        AND i.confirmed_at <= o.created_at AND i.modes && o.modes
        AND (cardinality(i.times) = 0 OR o.time_of_week = ANY (i.times))
    WHERE NOT EXISTS (SELECT 1 FROM interest_notices n WHERE n.interest_id = i.id AND n.session_id = o.id)
    ORDER BY o.id, i.id
    LIMIT $3
)
INSERT INTO interest_notices (interest_id, session_id, created_at)
SELECT interest_id, session_id, $1 FROM due
ON CONFLICT DO NOTHING
RETURNING interest_id, session_id`

// NotifyInterest queues the emails about sessions that suit confirmed
// registrations, one per registration and session.
func (db *DB) NotifyInterest(ctx context.Context, sessionID int64, now time.Time, limit int) (int, error) {
	written := 0
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, notifyInterestSQL, now, sessionID, limit, booking.EveningsFrom)
		if err != nil {
			return fmt.Errorf("notify interest: %w", err)
		}
		emails, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (booking.Email, error) {
			e := booking.Email{Kind: booking.MsgInterestSession}
			err := row.Scan(&e.InterestID, &e.SessionID)
			return e, err
		})
		if err != nil {
			return fmt.Errorf("notify interest: %w", err)
		}
		if len(emails) == 0 {
			return nil
		}
		key, err := interestKey(ctx, tx)
		if err != nil {
			return err
		}
		for i := range emails {
			emails[i].Payload.Token = booking.InterestToken(key, emails[i].InterestID)
		}
		written, err = db.queue(ctx, tx, time.Time{}, emails...)
		return err
	})
	return written, err
}

// InterestCounts counts the confirmed registrations of audience by area
// and by way of taking part.
func (db *DB) InterestCounts(ctx context.Context, audience booking.Audience) (*booking.InterestCounts, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT area, CASE WHEN cardinality(modes) > 1 THEN 'either' ELSE modes[1] END, count(*)
		FROM interests
		WHERE confirmed_at IS NOT NULL AND audience = $1
		GROUP BY 1, 2`, string(audience))
	if err != nil {
		return nil, fmt.Errorf("interest counts: %w", err)
	}
	byArea := map[string]int{}
	out := &booking.InterestCounts{ByWay: map[string]int{booking.WayInPerson: 0, booking.WayOnline: 0, booking.WayEither: 0}}
	var area, way string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&area, &way, &n}, func() error {
		byArea[area] += n
		out.ByWay[way] += n
		out.Total += n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("interest counts: %w", err)
	}
	for _, a := range booking.Areas() {
		out.ByArea = append(out.ByArea, booking.AreaCount{ID: a.ID, Name: a.Name, Count: byArea[a.ID]})
	}
	return out, nil
}

// ExpireInterest deletes the registrations never confirmed whose link has
// lapsed and the confirmed ones past booking.InterestKept.
func (db *DB) ExpireInterest(ctx context.Context, now time.Time) (int, error) {
	tag, err := db.Pool.Exec(ctx, `
		DELETE FROM interests
		WHERE (confirmed_at IS NULL AND created_at <= $1) OR confirmed_at <= $2`,
		now.Add(-booking.ConfirmWindow), now.Add(-booking.InterestKept))
	if err != nil {
		return 0, fmt.Errorf("expire interest: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
