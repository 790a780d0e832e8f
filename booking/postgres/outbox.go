package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"

	"github.com/coventry/workshops/booking"
)

// messageID is the stable Message-ID of one email (see the outbox row
// contract in booking/ports.go).
func messageID(kind string, bookingID int64, sequence int) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand doc)
	return fmt.Sprintf("%s.%d.%d.%s@workshops", kind, bookingID, sequence, hex.EncodeToString(b))
}

// queueEmail writes one outbox row for a booking, carrying its invite
// sequence; none for a booking with no address (taken by phone).
func queueEmail(ctx context.Context, q querier, kind string, b *booking.Booking) error {
	if b.Email == "" {
		return nil
	}
	payload, err := json.Marshal(map[string]any{"sequence": b.InviteSequence})
	if err != nil {
		return fmt.Errorf("queue %s: %w", kind, err)
	}
	_, err = q.Exec(ctx, `
		INSERT INTO outbox (kind, booking_id, session_id, payload, message_id)
		VALUES ($1, $2, $3, $4, $5)`,
		kind, b.ID, b.SessionID, payload, messageID(kind, b.ID, b.InviteSequence))
	if err != nil {
		return fmt.Errorf("queue %s: %w", kind, err)
	}
	return nil
}

// confirmationPayload is what the confirmation email needs beyond the
// booking row: the manage token, which is stored nowhere else and which the
// sender removes once the email is sent.
func confirmationPayload(b *booking.Booking) map[string]any {
	p := map[string]any{"sequence": 0}
	if b.ManageToken != "" {
		p["token"] = b.ManageToken
	}
	return p
}

// queueNotice tells every live booking of a session about a change: one
// statement raises each booking's invite sequence and writes its outbox row,
// whatever the number of bookings.
func queueNotice(ctx context.Context, q querier, sessionID int64, n booking.Notice) error {
	fields := maps.Clone(n.Payload)
	if fields == nil {
		fields = map[string]any{}
	}
	delete(fields, "sequence") // each row gets its own
	payload, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("queue %s: payload: %w", n.Kind, err)
	}
	_, err = q.Exec(ctx, `
		WITH told AS (
			UPDATE bookings SET invite_sequence = invite_sequence + 1
			WHERE session_id = $1 AND status <> 'cancelled'
			RETURNING id, invite_sequence, email
		)
		INSERT INTO outbox (kind, booking_id, session_id, payload, message_id)
		SELECT $2::text, id, $1, $3::jsonb || jsonb_build_object('sequence', invite_sequence),
			format('%s.%s.%s.%s@workshops', $2::text, id, invite_sequence,
				replace(gen_random_uuid()::text, '-', ''))
		FROM told WHERE email <> '' -- people booked by phone without an address are phoned`,
		sessionID, n.Kind, payload)
	if err != nil {
		return fmt.Errorf("queue %s: %w", n.Kind, err)
	}
	return nil
}
