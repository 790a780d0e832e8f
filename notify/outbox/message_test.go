package outbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/notify/outbox"
	"github.com/coventry/workshops/notify/smtptest"
)

// An admin's message to the people booked on a session reaches each live
// booking with an address in the ways of taking part chosen, from the
// council's address (MAIL_FROM), once each; a booking cancelled after the
// message was queued is not sent it.
func TestSessionMessageReachesThePeopleBookedFromTheCouncil(t *testing.T) {
	e := newEnv(t)
	srv := smtptest.Start(t, smtptest.Options{})
	start := time.Date(2028, 3, 14, 10, 0, 0, 0, london)
	sid := e.session(e.workshop("One Coventry Plan: have your say"), start, start.Add(2*time.Hour))
	ada := e.book(sid, booking.InPerson, "Ada Lovelace", "ada@example.org", time.Now())
	bea := e.book(sid, booking.InPerson, "Bea Khan", "bea@example.org", time.Now())
	e.book(sid, booking.Online, "Grace Hopper", "grace@example.org", time.Now())
	e.book(sid, booking.InPerson, "Phoned Person", "", time.Now())
	gone := e.book(sid, booking.InPerson, "Cal Doe", "cal@example.org", time.Now())
	e.exec(`UPDATE bookings SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, gone.ID)

	ctx := booking.WithActor(context.Background(), booking.Actor{Kind: booking.ActorAPIToken})
	n, err := e.db.MessageSession(ctx, sid, booking.SessionMessage{Mode: booking.InPerson,
		Text: "The workshop has moved to the Diamond Room."}, e.clock.Now())
	if err != nil || n != 2 {
		t.Fatalf("MessageSession = %d, %v; want the 2 people in person with an address", n, err)
	}
	e.exec(`UPDATE bookings SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, bea.ID)

	e.clock.Advance(time.Minute) // queued at the database's now
	res, err := e.worker(srv, outbox.Config{}).SendDue(context.Background())
	if err != nil || res.Sent != 1 {
		t.Fatalf("SendDue = %+v, %v; want Ada's alone sent (Bea cancelled since)", res, err)
	}
	got := srv.Wait(t, 1, 5*time.Second)
	if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != ada.Email {
		t.Fatalf("sent to %+v", got)
	}
	m := smtptest.Parse(t, got[0].Data)
	if f, err := m.Header.AddressList("From"); err != nil || len(f) != 1 ||
		f[0].Name != "Coventry City Council" || f[0].Address != "workshops@coventry.gov.uk" {
		t.Errorf("From %v, want the council's %q", f, from)
	}
	if text := m.Text("text/plain"); !strings.Contains(text, "The workshop has moved to the Diamond Room.") ||
		!strings.Contains(text, "Coventry City Council") || m.Root.Find("text/calendar") != nil {
		t.Errorf("message:\n%s", text)
	}
	if e.count(`kind = 'session_message' AND status = 'skipped'`) != 1 {
		t.Error("the message to a booking cancelled before it was sent was not skipped")
	}
}
