package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// Walk-ins (booking.RegisterWalkIn): a form on the check-in page, for the
// facilitator at the door, and the admin API. The person is ticked in at
// once; when the room is full they are recorded over capacity and take no
// booked place. Nobody is emailed.

var walkInFields = []string{"name", "email", "phone", "access_needs"}

// walkInDetails reads the form or the JSON body's fields.
type walkInDetails struct {
	Name        string `json:"name"`
	Email       string `json:"email"`
	Phone       string `json:"phone"`
	AccessNeeds string `json:"access_needs"`
}

func (w walkInDetails) details() booking.Details {
	return booking.Details{Name: w.Name, Email: w.Email, Phone: w.Phone, AccessNeeds: w.AccessNeeds}
}

// checkInWalkIn is POST /admin/sessions/:id/walk-ins: the walk-in, then
// back to the check-in page showing them.
func (s *Server) checkInWalkIn(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	in := walkInDetails{Name: c.PostForm("name"), Email: c.PostForm("email"), Phone: c.PostForm("phone"),
		// A browser sends a textarea's line breaks as CRLF.
		AccessNeeds: strings.ReplaceAll(c.PostForm("access_needs"), "\r\n", "\n")}
	b, err := s.svc.RegisterWalkIn(c.Request.Context(), id, in.details())
	switch booking.ErrorCode(err) {
	case "":
	case booking.EInvalid, booking.EDuplicate:
		p, perr := s.newCheckInPage(c, "")
		if perr != nil {
			return perr
		}
		p.Values = map[string]string{"name": in.Name, "email": in.Email, "phone": in.Phone, "access_needs": in.AccessNeeds}
		status := http.StatusUnprocessableEntity
		if booking.IsCode(err, booking.EDuplicate) {
			status = http.StatusConflict
			p.AddError("email", "Someone with this name and email address already has a place at this session: find them on the list and tick them in")
		} else if !p.SetErrors(err, walkInFields...) {
			return err
		}
		s.render(c, status, "check_in", p)
		return nil
	case booking.EConflict:
		return s.checkInRefused(c, "", err)
	default:
		return err
	}
	s.metrics.bookings.WithLabelValues("walk_in").Inc()
	// Back to the top, where the banner says who was registered.
	c.Redirect(http.StatusSeeOther, checkInURL(linksOf(&booking.Session{ID: id}), "", url.Values{"walked_in": {b.Reference}}))
	return nil
}

// adminRegisterWalkIn is POST /api/v1/admin/sessions/:id/walk-ins.
func (s *Server) adminRegisterWalkIn(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in walkInDetails
	if err := decode(c, &in); err != nil {
		return err
	}
	b, err := s.svc.RegisterWalkIn(c.Request.Context(), id, in.details())
	if err != nil {
		return err
	}
	s.metrics.bookings.WithLabelValues("walk_in").Inc()
	c.JSON(http.StatusCreated, attendeeOf(b))
	return nil
}
