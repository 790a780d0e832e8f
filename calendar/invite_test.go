package calendar_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/calendar"
	"github.com/coventry/workshops/calendar/icaltest"
)

const teamsLink = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjQ1ZDVkYzQtYzU2Zi00%40thread.v2/0?context=%7b%22Tid%22%3a%2272f988bf%22%7d"

var london, _ = time.LoadLocation("Europe/London")

// trickyTitle has everything RFC 5545 asks to escape, and is long enough
// to be folded across characters of several widths.
const trickyTitle = "One Coventry Plan: homes, jobs; and \"you\" \\ the city\nsecond line — Café 🎉 workshop for residents, organisations and partners"

func inviter(t *testing.T) *calendar.Inviter {
	t.Helper()
	iv, err := calendar.NewInviter(calendar.Config{
		BaseURL: "https://workshops.coventry.gov.uk/",
		Council: "Coventry City Council",
		Organizer: calendar.Organizer{
			Name: "Coventry City Council", Email: "engagement@coventry.gov.uk",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return iv
}

func fixture() (*booking.Workshop, *booking.Session, *booking.Booking, *booking.Booking) {
	w := &booking.Workshop{ID: 1, Title: trickyTitle, Summary: "Tell us what matters to you.\nAll welcome.", Audience: booking.Public}
	s := &booking.Session{
		ID: 42, WorkshopID: 1,
		StartsAt:  time.Date(2028, 3, 14, 10, 0, 0, 0, london),
		EndsAt:    time.Date(2028, 3, 14, 12, 0, 0, 0, london),
		Venue:     booking.Venue{Name: "Council House", Address: "Earl Street\nCoventry\nCV1 5RR"},
		OnlineURL: teamsLink,
		Status:    booking.Scheduled,
		Places: []booking.Places{
			{SessionID: 42, Mode: booking.InPerson, Capacity: 30},
			{SessionID: 42, Mode: booking.Online, Capacity: 100},
		},
	}
	inPerson := &booking.Booking{ID: 7, Reference: "KD7P-Q3", SessionID: 42, Mode: booking.InPerson,
		Name: "Ada Lovelace", Email: "ada@example.org", Status: booking.Confirmed}
	online := &booking.Booking{ID: 8, Reference: "M2XW-9R", SessionID: 42, Mode: booking.Online,
		Name: "Grace O'Hopper, Jr.", Email: "grace@example.org", Status: booking.Confirmed}
	return w, s, inPerson, online
}

var stamp = time.Date(2028, 3, 1, 9, 30, 0, 0, time.UTC)

func decode(t *testing.T, ics []byte) (*ical.Calendar, ical.Event) {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader(ics)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot read the invite: %v\n%s", err, ics)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1", len(evs))
	}
	return cal, evs[0]
}

func prop(t *testing.T, ev ical.Event, name string) string {
	t.Helper()
	p := ev.Props.Get(name)
	if p == nil {
		return ""
	}
	if p.ValueType() == ical.ValueText {
		s, err := p.Text()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return s
	}
	return p.Value
}

func TestInviteInPersonAndOnline(t *testing.T) {
	iv := inviter(t)
	w, s, inPerson, online := fixture()

	in, err := iv.Invite(w, s, inPerson, calendar.Request, 0, stamp)
	if err != nil {
		t.Fatal(err)
	}
	on, err := iv.Invite(w, s, online, calendar.Request, 0, stamp)
	if err != nil {
		t.Fatal(err)
	}
	for _, ics := range [][]byte{in, on} {
		if icaltest.CheckLines(t, ics) == 0 {
			t.Error("nothing was folded, though the summary is long")
		}
	}

	cal, ev := decode(t, in)
	if m := prop(t, ical.Event{Component: cal.Component}, ical.PropMethod); m != "REQUEST" {
		t.Errorf("METHOD = %q", m)
	}
	if uid := prop(t, ev, ical.PropUID); uid != "booking-KD7P-Q3@workshops.coventry.gov.uk" {
		t.Errorf("UID = %q", uid)
	}
	if got := prop(t, ev, ical.PropSummary); got != trickyTitle {
		t.Errorf("SUMMARY round trip:\n got %q\nwant %q", got, trickyTitle)
	}
	if got := prop(t, ev, ical.PropLocation); got != "Council House, Earl Street, Coventry, CV1 5RR" {
		t.Errorf("LOCATION = %q", got)
	}
	if bytes.Contains(unfold(in), []byte("teams.microsoft.com")) {
		t.Error("in-person invite carries the Teams link")
	}
	if ev.Props.Get(calendar.TeamsURLProp) != nil || ev.Props.Get(calendar.TeamsConfLinkProp) != nil {
		t.Error("in-person invite has the Teams properties")
	}
	start, _ := ev.DateTimeStart(nil)
	end, _ := ev.DateTimeEnd(nil)
	if !start.Equal(s.StartsAt) || !end.Equal(s.EndsAt) || start.Location() != time.UTC {
		t.Errorf("DTSTART/DTEND = %v/%v, want %v/%v in UTC", start, end, s.StartsAt, s.EndsAt)
	}
	if raw := ev.Props.Get(ical.PropDateTimeStart).Value; raw != "20280314T100000Z" {
		t.Errorf("DTSTART written as %q", raw)
	}
	org := ev.Props.Get(ical.PropOrganizer)
	if org.Value != "mailto:engagement@coventry.gov.uk" || org.Params.Get(ical.ParamCommonName) != "Coventry City Council" {
		t.Errorf("ORGANIZER = %+v", org)
	}
	att := ev.Props.Values(ical.PropAttendee)
	if len(att) != 1 || att[0].Value != "mailto:ada@example.org" || att[0].Params.Get(ical.ParamCommonName) != "Ada Lovelace" ||
		att[0].Params.Get(ical.ParamRSVP) != "TRUE" || att[0].Params.Get(ical.ParamParticipationStatus) != "NEEDS-ACTION" {
		t.Errorf("ATTENDEE = %+v", att)
	}
	if st := prop(t, ev, ical.PropStatus); st != "CONFIRMED" {
		t.Errorf("STATUS = %q", st)
	}
	if u := prop(t, ev, ical.PropURL); u != "https://workshops.coventry.gov.uk/bookings/KD7P-Q3" {
		t.Errorf("URL = %q", u)
	}

	_, ev = decode(t, on)
	desc := prop(t, ev, ical.PropDescription)
	if !strings.Contains(desc, teamsLink) {
		t.Errorf("online DESCRIPTION lacks the link: %q", desc)
	}
	if prop(t, ev, ical.PropURL) != teamsLink || prop(t, ev, calendar.TeamsURLProp) != teamsLink ||
		prop(t, ev, calendar.TeamsConfLinkProp) != teamsLink {
		t.Errorf("online URL = %q, Teams = %q, conference link = %q", prop(t, ev, ical.PropURL),
			prop(t, ev, calendar.TeamsURLProp), prop(t, ev, calendar.TeamsConfLinkProp))
	}
	if !strings.Contains(desc, "You do not need a Teams account.") {
		t.Errorf("online DESCRIPTION does not say how to join: %q", desc)
	}
	if strings.Contains(desc, "Earl Street") || strings.Contains(prop(t, ev, ical.PropLocation), "Council House") {
		t.Error("online invite sends the person to the venue")
	}
	if cn := ev.Props.Get(ical.PropAttendee).Params.Get(ical.ParamCommonName); cn != "Grace O'Hopper, Jr." {
		t.Errorf("CN = %q", cn)
	}

	// The independent parser agrees.
	cals := icaltest.Read(t, in, on)
	for i, c := range cals {
		if c.Method != "REQUEST" || len(c.Events) != 1 {
			t.Fatalf("ical.js %d: %+v", i, c)
		}
		e := c.Events[0]
		if e.Summary != trickyTitle {
			t.Errorf("ical.js SUMMARY:\n got %q\nwant %q", e.Summary, trickyTitle)
		}
		if !e.Start.Equal(s.StartsAt) || !e.End.Equal(s.EndsAt) || !e.StartIsUTC {
			t.Errorf("ical.js times %v to %v (utc %v)", e.Start, e.End, e.StartIsUTC)
		}
		if len(e.Attendees) != 1 || e.Attendees[0].RSVP != "TRUE" || e.Attendees[0].PartStat != "NEEDS-ACTION" ||
			e.Organizer == nil || e.Organizer.CN != "Coventry City Council" || e.Organizer.Value != "mailto:engagement@coventry.gov.uk" {
			t.Errorf("ical.js people: %+v %+v", e.Organizer, e.Attendees)
		}
	}
	if cals[0].Events[0].TeamsURL != "" || strings.Contains(cals[0].Events[0].Description, "teams") {
		t.Error("ical.js finds a Teams link in the in-person invite")
	}
	if cals[1].Events[0].TeamsURL != teamsLink || cals[1].Events[0].ConfLink != teamsLink || cals[1].Events[0].URL != teamsLink || cals[1].Events[0].Attendees[0].CN != "Grace O'Hopper, Jr." {
		t.Errorf("ical.js online: %+v", cals[1].Events[0])
	}
}

// TestInviteSequence follows one booking through confirmation, a change to
// its session and its cancellation: same UID, rising SEQUENCE, and the
// change's new times.
func TestInviteSequence(t *testing.T) {
	iv := inviter(t)
	w, s, b, _ := fixture()
	confirm, err := iv.Invite(w, s, b, calendar.MethodFor(s, b), 0, stamp)
	if err != nil {
		t.Fatal(err)
	}
	moved := *s
	moved.StartsAt = time.Date(2028, 4, 4, 18, 30, 0, 0, london) // summer time: 17:30 UTC
	moved.EndsAt = moved.StartsAt.Add(90 * time.Minute)
	moved.Sequence = 1
	change, err := iv.Invite(w, &moved, b, calendar.MethodFor(&moved, b), 1, stamp.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	gone := *b
	gone.Status = booking.BookingCancelled
	cancel, err := iv.Invite(w, &moved, &gone, calendar.MethodFor(&moved, &gone), 2, stamp.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	called := moved
	called.Status = booking.Cancelled
	called.CancelReason = "The room is closed for repairs; sorry, we'll be in touch."
	sessionOff, err := iv.Invite(w, &called, b, calendar.MethodFor(&called, b), 3, stamp.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}

	invites := [][]byte{confirm, change, cancel, sessionOff}
	wantMethod := []string{"REQUEST", "REQUEST", "CANCEL", "CANCEL"}
	wantStatus := []string{"CONFIRMED", "CONFIRMED", "CANCELLED", "CANCELLED"}
	wantStart := []time.Time{s.StartsAt, moved.StartsAt, moved.StartsAt, moved.StartsAt}
	for i, ics := range invites {
		icaltest.CheckLines(t, ics)
		cal, ev := decode(t, ics)
		if m := cal.Props.Get(ical.PropMethod).Value; m != wantMethod[i] {
			t.Errorf("invite %d: METHOD %s, want %s", i, m, wantMethod[i])
		}
		if seq, _ := ev.Props.Get(ical.PropSequence).Int(); seq != i {
			t.Errorf("invite %d: SEQUENCE %d", i, seq)
		}
		if st, _ := ev.Status(); string(st) != wantStatus[i] {
			t.Errorf("invite %d: STATUS %s", i, st)
		}
		if start, _ := ev.DateTimeStart(nil); !start.Equal(wantStart[i]) {
			t.Errorf("invite %d: DTSTART %v", i, start)
		}
	}
	if raw := string(unfold(change)); !strings.Contains(raw, "DTSTART:20280404T173000Z") {
		t.Errorf("moved session not written in UTC:\n%s", raw)
	}
	if bytes.Contains(unfold(cancel), []byte("/bookings/KD7P-Q3?")) {
		t.Error("a token-looking link in the cancellation")
	}

	cals := icaltest.Read(t, invites...)
	uid := iv.UID(b.Reference)
	for i, c := range cals {
		e := c.Events[0]
		if c.Method != wantMethod[i] || e.UID != uid || e.Sequence != i || e.Status != wantStatus[i] || !e.Start.Equal(wantStart[i]) {
			t.Errorf("ical.js invite %d: method %s uid %s seq %d status %s start %v", i, c.Method, e.UID, e.Sequence, e.Status, e.Start)
		}
		if i > 0 && e.Sequence <= cals[i-1].Events[0].Sequence {
			t.Errorf("SEQUENCE does not rise at invite %d", i)
		}
	}
	if d := cals[3].Events[0].Description; !strings.Contains(d, called.CancelReason) {
		t.Errorf("session cancellation lacks the reason: %q", d)
	}
}

func TestInviteRefusesInjection(t *testing.T) {
	iv := inviter(t)
	w, s, b, _ := fixture()
	evil := *b
	evil.Name = "Eve \"the\"\r\nATTENDEE:mailto:mallory@example.com\r\nX"
	ics, err := iv.Invite(w, s, &evil, calendar.Request, 0, stamp)
	if err != nil {
		t.Fatal(err)
	}
	icaltest.CheckLines(t, ics)
	if bytes.Contains(ics, []byte("\r\nATTENDEE:mailto:mallory")) || bytes.Count(ics, []byte("\r\nATTENDEE")) != 1 {
		t.Errorf("a name added a line:\n%s", ics)
	}
	_, ev := decode(t, ics)
	if n := len(ev.Props.Values(ical.PropAttendee)); n != 1 {
		t.Errorf("%d attendees", n)
	}

	evil.Email = "eve@example.org\r\nBCC:x@example.com"
	if _, err := iv.Invite(w, s, &evil, calendar.Request, 0, stamp); err == nil {
		t.Error("an address with CR/LF was accepted")
	}
	odd := *s
	odd.OnlineURL = "javascript:alert(1)"
	on := *b
	on.Mode = booking.Online
	if _, err := iv.Invite(w, &odd, &on, calendar.Request, 0, stamp); err == nil {
		t.Error("a link that is not http(s) was accepted")
	}
}

func TestSessionFeed(t *testing.T) {
	iv := inviter(t)
	w, s, _, _ := fixture()
	s.Sequence = 3
	ics, err := iv.SessionFeed(w, s, stamp)
	if err != nil {
		t.Fatal(err)
	}
	icaltest.CheckLines(t, ics)
	cal, ev := decode(t, ics)
	if cal.Props.Get(ical.PropMethod).Value != "PUBLISH" {
		t.Error("feed is not PUBLISH")
	}
	if ev.Props.Get(ical.PropAttendee) != nil || bytes.Contains(ics, []byte("@example.org")) {
		t.Error("feed holds personal data")
	}
	if bytes.Contains(unfold(ics), []byte("teams.microsoft.com")) {
		t.Error("public feed gives away the Teams link")
	}
	if uid := prop(t, ev, ical.PropUID); uid != "session-42@workshops.coventry.gov.uk" {
		t.Errorf("UID = %q", uid)
	}
	if seq, _ := ev.Props.Get(ical.PropSequence).Int(); seq != 3 {
		t.Errorf("SEQUENCE = %d", seq)
	}
	desc := prop(t, ev, ical.PropDescription)
	if !strings.Contains(desc, "https://workshops.coventry.gov.uk/sessions/42") || !strings.Contains(desc, "Microsoft Teams") {
		t.Errorf("DESCRIPTION = %q", desc)
	}
	c := icaltest.Read(t, ics)[0]
	if c.Method != "PUBLISH" || len(c.Events[0].Attendees) != 0 || c.Events[0].Summary != trickyTitle {
		t.Errorf("ical.js feed: %+v", c)
	}

	s.Status = booking.Cancelled
	s.CancelReason = "Low numbers"
	ics, _ = iv.SessionFeed(w, s, stamp)
	_, ev = decode(t, ics)
	if st, _ := ev.Status(); st != ical.EventCancelled || !strings.Contains(prop(t, ev, ical.PropDescription), "Low numbers") {
		t.Errorf("cancelled feed: status %s", st)
	}
}

func TestNewInviterChecksConfig(t *testing.T) {
	for _, cfg := range []calendar.Config{
		{BaseURL: "workshops.example", Council: "C", Organizer: calendar.Organizer{Email: "a@b.c"}},
		{BaseURL: "https://x.example", Council: "", Organizer: calendar.Organizer{Email: "a@b.c"}},
		{BaseURL: "https://x.example", Council: "C", Organizer: calendar.Organizer{Email: "not an address"}},
		{BaseURL: "https://x.example", Council: "C", Organizer: calendar.Organizer{Email: "A <a@b.c>"}},
	} {
		if _, err := calendar.NewInviter(cfg); err == nil {
			t.Errorf("accepted %+v", cfg)
		}
	}
}

func unfold(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n "), nil) }

// A booking's invites carry the UID stored with it, whatever the service's
// address is now; only a booking with none yet gets the old UID built from
// BASE_URL's host, which is what it was sent before UIDs were stored.
func TestInviteKeepsStoredUID(t *testing.T) {
	w, s, b, _ := fixture()
	stored := *b
	stored.InviteUID = "booking-" + b.Reference + "@coventry.gov.uk"
	for _, base := range []string{"https://workshops.coventry.gov.uk", "http://127.0.0.1:8080", "https://book.example.org"} {
		iv, err := calendar.NewInviter(calendar.Config{BaseURL: base, Council: "Coventry City Council",
			Organizer: calendar.Organizer{Email: "engagement@coventry.gov.uk"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []calendar.Method{calendar.Request, calendar.Cancel} {
			ics, err := iv.Invite(w, s, &stored, m, 3, stamp)
			if err != nil {
				t.Fatal(err)
			}
			if _, ev := decode(t, ics); prop(t, ev, ical.PropUID) != stored.InviteUID {
				t.Errorf("%s %s: UID %q, want %q", base, m, prop(t, ev, ical.PropUID), stored.InviteUID)
			}
		}
	}
	iv := inviter(t)
	ics, err := iv.Invite(w, s, b, calendar.Request, 0, stamp)
	if err != nil {
		t.Fatal(err)
	}
	if _, ev := decode(t, ics); prop(t, ev, ical.PropUID) != "booking-"+b.Reference+"@workshops.coventry.gov.uk" {
		t.Errorf("booking without a stored UID: %q", prop(t, ev, ical.PropUID))
	}
}
