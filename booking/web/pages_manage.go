package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// managePage shows a booking to the holder of its manage token, with what
// they can do: GET /bookings/:reference?token=T (the manage_url).
func (s *Server) managePage(c *gin.Context) error {
	p, err := s.loadBooking(c, "Your booking")
	if err != nil {
		return err
	}
	switch c.Query("done") {
	case "cancelled", "switched", "updated", "moved", "email", "companion_cancelled":
		p.Done = c.Query("done")
	}
	s.render(c, http.StatusOK, "manage", p)
	return nil
}

// cancelPage asks the person to confirm they want to cancel:
// GET /bookings/:reference/cancel.
func (s *Server) cancelPage(c *gin.Context) error {
	p, err := s.loadBooking(c, "Are you sure you want to cancel your place?")
	if err != nil {
		return err
	}
	if !p.Booking.Live() || p.CancelRefusal != "" {
		c.Redirect(http.StatusSeeOther, p.ManageURL()) // which says why
		return nil
	}
	p.BackLink = p.ManageURL()
	s.render(c, http.StatusOK, "cancel", p)
	return nil
}

// cancelConfirm cancels the booking: POST /bookings/:reference/cancel with
// the token in the form. A booking already cancelled goes to its page, as
// does one that can no longer be cancelled (its session was cancelled or
// is over, now or meanwhile): the page says why.
func (s *Server) cancelConfirm(c *gin.Context) error {
	p, err := s.loadBooking(c, "")
	if err != nil {
		return err
	}
	if p.CancelRefusal != "" {
		c.Redirect(http.StatusSeeOther, p.ManageURL())
		return nil
	}
	if p.Booking.Live() {
		_, err := s.svc.CancelBooking(c.Request.Context(), p.Booking.Reference, p.Token)
		switch {
		case booking.IsCode(err, booking.EConflict):
			c.Redirect(http.StatusSeeOther, p.ManageURL())
			return nil
		case err != nil:
			return err
		}
		s.metrics.bookings.WithLabelValues("cancelled").Inc()
	}
	c.Redirect(http.StatusSeeOther, p.ManageURL()+"&done=cancelled")
	return nil
}

// switchPage offers to move the booking to the other way of taking part:
// GET /bookings/:reference/switch.
func (s *Server) switchPage(c *gin.Context) error {
	p, err := s.loadBooking(c, "")
	if err != nil {
		return err
	}
	if p.Booking.Status != booking.Confirmed {
		c.Redirect(http.StatusSeeOther, p.ManageURL())
		return nil
	}
	p.Title = switchTitle(p)
	p.BackLink = p.ManageURL()
	s.render(c, http.StatusOK, "switch", p)
	return nil
}

func switchTitle(p *bookingPage) string {
	if p.Booking.Mode == booking.InPerson {
		return "Take part online instead"
	}
	return "Take part in person instead"
}

// switchConfirm moves the booking: POST /bookings/:reference/switch with
// the token and the new mode in the form.
func (s *Server) switchConfirm(c *gin.Context) error {
	p, err := s.loadBooking(c, "")
	if err != nil {
		return err
	}
	to := booking.Mode(c.PostForm("mode"))
	_, err = s.svc.SwitchMode(c.Request.Context(), p.Booking.Reference, p.Token, to)
	switch booking.ErrorCode(err) {
	case "":
		s.metrics.bookings.WithLabelValues("switched").Inc()
		c.Redirect(http.StatusSeeOther, p.ManageURL()+"&done=switched")
		return nil
	case booking.EFull, booking.EInvalid:
	default:
		return err
	}
	// Read again: the places have changed since the page was made.
	p, err = s.loadBooking(c, "")
	if err != nil {
		return err
	}
	p.Title = switchTitle(p)
	p.BackLink = p.ManageURL()
	p.AddError("mode", "Sorry, there are no places left to take part "+lowerMode(to)+". Your booking has not changed")
	s.render(c, http.StatusConflict, "switch", p)
	return nil
}

// companionCancelPage asks the person to confirm they want to cancel their
// companion's place alone: GET /bookings/:reference/companion/cancel.
func (s *Server) companionCancelPage(c *gin.Context) error {
	p, err := s.loadBooking(c, "Are you sure you want to cancel your companion's place?")
	if err != nil {
		return err
	}
	if p.Pair == nil || p.IsCompanion() || p.CancelRefusal != "" {
		c.Redirect(http.StatusSeeOther, p.ManageURL()) // which says why
		return nil
	}
	p.BackLink = p.ManageURL()
	s.render(c, http.StatusOK, "companion_cancel", p)
	return nil
}

// companionCancelConfirm cancels the companion's place alone, keeping the
// person's: POST /bookings/:reference/companion/cancel with the token in
// the form. A companion already cancelled goes to the booking's page.
func (s *Server) companionCancelConfirm(c *gin.Context) error {
	p, err := s.loadBooking(c, "")
	if err != nil {
		return err
	}
	if p.Pair == nil || p.IsCompanion() || p.CancelRefusal != "" {
		c.Redirect(http.StatusSeeOther, p.ManageURL())
		return nil
	}
	_, err = s.svc.CancelCompanion(c.Request.Context(), p.Booking.Reference, p.Token)
	switch booking.ErrorCode(err) {
	case "":
		s.metrics.bookings.WithLabelValues("cancelled").Inc()
	case booking.EConflict, booking.ENotFound:
		c.Redirect(http.StatusSeeOther, p.ManageURL())
		return nil
	default:
		return err
	}
	c.Redirect(http.StatusSeeOther, p.ManageURL()+"&done=companion_cancelled")
	return nil
}
