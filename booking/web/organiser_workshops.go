package web

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// Workshops for admins: creating one, and one with all its sessions.

type workshopFormPage struct {
	organiserPage
	// Workshop is the workshop being changed; nil for a new one.
	Workshop *booking.Workshop
}

var workshopFields = []string{"title", "summary", "audience"}

// organiserWorkshopForm is GET /admin/workshops/new.
func (s *Server) organiserWorkshopForm(c *gin.Context) error {
	p := &workshopFormPage{organiserPage: s.organiser(c, "Create a workshop")}
	p.BackLink = "/admin"
	p.Values = map[string]string{"audience": string(booking.Public)}
	s.render(c, http.StatusOK, "organiser_workshop_new", p)
	return nil
}

// organiserWorkshopCreate is POST /admin/workshops: the workshop, then the
// form of its first session.
func (s *Server) organiserWorkshopCreate(c *gin.Context) error {
	in := booking.WorkshopInput{
		Title: c.PostForm("title"), Summary: c.PostForm("summary"), Audience: booking.Audience(c.PostForm("audience")),
	}
	w, err := s.svc.CreateWorkshop(c.Request.Context(), in)
	if booking.IsCode(err, booking.EInvalid) {
		p := &workshopFormPage{organiserPage: s.organiser(c, "Create a workshop")}
		p.BackLink = "/admin"
		p.Values = map[string]string{"title": in.Title, "summary": in.Summary, "audience": string(in.Audience)}
		if fields := booking.ErrorFields(err); fields["audience"] != "" {
			fields["audience"] = "Choose who can book the workshop"
		}
		if !p.SetErrors(err, workshopFields...) {
			return err
		}
		s.render(c, http.StatusUnprocessableEntity, "organiser_workshop_new", p)
		return nil
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, withDone(fmt.Sprintf("/admin/workshops/%d/sessions/new", w.ID), "workshop"))
	return nil
}

type organiserWorkshopView struct {
	organiserPage
	Workshop *booking.Workshop
	Sessions []homeSession
}

// organiserWorkshopPage is GET /admin/workshops/:id: the workshop with
// every session it has had.
func (s *Server) organiserWorkshopPage(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	w, err := s.svc.WorkshopWithSessions(c.Request.Context(), id)
	if err != nil {
		return err
	}
	p := &organiserWorkshopView{organiserPage: s.organiser(c, w.Title), Workshop: w}
	p.BackLink = "/admin"
	now := s.now()
	for _, sess := range w.Sessions {
		p.Sessions = append(p.Sessions, homeSessionOf(sess, now))
	}
	s.render(c, http.StatusOK, "organiser_workshop", p)
	return nil
}
