package outbox_test

import (
	"context"
	"crypto/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/notify/outbox"
	"github.com/coventry/workshops/notify/smtptest"
)

// A session cancelled with people on its waiting list writes, for each of
// them, a waitlist_session_cancelled row naming the entry and no booking
// (see booking/postgres/waitlist_cancel.go). They are sent a message of their
// own: no booking reference, no invite, no joining link.
func TestWaitingListToldOfCancelledSession(t *testing.T) {
	e := newEnv(t)
	srv := smtptest.Start(t, smtptest.Options{})
	start := time.Date(2028, 3, 14, 10, 0, 0, 0, london)
	wid := e.workshop("One Coventry Plan: have your say")
	sid := e.session(wid, start, start.Add(2*time.Hour))
	e.exec(`UPDATE sessions SET status = 'cancelled', cancel_reason = 'The venue flooded.', sequence = 1 WHERE id = $1`, sid)

	hash := make([]byte, 32)
	_, _ = rand.Read(hash)
	var entryID int64
	if err := e.pool.QueryRow(context.Background(), `
INSERT INTO waitlist_entries (reference, session_id, mode, name, email, status, manage_token_hash, created_at, ended_at)
VALUES ('WAIT-0001', $1, 'online', 'Mary Seacole', 'mary@example.org', 'cancelled', $2, now(), now()) RETURNING id`,
		sid, hash).Scan(&entryID); err != nil {
		t.Fatal(err)
	}
	if err := e.db.QueueEmail(context.Background(), booking.Email{Kind: booking.MsgWaitlistSessionCancelled,
		SessionID: sid, WaitlistEntryID: entryID, Payload: booking.EmailPayload{Reason: "The venue flooded."}},
		e.clock.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	var waitID string
	if err := e.pool.QueryRow(context.Background(), `SELECT message_id FROM outbox WHERE waitlist_entry_id = $1`,
		entryID).Scan(&waitID); err != nil {
		t.Fatal(err)
	}
	booked := e.book(sid, booking.Online, "Ada Lovelace", "ada@example.org", time.Now())
	bookedID := e.queue(booking.MsgSessionCancelled, booked, sid, booking.EmailPayload{Sequence: 1, Reason: "The venue flooded."})

	res, err := e.worker(srv, outbox.Config{}).SendDue(context.Background())
	if err != nil || res.Sent != 2 {
		t.Fatalf("SendDue = %+v, %v; want both sent", res, err)
	}
	byRcpt := map[string]*smtptest.Mail{}
	for _, r := range srv.Wait(t, 2, 5*time.Second) {
		byRcpt[r.To[0]] = smtptest.Parse(t, r.Data)
	}

	m := byRcpt["mary@example.org"]
	if m == nil {
		t.Fatal("nothing for the person on the waiting list")
	}
	if m.Header.Get("Message-Id") != "<"+waitID+">" || !strings.HasPrefix(m.Header.Get("Subject"), "Cancelled: ") {
		t.Errorf("Message-ID %q, subject %q", m.Header.Get("Message-Id"), m.Header.Get("Subject"))
	}
	text, html := m.Text("text/plain"), m.Text("text/html")
	for _, want := range []string{"Dear Mary Seacole,", "cancel the workshop session you were on the waiting list for",
		"Reason: The venue flooded.", "Waiting list reference: WAIT-0001", "You are no longer on the waiting list",
		"Was: Tuesday 14 March 2028, 10am to midday", baseURL + "/workshops/" + strconv.FormatInt(wid, 10)} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(html, "The venue flooded.") || !strings.Contains(html, "WAIT-0001") {
		t.Errorf("HTML lacks the reason or the reference:\n%s", html)
	}
	if m.Root.Find("text/calendar") != nil || strings.Contains(text+html, "Booking reference") || strings.Contains(text+html, "teams.microsoft.com") {
		t.Errorf("the waiting-list message carries an invite, a booking or the joining link:\n%s", text)
	}
	if s := e.state(waitID); s.Status != "sent" {
		t.Errorf("waiting-list row: %+v", s)
	}

	// The person booked is sent the cancellation with its invite, as ever.
	if b := byRcpt["ada@example.org"]; b == nil || b.Root.Find("text/calendar") == nil ||
		!strings.Contains(b.Text("text/plain"), "Booking reference: "+booked.Reference) {
		t.Errorf("the booked person's cancellation lacks its invite or reference")
	}
	if s := e.state(bookedID); s.Status != "sent" {
		t.Errorf("booking row: %+v", s)
	}
}
