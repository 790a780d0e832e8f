package web

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// Changing a workshop's title and summary, and archiving or restoring it
// (booking/workshop_edit.go), for admins: a form, two buttons on the
// workshop's page, and PATCH /api/v1/admin/workshops/:id.

func workshopPath(id int64) string { return fmt.Sprintf("/admin/workshops/%d", id) }

// workshopEditPage reads the workshop in :id for its form.
func (s *Server) workshopEditPage(c *gin.Context) (*workshopFormPage, *booking.Workshop, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, nil, err
	}
	w, err := s.svc.Workshop(c.Request.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	p := &workshopFormPage{organiserPage: s.organiser(c, "Change the workshop"), Workshop: w}
	p.BackLink = workshopPath(w.ID)
	return p, w, nil
}

// organiserWorkshopEdit is GET /admin/workshops/:id/edit.
func (s *Server) organiserWorkshopEdit(c *gin.Context) error {
	p, w, err := s.workshopEditPage(c)
	if err != nil {
		return err
	}
	p.Values = map[string]string{"title": w.Title, "summary": w.Summary}
	s.render(c, http.StatusOK, "organiser_workshop_edit", p)
	return nil
}

// organiserWorkshopUpdate is POST /admin/workshops/:id/edit.
func (s *Server) organiserWorkshopUpdate(c *gin.Context) error {
	p, w, err := s.workshopEditPage(c)
	if err != nil {
		return err
	}
	e := booking.WorkshopEdit{Title: c.PostForm("title"), Summary: c.PostForm("summary")}
	if _, err := s.svc.EditWorkshop(c.Request.Context(), w.ID, e); booking.IsCode(err, booking.EInvalid) {
		p.Values = map[string]string{"title": e.Title, "summary": e.Summary}
		if !p.SetErrors(err, workshopFields...) {
			return err
		}
		s.render(c, http.StatusUnprocessableEntity, "organiser_workshop_edit", p)
		return nil
	} else if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, withDone(workshopPath(w.ID), "workshop_changed"))
	return nil
}

// organiserWorkshopArchive is POST /admin/workshops/:id/archive and, with
// archived false, POST /admin/workshops/:id/restore.
func (s *Server) organiserWorkshopArchive(archived bool) func(c *gin.Context) error {
	done := "workshop_restored"
	if archived {
		done = "workshop_archived"
	}
	return func(c *gin.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		w, err := s.svc.ArchiveWorkshop(c.Request.Context(), id, archived)
		if err != nil {
			return err
		}
		c.Redirect(http.StatusSeeOther, withDone(workshopPath(w.ID), done))
		return nil
	}
}

// adminWorkshopView is a workshop as the admin API shows it after a change.
type adminWorkshopView struct {
	workshopRef
	Archived bool `json:"archived"`
}

// adminUpdateWorkshop is PATCH /api/v1/admin/workshops/:id: the title and
// summary given (the others kept), then archived when given.
func (s *Server) adminUpdateWorkshop(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in struct {
		Title    *string `json:"title"`
		Summary  *string `json:"summary"`
		Archived *bool   `json:"archived"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	ctx := c.Request.Context()
	w, err := s.svc.Workshop(ctx, id)
	if err != nil {
		return err
	}
	if in.Title != nil || in.Summary != nil {
		e := booking.WorkshopEdit{Title: w.Title, Summary: w.Summary}
		if in.Title != nil {
			e.Title = *in.Title
		}
		if in.Summary != nil {
			e.Summary = *in.Summary
		}
		if w, err = s.svc.EditWorkshop(ctx, id, e); err != nil {
			return err
		}
	}
	if in.Archived != nil {
		if w, err = s.svc.ArchiveWorkshop(ctx, id, *in.Archived); err != nil {
			return err
		}
	}
	c.JSON(http.StatusOK, adminWorkshopView{workshopRef: refOf(w), Archived: w.ArchivedAt != nil})
	return nil
}
