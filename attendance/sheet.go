// Package attendance turns a session's attendance list into what
// facilitators print and open: a sign-in sheet (the content shared by the
// printable page and the PDF) and a CSV for spreadsheets. Names are shown
// exactly as people typed them.
package attendance

import (
	"fmt"
	"strings"
	"time"

	"github.com/coventry/workshops/booking"
)

// Sheet is a sign-in sheet: a header saying which session it is, then one
// section per way of taking part, people sorted by surname.
type Sheet struct {
	Council   string
	SessionID int64
	Workshop  string
	When      string // "Saturday 14 March 2026, 10am to midday"
	Venue     string // where people go, "Online (Microsoft Teams)", or both ("... and online (Microsoft Teams)")
	Counts    string // "Booked: 20 in person, 8 online. Attended: 0. No-shows: 0."
	Printed   string // "Printed Saturday 14 March 2026 at 9:05am"
	Cancelled bool
	Sections  []Section
}

// Section is the people taking part in one way. Online people cannot sign,
// so their section has no signature column.
type Section struct {
	Mode      booking.Mode
	Heading   string // "In person (20)"
	Signature bool
	Rows      []Row
}

// Row is one person.
type Row struct {
	Reference    string
	Name         string
	Organisation string
	Mode         string // the way of taking part, in words
	AccessNeeds  string
	Attended     *bool
	Pending      bool // waiting for their email check: they may not come
	Removed      bool // personal data removed
	// WalkIn: registered at the door; OverCapacity: when the room was
	// full, so they take no booked place.
	WalkIn       bool
	OverCapacity bool
	// Pair links the people of a pair (PairText): "Companion or carer of
	// Ada Lovelace", "With Sam Carer (companion or carer)"; empty alone.
	Pair string
}

// RemovedName stands in for a name the retention job or an erasure removed.
const RemovedName = "(personal data removed)"

// NewSheet builds the sheet of a list, printed at now. Sessions offering
// both ways of taking part have both sections, in person first; a section
// is left out only when the session does not offer that way and nobody is
// booked in it.
func NewSheet(council string, l *booking.AttendanceList, now time.Time) *Sheet {
	s := l.Session
	sh := &Sheet{
		Council:   council,
		SessionID: s.ID,
		When:      booking.When(s.StartsAt, s.EndsAt),
		Venue:     VenueText(s),
		Counts:    CountsText(s, l.Counts),
		Printed:   "Printed " + booking.Day(now) + " at " + booking.TimeOfDay(now),
		Cancelled: s.Status == booking.Cancelled,
	}
	if s.Workshop != nil {
		sh.Workshop = s.Workshop.Title
	}
	for _, m := range booking.Modes {
		people := l.InMode(m)
		if !s.Offers(m) && len(people) == 0 {
			continue
		}
		sec := Section{Mode: m, Signature: m == booking.InPerson, Rows: make([]Row, 0, len(people))}
		sec.Heading = fmt.Sprintf("%s (%d)", ModeText(m), len(people))
		for i := range people {
			sec.Rows = append(sec.Rows, rowOf(&people[i]))
		}
		sh.Sections = append(sh.Sections, sec)
	}
	return sh
}

func rowOf(b *booking.Booking) Row {
	r := Row{
		Reference: b.Reference, Name: b.Name, Organisation: b.Organisation, Mode: ModeText(b.Mode),
		AccessNeeds: b.AccessNeeds, Attended: b.Attended, Pending: b.Status == booking.PendingVerification,
		WalkIn: b.WalkIn, OverCapacity: b.OverCapacity,
		Pair: PairText(b),
	}
	if booking.Anonymised(b) {
		r.Name, r.Removed = RemovedName, true
	}
	return r
}

// PairText links a booking of a pair to the other person, in the lists'
// words; "" for a person alone. Each of a pair is ticked in on their own.
func PairText(b *booking.Booking) string {
	switch {
	case b.With == "":
		return ""
	case b.CompanionOf != 0:
		return "Companion or carer of " + b.With
	}
	return "With " + b.With + " (companion or carer)"
}

// ModeText is a way of taking part in a sheet's words.
func ModeText(m booking.Mode) string {
	switch m {
	case booking.InPerson:
		return "In person"
	case booking.Online:
		return "Online"
	}
	return string(m)
}

// VenueText says where the session happens: the venue, online, or both.
func VenueText(s *booking.Session) string {
	var parts []string
	if s.Offers(booking.InPerson) || s.Venue.Name != "" {
		parts = append(parts, s.Venue.OneLine())
	}
	if s.Offers(booking.Online) {
		online := "Online (Microsoft Teams)"
		if len(parts) > 0 {
			online = "online (Microsoft Teams)" // mid-sentence: "Council House, ... and online"
		}
		parts = append(parts, online)
	}
	return strings.Join(parts, " and ")
}

// CountsText sums up the list: booked by way of taking part (the ways the
// session offers), attended and no-shows.
func CountsText(s *booking.Session, counts []booking.AttendanceCount) string {
	var booked []string
	var total booking.AttendanceCount
	for _, c := range counts {
		total.Add(c)
		if s.Offers(c.Mode) || c.Booked > 0 {
			booked = append(booked, fmt.Sprintf("%d %s", c.Booked, strings.ToLower(ModeText(c.Mode))))
		}
	}
	return fmt.Sprintf("Booked: %s. Attended: %d. No-shows: %d.", strings.Join(booked, ", "), total.Attended, total.NoShow)
}

// WalkInText marks a walk-in in a list's words: "Walk-in", "Walk-in, over
// capacity", or "" for a booking.
func WalkInText(walkIn, overCapacity bool) string {
	switch {
	case overCapacity:
		return "Walk-in, over capacity"
	case walkIn:
		return "Walk-in"
	}
	return ""
}

// WalkInNote is WalkInText of the row.
func (r Row) WalkInNote() string { return WalkInText(r.WalkIn, r.OverCapacity) }

// Ticked reports whether the person has been ticked in.
func (r Row) Ticked() bool { return r.Attended != nil && *r.Attended }

// NoShow reports whether the person was marked as not having come.
func (r Row) NoShow() bool { return r.Attended != nil && !*r.Attended }
