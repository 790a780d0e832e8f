package postgres_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/postgres"
)

// emailPayload reads the payload of the outbox row of kind for a booking.
func emailPayload(t *testing.T, db *postgres.DB, kind string, bookingID int64) map[string]any {
	t.Helper()
	var raw []byte
	if err := db.Pool.QueryRow(context.Background(),
		`SELECT payload FROM outbox WHERE kind = $1 AND booking_id = $2`, kind, bookingID).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// bookWithLink books a place whose confirmation carries a manage token.
func bookWithLink(t *testing.T, db *postgres.DB, sessionID int64, email string) *booking.Booking {
	t.Helper()
	b := newBooking(sessionID, booking.InPerson, email)
	b.ManageToken = "manage-token-of-" + email
	if _, err := db.ConfirmBooking(context.Background(), b, "", now); err != nil {
		t.Fatal(err)
	}
	if p := emailPayload(t, db, booking.MsgBookingConfirmed, b.ID); p["token"] != "manage-token-of-"+email {
		t.Fatalf("confirmation payload %v holds no token", p)
	}
	return b
}

// failEmail marks the booking's email of kind as given up on at failedAt,
// as the sender does.
func failEmail(t *testing.T, db *postgres.DB, kind string, bookingID int64, failedAt time.Time) {
	t.Helper()
	if _, err := db.Pool.Exec(context.Background(), `
		UPDATE outbox SET status = 'failed', last_error = 'mailbox unavailable', next_attempt_at = $3
		WHERE kind = $1 AND booking_id = $2`, kind, bookingID, failedAt); err != nil {
		t.Fatal(err)
	}
}

// An email the sender gave up on keeps its manage link's token so an
// organiser can retry it, but not for ever: a week after it failed the
// retention job removes the token and any link, and at once when its
// booking is anonymised.
func TestRetentionForgetsTheLinksOfFailedEmails(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	old := addSession(t, db, w.ID, time.Hour, 5, 5)
	upcoming := addSession(t, db, w.ID, 200*24*time.Hour, 5, 5)
	at := old.EndsAt.Add(keep + time.Hour)

	longAgo := bookWithLink(t, db, upcoming.ID, "long.ago@example.org")
	lately := bookWithLink(t, db, upcoming.ID, "lately@example.org")
	waiting := bookWithLink(t, db, upcoming.ID, "waiting@example.org")
	ended := bookWithLink(t, db, old.ID, "ended@example.org")
	failEmail(t, db, booking.MsgBookingConfirmed, longAgo.ID, at.Add(-booking.FailedLinksKept))
	failEmail(t, db, booking.MsgBookingConfirmed, lately.ID, at.Add(-booking.FailedLinksKept+time.Hour))
	failEmail(t, db, booking.MsgBookingConfirmed, ended.ID, at.Add(-time.Hour))
	// A sign-in link that failed long ago carries its link as "url".
	if err := db.QueueEmail(ctx, booking.Email{Kind: booking.MsgSignInLink, Payload: booking.EmailPayload{
		To: "organiser@coventry.gov.uk", URL: "https://x/admin/sign-in/secret"}}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE outbox SET status = 'failed', next_attempt_at = $1 WHERE kind = 'signin_link'`,
		at.Add(-30*24*time.Hour)); err != nil {
		t.Fatal(err)
	}

	if _, err := booking.RunRetention(ctx, db, at, keep); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		b         *booking.Booking
		keepToken bool
	}{{longAgo, false}, {lately, true}, {waiting, true}, {ended, false}} {
		p := emailPayload(t, db, booking.MsgBookingConfirmed, c.b.ID)
		if _, has := p["token"]; has != c.keepToken {
			t.Errorf("%s: confirmation payload %v, want the token kept: %v", c.b.Email, p, c.keepToken)
		}
	}
	var hasLink bool
	if err := db.Pool.QueryRow(ctx, `SELECT payload ? 'url' FROM outbox WHERE kind = 'signin_link'`).Scan(&hasLink); err != nil || hasLink {
		t.Errorf("the failed sign-in email still holds its link: %v, %v", hasLink, err)
	}
	if p := readPersonal(t, db, ended.Reference); !p.blank() {
		t.Errorf("the ended session's booking was not anonymised: %+v", p)
	}
}
