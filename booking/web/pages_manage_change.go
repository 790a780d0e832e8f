package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// Manage your booking, beyond switching and cancelling (booking/manage.go):
// fix your details, or move to another session of the same workshop.

// The details a person may fix themselves, in the order of the form.
var changeFields = []string{"name", "organisation", "postcode", "access_needs"}

type changeDetailsPage struct {
	*bookingPage
	// Staff: a workforce booking, whose form asks no postcode.
	Staff bool
}

// DetailsURL is the page to fix the booking's details.
func (p *bookingPage) DetailsURL() string {
	return "/bookings/" + p.Booking.Reference + "/details?" + p.ManageQuery()
}

// MoveURL is the page to move the booking to another session.
func (p *bookingPage) MoveURL() string {
	return "/bookings/" + p.Booking.Reference + "/move?" + p.ManageQuery()
}

func (s *Server) changeDetailsPageOf(p *bookingPage) *changeDetailsPage {
	p.Title = "Change your details"
	p.BackLink = p.ManageURL()
	return &changeDetailsPage{bookingPage: p, Staff: p.Workshop != nil && p.Workshop.Audience == booking.Workforce}
}

// changeDetailsForm shows the booking's details to change: GET
// /bookings/:reference/details.
func (s *Server) changeDetailsForm(c *gin.Context) error {
	p, err := s.loadBooking(c, "")
	if err != nil {
		return err
	}
	if !p.Booking.Live() {
		c.Redirect(http.StatusSeeOther, p.ManageURL())
		return nil
	}
	b := p.Booking
	p.Values = map[string]string{"name": b.Name, "organisation": b.Organisation, "postcode": b.Postcode, "access_needs": b.AccessNeeds}
	s.render(c, http.StatusOK, "change_details", s.changeDetailsPageOf(p))
	return nil
}

// changeDetails saves them: POST /bookings/:reference/details.
func (s *Server) changeDetails(c *gin.Context) error {
	p, err := s.loadBooking(c, "")
	if err != nil {
		return err
	}
	d := booking.Details{Name: c.PostForm("name"), Organisation: c.PostForm("organisation"),
		Postcode: c.PostForm("postcode"), AccessNeeds: strings.ReplaceAll(c.PostForm("access_needs"), "\r\n", "\n")}
	page := s.changeDetailsPageOf(p)
	if page.Staff {
		d.Postcode = ""
	}
	_, err = s.svc.UpdateDetails(c.Request.Context(), p.Booking.Reference, p.Token, d)
	if booking.IsCode(err, booking.EInvalid) {
		page.Values = map[string]string{"name": d.Name, "organisation": d.Organisation, "postcode": d.Postcode, "access_needs": d.AccessNeeds}
		if !page.SetErrors(err, changeFields...) {
			return err
		}
		s.render(c, http.StatusUnprocessableEntity, "change_details", page)
		return nil
	}
	if booking.IsCode(err, booking.EConflict) {
		c.Redirect(http.StatusSeeOther, p.ManageURL())
		return nil
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, p.ManageURL()+"&done=updated")
	return nil
}

// moveChoice is a session of the workshop, and a way of taking part in it,
// with a place free.
type moveChoice struct {
	Value   string // "SESSION:MODE", the radio's value
	Session sessionItem
	Mode    modeItem
}

type movePage struct {
	*bookingPage
	Choices []moveChoice
}

// movePageOf lists the other sessions of the booking's workshop with a
// place free, soonest first.
func (s *Server) movePageOf(c *gin.Context, p *bookingPage) (*movePage, error) {
	ctx := c.Request.Context()
	p.Title = "Change the date of your booking"
	p.BackLink = p.ManageURL()
	mp := &movePage{bookingPage: p}
	ws, err := s.svc.Workshops(ctx, p.Workshop.Audience)
	if err != nil {
		return nil, err
	}
	for _, w := range ws {
		if w.ID == p.Workshop.ID {
			mp.Choices = s.moveChoices(ctx, w.Sessions, p.Booking.SessionID)
		}
	}
	return mp, nil
}

// moveChoices are the sessions, but current, open for bookings, and the
// ways of taking part in each with a place free, in order.
func (s *Server) moveChoices(ctx context.Context, sessions []*booking.Session, current int64) []moveChoice {
	var out []moveChoice
	for _, sess := range sessions {
		if sess.ID == current {
			continue
		}
		it := s.sessionItemOf(ctx, sess)
		if !it.Open {
			continue
		}
		for _, m := range it.Modes {
			if m.Left > 0 {
				out = append(out, moveChoice{Value: strconv.FormatInt(sess.ID, 10) + ":" + string(m.Mode), Session: it, Mode: m})
			}
		}
	}
	return out
}

// movePage offers the other sessions of the workshop: GET
// /bookings/:reference/move.
func (s *Server) movePage(c *gin.Context) error {
	p, err := s.loadBooking(c, "")
	if err != nil {
		return err
	}
	if p.Booking.Status != booking.Confirmed || !p.Session.Open {
		c.Redirect(http.StatusSeeOther, p.ManageURL())
		return nil
	}
	mp, err := s.movePageOf(c, p)
	if err != nil {
		return err
	}
	s.render(c, http.StatusOK, "move", mp)
	return nil
}

// moveConfirm moves the booking: POST /bookings/:reference/move with the
// token and the chosen "SESSION:MODE".
func (s *Server) moveConfirm(c *gin.Context) error {
	p, err := s.loadBooking(c, "")
	if err != nil {
		return err
	}
	choice := c.PostForm("session")
	id, mode, _ := strings.Cut(choice, ":")
	sessionID, perr := strconv.ParseInt(id, 10, 64)
	err = booking.FieldErrors(map[string]string{"session": "Choose the session you would like to move to"})
	if perr == nil {
		_, err = s.svc.MoveBooking(c.Request.Context(), p.Booking.Reference, p.Token, sessionID, booking.Mode(mode))
	}
	var msg string
	status := http.StatusConflict
	switch booking.ErrorCode(err) {
	case "":
		s.metrics.bookings.WithLabelValues("moved").Inc()
		c.Redirect(http.StatusSeeOther, p.ManageURL()+"&done=moved")
		return nil
	case booking.EInvalid:
		status = http.StatusUnprocessableEntity
		msg = booking.ErrorFields(err)["session"]
		if msg == "" {
			msg = "Choose the session you would like to move to"
		}
	case booking.EFull:
		msg = "Sorry, the last place in that session has just gone. Your booking has not changed: choose another session"
	case booking.EDuplicate, booking.EConflict:
		msg = booking.ErrorMessage(err) + " Your booking has not changed."
	default:
		return err
	}
	// Read again: the places have changed since the page was made.
	if p, err = s.loadBooking(c, ""); err != nil {
		return err
	}
	mp, err := s.movePageOf(c, p)
	if err != nil {
		return err
	}
	mp.AddError("session", msg)
	s.render(c, status, "move", mp)
	return nil
}
