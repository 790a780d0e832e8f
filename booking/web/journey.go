package web

import (
	"context"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// journey is what differs between the public booking pages and the staff
// ones (pages_staff.go). Both walk the same steps, "How would you like to
// take part?", "Your details" and "Check your answers", with the same
// handlers (pages_session.go, pages_hold.go, pages_confirm.go) and page
// templates; the journey says under which address, for which audience,
// with which fields, and how the place is booked at the end.
type journey struct {
	// Staff is the staff route: council staff book workforce sessions with
	// a work email address and confirm from an emailed link.
	Staff bool
	// Prefix comes before /sessions and /holds in the journey's addresses.
	Prefix   string
	audience booking.Audience
	// fields are the details form's fields, in the order they appear on
	// the page (the error summary follows it). Staff are not asked for a
	// postcode: it tells us where residents live.
	fields []string
	// booked is the bookings metric's label for a booking made here.
	booked string
}

var (
	publicJourney = &journey{audience: booking.Public, fields: detailFields, booked: "booked"}
	staffJourney  = &journey{Staff: true, Prefix: "/staff", audience: booking.Workforce,
		fields: []string{"name", "email", "organisation", "access_needs", "consent"}, booked: "pending_verification"}
)

// open refuses the staff pages while STAFF_EMAIL_DOMAINS is not set; the
// public ones are always open.
func (s *Server) open(j *journey) error {
	if j.Staff && !s.svc.StaffBookingOpen() {
		return s.staffNotSetUp()
	}
	return nil
}

// journeySession reads a session of the path that the journey may book.
// A session for the other audience is refused with a pointer to its pages.
func (s *Server) journeySession(ctx context.Context, c *gin.Context, j *journey) (*booking.Session, error) {
	if err := s.open(j); err != nil {
		return nil, err
	}
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	sess, err := s.svc.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	if sess.Workshop != nil && sess.Workshop.Audience == j.audience {
		return sess, nil
	}
	if j.Staff {
		return nil, booking.Errorf(booking.EForbidden,
			"This session is open to everyone. Book it through the public booking pages at /sessions/%d.", sess.ID)
	}
	return nil, booking.Errorf(booking.EForbidden,
		"This session is for people who work for %s. Book it through the staff booking page at /staff.", s.councilName())
}

// formDetails reads the journey's details form and the same values as
// typed, to show again; the staff form never takes a postcode, whatever
// is posted.
func (j *journey) formDetails(c *gin.Context) (booking.Details, map[string]string) {
	d, typed := formDetails(c)
	if j.Staff {
		// Nor a companion: the staff route books one person.
		d.Postcode, d.Companion = "", nil
		for _, f := range []string{"postcode", "companion", "companion.name", "companion.email"} {
			delete(typed, f)
		}
	}
	return d, typed
}

// validate normalises d and checks it as the journey's booking will: the
// staff route wants a work email address too.
func (s *Server) validate(j *journey, d *booking.Details) error {
	if j.Staff {
		return s.svc.ValidateStaffDetails(d)
	}
	d.Normalize()
	return d.Validate()
}

// hold keeps places places in the session for the hold time: 2 for a
// person and their companion (formPlaces never asks it of staff).
func (s *Server) hold(ctx context.Context, j *journey, sessionID int64, mode booking.Mode, places int) (booking.Hold, error) {
	if j.Staff {
		return s.svc.StaffHold(ctx, sessionID, mode)
	}
	return s.svc.HoldPlaces(ctx, sessionID, mode, booking.Public, places)
}

// book books the held place, or, when the hold has run out, the place
// anyway if one is still free. A staff booking waits for its emailed link.
func (s *Server) book(ctx context.Context, j *journey, h booking.Hold, d booking.Details) (*booking.Booking, string, error) {
	if j.Staff {
		b, token, err := s.svc.BookStaffWithHold(ctx, h.ID, d)
		if booking.IsCode(err, booking.EHoldExpired) {
			b, token, err = s.svc.BookStaff(ctx, h.SessionID, h.Mode, d)
		}
		return b, token, err
	}
	b, token, err := s.svc.BookWithHold(ctx, h.ID, d)
	if booking.IsCode(err, booking.EHoldExpired) {
		b, token, err = s.svc.Book(ctx, h.SessionID, h.Mode, booking.Public, d)
	}
	return b, token, err
}

// bookedURL is where a new booking goes: the confirmation, or for staff
// "Check your email".
func (j *journey) bookedURL(b *booking.Booking, token string) string {
	if j.Staff {
		return staffSentURL(b, token)
	}
	return "/bookings/" + url.PathEscape(b.Reference) + "/confirmed?token=" + url.QueryEscape(token)
}

// sessionBackLink is where "Back" goes from "How would you like to take
// part?": the workshop's sessions, or the staff list.
func (j *journey) sessionBackLink(sess *booking.Session) string {
	if j.Staff {
		return "/staff"
	}
	return "/workshops/" + strconv.FormatInt(sess.WorkshopID, 10)
}
