// Package calendar writes the iCalendar invites that bookings carry and the
// public feed of a session, and names the port through which online
// sessions get their Microsoft Teams meetings (the Graph adapter lives in
// calendar/msgraph).
//
// Every invite a person receives for one booking has the same UID and a
// higher SEQUENCE than the one before, so calendars update or remove the
// entry they already hold instead of adding a second one.
package calendar

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/emersion/go-ical"

	"github.com/coventry/workshops/booking"
)

// Method is the iTIP method (RFC 5546) an iCalendar object is sent with.
type Method string

const (
	// Request adds or updates the event in the attendee's calendar:
	// confirmations, changes and reminders.
	Request Method = "REQUEST"
	// Cancel removes it: the person or the council cancelled.
	Cancel Method = "CANCEL"
	// Publish is a plain event anyone can add, with no attendee: the
	// session feed.
	Publish Method = "PUBLISH"
)

// MIMEType is the media type of an invite; mail parts add "; method=...".
const MIMEType = "text/calendar"

// TeamsURLProp and TeamsConfLinkProp are the properties Outlook and Teams
// themselves write for a Teams meeting, with the join link: Outlook shows
// its "Join" button from them (MS-OXCICAL: PidNameOnlineMeetingConfLink).
const (
	TeamsURLProp      = "X-MICROSOFT-SKYPETEAMSMEETINGURL"
	TeamsConfLinkProp = "X-MICROSOFT-ONLINEMEETINGCONFLINK"
)

// MethodFor is the method of the invite a booking should carry now: Cancel
// when the booking or its session is cancelled, Request otherwise.
func MethodFor(s *booking.Session, b *booking.Booking) Method {
	if s.Status == booking.Cancelled || (b != nil && !b.Live()) {
		return Cancel
	}
	return Request
}

// Organizer is the council mailbox invites come from (ORGANIZER_EMAIL). It
// must be real: calendars send the attendees' replies to it.
type Organizer struct {
	Name  string // e.g. "Coventry City Council"
	Email string // e.g. "engagement@coventry.gov.uk"
}

// Config is what the invites need to know about the service.
type Config struct {
	// BaseURL is the service's public address (BASE_URL); its links go
	// into the invites, and its host names the feed entries' UIDs.
	BaseURL string
	// Council is the council's name, as people know it.
	Council   string
	Organizer Organizer
}

// Inviter writes invites and feeds. It holds no state beyond its
// configuration and is safe for concurrent use.
type Inviter struct {
	base    string // BaseURL without a trailing slash
	host    string
	council string
	org     Organizer
}

// NewInviter checks cfg and returns an Inviter.
func NewInviter(cfg Config) (*Inviter, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, fmt.Errorf("calendar: base URL %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.Council == "" || strings.IndexFunc(cfg.Council, unicode.IsControl) >= 0 {
		return nil, errors.New("calendar: council name is empty or holds control characters")
	}
	if _, err := mailto(cfg.Organizer.Email); err != nil {
		return nil, fmt.Errorf("calendar: organiser address: %w", err)
	}
	if cfg.Organizer.Name == "" {
		cfg.Organizer.Name = cfg.Council
	}
	return &Inviter{
		base:    strings.TrimRight(cfg.BaseURL, "/"),
		host:    strings.ToLower(u.Hostname()),
		council: cfg.Council,
		org:     cfg.Organizer,
	}, nil
}

// UID is the UID the invites of the booking with reference were sent with
// before UIDs were stored with bookings: it follows BASE_URL's host, so it
// serves only bookings whose stored UID (booking.Booking.InviteUID) is not
// yet filled in. New bookings get theirs from booking.InviteUID.
func (iv *Inviter) UID(reference string) string {
	return "booking-" + reference + "@" + iv.host
}

// SessionUID is the UID of the public feed entry of session id. It differs
// from every booking UID, so a person who adds the feed and books gets two
// entries rather than one that overwrites the other.
func (iv *Inviter) SessionUID(id int64) string {
	return "session-" + strconv.FormatInt(id, 10) + "@" + iv.host
}

func workforce(w *booking.Workshop) bool { return w != nil && w.Audience == booking.Workforce }

// BookingPageURL is the booking's page without its token: safe to put in
// a calendar, which people share. The page asks for the emailed link.
func (iv *Inviter) BookingPageURL(reference string) string {
	return iv.base + "/bookings/" + url.PathEscape(reference)
}

// SessionPageURL is the page where a session of w is booked: the staff
// route's for a workforce workshop (the public page refuses those).
func (iv *Inviter) SessionPageURL(w *booking.Workshop, id int64) string {
	if workforce(w) {
		return iv.base + "/staff/sessions/" + strconv.FormatInt(id, 10)
	}
	return iv.base + "/sessions/" + strconv.FormatInt(id, 10)
}

// WorkshopPageURL is the page listing w's sessions: where to go when a
// session is cancelled. Workforce sessions are listed on the staff start
// page, not on a workshop page of their own.
func (iv *Inviter) WorkshopPageURL(w *booking.Workshop, id int64) string {
	if workforce(w) {
		return iv.base + "/staff"
	}
	return iv.base + "/workshops/" + strconv.FormatInt(id, 10)
}

// Meeting is an online meeting made for a session.
type Meeting struct {
	ID      string // the provider's id, kept to move the meeting later
	JoinURL string // the link attendees follow
}

// Meetings makes and moves the online meetings of sessions. A failure is a
// *booking.Error with code booking.EUnavailable, so a session is refused
// rather than created without a link.
type Meetings interface {
	Create(ctx context.Context, subject string, start, end time.Time) (Meeting, error)
	Move(ctx context.Context, id string, start, end time.Time) error
}

// encode writes cal with lines folded at 75 octets.
func encode(cal *ical.Calendar) ([]byte, error) {
	var buf bytes.Buffer
	fw := NewFoldWriter(&buf)
	if err := ical.NewEncoder(fw).Encode(cal); err != nil {
		return nil, fmt.Errorf("calendar: encode: %w", err)
	}
	if err := fw.Close(); err != nil {
		return nil, fmt.Errorf("calendar: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// text makes s safe for a TEXT value: valid UTF-8, line breaks as "\n"
// (go-ical escapes them), no other control characters except tab.
func text(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, s)
}

// line makes s safe for a one-line value: every run of line breaks and
// control characters becomes one ", ".
func line(s string) string {
	parts := strings.FieldsFunc(text(s), func(r rune) bool { return r == '\n' })
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

// paramValue makes s safe for a quoted parameter value such as CN: no
// control characters and no double quotes (RFC 5545 3.2 allows neither).
func paramValue(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// mailto checks an address and returns its mailto: URI. Addresses with
// control characters or anything beyond a bare address are refused.
func mailto(addr string) (string, error) {
	if addr == "" {
		return "", errors.New("empty address")
	}
	if strings.IndexFunc(addr, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		return "", errors.New("address holds spaces or control characters")
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != addr || a.Name != "" {
		return "", errors.New("not a plain email address")
	}
	return "mailto:" + addr, nil
}

// webURL checks that s is an absolute http(s) URL fit for a URL property.
func webURL(s string) (*url.URL, error) {
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		return nil, errors.New("link holds spaces or control characters")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("link is not an absolute http(s) URL")
	}
	return u, nil
}
