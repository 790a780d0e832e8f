package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/coventry/workshops/notify/inbound"
	"github.com/coventry/workshops/notify/inbound/imaptest"
	"github.com/coventry/workshops/notify/smtptest"
)

// declineOf answers an invite as a calendar does when its No is pressed:
// the invite's UID and SEQUENCE, METHOD:REPLY, the attendee DECLINED, in
// an email from the attendee to the organiser.
func declineOf(t *testing.T, invite, from string) []byte {
	t.Helper()
	cal, err := ical.NewDecoder(strings.NewReader(invite)).Decode()
	if err != nil {
		t.Fatalf("the invite does not parse: %v", err)
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("%d events in the invite", len(events))
	}
	in := events[0]
	out := ical.NewEvent()
	for _, name := range []string{ical.PropUID, ical.PropSequence, ical.PropDateTimeStart, ical.PropDateTimeEnd, ical.PropOrganizer, ical.PropSummary} {
		if p := in.Props.Get(name); p != nil {
			out.Props.Set(p)
		}
	}
	out.Props.SetDateTime(ical.PropDateTimeStamp, time.Now().UTC())
	att := ical.NewProp(ical.PropAttendee)
	att.Value = "mailto:" + from
	att.Params.Set(ical.ParamParticipationStatus, "DECLINED")
	out.Props.Set(att)
	reply := ical.NewCalendar()
	reply.Props.SetText(ical.PropVersion, "2.0")
	reply.Props.SetText(ical.PropProductID, "-//Apple Inc.//iPhone OS 18.1//EN")
	reply.Props.SetText(ical.PropMethod, "REPLY")
	reply.Children = append(reply.Children, out.Component)
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(reply); err != nil {
		t.Fatal(err)
	}
	return []byte("From: " + from + "\r\nTo: workshops@coventry.example.org\r\nSubject: Declined\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/calendar; method=REPLY; charset=utf-8\r\n\r\n" + buf.String())
}

// A No pressed in the calendar of a person booked, delivered to the
// organiser mailbox (a real Dovecot), cancels their booking in the running
// service: the cancellation email goes to them and the freed place is
// offered to the person waiting. The reply is marked handled.
func TestCalendarDeclineFreesThePlace(t *testing.T) {
	mbox := imaptest.Start(t)
	dbURL := database(t, "e2e")
	e := openE2E(t, dbURL, smtptest.Start(t, smtptest.Options{}),
		map[string]string{"INBOUND_IMAP_URL": mbox.URL, "INBOUND_POLL_INTERVAL": "1s"})
	_, w := call(t, "POST", e.url+"/api/v1/admin/workshops", map[string]any{
		"title": "One Coventry Plan: your neighbourhood", "summary": "Tell us", "audience": "public"}, e2eAdmin)
	start := time.Now().Add(96 * time.Hour).UTC().Truncate(time.Hour)
	_, s := call(t, "POST", e.url+"/api/v1/admin/workshops/"+jsonID(w)+"/sessions", map[string]any{
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339),
		"venue":    map[string]any{"name": "Central Library", "address": "Smithford Way, Coventry CV1 1FY"},
		"capacity": map[string]any{"in_person": 1, "online": 0}}, e2eAdmin)
	sessionURL := e.url + "/api/v1/sessions/" + jsonID(s)
	if status, b := call(t, "POST", sessionURL+"/bookings", map[string]any{
		"mode": "in_person", "name": "Ann", "email": "ann@example.org", "consent": true}, ""); status != http.StatusCreated {
		t.Fatalf("book: %d %v", status, b)
	}
	if status, j := call(t, "POST", sessionURL+"/waitlist", map[string]any{
		"mode": "in_person", "name": "Carol", "email": "carol@example.org", "consent": true}, ""); status != http.StatusCreated {
		t.Fatalf("join: %d %v", status, j)
	}
	invite := e.mailTo(t, 2, "ann@example.org").Text("text/calendar")
	if invite == "" {
		t.Fatal("the confirmation has no invite")
	}
	mbox.Append(t, declineOf(t, invite, "ann@example.org"))

	// Ann's cancellation (3) and Carol's offer (4), sent by the workers.
	e.mailTo(t, 4, "carol@example.org")
	cancelled := e.mailTo(t, 4, "ann@example.org")
	if cal := unfold(cancelled.Text("text/calendar")); !strings.Contains(cal, "METHOD:CANCEL") {
		t.Errorf("the cancellation email has no cancelling invite:\n%s", cal)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs := mbox.Messages(t)
		if len(msgs) == 1 && msgs[0].Has(inbound.HandledKeyword) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reply is not marked handled: %+v", msgs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var outcome string
	if err := e.app.DB.Pool.QueryRow(context.Background(),
		`SELECT actor FROM audit_log WHERE action = 'booking.cancel'`).Scan(&outcome); err != nil || outcome != "calendar-reply" {
		t.Errorf("the cancellation is audited as %q (%v), want calendar-reply", outcome, err)
	}
	time.Sleep(1500 * time.Millisecond) // another round or two of the reader
	if n := len(e.smtp.Messages()); n != 4 {
		t.Errorf("%d emails, want 4: the reply was applied again", n)
	}
}
