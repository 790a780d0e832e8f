package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/notify"
)

// The email asking a parent or carer to agree to a child's poster entry:
// to their address, with the one-time link, the child's first name escaped
// in the HTML, and the way to remove the entry.
func TestCompetitionGuardianEmail(t *testing.T) {
	c := composer(t)
	link := base + "/competition/confirm/abc"
	m, err := c.Compose(notify.Event{Kind: booking.MsgCompetitionGuardian, MessageID: "guardian.1@workshops",
		Payload: booking.EmailPayload{To: "parent@example.org", Name: "<b>Leo</b>", Reference: "K7QX-M42P", URL: link,
			ExpiresAt: time.Date(2028, 3, 10, 17, 0, 0, 0, london)}})
	if err != nil {
		t.Fatal(err)
	}
	if m.To.Address != "parent@example.org" || !strings.Contains(m.Subject, "poster competition") {
		t.Errorf("to %v, subject %q", m.To, m.Subject)
	}
	for _, part := range []string{m.Text, m.HTML} {
		for _, want := range []string{link, "K7QX-M42P", base + "/competition/remove", "5pm on Friday 10 March 2028"} {
			if !strings.Contains(part, want) {
				t.Errorf("email does not hold %q:\n%s", want, part)
			}
		}
	}
	if strings.Contains(m.HTML, "<b>Leo</b>") || !strings.Contains(m.HTML, "&lt;b&gt;Leo&lt;/b&gt;") {
		t.Error("the child's name is not escaped in the HTML")
	}

	// A link elsewhere is never sent.
	if _, err := c.Compose(notify.Event{Kind: booking.MsgCompetitionGuardian, MessageID: "guardian.2@workshops",
		Payload: booking.EmailPayload{To: "parent@example.org", Name: "Leo", URL: "https://evil.example/competition/confirm/abc"}}); err == nil {
		t.Error("composed an email with a link to another site")
	}
}
