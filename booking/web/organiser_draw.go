package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// The organisers' page of a ballot session's draw: before it, how many
// applied and (for admins, once applications close) the form to draw with
// the published seed; after it, the seed and the places by area.

type organiserDrawPage struct {
	organiserPage
	Session  *booking.Session
	When     string
	ClosesAt string
	// Closed: applications have closed and the ballot waits for its draw.
	Closed bool
	// Applied counts the applications by way of taking part, before the draw.
	Applied []drawCount
	Draw    *booking.Draw
	DrawnAt string
	Results []drawModeView
}

type drawCount struct {
	Label string
	N     int
}

type drawModeView struct {
	Mode     booking.Mode
	Label    string
	Capacity int
	Winners  int
	Waiting  int
	Areas    []drawAreaView
}

type drawAreaView struct {
	Name       string
	Weight     int64
	Applicants int
	Places     int
}

func (s *Server) newOrganiserDrawPage(c *gin.Context) (*organiserDrawPage, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	sess, err := s.svc.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	if !sess.IsBallot() {
		return nil, booking.Errorf(booking.ENotFound, "This session gives its places first come, first served: it has no draw.")
	}
	p := &organiserDrawPage{organiserPage: s.organiser(c, "Ballot draw"), Session: sess,
		When: whenText(sess.StartsAt, sess.EndsAt)}
	p.BackLink = "/admin/sessions/" + strconv.FormatInt(id, 10)
	if sess.ApplicationsCloseAt != nil {
		p.ClosesAt = booking.At(*sess.ApplicationsCloseAt)
	}
	if sess.DrawnAt == nil {
		p.Closed = !s.now().Before(*sess.ApplicationsCloseAt)
		counts, err := s.svc.ApplicationCounts(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, m := range booking.Modes {
			if sess.Offers(m) {
				p.Applied = append(p.Applied, drawCount{Label: m.Label(), N: counts[m]})
			}
		}
		return p, nil
	}
	if p.Draw, err = s.svc.BallotDraw(ctx, id); err != nil {
		return nil, err
	}
	p.DrawnAt = booking.At(p.Draw.DrawnAt)
	for _, m := range p.Draw.Result.Modes {
		mode := booking.Mode(m.Mode)
		v := drawModeView{Mode: mode, Label: mode.Label(), Capacity: m.Capacity, Winners: len(m.Winners), Waiting: len(m.Waiting)}
		for _, a := range m.Areas {
			name := a.Area
			if area, ok := booking.AreaByID(a.Area); ok {
				name = area.Name
			}
			v.Areas = append(v.Areas, drawAreaView{Name: name, Weight: a.Weight, Applicants: a.Applicants, Places: a.Places})
		}
		p.Results = append(p.Results, v)
	}
	return p, nil
}

// organiserDraw shows a ballot's draw: GET /admin/sessions/:id/draw.
func (s *Server) organiserDraw(c *gin.Context) error {
	p, err := s.newOrganiserDrawPage(c)
	if err != nil {
		return err
	}
	s.render(c, http.StatusOK, "organiser_draw", p)
	return nil
}

// organiserDrawRun draws the ballot with the seed entered:
// POST /admin/sessions/:id/draw.
func (s *Server) organiserDrawRun(c *gin.Context) error {
	p, err := s.newOrganiserDrawPage(c)
	if err != nil {
		return err
	}
	seed := c.PostForm("seed")
	_, err = s.svc.Draw(c.Request.Context(), p.Session.ID, seed)
	switch booking.ErrorCode(err) {
	case "":
	case booking.EInvalid:
		p.Values = map[string]string{"seed": seed}
		if !p.SetErrors(err, "seed") {
			return err
		}
		s.render(c, http.StatusUnprocessableEntity, "organiser_draw", p)
		return nil
	default:
		return err
	}
	c.Redirect(http.StatusSeeOther, withDone("/admin/sessions/"+strconv.FormatInt(p.Session.ID, 10)+"/draw", "drawn"))
	return nil
}
