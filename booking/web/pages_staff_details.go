package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

type staffSentPage struct {
	*bookingPage
	// Until is when the link lapses and the place is given back.
	Until time.Time
	// Resent says the link has just been sent again.
	Resent bool
}

// staffSentPage tells the person to follow the link emailed to them:
// GET /staff/bookings/:reference/sent?token=T. Once the link is followed
// the token here no longer works: the confirmation email carries a new one.
func (s *Server) staffSentPage(c *gin.Context) error {
	p, err := s.loadBooking(c, "Check your email")
	if err != nil {
		return err
	}
	if p.Booking.Status != booking.PendingVerification {
		c.Redirect(http.StatusSeeOther, p.ManageURL())
		return nil
	}
	s.render(c, http.StatusOK, "staff_sent", &staffSentPage{bookingPage: p, Until: p.Booking.CreatedAt.Add(booking.VerifyWindow),
		Resent: c.Query("resent") == "yes"})
	return nil
}

// staffResend emails the link again, a new one with the same deadline, and
// shows "Check your email" again: POST /staff/bookings/:reference/resend.
func (s *Server) staffResend(c *gin.Context) error {
	token := c.PostForm("token")
	b, err := s.svc.ResendStaffLink(c.Request.Context(), c.Param("reference"), token)
	if refused, status := linkRefusal(err); refused != "" {
		s.renderLinkRefused(c, status, refused, err)
		return nil
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, staffSentURL(b, token)+"&resent=yes")
	return nil
}
