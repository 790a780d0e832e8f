package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// Offers from the waiting list. A place freed by a cancellation, a capacity
// rise, or an offer declined or lapsed is offered in the transaction that
// freed it: booked (or capacity) and offered move together, so the count
// the Redis mirror sees as taken never drops and nobody in a rush can hold
// the place meanwhile.

// offerFreedPlaces offers up to n places of p (locked by the caller, with
// its session sess) to the people first on the waiting list, and returns
// the places as they are after. Only the n places the caller freed: other
// free places may be held in Redis by people typing their details, and
// are offered by the waiting-list worker through the holds instead. No
// offer is made for a session that is cancelled or that starts too soon
// for an offer to be of use (booking.OfferExpiry).
func (db *DB) offerFreedPlaces(ctx context.Context, tx pgx.Tx, sess *booking.Session, p booking.Places, n int, now time.Time) (booking.Places, error) {
	if n <= 0 || sess.Status != booking.Scheduled || p.Taken() >= p.Capacity {
		return p, nil
	}
	expires := booking.OfferExpiry(now, sess.StartsAt, db.OfferTTL)
	if !expires.After(now) {
		return p, nil
	}
	// People who booked a place meanwhile (one became free to everyone)
	// leave the list, so the offer goes to someone still without one.
	_, err := tx.Exec(ctx, `
		UPDATE waitlist_entries e SET status = 'left', ended_at = $3
		WHERE e.session_id = $1 AND e.mode = $2 AND e.status = 'waiting'
		  AND EXISTS (SELECT 1 FROM bookings b
		              WHERE b.session_id = e.session_id AND lower(b.email) = lower(e.email)
		                AND lower(b.name) = lower(e.name)
		                AND b.status <> 'cancelled')`,
		p.SessionID, string(p.Mode), now)
	if err != nil {
		return p, fmt.Errorf("offer places: booked meanwhile: %w", err)
	}
	for ; n > 0 && p.Taken() < p.Capacity; n-- {
		next, ok, err := db.offerNext(ctx, tx, p, expires, now)
		if err != nil || !ok {
			return p, err
		}
		p = next
	}
	return p, nil
}

// offerNext offers one place of p to the first person waiting, with the
// offer email; ok is false when nobody waits.
func (db *DB) offerNext(ctx context.Context, tx pgx.Tx, p booking.Places, expires, now time.Time) (booking.Places, bool, error) {
	token, hash, err := booking.NewToken()
	if err != nil {
		return p, false, err
	}
	e := &booking.WaitlistEntry{SessionID: p.SessionID, Mode: p.Mode}
	err = tx.QueryRow(ctx, `
		UPDATE waitlist_entries SET status = 'offered', offer_token_hash = $3, offered_at = $4, offer_expires_at = $5
		WHERE id = (SELECT id FROM waitlist_entries
		            WHERE session_id = $1 AND mode = $2 AND status = 'waiting'
		            ORDER BY id LIMIT 1 FOR UPDATE)
		RETURNING id, reference`,
		p.SessionID, string(p.Mode), hash, now, expires).Scan(&e.ID, &e.Reference)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("offer place: %w", err)
	}
	err = tx.QueryRow(ctx, `
		UPDATE session_capacity SET offered = offered + 1, version = version + 1
		WHERE session_id = $1 AND mode = $2
		RETURNING `+placesColumns, p.SessionID, string(p.Mode)).Scan(placesDest(&p)...)
	if err != nil {
		return p, false, fmt.Errorf("offer place: keep it: %w", err)
	}
	err = db.queueEntryEmail(ctx, tx, booking.MsgWaitlistOffer, e, booking.EmailPayload{
		Reference: e.Reference, Token: token, ExpiresAt: expires.UTC().Truncate(time.Second),
	})
	return p, err == nil, err
}

// offerNewPlaces offers the places a capacity rise adds, per mode, to the
// people waiting; before holds the locked rows as they were, after the
// session as changed. It runs inside UpdateSession, which reads the fresh
// counts afterwards.
func (db *DB) offerNewPlaces(ctx context.Context, tx pgx.Tx, before, after *booking.Session, now time.Time) error {
	for _, p := range after.Places {
		added := p.Capacity - before.PlacesFor(p.Mode).Capacity
		if added <= 0 {
			continue
		}
		cur, err := lockPlaces(ctx, tx, after.ID, p.Mode)
		if err != nil {
			return err
		}
		if _, err := db.offerFreedPlaces(ctx, tx, after, cur, added, now); err != nil {
			return err
		}
	}
	return nil
}

// OfferPlace offers one free place of a session and mode to the first
// person waiting, for the worker that has just taken that place through
// the holds.
func (db *DB) OfferPlace(ctx context.Context, sessionID int64, mode booking.Mode, now time.Time) (booking.Mirror, bool, error) {
	var mirror booking.Mirror
	var offered bool
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		sess, err := lockSession(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		p, err := lockPlaces(ctx, tx, sessionID, mode)
		if err != nil {
			return err
		}
		after, err := db.offerFreedPlaces(ctx, tx, &sess.Session, p, 1, now)
		if err != nil {
			return err
		}
		offered = after.Offered > p.Offered
		mirror = booking.MirrorOf(&sess.Session, sess.audience, after)
		return nil
	})
	return mirror, offered, err
}

// UnofferedPlaces lists sessions and modes with places free in Postgres
// while people wait, soonest session first: places that were only held.
func (db *DB) UnofferedPlaces(ctx context.Context, now time.Time, limit int) ([]booking.Places, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT c.session_id, c.mode, c.capacity, c.booked, c.offered, c.version
		FROM session_capacity c JOIN sessions s ON s.id = c.session_id
		WHERE c.booked + c.offered < c.capacity AND s.status = 'scheduled' AND s.starts_at > $1
		  AND EXISTS (SELECT 1 FROM waitlist_entries e
		              WHERE e.session_id = c.session_id AND e.mode = c.mode AND e.status = 'waiting')
		ORDER BY s.starts_at, c.session_id, c.mode
		LIMIT $2`, now.Add(booking.OfferCutoff), limit)
	if err != nil {
		return nil, fmt.Errorf("unoffered places: %w", err)
	}
	places, err := pgx.CollectRows(rows, scanPlaces)
	if err != nil {
		return nil, fmt.Errorf("unoffered places: %w", err)
	}
	return places, nil
}

// LapseOffers lapses up to limit offers that have ended, each in its own
// transaction, and offers each place to the next person waiting. An offer
// ends at its expiry, or when its session is cancelled or about to start
// (it may have moved since the offer).
//
// Several instances may run this at once: each lapse locks the session's
// places FOR UPDATE and checks again that the entry is still offered, so
// an offer accepted, declined or lapsed meanwhile is left alone. It waits
// for the lock (a booking holds it for milliseconds) rather than skipping
// it, so a lapse is never put off by a busy session.
func (db *DB) LapseOffers(ctx context.Context, now time.Time, limit int) ([]booking.Mirror, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT e.reference FROM waitlist_entries e JOIN sessions s ON s.id = e.session_id
		WHERE e.status = 'offered'
		  AND (e.offer_expires_at <= $1 OR s.status <> 'scheduled' OR s.starts_at <= $2)
		ORDER BY e.offer_expires_at, e.id
		LIMIT $3`, now, now.Add(booking.OfferCutoff), limit)
	if err != nil {
		return nil, fmt.Errorf("lapse offers: %w", err)
	}
	refs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("lapse offers: %w", err)
	}
	var mirrors []booking.Mirror
	for _, ref := range refs {
		m, lapsed, err := db.lapseOffer(ctx, ref, now)
		if err != nil {
			return mirrors, err
		}
		if lapsed {
			mirrors = append(mirrors, m)
		}
	}
	return mirrors, nil
}

func (db *DB) lapseOffer(ctx context.Context, reference string, now time.Time) (booking.Mirror, bool, error) {
	var mirror booking.Mirror
	var lapsed bool
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		sess, places, e, err := lockEntry(ctx, tx, reference)
		if err != nil {
			return err
		}
		ended := sess.Status != booking.Scheduled || !now.Before(sess.StartsAt.Add(-booking.OfferCutoff)) ||
			(e.OfferExpiresAt != nil && !e.OfferExpiresAt.After(now))
		if e.Status != booking.Offered || !ended {
			return nil // taken up, declined or lapsed by someone else meanwhile
		}
		if err := endEntry(ctx, tx, e, booking.OfferLapsed, nil, now); err != nil {
			return err
		}
		if places, err = db.returnOffered(ctx, tx, &sess.Session, places, now); err != nil {
			return err
		}
		mirror, lapsed = booking.MirrorOf(&sess.Session, sess.audience, places), true
		return nil
	})
	return mirror, lapsed, err
}
