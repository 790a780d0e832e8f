package calendar

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/coventry/workshops/booking"
)

// Invite writes the invite for booking b of session s of workshop w, with
// the given method and SEQUENCE, stamped at now. Times are written in UTC.
//
// Online bookings get the session's link in DESCRIPTION, URL and the
// property Outlook reads; in-person bookings get the venue in LOCATION and
// never the link. The web layer serves invite.ics with
// Invite(w, s, b, MethodFor(s, b), b.InviteSequence, now).
func (iv *Inviter) Invite(w *booking.Workshop, s *booking.Session, b *booking.Booking, method Method, sequence int, now time.Time) ([]byte, error) {
	if w == nil {
		w = s.Workshop
	}
	if w == nil || s == nil || b == nil {
		return nil, errors.New("calendar: invite needs the workshop, session and booking")
	}
	if method != Request && method != Cancel {
		return nil, fmt.Errorf("calendar: invite method %q is not REQUEST or CANCEL", method)
	}
	if sequence < 0 {
		return nil, fmt.Errorf("calendar: negative sequence %d", sequence)
	}
	uid := b.InviteUID
	if uid == "" { // made before UIDs were stored, and not yet filled in
		uid = iv.UID(b.Reference)
	}
	ev, err := iv.event(w, s, uid, sequence, now)
	if err != nil {
		return nil, err
	}

	attendee, err := mailto(b.Email)
	if err != nil {
		return nil, fmt.Errorf("calendar: attendee of booking %s: %w", b.Reference, err)
	}
	att := ical.NewProp(ical.PropAttendee)
	att.Value = attendee
	if cn := paramValue(b.Name); cn != "" {
		att.Params.Set(ical.ParamCommonName, cn)
	}
	att.Params.Set(ical.ParamRole, "REQ-PARTICIPANT")
	att.Params.Set(ical.ParamParticipationStatus, "NEEDS-ACTION")
	// An invite asks for a reply: calendars show Yes/No/Maybe and send the
	// answer to the organiser's mailbox, where a "No" can free the place.
	// A cancellation asks for none.
	rsvp := "TRUE"
	if method == Cancel {
		rsvp = "FALSE"
	}
	att.Params.Set(ical.ParamRSVP, rsvp)
	ev.Props.Add(att)

	var desc strings.Builder
	cancelled := method == Cancel
	switch {
	case cancelled && s.Status == booking.Cancelled:
		desc.WriteString("This session has been cancelled.")
		if r := text(s.CancelReason); r != "" {
			desc.WriteString("\nReason: " + r)
		}
		desc.WriteString("\n\n")
	case cancelled:
		desc.WriteString("This booking has been cancelled.\n\n")
	}
	desc.WriteString(workshopText(w))
	desc.WriteString("\n\nBooking reference: " + text(b.Reference))

	online := b.Mode == booking.Online
	if online {
		ev.Props.SetText(ical.PropLocation, "Microsoft Teams meeting")
		if s.OnlineURL != "" && !cancelled {
			u, err := webURL(s.OnlineURL)
			if err != nil {
				return nil, fmt.Errorf("calendar: online link of session %d: %w", s.ID, err)
			}
			link := u.String()
			desc.WriteString("\n\nJoin online in Microsoft Teams:\n" + link +
				"\n\nHow to join: open the link a few minutes before the start, in a web browser or the Teams app. " +
				"You do not need a Teams account.")
			ev.Props.SetURI(ical.PropURL, u)
			for _, name := range []string{TeamsURLProp, TeamsConfLinkProp} {
				teams := ical.NewProp(name)
				teams.Value = link
				ev.Props.Set(teams)
			}
		} else if !cancelled {
			desc.WriteString("\n\nThis session is online in Microsoft Teams. We will email you the link to join.")
		}
	} else {
		if where := venueLine(s.Venue); where != "" {
			ev.Props.SetText(ical.PropLocation, where)
			desc.WriteString("\n\nVenue: " + where)
		}
	}
	if !online || s.OnlineURL == "" || cancelled {
		u, _ := webURL(iv.BookingPageURL(b.Reference))
		ev.Props.SetURI(ical.PropURL, u)
	}
	if !cancelled {
		desc.WriteString("\n\nTo change or cancel your booking, use the link in your confirmation email. Your booking: " +
			iv.BookingPageURL(b.Reference))
	}
	desc.WriteString("\n\n" + iv.council)
	ev.Props.SetText(ical.PropDescription, desc.String())

	status := ical.EventConfirmed
	if cancelled {
		status = ical.EventCancelled
	}
	ev.SetStatus(status)
	return iv.calendar(method, ev)
}

// SessionFeed writes the public calendar entry of a session, for
// GET /calendar/sessions/{id}.ics: no attendee and no personal data. The
// Teams link is left out too, since it would let anyone join without a
// place; people who book get it in their invite.
func (iv *Inviter) SessionFeed(w *booking.Workshop, s *booking.Session, now time.Time) ([]byte, error) {
	if w == nil && s != nil {
		w = s.Workshop
	}
	if w == nil || s == nil {
		return nil, errors.New("calendar: feed needs the workshop and session")
	}
	ev, err := iv.event(w, s, iv.SessionUID(s.ID), s.Sequence, now)
	if err != nil {
		return nil, err
	}
	var desc strings.Builder
	if s.Status == booking.Cancelled {
		desc.WriteString("This session has been cancelled.")
		if r := text(s.CancelReason); r != "" {
			desc.WriteString("\nReason: " + r)
		}
		desc.WriteString("\n\n")
	}
	desc.WriteString(workshopText(w))
	where := venueLine(s.Venue)
	inPerson, online := s.Offers(booking.InPerson), s.Offers(booking.Online)
	if len(s.Places) == 0 { // places not loaded: go by what the session has
		inPerson, online = where != "", s.OnlineURL != ""
	}
	if inPerson && where != "" {
		ev.Props.SetText(ical.PropLocation, where)
		desc.WriteString("\n\nVenue: " + where)
	} else if online {
		ev.Props.SetText(ical.PropLocation, "Microsoft Teams meeting")
	}
	if online {
		desc.WriteString("\n\nOnline in Microsoft Teams: people who book an online place get the link to join.")
	}
	page := iv.SessionPageURL(w, s.ID)
	desc.WriteString("\n\nBook a place: " + page + "\n\n" + iv.council)
	ev.Props.SetText(ical.PropDescription, desc.String())
	u, _ := webURL(page)
	ev.Props.SetURI(ical.PropURL, u)
	status := ical.EventConfirmed
	if s.Status == booking.Cancelled {
		status = ical.EventCancelled
	}
	ev.SetStatus(status)
	return iv.calendar(Publish, ev)
}

// event builds what every entry shares: UID, SEQUENCE, times, SUMMARY and
// ORGANIZER.
func (iv *Inviter) event(w *booking.Workshop, s *booking.Session, uid string, sequence int, now time.Time) (*ical.Event, error) {
	if !s.EndsAt.After(s.StartsAt) {
		return nil, fmt.Errorf("calendar: session %d ends before it starts", s.ID)
	}
	ev := ical.NewEvent()
	ev.Props.SetText(ical.PropUID, uid)
	seq := ical.NewProp(ical.PropSequence)
	seq.Value = strconv.Itoa(sequence)
	ev.Props.Set(seq)
	ev.Props.SetDateTime(ical.PropDateTimeStamp, now.UTC())
	ev.Props.SetDateTime(ical.PropDateTimeStart, s.StartsAt.UTC())
	ev.Props.SetDateTime(ical.PropDateTimeEnd, s.EndsAt.UTC())
	ev.Props.SetText(ical.PropSummary, text(w.Title))
	ev.Props.SetText(ical.PropTransparency, "OPAQUE")

	org := ical.NewProp(ical.PropOrganizer)
	org.Value, _ = mailto(iv.org.Email) // checked by NewInviter
	if cn := paramValue(iv.org.Name); cn != "" {
		org.Params.Set(ical.ParamCommonName, cn)
	}
	ev.Props.Set(org)
	return ev, nil
}

// calendar wraps ev in a VCALENDAR with method and encodes it, folded.
func (iv *Inviter) calendar(method Method, ev *ical.Event) ([]byte, error) {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, "-//"+paramValue(iv.council)+"//Workshop bookings//EN")
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	cal.Props.SetText(ical.PropMethod, string(method))
	cal.Children = append(cal.Children, ev.Component)
	return encode(cal)
}

func workshopText(w *booking.Workshop) string {
	s := line(w.Title)
	if sum := text(w.Summary); sum != "" {
		s += "\n" + sum
	}
	return s
}

// venueLine is the venue's name and address on one line.
func venueLine(v booking.Venue) string {
	name, addr := line(v.Name), line(v.Address)
	switch {
	case name == "":
		return addr
	case addr == "":
		return name
	}
	return name + ", " + addr
}
