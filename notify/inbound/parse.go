package inbound

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strconv"
	"strings"

	"github.com/emersion/go-ical"

	"github.com/coventry/workshops/booking"
)

// kind is what a message in the organiser mailbox turned out to be.
type kind int

const (
	// other mail (out-of-office answers, people writing in, newsletters)
	// is left alone: not marked, not moved, not deleted.
	other kind = iota
	// reply is an iTIP REPLY that reads well; the booking service decides
	// what it does.
	reply
	// malformed is a calendar reply that cannot be read, or that contradicts
	// itself; it changes nothing but is marked handled.
	malformed
	// forged is a reply the receiving server found failing DMARC; it
	// changes nothing but is marked handled.
	forged
)

// Limits on what is read of one message: calendar replies are small.
const (
	maxMessage = 2 << 20
	maxParts   = 50
	maxDepth   = 5
)

// errNotCalendar ends the search of a message with no calendar part.
var errNotCalendar = errors.New("no calendar part")

// classify reads one raw message (RFC 5322). A reply is returned with its
// fields; why says, for the log, what was wrong with one that is malformed.
func classify(raw []byte) (k kind, r booking.CalendarReply, why string) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return other, r, ""
	}
	part, err := calendarPart(msg.Header, msg.Body, 0, new(int))
	if errors.Is(err, errNotCalendar) {
		return other, r, ""
	}
	if err != nil {
		return malformed, r, err.Error()
	}
	if part.method != "" && part.method != "REPLY" {
		// An invite or a cancellation forwarded to the mailbox: not a reply.
		return other, r, ""
	}
	cal, err := ical.NewDecoder(bytes.NewReader(part.body)).Decode()
	if err != nil {
		return malformed, r, "calendar does not parse"
	}
	method, _ := cal.Props.Text(ical.PropMethod)
	switch {
	case strings.EqualFold(method, "REPLY"):
	case part.method == "REPLY":
		return malformed, r, "content type says REPLY, the calendar does not"
	default:
		return other, r, ""
	}
	if dmarcFailed(msg.Header) {
		return forged, r, "the receiving server found the sender's address fails DMARC"
	}
	r, why = replyOf(cal)
	if why != "" {
		return malformed, r, why
	}
	from, err := mail.ParseAddressList(msg.Header.Get("From"))
	if err != nil || len(from) != 1 {
		return malformed, r, "no single From address"
	}
	r.From = from[0].Address
	return reply, r, ""
}

// replyOf reads the one event of a REPLY: UID, the one ATTENDEE and their
// PARTSTAT, SEQUENCE (0 when absent, RFC 5545 3.8.7.4).
func replyOf(cal *ical.Calendar) (r booking.CalendarReply, why string) {
	var events []ical.Event
	for _, c := range cal.Children {
		if c.Name == ical.CompEvent {
			events = append(events, ical.Event{Component: c})
		}
	}
	if len(events) != 1 {
		return r, fmt.Sprintf("%d events, want 1", len(events))
	}
	ev := events[0]
	uid, err := ev.Props.Text(ical.PropUID)
	if err != nil || uid == "" {
		return r, "no UID"
	}
	r.UID = uid
	atts := ev.Props.Values(ical.PropAttendee)
	if len(atts) != 1 {
		return r, fmt.Sprintf("%d attendees, want 1", len(atts))
	}
	v := strings.TrimSpace(atts[0].Value)
	if len(v) < len("mailto:x") || !strings.EqualFold(v[:7], "mailto:") {
		return r, "attendee is not a mailto: address"
	}
	r.Attendee = strings.TrimSpace(v[7:])
	r.Status = booking.ReplyStatusOf(atts[0].Params.Get(ical.ParamParticipationStatus))
	if p := ev.Props.Get(ical.PropSequence); p != nil {
		n, err := strconv.Atoi(strings.TrimSpace(p.Value))
		if err != nil || n < 0 {
			return r, "SEQUENCE is not a whole number"
		}
		r.Sequence = n
	}
	return r, ""
}

// dmarcFailed reports whether the receiving server's verdict, the topmost
// Authentication-Results header (RFC 8601: added on arrival, above any the
// sender wrote), says the From address fails DMARC.
func dmarcFailed(h mail.Header) bool {
	ar := h["Authentication-Results"]
	if len(ar) == 0 {
		return false
	}
	for f := range strings.SplitSeq(strings.ToLower(ar[0]), ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(f), "dmarc="); ok {
			return strings.HasPrefix(v, "fail")
		}
	}
	return false
}

type calPart struct {
	method string // the Content-Type's method parameter, upper case
	body   []byte
}

// headers is what calendarPart needs of a message's or a part's header.
type headers interface{ Get(string) string }

// calendarPart finds the first text/calendar (or application/ics) part of
// an entity, walking multipart bodies, and decodes its transfer encoding.
func calendarPart(h headers, body io.Reader, depth int, parts *int) (calPart, error) {
	*parts++
	if depth > maxDepth || *parts > maxParts {
		return calPart{}, errNotCalendar
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return calPart{}, errNotCalendar
	}
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		if params["boundary"] == "" {
			return calPart{}, errNotCalendar
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return calPart{}, errNotCalendar
			}
			cp, err := calendarPart(p.Header, p, depth+1, parts)
			if !errors.Is(err, errNotCalendar) {
				return cp, err
			}
		}
	case mt == "text/calendar" || mt == "application/ics":
		var r io.Reader = body
		switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
		case "base64":
			// The decoder skips the line breaks.
			r = base64.NewDecoder(base64.StdEncoding, body)
		case "quoted-printable":
			r = quotedprintable.NewReader(body)
		}
		data, err := io.ReadAll(io.LimitReader(r, maxMessage))
		if err != nil {
			return calPart{}, errors.New("calendar part does not decode")
		}
		return calPart{method: strings.ToUpper(strings.TrimSpace(params["method"])), body: data}, nil
	}
	return calPart{}, errNotCalendar
}
