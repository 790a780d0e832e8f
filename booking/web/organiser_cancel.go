package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// Cancelling a session: a reason, then a confirmation step naming how many
// people will be told, then booking.Service.CancelSession, which emails
// everyone booked the reason and takes the session out of their calendars.

type cancelPage struct {
	organiserPage
	Session *booking.Session
	When    string
	Booked  int
	// Emailed and ToPhone split Booked: those with an email address are
	// emailed the reason, the others must be phoned.
	Emailed, ToPhone int
	PhoneList        string
	Reason           string
}

// cancelSessionPage reads the session in :id, refusing one already
// cancelled or finished.
func (s *Server) cancelSessionPage(c *gin.Context) (*cancelPage, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	sess, err := s.svc.Session(c.Request.Context(), id)
	if err != nil {
		return nil, err
	}
	if sess.Status == booking.Cancelled {
		return nil, booking.Errorf(booking.EConflict, "This session is already cancelled.")
	}
	if !s.now().Before(sess.EndsAt) {
		return nil, booking.Errorf(booking.EConflict, "This session has already taken place and cannot be cancelled.")
	}
	p := &cancelPage{organiserPage: s.organiser(c, "Cancel the session"), Session: sess, When: whenText(sess.StartsAt, sess.EndsAt)}
	booked, err := s.svc.Attendees(c.Request.Context(), id)
	if err != nil {
		return nil, err
	}
	emailed, toPhone := whoIsTold(booked)
	p.Emailed, p.ToPhone, p.PhoneList = emailed, len(toPhone), phoneListPath(id)
	p.Booked = p.Emailed + p.ToPhone
	p.BackLink = sessionPath(sess.ID)
	return p, nil
}

// organiserCancelForm is GET /admin/sessions/:id/cancel: why.
func (s *Server) organiserCancelForm(c *gin.Context) error {
	p, err := s.cancelSessionPage(c)
	if err != nil {
		return err
	}
	s.render(c, http.StatusOK, "organiser_cancel", p)
	return nil
}

// organiserCancel is POST /admin/sessions/:id/cancel. Without confirm=yes
// it checks the reason and asks "are you sure?"; with it, it cancels.
func (s *Server) organiserCancel(c *gin.Context) error {
	p, err := s.cancelSessionPage(c)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(c.PostForm("reason"))
	p.Values = map[string]string{"reason": reason}
	if err := booking.ValidateReason(reason); err != nil {
		if !p.SetErrors(err, "reason") {
			return err
		}
		s.render(c, http.StatusUnprocessableEntity, "organiser_cancel", p)
		return nil
	}
	if c.PostForm("confirm") != "yes" {
		p.Title = "Are you sure you want to cancel this session?"
		p.Reason = reason
		s.render(c, http.StatusOK, "organiser_cancel_confirm", p)
		return nil
	}
	if _, err := s.svc.CancelSession(c.Request.Context(), p.Session.ID, reason); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, withDone(sessionPath(p.Session.ID), "cancelled"))
	return nil
}
