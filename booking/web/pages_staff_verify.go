package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// The link in the staff verification email: BASE_URL/staff/verify/{token}.
// Following it (GET) only shows the booking and a "Confirm your place"
// button; the button (POST) confirms it. Mail scanners and link previews
// fetch links, so a GET must never confirm. The token is in the path, which
// the access log never writes (it logs the route pattern).

type staffVerifyPage struct {
	*bookingPage
	// Action is where the button posts: the link itself.
	Action string
	// Refused says why the link cannot be used: "used" or "expired"; the
	// page then says so instead of offering the button.
	Refused string
	Message string
}

// staffVerifyPage shows the booking a link would confirm: GET
// /staff/verify/:token.
func (s *Server) staffVerifyPage(c *gin.Context) error {
	ctx := c.Request.Context()
	token := c.Param("token")
	b, err := s.svc.UnverifiedBooking(ctx, token)
	if refused, status := linkRefusal(err); refused != "" {
		s.renderLinkRefused(c, status, refused, err)
		return nil
	}
	if err != nil {
		return err
	}
	sess, err := s.svc.Session(ctx, b.SessionID)
	if err != nil {
		return err
	}
	p := &staffVerifyPage{
		bookingPage: &bookingPage{Page: Page{Title: "Confirm your place"}, Booking: b,
			Session: s.sessionItemOf(ctx, sess), Workshop: sess.Workshop},
		Action: "/staff/verify/" + url.PathEscape(token),
	}
	s.render(c, http.StatusOK, "staff_verify", p)
	return nil
}

// staffVerifyConfirm confirms the booking of a link and shows the
// confirmation: POST /staff/verify/:token.
func (s *Server) staffVerifyConfirm(c *gin.Context) error {
	b, token, err := s.svc.VerifyStaffBooking(c.Request.Context(), c.Param("token"))
	if refused, status := linkRefusal(err); refused != "" {
		s.renderLinkRefused(c, status, refused, err)
		return nil
	}
	if err != nil {
		return err
	}
	s.metrics.bookings.WithLabelValues("verified").Inc()
	c.Redirect(http.StatusSeeOther, "/bookings/"+url.PathEscape(b.Reference)+"/confirmed?token="+url.QueryEscape(token))
	return nil
}

// linkRefusal tells a link that was used or has lapsed (the person can do
// something about it, so they get a page of its own) from other failures.
func linkRefusal(err error) (string, int) {
	switch {
	case errors.Is(err, booking.ErrStaffLinkUsed):
		return "used", http.StatusConflict
	case errors.Is(err, booking.ErrStaffLinkExpired):
		return "expired", http.StatusGone
	}
	return "", 0
}

func (s *Server) renderLinkRefused(c *gin.Context, status int, refused string, err error) {
	p := &staffVerifyPage{bookingPage: &bookingPage{}, Refused: refused, Message: booking.ErrorMessage(err)}
	p.Title = "This link has expired"
	if refused == "used" {
		p.Title = "This link has already been used"
	}
	s.metrics.refusals.WithLabelValues(string(booking.ErrorCode(err))).Inc()
	s.render(c, status, "staff_verify", p)
}
