package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/calendar"
	"github.com/coventry/workshops/notify"
)

const (
	base      = "https://workshops.coventry.gov.uk"
	teamsLink = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0"
)

var london = booking.London

func composer(t *testing.T) *notify.Composer {
	t.Helper()
	return composerWith(t, notify.Config{})
}

// composerWith is composer with the settings of cfg that are set.
func composerWith(t *testing.T, cfg notify.Config) *notify.Composer {
	t.Helper()
	inv, err := calendar.NewInviter(calendar.Config{
		BaseURL: base, Council: "Coventry City Council",
		Organizer: calendar.Organizer{Name: "Coventry City Council", Email: "engagement@coventry.gov.uk"},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Council, cfg.BaseURL, cfg.ReplyTo = "Coventry City Council", base, "engagement@coventry.gov.uk"
	c, err := notify.NewComposer(cfg, inv)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fixture() (*booking.Workshop, *booking.Session, *booking.Booking) {
	w := &booking.Workshop{ID: 1, Title: "One Coventry Plan: have your say", Summary: "Tell us what matters."}
	s := &booking.Session{
		ID: 42, WorkshopID: 1,
		StartsAt: time.Date(2028, 3, 14, 10, 0, 0, 0, london), EndsAt: time.Date(2028, 3, 14, 12, 0, 0, 0, london),
		Venue:     booking.Venue{Name: "Council House", Address: "Earl Street\nCoventry CV1 5RR"},
		OnlineURL: teamsLink, Status: booking.Scheduled,
	}
	b := &booking.Booking{ID: 7, Reference: "KD7P-Q3", SessionID: 42, Mode: booking.InPerson,
		Name: "Ada Lovelace", Email: "ada@example.org", Status: booking.Confirmed}
	return w, s, b
}

func compose(t *testing.T, c *notify.Composer, kind string, s *booking.Session, b *booking.Booking, p booking.EmailPayload) *notify.Message {
	t.Helper()
	w, _, _ := fixture()
	m, err := c.Compose(notify.Event{Kind: kind, MessageID: kind + ".7.0.x@workshops", Workshop: w, Session: s, Booking: b,
		Payload: p, Now: time.Date(2028, 3, 1, 9, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("%s: %v", kind, err)
	}
	return m
}

func TestTimes(t *testing.T) {
	cases := []struct {
		start, end time.Time
		want       string
	}{
		{time.Date(2028, 3, 14, 10, 0, 0, 0, london), time.Date(2028, 3, 14, 12, 0, 0, 0, london), "Tuesday 14 March 2028, 10am to midday"},
		{time.Date(2028, 3, 14, 9, 30, 0, 0, london), time.Date(2028, 3, 14, 13, 45, 0, 0, london), "Tuesday 14 March 2028, 9:30am to 1:45pm"},
		// Summer time: 17:00 UTC is 6pm in London.
		{time.Date(2028, 7, 4, 17, 0, 0, 0, time.UTC), time.Date(2028, 7, 4, 19, 0, 0, 0, time.UTC), "Tuesday 4 July 2028, 6pm to 8pm"},
		{time.Date(2028, 3, 14, 23, 0, 0, 0, london), time.Date(2028, 3, 15, 0, 30, 0, 0, london), "Tuesday 14 March 2028, 11pm to Wednesday 15 March 2028, 12:30am"},
	}
	for _, c := range cases {
		if got := booking.When(c.start, c.end); got != c.want {
			t.Errorf("When = %q, want %q", got, c.want)
		}
	}
}

func TestConfirmationInPersonAndOnline(t *testing.T) {
	c := composer(t)
	_, s, b := fixture()
	manage := base + "/bookings/KD7P-Q3?token=tok123"
	seq := 0
	m := compose(t, c, booking.MsgBookingConfirmed, s, b, booking.EmailPayload{Sequence: seq, Token: "tok123"})
	for _, want := range []string{"Your place is booked.", "Tuesday 14 March 2028, 10am to midday",
		"Where: Council House, Earl Street, Coventry CV1 5RR", "Booking reference: KD7P-Q3", manage, "Coventry City Council"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text+m.HTML+string(m.Invite), "teams.microsoft.com") {
		t.Error("in-person confirmation carries the Teams link")
	}
	if m.Subject != "Booking confirmed: One Coventry Plan: have your say on Tuesday 14 March 2028" {
		t.Errorf("subject %q", m.Subject)
	}
	if m.Method != calendar.Request || len(m.Invite) == 0 || m.To.Address != "ada@example.org" || m.To.Name != "Ada Lovelace" {
		t.Errorf("method %q, invite %d bytes, to %v", m.Method, len(m.Invite), m.To)
	}
	if !strings.Contains(m.HTML, `href="`+strings.ReplaceAll(manage, "?", "?")) {
		t.Errorf("HTML lacks the manage link")
	}

	on := *b
	on.Mode = booking.Online
	m = compose(t, c, booking.MsgBookingConfirmed, s, &on, booking.EmailPayload{Sequence: seq, Token: "tok123"})
	if !strings.Contains(m.Text, "Link to join: "+teamsLink) || !strings.Contains(m.HTML, teamsLink) {
		t.Errorf("online confirmation lacks the Teams link:\n%s", m.Text)
	}
	if strings.Contains(m.Text, "Earl Street") {
		t.Error("online confirmation sends the person to the venue")
	}

	// Without the token, the booking's page is linked plainly.
	m = compose(t, c, booking.MsgBookingConfirmed, s, b, booking.EmailPayload{})
	if !strings.Contains(m.Text, base+"/bookings/KD7P-Q3\n") {
		t.Errorf("plain manage link:\n%s", m.Text)
	}
}

func TestEveryKind(t *testing.T) {
	c := composer(t)
	_, s, b := fixture()
	on := *b
	on.Mode = booking.Online
	moved := *s
	moved.StartsAt = time.Date(2028, 3, 21, 14, 0, 0, 0, london)
	moved.EndsAt = time.Date(2028, 3, 21, 16, 0, 0, 0, london)
	moved.Venue = booking.Venue{Name: "Central Library", Address: "Smithford Way"}
	changes := &booking.Changes{
		StartsAt: &booking.TimeChange{Old: s.StartsAt, New: moved.StartsAt},
		EndsAt:   &booking.TimeChange{Old: s.EndsAt, New: moved.EndsAt},
		Venue:    &booking.VenueChange{Old: s.Venue, New: moved.Venue},
	}
	m := compose(t, c, booking.MsgSessionChanged, &moved, b, booking.EmailPayload{Changes: changes})
	for _, want := range []string{"Was: Tuesday 14 March 2028, 10am to midday", "Now: Tuesday 21 March 2028, 2pm to 4pm",
		"Was: Council House, Earl Street, Coventry CV1 5RR", "Now: Central Library, Smithford Way",
		"use the link in your booking confirmation email", base + "/bookings/KD7P-Q3"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("session_changed text lacks %q:\n%s", want, m.Text)
		}
	}
	if m.Method != calendar.Request {
		t.Errorf("session_changed method %s", m.Method)
	}
	m = compose(t, c, booking.MsgSessionChanged, &moved, &on, booking.EmailPayload{Changes: changes})
	if strings.Contains(m.Text, "Central Library") || !strings.Contains(m.Text, teamsLink) {
		t.Errorf("online change talks of the venue or lacks the link:\n%s", m.Text)
	}

	m = compose(t, c, booking.MsgBookingChanged, s, &on, booking.EmailPayload{Changes: &booking.Changes{
		Mode: &booking.ModeChange{Old: booking.InPerson, New: booking.Online}}})
	for _, want := range []string{"Your booking has changed.", "How you take part\nWas: In person\nNow: Online (Microsoft Teams)",
		"Link to join: " + teamsLink} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("booking_changed text lacks %q:\n%s", want, m.Text)
		}
	}
	unfolded := strings.ReplaceAll(string(m.Invite), "\r\n ", "")
	if m.Method != calendar.Request || !strings.Contains(unfolded, "X-MICROSOFT-SKYPETEAMSMEETINGURL:"+teamsLink) ||
		!strings.Contains(unfolded, "X-MICROSOFT-ONLINEMEETINGCONFLINK:"+teamsLink) {
		t.Errorf("booking_changed invite: %s", m.Method)
	}

	gone := *s
	gone.Status = booking.Cancelled
	m = compose(t, c, booking.MsgSessionCancelled, &gone, b, booking.EmailPayload{Reason: "The room flooded."})
	if !strings.Contains(m.Text, "Reason: The room flooded.") || m.Method != calendar.Cancel || !strings.HasPrefix(m.Subject, "Cancelled: ") {
		t.Errorf("session_cancelled: %s\n%s", m.Subject, m.Text)
	}
	m = compose(t, c, booking.MsgBookingCancelled, s, b, booking.EmailPayload{})
	if !strings.Contains(m.Text, "Your booking has been cancelled.") || m.Method != calendar.Cancel {
		t.Errorf("booking_cancelled:\n%s", m.Text)
	}
	// A reminder carries no invite: nothing about the event changed. It
	// says what, when, how to join or where, and how to manage the booking.
	m = compose(t, c, booking.MsgReminder, s, &on, booking.EmailPayload{})
	for _, want := range []string{"coming up", "Workshop: ", "When: ", "How to take part: online", "Link to join: " + teamsLink,
		"You do not need a Teams account", "To change or cancel your booking", base + "/bookings/" + on.Reference} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("reminder lacks %q:\n%s", want, m.Text)
		}
	}
	if m.Invite != nil || m.Method != "" || strings.Contains(m.Text+m.HTML, "calendar invite") {
		t.Errorf("reminder carries an invite (%q) or speaks of one:\n%s", m.Method, m.Text)
	}
	m = compose(t, c, booking.MsgReminder, s, b, booking.EmailPayload{})
	if !strings.Contains(m.Text, "Where: Council House, Earl Street") || m.Invite != nil {
		t.Errorf("in-person reminder:\n%s", m.Text)
	}

	expires := time.Date(2028, 3, 10, 17, 0, 0, 0, london)
	offer := base + "/waitlist/W7K2-P9?token=t"
	bo := &booking.Booking{Reference: "W7K2-P9", Name: "Bo Diddley", Email: "bo@example.org", Mode: booking.Online,
		Status: booking.Confirmed}
	m = compose(t, c, booking.MsgWaitlistOffer, s, bo, booking.EmailPayload{Reference: "W7K2-P9", Token: "t", ExpiresAt: expires})
	if !strings.Contains(m.Text, offer) || !strings.Contains(m.Text, "by 5pm on Friday 10 March 2028") || m.Invite != nil || m.To.Address != "bo@example.org" {
		t.Errorf("waitlist_offer:\n%s", m.Text)
	}
	if strings.Contains(m.Text, teamsLink) {
		t.Error("an offer gives away the link before the place is taken")
	}
	verify := base + "/staff/verify/v"
	pending := *b
	pending.Status = booking.PendingVerification
	m = compose(t, c, booking.MsgStaffVerification, s, &pending, booking.EmailPayload{Token: "v", ExpiresAt: expires})
	if !strings.Contains(m.Text, verify) || m.Invite != nil || !strings.HasPrefix(m.Subject, "Confirm your booking") {
		t.Errorf("staff_verification:\n%s", m.Text)
	}
	w, _, _ := fixture()
	if _, err := c.Compose(notify.Event{Kind: booking.MsgStaffVerification, MessageID: "v.1@workshops", Workshop: w, Session: s,
		Booking: &pending, Payload: booking.EmailPayload{}}); err == nil {
		t.Error("a verification email without its link was accepted")
	}
}

func TestNamesAreEscapedAndKeptOutOfHeaders(t *testing.T) {
	c := composer(t)
	_, s, b := fixture()
	evil := *b
	evil.Name = `<script>alert("x")</script> & Bob`
	m := compose(t, c, booking.MsgBookingConfirmed, s, &evil, booking.EmailPayload{})
	if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Bob") {
		t.Errorf("HTML does not escape the name")
	}
	if !strings.Contains(m.Text, `Dear <script>alert("x")</script> & Bob,`) {
		t.Errorf("text part should show the name as typed:\n%s", m.Text)
	}

	evil.Name = "Eve\r\nBcc: mallory@example.com"
	m = compose(t, c, booking.MsgBookingConfirmed, s, &evil, booking.EmailPayload{})
	if m.To.Name != "" || m.To.Address != "ada@example.org" {
		t.Errorf("To = %+v: a name with CR/LF must not reach the header", m.To)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Error("subject holds a line break")
	}

	evil.Email = "ada@example.org\r\nBcc: mallory@example.com"
	w, _, _ := fixture()
	_, err := c.Compose(notify.Event{Kind: booking.MsgBookingConfirmed, MessageID: "a.1@workshops", Workshop: w, Session: s, Booking: &evil})
	if !notify.IsPermanent(err) {
		t.Errorf("address with CR/LF: err = %v, want a permanent error", err)
	}
	if err != nil && strings.Contains(err.Error(), "mallory") {
		t.Error("the error repeats the address")
	}

	title := *w
	title.Title = "Plan\r\nBcc: x@example.com"
	m, err = c.Compose(notify.Event{Kind: booking.MsgBookingConfirmed, MessageID: "a.1@workshops", Workshop: &title, Session: s, Booking: b})
	if err != nil || strings.ContainsAny(m.Subject, "\r\n") {
		t.Errorf("title with CR/LF: %v %q", err, m.Subject)
	}
	for _, id := range []string{"", "no-at-sign", "a@b>\r\nBcc: x", "a b@c"} {
		if _, err := c.Compose(notify.Event{Kind: booking.MsgBookingConfirmed, MessageID: id, Workshop: w, Session: s, Booking: b}); !notify.IsPermanent(err) {
			t.Errorf("message id %q accepted", id)
		}
	}
}

// The joining link goes only to people with a confirmed place.
func TestNoJoiningLinkWithoutAConfirmedPlace(t *testing.T) {
	c := composer(t)
	_, s, b := fixture()
	on := *b
	on.Mode = booking.Online
	seq := 1
	now := time.Now()
	for kind, status := range map[string]booking.BookingStatus{
		booking.MsgBookingCancelled:  booking.BookingCancelled,
		booking.MsgStaffVerification: booking.PendingVerification,
	} {
		p := on
		p.Status = status
		if status == booking.BookingCancelled {
			p.CancelledAt = &now
		}
		m := compose(t, c, kind, s, &p, booking.EmailPayload{Sequence: seq,
			Token: "abc", ExpiresAt: now})
		if strings.Contains(m.Text+m.HTML, teamsLink) {
			t.Errorf("%s to a %s booking carries the Teams link", kind, status)
		}
	}
}
