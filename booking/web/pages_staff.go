package web

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// The staff route: council staff book workforce sessions here, with their
// work email address, and confirm the booking from the link emailed to it
// (booking/staff.go). The journey mirrors the public one: the list, "How
// would you like to take part?", "Your details", "Check your answers",
// then "Check your email" instead of the confirmation, which comes once the
// link is followed. The steps they share are the public pages' handlers,
// given staffJourney (journey.go); here are the list, and in
// pages_staff_details.go "Check your email", in pages_staff_verify.go the link.

const staffTitle = "Book a workforce workshop"

type staffStartPage struct {
	Page
	// Open is false when no staff email domain is configured: the page
	// says so and lists nothing.
	Open      bool
	Domains   string // "@coventry.gov.uk", for the words on the page
	Workshops []workshopItem
}

// staffStartPage lists the upcoming workforce sessions with the places
// left: GET /staff.
func (s *Server) staffStartPage(c *gin.Context) error {
	p := &staffStartPage{Page: Page{Title: staffTitle}, Open: s.svc.StaffBookingOpen(), Domains: s.svc.StaffDomainsText()}
	if !p.Open {
		s.render(c, http.StatusOK, "staff_start", p)
		return nil
	}
	ctx := c.Request.Context()
	own := s.cookieHold(c)
	ws, err := s.svc.Workshops(ctx, booking.Workforce)
	if err != nil {
		return err
	}
	for _, w := range ws {
		it := workshopItem{ID: w.ID, Title: w.Title, Summary: w.Summary}
		for _, sess := range w.Sessions {
			it.Sessions = append(it.Sessions, s.sessionItemFor(ctx, sess, own))
		}
		p.Workshops = append(p.Workshops, it)
	}
	s.render(c, http.StatusOK, "staff_start", p)
	return nil
}

// staffSentURL is the "Check your email" page of a booking.
func staffSentURL(b *booking.Booking, token string) string {
	return "/staff/bookings/" + url.PathEscape(b.Reference) + "/sent?token=" + url.QueryEscape(token)
}

// staffNotSetUp refuses the staff pages while STAFF_EMAIL_DOMAINS is not
// set, saying whom to ask instead.
func (s *Server) staffNotSetUp() error {
	return booking.Errorf(booking.EUnavailable, "Booking for council staff is not set up yet. To book a place, email the One Coventry Plan team at %s.", s.contact())
}
