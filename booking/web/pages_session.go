package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

type sessionPage struct {
	Page
	Journey  *journey
	Workshop *booking.Workshop
	Session  sessionItem
	// Choices are the ways of taking part that have places left.
	Choices []modeItem
	// Previous is a hold given up by choosing again from "Check your answers".
	Previous string
	// Carry holds the details already checked, when the person changes how
	// they take part from "Check your answers"; they go back there after.
	Carry map[string]string
}

func (s *Server) newSessionPage(ctx context.Context, j *journey, sess *booking.Session) *sessionPage {
	p := &sessionPage{
		Page:     Page{Title: "How would you like to take part?", BackLink: j.sessionBackLink(sess)},
		Journey:  j,
		Workshop: sess.Workshop,
		Session:  s.sessionItemOf(ctx, sess),
	}
	for _, m := range p.Session.Modes {
		if m.Left > 0 {
			p.Choices = append(p.Choices, m)
		}
	}
	if len(p.Choices) == 1 {
		// One way left (an online-only session, say): the page says it
		// rather than asking people to tick the only radio.
		p.Title = "You will take part " + lowerMode(p.Choices[0].Mode)
	}
	return p
}

// sessionPage asks how the person would like to take part, with the places
// left in each way: GET /sessions/:id, or /staff/sessions/:id.
func (s *Server) sessionPage(j *journey) func(*gin.Context) error {
	return func(c *gin.Context) error {
		ctx := c.Request.Context()
		sess, err := s.journeySession(ctx, c, j)
		if err != nil {
			return err
		}
		p := s.newSessionPage(ctx, j, sess)
		p.Previous = c.Query("previous")
		p.Values = map[string]string{"mode": c.Query("mode")}
		s.render(c, http.StatusOK, "session", p)
		return nil
	}
}

// sessionHold takes a hold on a place in the chosen way and sends the
// person on to "Your details": POST /sessions/:id, or /staff/sessions/:id.
func (s *Server) sessionHold(j *journey) func(*gin.Context) error {
	return func(c *gin.Context) error {
		ctx := c.Request.Context()
		sess, err := s.journeySession(ctx, c, j)
		if err != nil {
			return err
		}
		mode := booking.Mode(c.PostForm("mode"))
		previous := c.PostForm("previous")
		carried, carry := s.carriedDetails(c, j)
		again := func(status int, msg string) error {
			p := s.newSessionPage(ctx, j, sess)
			p.Previous = previous
			p.Carry = carry
			p.Values = map[string]string{"mode": string(mode)}
			p.AddError("mode", msg)
			s.render(c, status, "session", p)
			return nil
		}
		if !mode.Valid() || !sess.Offers(mode) {
			return again(http.StatusUnprocessableEntity, "Select how you would like to take part")
		}
		h, err := s.hold(ctx, j, sess.ID, mode)
		switch booking.ErrorCode(err) {
		case "":
		case booking.EFull:
			return again(http.StatusConflict, "There are no places left to take part "+lowerMode(mode)+". Choose another way to take part, or another session.")
		case booking.EInvalid:
			return again(http.StatusUnprocessableEntity, "Select how you would like to take part")
		default:
			return err
		}
		s.metrics.holds.WithLabelValues(string(h.Mode)).Inc()
		if previous != "" && previous != h.ID {
			// The place held before is given back at once, not left to lapse.
			_ = s.svc.ReleaseHold(ctx, previous)
		}
		if carry != nil {
			// Changed from "Check your answers": back there, with the new place.
			s.render(c, http.StatusOK, "check", &checkPage{Page: Page{Title: checkTitle}, Journey: j, Held: s.newHeldPlace(ctx, h, sess), Details: carried})
			return nil
		}
		c.Redirect(http.StatusSeeOther, j.Prefix+detailsURL(h))
		return nil
	}
}

// sessionChange asks again how the person would like to take part, from
// "Check your answers", carrying the details already checked: POST
// /sessions/:id/change, or /staff/sessions/:id/change.
func (s *Server) sessionChange(j *journey) func(*gin.Context) error {
	return func(c *gin.Context) error {
		ctx := c.Request.Context()
		sess, err := s.journeySession(ctx, c, j)
		if err != nil {
			return err
		}
		p := s.newSessionPage(ctx, j, sess)
		p.Previous = c.PostForm("previous")
		p.Values = map[string]string{"mode": c.PostForm("mode")}
		_, p.Carry = s.carriedDetails(c, j)
		s.render(c, http.StatusOK, "session", p)
		return nil
	}
}

// carriedDetails reads details carried through the session page, when
// they are there and still pass the journey's checks; nil otherwise.
func (s *Server) carriedDetails(c *gin.Context, j *journey) (booking.Details, map[string]string) {
	if c.PostForm("carry") != "yes" {
		return booking.Details{}, nil
	}
	d, typed := j.formDetails(c)
	if s.validate(j, &d) != nil {
		return booking.Details{}, nil
	}
	return d, typed
}

// detailsURL is the address of "Your details" for a hold: the signed hold
// id carries the session, the mode and the expiry.
func detailsURL(h booking.Hold) string {
	return "/holds/" + url.PathEscape(h.ID) + "/details"
}

// lowerMode is the mode as it reads inside a sentence: "in person", "online".
func lowerMode(m booking.Mode) string {
	switch m {
	case booking.InPerson:
		return "in person"
	case booking.Online:
		return "online"
	}
	return string(m)
}
