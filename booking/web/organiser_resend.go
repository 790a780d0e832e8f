package web

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// Sending a booking's confirmation again (booking.ResendConfirmation): a
// button on the booking's page for its organisers, and the admin API. The
// email carries the calendar invite and a fresh link to change or cancel;
// links sent before still work.

// organiserBookingResend is POST /admin/bookings/:reference/resend.
func (s *Server) organiserBookingResend(c *gin.Context) error {
	b, err := s.svc.ResendConfirmation(c.Request.Context(), c.Param("reference"))
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, withDone("/admin/bookings/"+url.PathEscape(b.Reference), "resent"))
	return nil
}

// adminResendConfirmation is POST /api/v1/admin/bookings/:reference/confirmation.
func (s *Server) adminResendConfirmation(c *gin.Context) error {
	b, err := s.svc.ResendConfirmation(c.Request.Context(), c.Param("reference"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusAccepted, gin.H{"reference": b.Reference, "invite_sequence": b.InviteSequence})
	return nil
}

// resendable reports whether the booking page offers to send b's
// confirmation again.
func (s *Server) resendable(b *booking.Booking, sess *booking.Session) bool {
	return booking.ConfirmationRefusal(b, sess, s.now()) == nil
}
