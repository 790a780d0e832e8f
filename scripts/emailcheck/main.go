// Command emailcheck writes one email of every kind the service sends, with
// made-up details, sends them to a Mailpit server and prints Mailpit's HTML
// check of each: how much of the HTML and CSS the common mail clients
// support (data from caniemail.com). scripts/email-html-check.sh builds and
// starts Mailpit and runs it; docs/EMAIL.md holds the results.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/calendar"
	"github.com/coventry/workshops/notify"
	"github.com/coventry/workshops/notify/mailer"
)

const (
	base    = "https://workshops.coventry.gov.uk"
	council = "Coventry City Council"
	from    = "Coventry City Council <workshops@coventry.gov.uk>"
)

func main() {
	smtpURL := flag.String("smtp", "", "Mailpit's SMTP address as an SMTP_URL, e.g. smtp+plain://127.0.0.1:1025")
	api := flag.String("api", "", "Mailpit's HTTP address, e.g. http://127.0.0.1:8025")
	flag.Parse()
	if *smtpURL == "" || *api == "" {
		fmt.Fprintln(os.Stderr, "usage: emailcheck -smtp smtp+plain://HOST:PORT -api http://HOST:PORT")
		os.Exit(2)
	}
	if err := run(*smtpURL, strings.TrimRight(*api, "/")); err != nil {
		fmt.Fprintln(os.Stderr, "emailcheck:", err)
		os.Exit(1)
	}
}

func run(smtpURL, api string) error {
	ctx := context.Background()
	msgs, err := samples()
	if err != nil {
		return err
	}
	m, err := mailer.NewSMTP(mailer.SMTPConfig{URL: smtpURL, From: from, Timeout: 10 * time.Second})
	if err != nil {
		return err
	}
	defer m.Close()
	for _, msg := range msgs {
		if err := m.Send(ctx, msg); err != nil {
			return fmt.Errorf("send %s: %w", msg.Kind, err)
		}
	}
	fmt.Println("| email | supported | partly supported | not supported | what is not fully supported (times used) |")
	fmt.Println("| --- | ---: | ---: | ---: | --- |")
	for _, msg := range msgs {
		id, err := find(api, msg.MessageID)
		if err != nil {
			return fmt.Errorf("%s: %w", msg.Kind, err)
		}
		var check struct {
			Total struct {
				Supported, Partial, Unsupported float64
			}
			Warnings []struct {
				Title string
				Score struct {
					Found       int
					Unsupported float64
				}
			}
		}
		if err := getJSON(api+"/api/v1/message/"+url.PathEscape(id)+"/html-check", &check); err != nil {
			return fmt.Errorf("%s: html-check: %w", msg.Kind, err)
		}
		var warn []string
		for _, w := range check.Warnings {
			note := fmt.Sprintf("%s (%d", w.Title, w.Score.Found)
			if w.Score.Unsupported > 0 {
				note += fmt.Sprintf("; unsupported in %.0f%% of clients", w.Score.Unsupported)
			}
			warn = append(warn, note+")")
		}
		sort.Strings(warn)
		fmt.Printf("| %s | %.1f%% | %.1f%% | %.1f%% | %s |\n", msg.Kind, check.Total.Supported, check.Total.Partial,
			check.Total.Unsupported, strings.Join(warn, ", "))
	}
	return nil
}

// find returns Mailpit's id of the message with the given Message-ID.
func find(api, messageID string) (string, error) {
	var res struct {
		Messages []struct{ ID string }
	}
	q := url.Values{"query": {"message-id:" + messageID}}
	for range 50 {
		if err := getJSON(api+"/api/v1/search?"+q.Encode(), &res); err != nil {
			return "", err
		}
		if len(res.Messages) == 1 {
			return res.Messages[0].ID, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", errors.New("not found in Mailpit")
}

func getJSON(u string, v any) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// samples composes one message of every kind, as the outbox would.
func samples() ([]*notify.Message, error) {
	inv, err := calendar.NewInviter(calendar.Config{BaseURL: base, Council: council,
		Organizer: calendar.Organizer{Name: council, Email: "consultation@coventry.gov.uk"}})
	if err != nil {
		return nil, err
	}
	comp, err := notify.NewComposer(notify.Config{Council: council, BaseURL: base, ReplyTo: "consultation@coventry.gov.uk"}, inv)
	if err != nil {
		return nil, err
	}
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		return nil, err
	}
	start := time.Date(2027, 3, 16, 18, 0, 0, 0, london)
	w := &booking.Workshop{ID: 1, Title: "One Coventry Plan: your neighbourhood", Audience: booking.Public,
		Summary: "Tell us what matters to you about where you live."}
	s := &booking.Session{ID: 7, WorkshopID: 1, Workshop: w, StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		Venue:     booking.Venue{Name: "Council House", Address: "Earl Street, Coventry CV1 5RR"},
		OnlineURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_sample%40thread.v2/0", Status: booking.Scheduled}
	gone := *s
	gone.Status, gone.CancelReason = booking.Cancelled, "The room is needed for an emergency."
	b := &booking.Booking{Reference: "KD7P-Q3R8", SessionID: 7, Mode: booking.Online, Name: "Amrit Kaur",
		Email: "amrit@example.org", Status: booking.Confirmed, InviteUID: "booking-KD7P-Q3R8@coventry.gov.uk"}
	cancelled := *b
	cancelled.Status = booking.BookingCancelled
	inPerson := *b
	inPerson.Mode = booking.InPerson
	pending := inPerson
	pending.Status = booking.PendingVerification
	expires := start.Add(-48 * time.Hour)
	moved := &booking.Changes{StartsAt: &booking.TimeChange{Old: start.Add(-24 * time.Hour), New: start},
		EndsAt: &booking.TimeChange{Old: start.Add(-22 * time.Hour), New: start.Add(2 * time.Hour)}}
	switched := &booking.Changes{Mode: &booking.ModeChange{Old: booking.InPerson, New: booking.Online}}
	events := []notify.Event{
		{Kind: booking.MsgBookingConfirmed, Session: s, Booking: b, Payload: booking.EmailPayload{Token: "sample-token"}},
		{Kind: booking.MsgBookingCancelled, Session: s, Booking: &cancelled, Payload: booking.EmailPayload{Sequence: 1}},
		{Kind: booking.MsgSessionChanged, Session: s, Booking: &inPerson, Payload: booking.EmailPayload{Sequence: 1, Changes: moved}},
		{Kind: booking.MsgBookingChanged, Session: s, Booking: b, Payload: booking.EmailPayload{Sequence: 1, Changes: switched}},
		{Kind: booking.MsgSessionCancelled, Session: &gone, Booking: b, Payload: booking.EmailPayload{Sequence: 2, Reason: gone.CancelReason}},
		{Kind: booking.MsgReminder, Session: s, Booking: b},
		{Kind: booking.MsgWaitlistOffer, Session: s, Booking: &inPerson,
			Payload: booking.EmailPayload{Reference: "W3XK-7P2M", Token: "sample-token", ExpiresAt: expires}},
		{Kind: booking.MsgWaitlistJoined, Session: s, Booking: &inPerson,
			Payload: booking.EmailPayload{Reference: "W3XK-7P2M", Token: "sample-token", Position: 3}},
		{Kind: booking.MsgWaitlistSessionCancelled, Session: &gone, Booking: &inPerson,
			Payload: booking.EmailPayload{Reference: "W3XK-7P2M", Reason: gone.CancelReason}},
		{Kind: booking.MsgStaffVerification, Session: s, Booking: &pending, Payload: booking.EmailPayload{Token: "sample-token", ExpiresAt: expires}},
		{Kind: booking.MsgSignInLink, Payload: booking.EmailPayload{To: "organiser@coventry.gov.uk",
			URL: base + "/admin/sign-in/sample-token", ExpiresAt: expires}},
		{Kind: booking.MsgCompetitionGuardian, Payload: booking.EmailPayload{To: "parent@example.org", Name: "Leo",
			Reference: "K7QX-M42P", URL: base + "/competition/confirm/sample-token", ExpiresAt: expires}},
		{Kind: booking.MsgBallotApplied, Session: s, Payload: booking.EmailPayload{To: "resident@example.org",
			Name: "Sam Resident", Reference: "BQ7X-M42P", Mode: booking.InPerson}},
	}
	var out []*notify.Message
	for i, e := range events {
		e.MessageID = fmt.Sprintf("emailcheck-%d-%d@coventry.gov.uk", time.Now().UnixNano(), i)
		e.Workshop, e.Now = w, start.Add(-72*time.Hour)
		m, err := comp.Compose(e)
		if err != nil {
			return nil, fmt.Errorf("compose %s: %w", e.Kind, err)
		}
		out = append(out, m)
	}
	return out, nil
}
