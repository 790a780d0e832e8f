package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// Changing the email address of a booking (booking/email_change.go): asked
// for from the manage page, confirmed from the link sent to the new
// address. Following the link (GET) only shows a button; the button (POST)
// changes the address: mail scanners follow links too.

type emailChangePage struct {
	*bookingPage
	// Sent is the new address a link has just been sent to.
	Sent string
}

// EmailURL is the page to change the booking's email address.
func (p *bookingPage) EmailURL() string {
	return "/bookings/" + p.Booking.Reference + "/email?" + p.ManageQuery()
}

func (s *Server) emailChangePageOf(p *bookingPage) *emailChangePage {
	p.Title = "Change your email address"
	p.BackLink = p.ManageURL()
	return &emailChangePage{bookingPage: p}
}

// emailChangeForm asks for the new address: GET /bookings/:reference/email.
func (s *Server) emailChangeForm(c *gin.Context) error {
	p, err := s.loadBooking(c, "")
	if err != nil {
		return err
	}
	if p.Booking.Status != booking.Confirmed {
		c.Redirect(http.StatusSeeOther, p.ManageURL())
		return nil
	}
	s.render(c, http.StatusOK, "email_change", s.emailChangePageOf(p))
	return nil
}

// emailChangeSend sends the link to the new address: POST
// /bookings/:reference/email.
func (s *Server) emailChangeSend(c *gin.Context) error {
	p, err := s.loadBooking(c, "")
	if err != nil {
		return err
	}
	email := c.PostForm("email")
	page := s.emailChangePageOf(p)
	err = s.svc.RequestEmailChange(c.Request.Context(), p.Booking.Reference, p.Token, email)
	if booking.IsCode(err, booking.EInvalid) {
		page.Values = map[string]string{"email": email}
		if !page.SetErrors(err, "email") {
			return err
		}
		s.render(c, http.StatusUnprocessableEntity, "email_change", page)
		return nil
	}
	if err != nil {
		return err
	}
	page.Title = "Check your email"
	page.Sent = email
	s.render(c, http.StatusOK, "email_change", page)
	return nil
}

// emailChangeLink shows the button that confirms the new address: GET
// /email-change/:token.
func (s *Server) emailChangeLink(c *gin.Context) error {
	s.render(c, http.StatusOK, "email_change_confirm", &actionPage{Page: Page{Title: "Confirm your new email address"},
		Action: "/email-change/" + url.PathEscape(c.Param("token"))})
	return nil
}

// actionPage is a page with one button that posts to Action.
type actionPage struct {
	Page
	Action string
	// Refused says why the link cannot be used; the page then offers no button.
	Refused string
}

// emailChangeConfirm moves the booking to the new address and shows it:
// POST /email-change/:token.
func (s *Server) emailChangeConfirm(c *gin.Context) error {
	b, token, err := s.svc.ConfirmEmailChange(c.Request.Context(), c.Param("token"))
	if errors.Is(err, booking.ErrEmailChangeLinkExpired) || errors.Is(err, booking.ErrEmailChangeLinkNotFound) || booking.IsCode(err, booking.EDuplicate) {
		p := &actionPage{Page: Page{Title: "This link cannot be used"}, Refused: booking.ErrorMessage(err)}
		status := http.StatusNotFound
		switch booking.ErrorCode(err) {
		case booking.EHoldExpired:
			status = http.StatusGone
		case booking.EDuplicate:
			status = http.StatusConflict
		}
		s.render(c, status, "email_change_confirm", p)
		return nil
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/bookings/"+url.PathEscape(b.Reference)+"?token="+url.QueryEscape(token)+"&done=email")
	return nil
}
