package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// Finding a booking for admins (booking.SearchBookings): by part of a
// name, an email address, a booking reference or a phone number, across
// every session. A GET form, so it works without JavaScript; the search is
// audited without what was typed.

type searchHit struct {
	Reference string
	Name      string
	Contact   string // the email address, or the phone number as people write it
	Workshop  string
	When      string
	Mode      string
	Status    string
}

type searchPage struct {
	organiserPage
	Query    string
	Searched bool
	Hits     []searchHit
	Limit    int
}

// organiserSearch is GET /admin/bookings?q=.
func (s *Server) organiserSearch(c *gin.Context) error {
	p := &searchPage{organiserPage: s.organiser(c, "Find a booking"), Query: c.Query("q"), Limit: booking.SearchLimit}
	p.BackLink = "/admin"
	if p.Query == "" {
		s.render(c, http.StatusOK, "organiser_search", p)
		return nil
	}
	hits, err := s.svc.SearchBookings(c.Request.Context(), p.Query)
	if booking.IsCode(err, booking.EInvalid) {
		p.Values = map[string]string{"q": p.Query}
		p.SetErrors(err, "q")
		s.render(c, http.StatusUnprocessableEntity, "organiser_search", p)
		return nil
	}
	if err != nil {
		return err
	}
	p.Searched = true
	for i := range hits {
		h := &hits[i]
		r := searchHit{Reference: h.Reference, Name: h.Name, Contact: h.Email, Workshop: h.Workshop,
			When: whenText(h.StartsAt, h.EndsAt), Mode: modeWord(h.Mode)}
		if r.Contact == "" && h.Phone != "" {
			r.Contact = booking.UKPhoneText(h.Phone)
		}
		switch {
		case !h.Live():
			r.Status = "Cancelled"
		case h.SessionCancelled:
			r.Status = "Session cancelled"
		case h.Status == booking.PendingVerification:
			r.Status = "Waiting for their email link"
		default:
			r.Status = "Confirmed"
		}
		p.Hits = append(p.Hits, r)
	}
	s.render(c, http.StatusOK, "organiser_search", p)
	return nil
}
