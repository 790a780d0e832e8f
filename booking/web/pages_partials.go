package web

import (
	"fmt"
	"time"

	"github.com/coventry/workshops/booking"
)

// bookingSummary is what the booking-summary partial shows: a place booked
// or waited for, its session and the person's details. The confirmation,
// manage, staff, waiting-list and organisers' pages all show a place with
// it, so a booking reads the same on each.
type bookingSummary struct {
	// ID is the list's id prefix ("booking", "waitlist"): the list is
	// ID-summary and its rows ID-when, ID-venue, ID-name and so on.
	ID string
	// Reference is shown as the first row when set.
	Reference string
	Workshop  *booking.Workshop
	Session   sessionItem
	Mode      booking.Mode
	// Waiting words the way of taking part as a wish: a place on a waiting
	// list is not booked yet.
	Waiting bool
	// OnlineURL is the joining link, for a confirmed online place only.
	OnlineURL string
	// Printed shows the joining link's address itself, for a copy that is
	// printed and posted.
	Printed bool

	Name, Email, Organisation, Postcode, AccessNeeds string
	// Phone and PostalAddress are shown when set: bookings taken by phone.
	Phone, PostalAddress string
	// BookedOn is shown when set.
	BookedOn time.Time
}

// Summary is the booking of the confirmation, manage and staff pages.
func (p *bookingPage) Summary() bookingSummary {
	b := p.Booking
	return bookingSummary{ID: "booking", Reference: b.Reference, Workshop: p.Workshop, Session: p.Session,
		Mode: b.Mode, OnlineURL: p.OnlineURL, Name: b.Name, Email: b.Email, Organisation: b.Organisation,
		Postcode: b.Postcode, AccessNeeds: b.AccessNeeds}
}

// Summary is the place waited for, on the waiting-list pages.
func (p *waitlistEntryPage) Summary() bookingSummary {
	e := p.Entry
	return bookingSummary{ID: "waitlist", Workshop: p.Workshop, Session: p.Session, Mode: e.Mode, Waiting: true,
		Name: e.Name, Email: e.Email, Organisation: e.Organisation, Postcode: e.Postcode, AccessNeeds: e.AccessNeeds}
}

// Summary is the booking as its organisers print it: the reference stands
// in the panel above, and the joining link is written out.
func (p *organiserBookingPage) Summary() bookingSummary {
	b := p.Booking
	s := bookingSummary{ID: "booking", Workshop: p.Workshop, Session: p.Session, Mode: b.Mode,
		OnlineURL: p.OnlineURL, Printed: true, Name: b.Name, Email: b.Email, Organisation: b.Organisation,
		Postcode: b.Postcode, AccessNeeds: b.AccessNeeds, BookedOn: b.CreatedAt,
		PostalAddress: b.PostalAddress}
	if b.Phone != "" {
		s.Phone = booking.UKPhoneText(b.Phone)
	}
	return s
}

// ModeKey names the way of taking part: a wish while waiting.
func (s bookingSummary) ModeKey() string {
	if s.Waiting {
		return "How you would take part"
	}
	return "How you will take part"
}

// summaryRow is the argument of the summary-row partial: the row's key, its
// value and the value's id, prefix-name.
type summaryRow struct{ ID, Key, Value string }

func newSummaryRow(prefix, name, key, value string) summaryRow {
	return summaryRow{ID: prefix + "-" + name, Key: key, Value: value}
}

// accessNeedsHint is the hint of the access-needs field for a way of taking
// part: a room has step-free access and hearing loops, a Teams meeting has
// captions and can be joined from a phone or browser.
func accessNeedsHint(m booking.Mode, contact string) string {
	if m == booking.Online {
		return "Tell us anything that would help you take part online, like live captions, a British Sign Language interpreter or help to join. " +
			"You can join from a phone, tablet or computer, in a web browser or the Microsoft Teams app. For help to join, email " + contact
	}
	return "Tell us anything that would help you take part, like step-free access, a hearing loop, a British Sign Language interpreter or large print"
}

// sessionCard is the argument of the session-card partial: a session in a
// list, the journey its "Book a place" link starts, and the level of its
// heading (3 under a workshop page's "Sessions", 4 under each workshop of
// the staff list).
type sessionCard struct {
	sessionItem
	Journey *journey
	Heading int
}

// newSessionCard is the template function sessionCard: (sessionCard .
// "public" 3) or (sessionCard . "staff" 4).
func newSessionCard(it sessionItem, journeyName string, heading int) (sessionCard, error) {
	j := map[string]*journey{"public": publicJourney, "staff": staffJourney}[journeyName]
	if j == nil || heading < 2 || heading > 6 {
		return sessionCard{}, fmt.Errorf("sessionCard: no journey %q or heading %d", journeyName, heading)
	}
	return sessionCard{sessionItem: it, Journey: j, Heading: heading}, nil
}
