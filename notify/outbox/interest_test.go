package outbox_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/notify/outbox"
	"github.com/coventry/workshops/notify/smtptest"
)

// interestToken reads the token of the last email queued about a
// registration, as the person would from its link.
func (e *env) interestToken(id int64) string {
	e.t.Helper()
	var tok string
	if err := e.pool.QueryRow(context.Background(),
		`SELECT payload->>'token' FROM outbox WHERE interest_id = $1 ORDER BY id DESC LIMIT 1`, id).Scan(&tok); err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// Both emails of a registration carry the one-click stop of RFC 8058: a
// List-Unsubscribe https link with List-Unsubscribe-Post, the same link in
// the text, and the session email links straight to the session.
func TestInterestEmailsCarryOneClickStop(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	srv := smtptest.Start(t, smtptest.Options{})
	w := e.worker(srv, outbox.Config{})

	in := &booking.Interest{Name: "Asha Patel", Email: "asha@example.org", Audience: booking.Public,
		Modes: []booking.Mode{booking.InPerson}, Area: "foleshill", Times: []booking.TimeOfWeek{}}
	if err := e.db.RegisterInterest(ctx, in, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	tok := e.interestToken(in.ID)
	e.clock.Advance(time.Minute) // past the database's clock, which queued it
	if res, err := w.SendDue(ctx); err != nil || res.Sent != 1 {
		t.Fatalf("SendDue = %+v, %v", res, err)
	}
	if _, err := e.db.ConfirmInterest(ctx, tok, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2028, 3, 14, 10, 0, 0, 0, london)
	sid := e.session(e.workshop("One Coventry Plan: have your say"), start, start.Add(2*time.Hour))
	if n, err := e.db.NotifyInterest(ctx, sid, e.clock.Now(), 100); err != nil || n != 1 {
		t.Fatalf("NotifyInterest = %d, %v", n, err)
	}
	e.clock.Advance(time.Minute)
	if res, err := w.SendDue(ctx); err != nil || res.Sent != 1 {
		t.Fatalf("SendDue = %+v, %v", res, err)
	}

	stop := baseURL + "/interest/stop?token=" + tok
	got := srv.Wait(t, 2, 5*time.Second)
	for i, want := range []struct{ subject, link string }{
		{"Confirm your email address", baseURL + "/interest/confirm?token=" + tok},
		{"A workshop is open for booking", baseURL + "/sessions/" + itoa(sid)},
	} {
		m := smtptest.Parse(t, got[i].Data)
		if s := m.Header.Get("Subject"); !strings.HasPrefix(s, want.subject) {
			t.Errorf("email %d: subject %q", i, s)
		}
		if h := m.Header.Get("List-Unsubscribe"); h != "<"+stop+">" {
			t.Errorf("email %d: List-Unsubscribe %q, want <%s>", i, h, stop)
		}
		if h := m.Header.Get("List-Unsubscribe-Post"); h != "List-Unsubscribe=One-Click" {
			t.Errorf("email %d: List-Unsubscribe-Post %q", i, h)
		}
		text, html := m.Text("text/plain"), m.Text("text/html")
		for _, link := range []string{stop, want.link} {
			if !strings.Contains(text, link) {
				t.Errorf("email %d: text lacks %s:\n%s", i, link, text)
			}
		}
		if !strings.Contains(html, `href="`+strings.ReplaceAll(stop, "&", "&amp;")+`"`) {
			t.Errorf("email %d: HTML lacks the stop link", i)
		}
	}

	// Once sent, the rows hold no working link.
	if n := e.count(`interest_id = ` + itoa(in.ID) + ` AND payload ? 'token'`); n != 0 {
		t.Errorf("%d sent emails still hold the token", n)
	}
	// The link stops it: the registration and its emails are gone.
	if err := e.db.StopInterest(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`interest_id IS NOT NULL`); n != 0 {
		t.Errorf("%d emails left after stopping", n)
	}
	if err := e.db.StopInterest(ctx, tok); !booking.IsCode(err, booking.ENotFound) {
		t.Errorf("stopping twice: %v, want not_found", err)
	}
}

// An email queued before the person stopped is not sent after.
func TestInterestEmailNotSentAfterStop(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	srv := smtptest.Start(t, smtptest.Options{})
	in := &booking.Interest{Name: "Ben", Email: "ben@example.org", Audience: booking.Public,
		Modes: []booking.Mode{booking.Online}, Area: "outside", Times: []booking.TimeOfWeek{}}
	if err := e.db.RegisterInterest(ctx, in, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := e.db.StopInterest(ctx, e.interestToken(in.ID)); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	if res, err := e.worker(srv, outbox.Config{}).SendDue(ctx); err != nil || res.Sent != 0 {
		t.Fatalf("SendDue = %+v, %v", res, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
