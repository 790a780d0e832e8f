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
	s.render(c, http.StatusOK, "staff_sent", &staffSentPage{bookingPage: p, Until: p.Booking.CreatedAt.Add(booking.VerifyWindow)})
	return nil
}
