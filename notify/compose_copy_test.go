package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/notify"
)

// A cancelled session's email sends people to the workshop's other
// sessions, not back to the session that is gone.
func TestSessionCancelledLinksToTheWorkshop(t *testing.T) {
	c := composer(t)
	_, s, b := fixture()
	s.Status = booking.Cancelled
	m := compose(t, c, booking.MsgSessionCancelled, s, b, booking.EmailPayload{Reason: "The room flooded."})
	workshop := base + "/workshops/1"
	if !strings.Contains(m.Text, "To book a place at another session, go to:\n"+workshop+"\n") {
		t.Errorf("text does not link to the workshop page %s:\n%s", workshop, m.Text)
	}
	if !strings.Contains(m.HTML, `href="`+workshop+`"`) {
		t.Errorf("HTML does not link to the workshop page:\n%s", m.HTML)
	}
	if strings.Contains(m.Text+m.HTML, "/sessions/42") {
		t.Error("the email links to the cancelled session")
	}
}

// Every email with the session's details says how to take part, in person
// as well as online.
func TestDetailsSayHowToTakePart(t *testing.T) {
	c := composer(t)
	_, s, b := fixture()
	on := *b
	on.Mode = booking.Online
	for _, kind := range []string{booking.MsgBookingConfirmed, booking.MsgReminder, booking.MsgSessionChanged} {
		m := compose(t, c, kind, s, b, booking.EmailPayload{})
		if !strings.Contains(m.Text, "How to take part: in person\nWhere: Council House, Earl Street, Coventry CV1 5RR\n") {
			t.Errorf("%s in person: text lacks how to take part:\n%s", kind, m.Text)
		}
		if !strings.Contains(m.HTML, `>How to take part</th><td style="padding:4px 0;font-family:Helvetica,Arial,sans-serif;font-size:19px;line-height:1.4;color:#0b0c0c">In person</td>`) {
			t.Errorf("%s in person: HTML lacks how to take part:\n%s", kind, m.HTML)
		}
		if strings.Contains(m.Text+m.HTML, "web browser") {
			t.Errorf("%s in person: the email says how to join online", kind)
		}
		m = compose(t, c, kind, s, &on, booking.EmailPayload{})
		if !strings.Contains(m.Text, "How to take part: online, in Microsoft Teams\n") || strings.Contains(m.Text, "in person") {
			t.Errorf("%s online:\n%s", kind, m.Text)
		}
		// Help to join: from a phone or a browser, captions, and whom to ask.
		for _, want := range []string{"How to join", "You can join from a computer, tablet or phone, in a web browser or in the Microsoft Teams app.",
			"You do not need a Teams account or the app: a web browser is enough.", "Type your name and select Join now.",
			"live captions", "If you have any trouble joining, reply to this email."} {
			if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
				t.Errorf("%s online: no %q in the text and HTML:\n%s", kind, want, m.Text)
			}
		}
	}
	// The waiting-list emails name the venue the same way.
	for _, kind := range []string{booking.MsgWaitlistJoined, booking.MsgWaitlistOffer} {
		m := compose(t, c, kind, s, b, booking.EmailPayload{Token: "tok", Reference: "W-1"})
		if !strings.Contains(m.Text, "How to take part: in person\nWhere: Council House, Earl Street, Coventry CV1 5RR\n") ||
			!strings.Contains(m.HTML, `>Where</th><td style="padding:4px 0;font-family:Helvetica,Arial,sans-serif;font-size:19px;line-height:1.4;color:#0b0c0c">Council House, Earl Street, Coventry CV1 5RR</td>`) {
			t.Errorf("%s: the venue reads another way:\n%s", kind, m.Text)
		}
	}
}

// Someone a ballot's draw put on the waiting list is told so first, plainly,
// in the subject, the text and the HTML; joining by hand says nothing of it.
func TestBallotWaitingSaysNoPlace(t *testing.T) {
	c := composer(t)
	_, s, b := fixture()
	m := compose(t, c, booking.MsgWaitlistJoined, s, b, booking.EmailPayload{Token: "tok", Reference: "W-1", Position: 3, Drawn: true})
	const said = "The ballot for this session has been drawn, and you did not get a place this time."
	if !strings.HasPrefix(m.Subject, "You did not get a place in the ballot: ") ||
		!strings.Contains(m.Text, said+"\n\nYou are on the waiting list, number 3,") || !strings.Contains(m.HTML, said) {
		t.Errorf("subject %q, text:\n%s", m.Subject, m.Text)
	}
	m = compose(t, c, booking.MsgWaitlistJoined, s, b, booking.EmailPayload{Token: "tok", Reference: "W-1", Position: 3})
	if strings.Contains(m.Subject+m.Text+m.HTML, "ballot") {
		t.Errorf("a waiting list joined by hand speaks of a ballot:\n%s", m.Text)
	}
}

// An application to a ballot is acknowledged: what was applied for, its
// reference, when applications close and that there is no place yet; no
// invite and, for an online place, no joining link.
func TestBallotApplicationAcknowledged(t *testing.T) {
	c := composer(t)
	w, s, _ := fixture()
	closes := time.Date(2028, 3, 7, 17, 0, 0, 0, london)
	s.ApplicationsCloseAt = &closes
	for _, mode := range []booking.Mode{booking.InPerson, booking.Online} {
		m, err := c.Compose(notify.Event{Kind: booking.MsgBallotApplied, MessageID: "ballot.2@workshops", Workshop: w, Session: s,
			Payload: booking.EmailPayload{To: "ada@example.org", Name: "Ada Lovelace", Reference: "BQ7X-M42P", Mode: mode}})
		if err != nil {
			t.Fatal(err)
		}
		if m.To.Address != "ada@example.org" || m.Subject != "We have your application: One Coventry Plan: have your say on Tuesday 14 March 2028" {
			t.Errorf("to %v, subject %q", m.To, m.Subject)
		}
		for _, part := range []string{m.Text, m.HTML} {
			for _, want := range []string{"BQ7X-M42P", "Applications close at 5pm on Tuesday 7 March 2028", "You do not have a place yet",
				base + "/ballots/how-the-draw-works"} {
				if !strings.Contains(part, want) {
					t.Errorf("%s: the email does not say %q:\n%s", mode, want, part)
				}
			}
			if strings.Contains(part, teamsLink) {
				t.Errorf("%s: an application carries the joining link", mode)
			}
		}
		if m.Invite != nil {
			t.Errorf("%s: an application carries an invite", mode)
		}
	}
	if _, err := c.Compose(notify.Event{Kind: booking.MsgBallotApplied, MessageID: "ballot.3@workshops", Workshop: w, Session: s,
		Payload: booking.EmailPayload{To: "ada@example.org", Name: "Ada Lovelace"}}); err == nil {
		t.Error("composed an acknowledgement with no reference")
	}
}
