package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// The sender's side of the outbox: claims, leases and marks. The sender
// (notify/outbox) holds no SQL of its own.

var _ booking.Outbox = (*DB)(nil)

// outboxChannel is what the outbox_queued trigger notifies (migration 00012).
const outboxChannel = "outbox"

// claimSQL takes up to $2 due rows and leases them until $3 by moving
// next_attempt_at forward, in one short statement. SKIP LOCKED lets other
// instances claim other rows at the same moment; a row whose booking has
// an earlier message still waiting is left for later, so one person's
// emails arrive in the order they were written.
const claimSQL = `
WITH due AS (
    SELECT o.id
    FROM outbox o
    WHERE o.status = 'pending' AND o.next_attempt_at <= $1
      AND NOT EXISTS (
          SELECT 1 FROM outbox e
          WHERE e.booking_id = o.booking_id AND e.status = 'pending' AND e.id < o.id)
    ORDER BY o.next_attempt_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE outbox o
    SET attempts = o.attempts + 1, next_attempt_at = $3
    FROM due
    WHERE o.id = due.id
    RETURNING o.id, o.kind, o.booking_id, o.session_id, o.waitlist_entry_id, o.interest_id, o.payload,
              o.message_id, o.attempts, o.created_at, o.reminder_for
)
SELECT c.id, c.kind, c.payload, c.message_id, c.attempts, c.created_at, c.reminder_for,
       b.id, b.reference, b.mode, b.name, b.email, b.organisation, b.access_needs, b.status,
       b.invite_sequence, b.created_at, b.invite_uid, b.companion_of,
       COALESCE((SELECT p.name FROM bookings p WHERE p.id = b.companion_of),
                (SELECT p.name FROM bookings p WHERE p.companion_of = b.id
                 AND (p.status <> 'cancelled' OR (b.status = 'cancelled' AND p.cancelled_at = b.cancelled_at))
                 ORDER BY p.id DESC LIMIT 1)),
       s.id, s.workshop_id, s.starts_at, s.ends_at, s.venue_name, s.venue_address, s.online_url,
       s.status, s.cancel_reason, s.sequence,
       w.id, w.title, w.summary, w.audience,
       we.id, we.reference, we.mode, we.name, we.email, we.status,
       i.id, i.name, i.email, i.audience, i.modes, i.area, i.times, i.created_at, i.confirmed_at
FROM claimed c
LEFT JOIN bookings b ON b.id = c.booking_id
LEFT JOIN sessions s ON s.id = COALESCE(c.session_id, b.session_id)
LEFT JOIN workshops w ON w.id = s.workshop_id
LEFT JOIN waitlist_entries we ON we.id = c.waitlist_entry_id
LEFT JOIN interests i ON i.id = c.interest_id
ORDER BY c.id`

// ClaimEmails leases up to n due rows until leaseUntil and loads what each
// is about.
func (db *DB) ClaimEmails(ctx context.Context, now, leaseUntil time.Time, n int) ([]*booking.ClaimedEmail, error) {
	rows, err := db.Pool.Query(ctx, claimSQL, now, n, leaseUntil)
	if err != nil {
		return nil, fmt.Errorf("outbox: claim: %w", err)
	}
	defer rows.Close()
	var out []*booking.ClaimedEmail
	for rows.Next() {
		r := &booking.ClaimedEmail{}
		var (
			reminderFor                                        *time.Time
			bID, bSeq                                          *int64
			bRef, bMode, bName, bEmail, bOrg, bAccess, bStatus *string
			bCreated                                           *time.Time
			bUID, bWith                                        *string
			bCompanionOf                                       *int64
			sID, sWorkshop, sSeq                               *int64
			sStart, sEnd                                       *time.Time
			sVenue, sAddr, sURL, sStatus, sReason              *string
			wID                                                *int64
			wTitle, wSummary, wAudience                        *string
			eID                                                *int64
			eRef, eMode, eName, eEmail, eStatus                *string
			iID                                                *int64
			iName, iEmail, iAudience, iArea                    *string
			iModes, iTimes                                     []string
			iCreated, iConfirmed                               *time.Time
		)
		if err := rows.Scan(&r.ID, &r.Kind, &r.Payload, &r.MessageID, &r.Attempts, &r.CreatedAt, &reminderFor,
			&bID, &bRef, &bMode, &bName, &bEmail, &bOrg, &bAccess, &bStatus, &bSeq, &bCreated, &bUID, &bCompanionOf, &bWith,
			&sID, &sWorkshop, &sStart, &sEnd, &sVenue, &sAddr, &sURL, &sStatus, &sReason, &sSeq,
			&wID, &wTitle, &wSummary, &wAudience,
			&eID, &eRef, &eMode, &eName, &eEmail, &eStatus,
			&iID, &iName, &iEmail, &iAudience, &iModes, &iArea, &iTimes, &iCreated, &iConfirmed); err != nil {
			return nil, fmt.Errorf("outbox: claim: %w", err)
		}
		if reminderFor != nil {
			r.ReminderFor = *reminderFor
		}
		if bID != nil {
			r.Booking = &booking.Booking{
				ID: *bID, Reference: *bRef, Mode: booking.Mode(*bMode), Name: *bName, Email: *bEmail,
				Organisation: *bOrg, AccessNeeds: *bAccess, Status: booking.BookingStatus(*bStatus),
				InviteSequence: int(*bSeq), CreatedAt: *bCreated,
			}
			if bUID != nil {
				r.Booking.InviteUID = *bUID
			}
			if bCompanionOf != nil {
				r.Booking.CompanionOf = *bCompanionOf
			}
			if bWith != nil {
				r.Booking.With = *bWith
			}
		}
		if sID != nil {
			r.Session = &booking.Session{
				ID: *sID, WorkshopID: *sWorkshop, StartsAt: *sStart, EndsAt: *sEnd,
				Venue:     booking.Venue{Name: *sVenue, Address: *sAddr},
				OnlineURL: *sURL, Status: booking.SessionStatus(*sStatus), CancelReason: *sReason,
				Sequence: int(*sSeq),
			}
			if r.Booking != nil {
				r.Booking.SessionID = *sID
			}
			if wID != nil {
				r.Session.Workshop = &booking.Workshop{ID: *wID, Title: *wTitle, Summary: *wSummary,
					Audience: booking.Audience(*wAudience)}
			}
		}
		if eID != nil {
			r.Entry = &booking.WaitlistEntry{ID: *eID, Reference: *eRef, Mode: booking.Mode(*eMode), Name: *eName,
				Email: *eEmail, Status: booking.WaitlistStatus(*eStatus)}
			if sID != nil {
				r.Entry.SessionID = *sID
			}
		}
		if iID != nil {
			r.Interest = &booking.Interest{ID: *iID, Name: *iName, Email: *iEmail,
				Audience: booking.Audience(*iAudience), Modes: modesOf(iModes), Area: *iArea,
				Times: timesOf(iTimes), CreatedAt: *iCreated, ConfirmedAt: iConfirmed}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox: claim: %w", err)
	}
	return out, nil
}

// The statements below only touch a row still under the caller's claim:
// same attempts count, still pending. A sender whose lease ran out and was
// taken over changes nothing.

// RenewEmailLeases moves the leases of the rows still held on to until, and
// returns their ids.
func (db *DB) RenewEmailLeases(ctx context.Context, es []*booking.ClaimedEmail, until time.Time) ([]int64, error) {
	ids, attempts := make([]int64, len(es)), make([]int32, len(es))
	for i, e := range es {
		ids[i], attempts[i] = e.ID, int32(e.Attempts)
	}
	rows, err := db.Pool.Query(ctx, `
UPDATE outbox o SET next_attempt_at = $3
FROM unnest($1::bigint[], $2::integer[]) AS h(id, attempts)
WHERE o.id = h.id AND o.attempts = h.attempts AND o.status = 'pending'
RETURNING o.id`, ids, attempts, until)
	if err != nil {
		return nil, fmt.Errorf("outbox: renew lease: %w", err)
	}
	held, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("outbox: renew lease: %w", err)
	}
	return held, nil
}

// MarkEmailSent records a send and drops the row's link (a token, a
// sign-in URL); false when the lease was lost.
func (db *DB) MarkEmailSent(ctx context.Context, e *booking.ClaimedEmail, now time.Time) (bool, error) {
	tag, err := db.Pool.Exec(ctx, `
UPDATE outbox SET status = 'sent', sent_at = $2, last_error = '', payload = payload - 'token' - 'url'
WHERE id = $1 AND attempts = $3 AND status = 'pending'`, e.ID, now, e.Attempts)
	if err != nil {
		return false, fmt.Errorf("outbox: mark sent: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// RetryEmailAt makes the row due again at next.
func (db *DB) RetryEmailAt(ctx context.Context, e *booking.ClaimedEmail, next time.Time, lastErr string) error {
	_, err := db.Pool.Exec(ctx, `
UPDATE outbox SET next_attempt_at = $2, last_error = $3
WHERE id = $1 AND attempts = $4 AND status = 'pending'`, e.ID, next, lastErr, e.Attempts)
	if err != nil {
		return fmt.Errorf("outbox: mark retry: %w", err)
	}
	return nil
}

// EndEmail ends a row that will not be tried again: status is failed or
// skipped. A skipped row drops its link at once; a failed one keeps it,
// since an organiser may retry it, until the retention job removes it
// booking.FailedLinksKept after the failure, which next_attempt_at records.
func (db *DB) EndEmail(ctx context.Context, e *booking.ClaimedEmail, status booking.EmailStatus, lastErr string, now time.Time) error {
	_, err := db.Pool.Exec(ctx, `
UPDATE outbox SET status = $2, last_error = $3, next_attempt_at = $4,
	payload = CASE WHEN $2 = 'skipped' THEN payload - 'token' - 'url' ELSE payload END
WHERE id = $1 AND attempts = $5 AND status = 'pending'`, e.ID, string(status), lastErr, now, e.Attempts)
	if err != nil {
		return fmt.Errorf("outbox: mark %s: %w", status, err)
	}
	return nil
}

// ReleaseEmails hands back rows claimed but not tried, due at now, as if
// never claimed.
func (db *DB) ReleaseEmails(ctx context.Context, es []*booking.ClaimedEmail, now time.Time) error {
	for _, e := range es {
		if _, err := db.Pool.Exec(ctx, `
UPDATE outbox SET attempts = attempts - 1, next_attempt_at = $2
WHERE id = $1 AND attempts = $3 AND status = 'pending'`, e.ID, now, e.Attempts); err != nil {
			return fmt.Errorf("outbox: release: %w", err)
		}
	}
	return nil
}

// reminderLock is the advisory lock that lets one instance at a time write
// reminders; the others skip their turn rather than wait.
const reminderLock = 0x776b73686f7073 // "wkshops"

// QueueReminders queues a reminder for up to batch confirmed bookings whose
// session starts within before of now. A reminder is a plain email: it
// carries no invite and leaves the booking's invite SEQUENCE alone, since
// nothing about the event changed (a calendar treats a raised SEQUENCE as a
// change, sets an accepted meeting back to tentative, and brings back an
// entry the person deleted). A booking gets one reminder per start time
// (outbox_one_reminder): a session moved after its reminder went gets
// another for the new time, and running this twice writes nothing twice.
// People who booked inside the window have just had their confirmation and
// get no reminder. Safe in every instance at once: one writes, the others
// find the lock taken and return 0.
func (db *DB) QueueReminders(ctx context.Context, now time.Time, before time.Duration, batch int) (int, error) {
	written := 0
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		var mine bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, int64(reminderLock)).Scan(&mine); err != nil {
			return fmt.Errorf("outbox: reminders: lock: %w", err)
		}
		if !mine {
			return nil
		}
		rows, err := tx.Query(ctx, `
SELECT b.id, b.session_id, s.starts_at
FROM sessions s
JOIN bookings b ON b.session_id = s.id AND b.status = 'confirmed' AND b.email <> ''
WHERE s.status = 'scheduled' AND s.starts_at > $1 AND s.starts_at <= $2
  AND b.created_at <= s.starts_at - $3 * interval '1 second'
  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.booking_id = b.id AND o.reminder_for = s.starts_at)
ORDER BY s.starts_at, b.id
LIMIT $4`, now, now.Add(before), before.Seconds(), batch)
		if err != nil {
			return fmt.Errorf("outbox: reminders: %w", err)
		}
		emails, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (booking.Email, error) {
			e := booking.Email{Kind: booking.MsgReminder}
			err := row.Scan(&e.BookingID, &e.SessionID, &e.ReminderFor)
			return e, err
		})
		if err != nil {
			return fmt.Errorf("outbox: reminders: %w", err)
		}
		written, err = db.queue(ctx, tx, now, emails...)
		return err
	})
	return written, err
}

// FailedEmails lists up to limit failed emails, newest first.
func (db *DB) FailedEmails(ctx context.Context, limit int) ([]booking.FailedEmail, error) {
	rows, err := db.Pool.Query(ctx, `
SELECT o.id, o.kind, COALESCE(b.reference, ''), COALESCE(o.session_id, 0), o.message_id,
       o.attempts, o.last_error, o.created_at, o.next_attempt_at
FROM outbox o LEFT JOIN bookings b ON b.id = o.booking_id
WHERE o.status = 'failed'
ORDER BY o.created_at DESC, o.id DESC
LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("outbox: failures: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (booking.FailedEmail, error) {
		var f booking.FailedEmail
		err := row.Scan(&f.ID, &f.Kind, &f.BookingReference, &f.SessionID, &f.MessageID,
			&f.Attempts, &f.LastError, &f.CreatedAt, &f.FailedAt)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: failures: %w", err)
	}
	if out == nil {
		out = []booking.FailedEmail{}
	}
	return out, nil
}

// RetryFailedEmail puts a failed email back in the queue, due at now, with
// a fresh day of retries. It keeps its Message-ID. ENotFound when id is not
// a failed email.
func (db *DB) RetryFailedEmail(ctx context.Context, id int64, now time.Time) error {
	tag, err := db.Pool.Exec(ctx, `
UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, created_at = $2
WHERE id = $1 AND status = 'failed'`, id, now)
	if err != nil {
		return fmt.Errorf("outbox: retry: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return booking.Errorf(booking.ENotFound, "There is no failed email %d.", id)
	}
	return nil
}

// CountOutbox counts what waits and what failed: three small queries, each
// answered from a partial index, rather than one that reads every row ever
// sent.
func (db *DB) CountOutbox(ctx context.Context) (booking.OutboxCounts, error) {
	var c booking.OutboxCounts
	var oldest *time.Time
	err := db.Pool.QueryRow(ctx, `
SELECT (SELECT count(*) FROM outbox WHERE status = 'pending'),
       (SELECT count(*) FROM outbox WHERE status = 'failed'),
       (SELECT min(created_at) FROM outbox WHERE status = 'pending')`).Scan(&c.Pending, &c.Failed, &oldest)
	if err != nil {
		return c, fmt.Errorf("outbox: count: %w", err)
	}
	if oldest != nil {
		c.OldestPending = *oldest
	}
	return c, nil
}

// ListenOutbox listens for the outbox_queued trigger's notifications on a
// connection of its own, outside the pool (a LISTEN holds its connection for
// as long as it lasts), and calls wake once listening and at each one.
func (db *DB) ListenOutbox(ctx context.Context, wake func()) error {
	conn, err := pgx.ConnectConfig(ctx, db.Pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("outbox: listen: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+outboxChannel); err != nil {
		return fmt.Errorf("outbox: listen: %w", err)
	}
	// Anything queued while this instance was not listening is sent now.
	wake()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("outbox: listen: %w", err)
		}
		wake()
	}
}
