package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// The access-needs summary of a session, for the venue team: how many of
// the people booked need each kind of help (booking.AccessNeedKinds), in
// person and online, and every need as it was written, without names: the
// venue prepares the room, the facilitators' lists say who.

type accessKindRow struct {
	Key, Label       string
	InPerson, Online int
}

type accessNeed struct {
	Mode string
	Text string
}

type accessPage struct {
	sessionSheet
	Venue     string
	Booked    int
	WithNeeds int
	Kinds     []accessKindRow
	Needs     []accessNeed
}

// sessionSheet is what the printable pages about one session (its access
// needs, the people to phone) share: the organiser's bar, a print button,
// the way back to the session and its heading.
type sessionSheet struct {
	organiserPage
	Session    *booking.Session
	Workshop   *booking.Workshop
	When       string
	Cancelled  bool
	PrintLabel string
	Script     string
}

// sessionSheetOf reads the session of :id with its bookings for the page
// titled title.
func (s *Server) sessionSheetOf(c *gin.Context, title, printLabel string) (sessionSheet, *booking.SessionOverview, error) {
	id, err := pathID(c)
	if err != nil {
		return sessionSheet{}, nil, err
	}
	o, err := s.svc.SessionOverview(c.Request.Context(), id)
	if err != nil {
		return sessionSheet{}, nil, err
	}
	sess := o.Session
	sh := sessionSheet{
		organiserPage: s.organiser(c, title), Session: sess, Workshop: sess.Workshop,
		When: whenText(sess.StartsAt, sess.EndsAt), Cancelled: sess.Status == booking.Cancelled,
		PrintLabel: printLabel, Script: "/admin/attendance-assets/check-in.js",
	}
	sh.BackLink = sessionPath(sess.ID)
	return sh, o, nil
}

// organiserAccessNeeds is GET /admin/sessions/:id/access-needs.
func (s *Server) organiserAccessNeeds(c *gin.Context) error {
	sh, o, err := s.sessionSheetOf(c, "Access needs", "Print this summary")
	if err != nil {
		return err
	}
	p := &accessPage{sessionSheet: sh, Venue: sh.Session.Venue.OneLine()}
	rows := map[string]*accessKindRow{}
	for _, k := range booking.AccessNeedKinds {
		p.Kinds = append(p.Kinds, accessKindRow{Key: k.Key, Label: k.Label})
	}
	for i := range p.Kinds {
		rows[p.Kinds[i].Key] = &p.Kinds[i]
	}
	for i := range o.Attendees {
		b := &o.Attendees[i]
		if booking.Anonymised(b) {
			continue
		}
		p.Booked++
		if b.AccessNeeds == "" {
			continue
		}
		p.WithNeeds++
		p.Needs = append(p.Needs, accessNeed{Mode: modeWord(b.Mode), Text: b.AccessNeeds})
		for _, k := range booking.AccessNeedKindsOf(b.AccessNeeds) {
			if b.Mode == booking.Online {
				rows[k].Online++
			} else {
				rows[k].InPerson++
			}
		}
	}
	s.render(c, http.StatusOK, "organiser_access", p)
	return nil
}
