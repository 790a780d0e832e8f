package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// The staff details form's fields, in the order they appear on the page.
// Staff are not asked for a postcode: it tells us where residents live.
var staffDetailFields = []string{"name", "email", "organisation", "access_needs", "consent"}

type staffDetailsPage struct {
	Page
	Held    *heldPlace
	Domains string // "@coventry.gov.uk"
}

func (s *Server) newStaffDetailsPage(h *heldPlace) *staffDetailsPage {
	return &staffDetailsPage{
		Page: Page{Title: "Your details",
			BackLink: "/staff/sessions/" + strconv.FormatInt(h.Session.ID, 10) + "?previous=" + h.HoldID},
		Held:    h,
		Domains: s.svc.StaffDomainsText(),
	}
}

// staffDetailsPage asks for the person's details and work email address
// under a hold: GET /staff/holds/:hold_id/details.
func (s *Server) staffDetailsPage(c *gin.Context) error {
	h, err := s.staffHeld(c.Request.Context(), c, c.Query)
	if err != nil {
		return err
	}
	s.render(c, http.StatusOK, "staff_details", s.newStaffDetailsPage(h))
	return nil
}

// staffFormDetails reads the staff details form; the postcode is never
// taken, whatever is posted.
func staffFormDetails(c *gin.Context) (booking.Details, map[string]string) {
	d, typed := formDetails(c)
	d.Postcode = ""
	delete(typed, "postcode")
	return d, typed
}

type staffCheckPage struct {
	Page
	Held    *heldPlace
	Details booking.Details
}

// staffDetailsCheck checks the details, the email address against the
// staff domains too, and shows "Check your answers", or the form again
// with its errors; a "Change" button posts here with change set:
// POST /staff/holds/:hold_id/details.
func (s *Server) staffDetailsCheck(c *gin.Context) error {
	h, err := s.staffHeld(c.Request.Context(), c, c.PostForm)
	if err != nil {
		return err
	}
	d, typed := staffFormDetails(c)
	if c.PostForm("change") != "" {
		p := s.newStaffDetailsPage(h)
		p.Values = typed
		s.render(c, http.StatusOK, "staff_details", p)
		return nil
	}
	if err := s.svc.ValidateStaffDetails(&d); err != nil {
		p := s.newStaffDetailsPage(h)
		p.Values = typed
		if !p.SetErrors(err, staffDetailFields...) {
			return err
		}
		s.render(c, http.StatusUnprocessableEntity, "staff_details", p)
		return nil
	}
	s.render(c, http.StatusOK, "staff_check", &staffCheckPage{Page: Page{Title: checkTitle}, Held: h, Details: d})
	return nil
}

// staffConfirm books the held place pending verification and sends the
// person to "Check your email": POST /staff/holds/:hold_id/confirm. When
// the hold has run out, the place is booked anyway if one is still free.
func (s *Server) staffConfirm(c *gin.Context) error {
	ctx := c.Request.Context()
	h, err := s.staffHeld(ctx, c, c.PostForm)
	if err != nil {
		return err
	}
	d, typed := staffFormDetails(c)
	b, token, err := s.svc.BookStaffWithHold(ctx, h.HoldID, d)
	if booking.IsCode(err, booking.EHoldExpired) {
		b, token, err = s.svc.BookStaff(ctx, h.Session.ID, h.Mode, d)
	}
	switch booking.ErrorCode(err) {
	case "":
	case booking.EInvalid, booking.EDuplicate:
		p := s.newStaffDetailsPage(h)
		p.Values = typed
		status := http.StatusUnprocessableEntity
		if booking.IsCode(err, booking.EDuplicate) {
			status = http.StatusConflict
			p.AddError("email", "You have already booked a place in this session with this email address. Use the link we emailed you to confirm or manage it")
		} else if !p.SetErrors(err, staffDetailFields...) {
			return err
		}
		s.render(c, status, "staff_details", p)
		return nil
	case booking.EFull:
		sess, serr := s.svc.Store.Session(ctx, h.Session.ID)
		if serr != nil {
			return serr
		}
		p := s.newStaffSessionPage(ctx, sess)
		p.AddError("mode", "Sorry, the last place to take part "+lowerMode(h.Mode)+" has gone. Choose another way to take part, or another session.")
		s.render(c, http.StatusConflict, "staff_session", p)
		return nil
	default:
		return err
	}
	s.metrics.bookings.WithLabelValues("pending_verification").Inc()
	c.Redirect(http.StatusSeeOther, staffSentURL(b, token))
	return nil
}

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
