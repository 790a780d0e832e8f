package outbox_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/notify/outbox"
	"github.com/coventry/workshops/notify/smtptest"
	"github.com/coventry/workshops/survey"
)

// TestSurveyLink: a workshop's confirmations and reminders ask people to
// answer the survey linked to it ("tell us what you thought") until the
// survey closes; another workshop's emails, and other kinds, do not.
func TestSurveyLink(t *testing.T) {
	e := newEnv(t)
	srv := smtptest.Start(t, smtptest.Options{})
	ctx := context.Background()
	now := e.clock.Now()
	linked, other := e.workshop("Green spaces"), e.workshop("Transport")
	start := now.Add(48 * time.Hour).Truncate(time.Second)
	sLinked := e.session(linked, start, start.Add(2*time.Hour))
	sOther := e.session(other, start, start.Add(2*time.Hour))
	var surveyID int64
	if err := e.pool.QueryRow(ctx, `INSERT INTO surveys (title, opens_at, closes_at, questions, workshop_id)
		VALUES ('After the workshop', $1, $2, '[]', $3) RETURNING id`,
		start, start.Add(14*24*time.Hour), linked).Scan(&surveyID); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("%s/surveys/%d", baseURL, surveyID)

	ada := e.book(sLinked, booking.InPerson, "Ada", "ada@example.org", now)
	bea := e.book(sOther, booking.InPerson, "Bea", "bea@example.org", now)
	e.queue(booking.MsgBookingConfirmed, ada, sLinked, booking.EmailPayload{Token: token(ada)})
	e.queue(booking.MsgReminder, ada, sLinked, booking.EmailPayload{})
	e.queue(booking.MsgBookingCancelled, ada, sLinked, booking.EmailPayload{})
	e.queue(booking.MsgBookingConfirmed, bea, sOther, booking.EmailPayload{Token: token(bea)})
	svc := &survey.Service{Store: e.db, Clock: e.clock}
	w := e.worker(srv, outbox.Config{SurveyFor: svc.LinkedFrom})
	for range 3 { // one booking's emails go one after another, in order
		if _, err := w.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := srv.Wait(t, 4, 10*time.Second)
	asks := map[string]int{}
	for _, r := range got {
		m := smtptest.Parse(t, r.Data)
		text, html := m.Text("text/plain"), m.Text("text/html")
		inText, inHTML := strings.Contains(text, url), strings.Contains(html, `href="`+url+`"`)
		if inText != inHTML {
			t.Errorf("%s: the link in the text part %v, in the HTML part %v", m.Header.Get("Subject"), inText, inHTML)
		}
		if inText {
			asks[r.To[0]+" "+strings.Fields(m.Header.Get("Subject"))[0]+" "+strings.Fields(m.Header.Get("Subject"))[1]]++
			if !strings.Contains(text, "tell us what you thought") {
				t.Errorf("the link is not explained:\n%s", text)
			}
		}
	}
	if len(asks) != 2 || asks["ada@example.org Booking confirmed:"] != 1 || asks["ada@example.org Reminder: Green"] != 1 {
		t.Errorf("the survey was linked from %v; want Ada's confirmation and reminder only", asks)
	}

	// Once the survey has closed, new emails leave it out.
	e.exec(`UPDATE surveys SET opens_at = $1, closes_at = $2 WHERE id = $3`, now.Add(-2*time.Hour), now.Add(-time.Hour), surveyID)
	e.queue(booking.MsgReminder, ada, sLinked, booking.EmailPayload{})
	if _, err := w.SendDue(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := w.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got = srv.Wait(t, 5, 10*time.Second)
	if text := smtptest.Parse(t, got[4].Data).Text("text/plain"); strings.Contains(text, "/surveys/") {
		t.Errorf("a closed survey is still linked:\n%s", text)
	}
}
