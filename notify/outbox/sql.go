package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/coventry/workshops/booking"
)

// row is one claimed outbox row with what its email is about, as it is now.
type row struct {
	ID        int64
	Kind      string
	Payload   json.RawMessage
	MessageID string
	Attempts  int // after this claim: the fence for marking it
	CreatedAt time.Time

	Booking  *booking.Booking // nil when the row has none
	Session  *booking.Session // nil when it is gone
	Workshop *booking.Workshop
	// Waiting is the waiting-list entry the row is about, as a booking
	// would be (reference, name, email, mode); WaitingStatus is its status.
	Waiting       *booking.Booking
	WaitingStatus string
}

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
    RETURNING o.id, o.kind, o.booking_id, o.session_id, o.waitlist_entry_id, o.payload, o.message_id,
              o.attempts, o.created_at
)
SELECT c.id, c.kind, c.payload, c.message_id, c.attempts, c.created_at,
       b.id, b.reference, b.mode, b.name, b.email, b.organisation, b.access_needs, b.status,
       b.invite_sequence, b.created_at,
       s.id, s.workshop_id, s.starts_at, s.ends_at, s.venue_name, s.venue_address, s.online_url,
       s.status, s.cancel_reason, s.sequence,
       w.id, w.title, w.summary, w.audience,
       we.id, we.reference, we.mode, we.name, we.email, we.status
FROM claimed c
LEFT JOIN bookings b ON b.id = c.booking_id
LEFT JOIN sessions s ON s.id = COALESCE(c.session_id, b.session_id)
LEFT JOIN workshops w ON w.id = s.workshop_id
LEFT JOIN waitlist_entries we ON we.id = c.waitlist_entry_id
ORDER BY c.id`

// claim leases up to n due rows until leaseUntil and loads them.
func claim(ctx context.Context, q *pgxpool.Pool, now, leaseUntil time.Time, n int) ([]*row, error) {
	rows, err := q.Query(ctx, claimSQL, now, n, leaseUntil)
	if err != nil {
		return nil, fmt.Errorf("outbox: claim: %w", err)
	}
	defer rows.Close()
	var out []*row
	for rows.Next() {
		r := &row{}
		var (
			bID, bSeq                                          *int64
			bRef, bMode, bName, bEmail, bOrg, bAccess, bStatus *string
			bCreated                                           *time.Time
			sID, sWorkshop, sSeq                               *int64
			sStart, sEnd                                       *time.Time
			sVenue, sAddr, sURL, sStatus, sReason              *string
			wID                                                *int64
			wTitle, wSummary, wAudience                        *string
			eID                                                *int64
			eRef, eMode, eName, eEmail, eStatus                *string
		)
		if err := rows.Scan(&r.ID, &r.Kind, &r.Payload, &r.MessageID, &r.Attempts, &r.CreatedAt,
			&bID, &bRef, &bMode, &bName, &bEmail, &bOrg, &bAccess, &bStatus, &bSeq, &bCreated,
			&sID, &sWorkshop, &sStart, &sEnd, &sVenue, &sAddr, &sURL, &sStatus, &sReason, &sSeq,
			&wID, &wTitle, &wSummary, &wAudience,
			&eID, &eRef, &eMode, &eName, &eEmail, &eStatus); err != nil {
			return nil, fmt.Errorf("outbox: claim: %w", err)
		}
		if bID != nil {
			r.Booking = &booking.Booking{
				ID: *bID, Reference: *bRef, Mode: booking.Mode(*bMode), Name: *bName, Email: *bEmail,
				Organisation: *bOrg, AccessNeeds: *bAccess, Status: booking.BookingStatus(*bStatus),
				InviteSequence: int(*bSeq), CreatedAt: *bCreated,
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
		}
		if eID != nil {
			r.Waiting = &booking.Booking{Reference: *eRef, Mode: booking.Mode(*eMode), Name: *eName,
				Email: *eEmail, Status: booking.Confirmed}
			r.WaitingStatus = *eStatus
			if sID != nil {
				r.Waiting.SessionID = *sID
			}
		}
		if wID != nil {
			r.Workshop = &booking.Workshop{ID: *wID, Title: *wTitle, Summary: *wSummary, Audience: booking.Audience(*wAudience)}
			if r.Session != nil {
				r.Session.Workshop = r.Workshop
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox: claim: %w", err)
	}
	return out, nil
}

// The marks below only touch a row still under this worker's claim: same
// attempts count, still pending. A worker whose lease ran out and was taken
// over changes nothing.

func markSent(ctx context.Context, q *pgxpool.Pool, r *row, now time.Time) (bool, error) {
	tag, err := q.Exec(ctx, `
UPDATE outbox SET status = 'sent', sent_at = $2, last_error = '', payload = payload - 'token' - 'url'
WHERE id = $1 AND attempts = $3 AND status = 'pending'`, r.ID, now, r.Attempts)
	if err != nil {
		return false, fmt.Errorf("outbox: mark sent: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

func markRetry(ctx context.Context, q *pgxpool.Pool, r *row, next time.Time, lastErr string) error {
	_, err := q.Exec(ctx, `
UPDATE outbox SET next_attempt_at = $2, last_error = $3
WHERE id = $1 AND attempts = $4 AND status = 'pending'`, r.ID, next, lastErr, r.Attempts)
	if err != nil {
		return fmt.Errorf("outbox: mark retry: %w", err)
	}
	return nil
}

// markDone ends a row that will not be tried again: status is 'failed' or
// 'skipped'. A skipped row drops its link (a token, a sign-in URL) at once;
// a failed one keeps it, since an organiser may retry it, until the
// retention job removes it booking.FailedLinksKept after the failure,
// which next_attempt_at records.
func markDone(ctx context.Context, q *pgxpool.Pool, r *row, status, lastErr string, now time.Time) error {
	_, err := q.Exec(ctx, `
UPDATE outbox SET status = $2, last_error = $3, next_attempt_at = $4,
	payload = CASE WHEN $2 = 'skipped' THEN payload - 'token' - 'url' ELSE payload END
WHERE id = $1 AND attempts = $5 AND status = 'pending'`, r.ID, status, lastErr, now, r.Attempts)
	if err != nil {
		return fmt.Errorf("outbox: mark %s: %w", status, err)
	}
	return nil
}

// release hands back rows claimed but not tried, due at once, as if never
// claimed.
func release(ctx context.Context, q *pgxpool.Pool, rs []*row, now time.Time) error {
	for _, r := range rs {
		if _, err := q.Exec(ctx, `
UPDATE outbox SET attempts = attempts - 1, next_attempt_at = $2
WHERE id = $1 AND attempts = $3 AND status = 'pending'`, r.ID, now, r.Attempts); err != nil {
			return fmt.Errorf("outbox: release: %w", err)
		}
	}
	return nil
}
