package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// The organisers' view of registered interest: counts by area and by way
// of taking part, for the public and for staff. Never a list of people:
// one person's registration is seen only in the person export.

type interestCountsPage struct {
	organiserPage
	Audiences []audienceCounts
}

type audienceCounts struct {
	Label  string
	ID     string
	Counts *booking.InterestCounts
	Ways   []wayCount
}

type wayCount struct {
	Label string
	Count int
}

// organiserInterest shows the counts: GET /admin/interest.
func (s *Server) organiserInterest(c *gin.Context) error {
	ctx := c.Request.Context()
	p := &interestCountsPage{organiserPage: s.organiser(c, "Registered interest")}
	for _, a := range []struct {
		audience  booking.Audience
		label, id string
	}{{booking.Public, "Residents and organisations", "public"}, {booking.Workforce, "Council staff", "workforce"}} {
		counts, err := s.svc.InterestCounts(ctx, a.audience)
		if err != nil {
			return err
		}
		ac := audienceCounts{Label: a.label, ID: a.id, Counts: counts}
		for _, w := range interestWays {
			ac.Ways = append(ac.Ways, wayCount{Label: w.Label, Count: counts.ByWay[w.Value]})
		}
		p.Audiences = append(p.Audiences, ac)
	}
	s.render(c, http.StatusOK, "organiser_interest", p)
	return nil
}
