package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// queue writes one outbox row per email, in the caller's transaction, and
// returns how many it wrote: a reminder already queued for its booking and
// start is not written twice (outbox_one_reminder). due is when they may be
// sent; zero means at once by the database's clock. The outbox_queued
// trigger wakes every instance's sender at commit.
//
// This is the only place an outbox row is written.
func (db *DB) queue(ctx context.Context, q querier, due time.Time, emails ...booking.Email) (int, error) {
	if len(emails) == 0 {
		return 0, nil
	}
	n := len(emails)
	var (
		kinds, ids               = make([]string, n), make([]string, n)
		bookings, sessions, ents = make([]*int64, n), make([]*int64, n), make([]*int64, n)
		posters                  = make([]*int64, n)
		interests                = make([]*int64, n)
		reminders                = make([]*time.Time, n)
		payloads                 = make([]string, n)
	)
	for i, e := range emails {
		raw, err := json.Marshal(e.Payload)
		if err != nil {
			return 0, fmt.Errorf("queue %s: %w", e.Kind, err)
		}
		kinds[i], ids[i], payloads[i] = e.Kind, booking.NewMessageID(db.MailFrom), string(raw)
		bookings[i], sessions[i], ents[i] = nullID(e.BookingID), nullID(e.SessionID), nullID(e.WaitlistEntryID)
		posters[i] = nullID(e.CompetitionEntryID)
		interests[i] = nullID(e.InterestID)
		if !e.ReminderFor.IsZero() {
			reminders[i] = &e.ReminderFor
		}
	}
	var next *time.Time
	if !due.IsZero() {
		next = &due
	}
	tag, err := q.Exec(ctx, `
		INSERT INTO outbox (kind, booking_id, session_id, waitlist_entry_id, reminder_for, payload, message_id,
			next_attempt_at, competition_entry_id, interest_id)
		SELECT kind, booking_id, session_id, entry_id, reminder_for, payload, message_id, COALESCE($8, now()),
			poster_id, interest_id
		FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::timestamptz[], $6::jsonb[],
			$7::text[], $9::bigint[], $10::bigint[]) AS e(kind, booking_id, session_id, entry_id, reminder_for, payload,
			message_id, poster_id, interest_id)
		ON CONFLICT DO NOTHING`,
		kinds, bookings, sessions, ents, reminders, payloads, ids, next, posters, interests)
	if err != nil {
		return 0, fmt.Errorf("queue %s: %w", emails[0].Kind, err)
	}
	return int(tag.RowsAffected()), nil
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// bookingEmail is an email about a booking, carrying its invite sequence.
func bookingEmail(kind string, b *booking.Booking, p booking.EmailPayload) booking.Email {
	p.Sequence = b.InviteSequence
	return booking.Email{Kind: kind, BookingID: b.ID, SessionID: b.SessionID, Payload: p}
}

// queueEmail queues one email about a booking; none for a booking with no
// address (taken by phone).
func (db *DB) queueEmail(ctx context.Context, q querier, kind string, b *booking.Booking, p booking.EmailPayload) error {
	if b.Email == "" {
		return nil
	}
	_, err := db.queue(ctx, q, time.Time{}, bookingEmail(kind, b, p))
	return err
}

// QueueEmail queues one email on its own, outside any change: for tests
// and tools that need a row exactly as the booking transactions write it.
func (db *DB) QueueEmail(ctx context.Context, e booking.Email, due time.Time) error {
	return db.Transact(ctx, func(tx pgx.Tx) error {
		_, err := db.queue(ctx, tx, due, e)
		return err
	})
}

// queueNotice tells every live booking of a session about a change that
// alters its event (booking.Changes.Touches: a new link is no news to
// people in the room): it raises each one's invite sequence and queues its
// email. A cancellation reaches everyone.
func (db *DB) queueNotice(ctx context.Context, q querier, sessionID int64, n booking.Notice) error {
	var modes []string
	for _, m := range booking.Modes {
		if n.Kind != booking.MsgSessionChanged || n.Payload.Changes.Touches(m) {
			modes = append(modes, string(m))
		}
	}
	rows, err := q.Query(ctx, `
		UPDATE bookings SET invite_sequence = invite_sequence + 1
		WHERE session_id = $1 AND status <> 'cancelled' AND mode = ANY($2)
		RETURNING id, invite_sequence, email`, sessionID, modes)
	if err != nil {
		return fmt.Errorf("queue %s: %w", n.Kind, err)
	}
	var emails []booking.Email
	for rows.Next() {
		b := booking.Booking{SessionID: sessionID}
		if err := rows.Scan(&b.ID, &b.InviteSequence, &b.Email); err != nil {
			rows.Close()
			return fmt.Errorf("queue %s: %w", n.Kind, err)
		}
		if b.Email != "" { // people booked by phone without an address are phoned
			emails = append(emails, bookingEmail(n.Kind, &b, n.Payload))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("queue %s: %w", n.Kind, err)
	}
	_, err = db.queue(ctx, q, time.Time{}, emails...)
	return err
}
