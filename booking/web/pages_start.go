package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// workshopItem is a public workshop with its upcoming sessions.
type workshopItem struct {
	ID       int64
	Title    string
	Summary  string
	Sessions []sessionItem
}

type startPage struct {
	Page
	Workshops []workshopItem
	Surveys   []surveyLink
}

// surveyLink is an open survey as the start page offers it.
type surveyLink struct {
	ID                  int64
	Path, Title, Closes string
}

// startPage lists the upcoming public workshops: GET /.
func (s *Server) startPage(c *gin.Context) error {
	ctx := c.Request.Context()
	own := s.cookieHold(c)
	ws, err := s.svc.Workshops(ctx, booking.Public)
	if err != nil {
		return err
	}
	p := &startPage{Page: Page{Title: serviceName}}
	for _, w := range ws {
		it := workshopItem{ID: w.ID, Title: w.Title, Summary: w.Summary}
		for _, sess := range w.Sessions {
			it.Sessions = append(it.Sessions, s.sessionItemFor(ctx, sess, own))
		}
		p.Workshops = append(p.Workshops, it)
	}
	if s.deps.Surveys != nil {
		open, err := s.surveys().Open(ctx)
		if err != nil {
			return err
		}
		for _, sv := range open {
			p.Surveys = append(p.Surveys, surveyLink{ID: sv.ID, Path: surveyPath(&sv), Title: sv.Title, Closes: closingText(sv.ClosesAt)})
		}
	}
	s.render(c, http.StatusOK, "start", p)
	return nil
}

type workshopPage struct {
	Page
	Workshop workshopItem
}

// workshopPage shows a workshop's sessions, how each can be attended and
// the places left: GET /workshops/:id.
func (s *Server) workshopPage(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	w, err := s.svc.Workshop(ctx, id)
	if err != nil {
		return err
	}
	if w.Audience != booking.Public {
		return booking.Errorf(booking.ENotFound, "There is no such workshop.")
	}
	// The listing holds the upcoming sessions with their places; a workshop
	// with none left is still shown, saying so.
	own := s.cookieHold(c)
	ws, err := s.svc.Workshops(ctx, booking.Public)
	if err != nil {
		return err
	}
	p := &workshopPage{Page: Page{Title: w.Title, BackLink: "/"}}
	p.Workshop = workshopItem{ID: w.ID, Title: w.Title, Summary: w.Summary}
	for _, lw := range ws {
		if lw.ID != w.ID {
			continue
		}
		for _, sess := range lw.Sessions {
			p.Workshop.Sessions = append(p.Workshop.Sessions, s.sessionItemFor(ctx, sess, own))
		}
	}
	s.render(c, http.StatusOK, "workshop", p)
	return nil
}
