package notify_test

import (
	"strings"
	"testing"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/notify"
)

// An admin's message to the people booked: their words, paragraphs kept,
// escaped in the HTML, with the booking's details and the council's
// sign-off; no invite, as the booking has not changed.
func TestSessionMessageEmail(t *testing.T) {
	c := composer(t)
	_, s, b := fixture()
	text := "The room has changed to the Diamond Room.\nIt is on the first floor.\r\n\r\n<b>Bring</b> a pen & paper."
	m := compose(t, c, booking.MsgSessionMessage, s, b, booking.EmailPayload{Message: text})
	if m.Subject != "A message about your workshop: One Coventry Plan: have your say on Tuesday 14 March 2028" || m.Invite != nil {
		t.Errorf("subject %q, invite %v", m.Subject, m.Invite != nil)
	}
	for _, want := range []string{"Dear Ada Lovelace,", "We have a message for you about the workshop you are booked on.",
		"The room has changed to the Diamond Room.\nIt is on the first floor.\n\n<b>Bring</b> a pen & paper.\n",
		"Booking reference: KD7P-Q3", base + "/bookings/KD7P-Q3", "Coventry City Council\n"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	for _, want := range []string{"The room has changed to the Diamond Room.<br>It is on the first floor.</p>",
		"&lt;b&gt;Bring&lt;/b&gt; a pen &amp; paper.</p>", "KD7P-Q3"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
		}
	}
	if strings.Contains(m.HTML, "<b>Bring") {
		t.Error("the message reached the HTML unescaped")
	}
	if m.ReplyTo == nil || m.ReplyTo.Address != "engagement@coventry.gov.uk" {
		t.Errorf("replies go to %v, want the council's mailbox", m.ReplyTo)
	}

	w, _, _ := fixture()
	_, err := c.Compose(notify.Event{Kind: booking.MsgSessionMessage, MessageID: "m.1@workshops", Workshop: w, Session: s, Booking: b,
		Payload: booking.EmailPayload{Message: " \n "}})
	if err == nil {
		t.Error("a message with no words was composed")
	}
}
