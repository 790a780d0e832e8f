package notify_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/notify"
)

// everyKind composes one message of every kind for b (a sign-in for an
// organiser with b's name).
func everyKind(t *testing.T, c *notify.Composer, b *booking.Booking) []*notify.Message {
	t.Helper()
	_, s, _ := fixture()
	gone := *s
	gone.Status = booking.Cancelled
	expires := time.Date(2028, 3, 10, 17, 0, 0, 0, london)
	var out []*notify.Message
	for _, k := range []struct {
		kind string
		s    *booking.Session
		p    booking.EmailPayload
	}{
		{booking.MsgBookingConfirmed, s, booking.EmailPayload{Token: "t"}},
		{booking.MsgBookingCancelled, s, booking.EmailPayload{}},
		{booking.MsgSessionChanged, s, booking.EmailPayload{}},
		{booking.MsgBookingChanged, s, booking.EmailPayload{}},
		{booking.MsgSessionCancelled, &gone, booking.EmailPayload{Reason: "Flooded."}},
		{booking.MsgReminder, s, booking.EmailPayload{}},
		{booking.MsgWaitlistOffer, s, booking.EmailPayload{Reference: "W-1", Token: "t", ExpiresAt: expires}},
		{booking.MsgWaitlistJoined, s, booking.EmailPayload{Reference: "W-1", Token: "t", Position: 2}},
		{booking.MsgWaitlistSessionCancelled, &gone, booking.EmailPayload{Reference: "W-1"}},
		{booking.MsgStaffVerification, s, booking.EmailPayload{Token: "v", ExpiresAt: expires}},
	} {
		bb := *b
		if k.kind == booking.MsgStaffVerification {
			bb.Status = booking.PendingVerification
		}
		out = append(out, compose(t, c, k.kind, k.s, &bb, k.p))
	}
	w, _, _ := fixture()
	m, err := c.Compose(notify.Event{Kind: booking.MsgSignInLink, MessageID: "signin.1@workshops", Workshop: w,
		Payload: booking.EmailPayload{To: b.Email, Name: b.Name, URL: base + "/admin/sign-in/abc", ExpiresAt: expires}})
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, m)
	m, err = c.Compose(notify.Event{Kind: booking.MsgBallotApplied, MessageID: "ballot.1@workshops", Workshop: w, Session: s,
		Payload: booking.EmailPayload{To: b.Email, Name: b.Name, Reference: "BQ7X-M42P", Mode: b.Mode}})
	if err != nil {
		t.Fatal(err)
	}
	return append(out, m)
}

// Every email greets a person without a name as well as one with, in the
// text and the HTML (the organiser sign-in opened "Dear ," for an account
// with no name).
func TestGreetingWithoutName(t *testing.T) {
	c := composer(t)
	_, _, b := fixture()
	for _, m := range everyKind(t, c, b) {
		if !strings.HasPrefix(m.Text, "Dear Ada Lovelace,\n") || !strings.Contains(m.HTML, ">Dear Ada Lovelace,</p>") {
			t.Errorf("%s with a name:\n%s", m.Kind, m.Text)
		}
	}
	nameless := *b
	nameless.Name = "  "
	for _, m := range everyKind(t, c, &nameless) {
		if !strings.HasPrefix(m.Text, "Hello,\n") || !strings.Contains(m.HTML, ">Hello,</p>") || strings.Contains(m.Text+m.HTML, "Dear") {
			t.Errorf("%s without a name:\n%s", m.Kind, m.Text)
		}
	}
}

var (
	bodyTag    = regexp.MustCompile(`<body[^>]*>`)
	textTag    = regexp.MustCompile(`<(p|td|th|h2|ol)\b[^>]*>`)
	styleOfTag = regexp.MustCompile(`style="([^"]*)"`)
)

// The HTML keeps to what the common mail clients honour: the layout is a
// table as wide as the window, nothing relies on <body> styles (16 common
// clients drop them) or on max-width (Outlook for Windows ignores it), and
// every element that holds text carries its own font.
func TestHTMLReliesOnNothingClientsDrop(t *testing.T) {
	c := composer(t)
	_, _, b := fixture()
	on := *b
	on.Mode = booking.Online
	for _, m := range append(everyKind(t, c, b), everyKind(t, c, &on)...) {
		h := m.HTML
		for _, bad := range []string{"max-width", "<div", "<style", "class="} {
			if strings.Contains(h, bad) {
				t.Errorf("%s: HTML uses %q", m.Kind, bad)
			}
		}
		if body := bodyTag.FindString(h); body != `<body style="margin:0;padding:0">` {
			t.Errorf("%s: body is %s", m.Kind, body)
		}
		start := strings.Index(h, `<table role="presentation" width="100%"`)
		if start < 0 || start > strings.Index(h, "<body")+len(`<body style="margin:0;padding:0">`)+1 ||
			!strings.HasSuffix(strings.TrimSpace(h), "</td></tr>\n</table>\n</body>\n</html>") {
			t.Errorf("%s: the message is not wrapped in one full-width table:\n%s", m.Kind, h)
		}
		for _, tag := range textTag.FindAllString(h, -1) {
			style := styleOfTag.FindStringSubmatch(tag)
			if style == nil || !strings.Contains(style[1], "font-family:Helvetica,Arial,sans-serif") ||
				!strings.Contains(style[1], "color:") {
				t.Errorf("%s: %s carries no font of its own", m.Kind, tag)
			}
		}
	}
}
