package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// Assigning facilitators to a session, for admins, through the same use
// cases as the API (booking.Service.AssignFacilitator and
// UnassignFacilitator), which write the audit log.

// organiserAssign is POST /admin/sessions/:id/facilitators with the
// organiser_id chosen from the select.
func (s *Server) organiserAssign(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	raw := strings.TrimSpace(c.PostForm("organiser_id"))
	organiserID, perr := strconv.ParseInt(raw, 10, 64)
	if perr != nil || organiserID <= 0 {
		return s.assignAgain(c, raw, "Choose the account of the person who will run the session")
	}
	_, err = s.svc.AssignFacilitator(c.Request.Context(), id, organiserID)
	switch booking.ErrorCode(err) {
	case "":
	case booking.EInvalid, booking.EConflict:
		return s.assignAgain(c, raw, booking.ErrorMessage(err))
	default:
		return err
	}
	c.Redirect(http.StatusSeeOther, withDone(sessionPath(id), "assigned"))
	return nil
}

// assignAgain shows the session page with the assign form's error.
func (s *Server) assignAgain(c *gin.Context, chosen, message string) error {
	p, err := s.newOrganiserSessionPage(c)
	if err != nil {
		return err
	}
	p.Values = map[string]string{"organiser_id": chosen}
	p.AddError("organiser_id", message)
	s.render(c, http.StatusUnprocessableEntity, "organiser_session", p)
	return nil
}

// organiserUnassign is POST /admin/sessions/:id/facilitators/:organiser_id/remove.
func (s *Server) organiserUnassign(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	organiserID, err := pathInt(c, "organiser_id", "account")
	if err != nil {
		return err
	}
	if _, err := s.svc.Session(c.Request.Context(), id); err != nil {
		return err
	}
	if _, err := s.svc.UnassignFacilitator(c.Request.Context(), id, organiserID); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, withDone(sessionPath(id), "unassigned"))
	return nil
}
