package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// MessageSession queues an admin's message to the people booked on a
// session (booking.Service.MessageSession) and audits it, in one
// transaction. The session is held as bookings hold it, so it cannot be
// cancelled half way through; bookings made after the commit are not sent
// the message, bookings made before it are.
func (db *DB) MessageSession(ctx context.Context, sessionID int64, m booking.SessionMessage, now time.Time) (int, error) {
	var emailed int
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		sess, err := lockSessionShared(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		if sess.Status == booking.Cancelled {
			return booking.Errorf(booking.EConflict, "This session is cancelled: the people booked were emailed the reason.")
		}
		modes := make([]string, 0, 2)
		for _, md := range m.Modes() {
			modes = append(modes, string(md))
		}
		// Who is emailed and who is phoned, as web.whoIsTold splits them:
		// live, not anonymised, with an address or without.
		rows, err := tx.Query(ctx, `
			SELECT id, invite_sequence, email FROM bookings
			WHERE session_id = $1 AND status <> 'cancelled' AND anonymised_at IS NULL AND mode = ANY($2)
			ORDER BY id`, sessionID, modes)
		if err != nil {
			return fmt.Errorf("message session: %w", err)
		}
		var emails []booking.Email
		toPhone := 0
		for rows.Next() {
			b := booking.Booking{SessionID: sessionID}
			if err := rows.Scan(&b.ID, &b.InviteSequence, &b.Email); err != nil {
				rows.Close()
				return fmt.Errorf("message session: %w", err)
			}
			if b.Email == "" {
				toPhone++
				continue
			}
			emails = append(emails, bookingEmail(booking.MsgSessionMessage, &b, booking.EmailPayload{Message: m.Text}))
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("message session: %w", err)
		}
		if emailed, err = db.queue(ctx, tx, time.Time{}, emails...); err != nil {
			return err
		}
		to := string(m.Mode)
		if to == "" {
			to = "everyone"
		}
		return recordChange(ctx, tx, now, booking.AuditSessionMessage, booking.SubjectSession, strconv.FormatInt(sessionID, 10), nil,
			booking.SessionMessageSnapshot{To: to, Message: m.Text, Emailed: emailed, ToPhone: toPhone})
	})
	if err != nil {
		return 0, err
	}
	return emailed, nil
}
