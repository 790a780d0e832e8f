package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// The admin API for accounts, facilitators and the audit log: admins' only
// (routes.go).

// organiserView is an account as the API shows it.
type organiserView struct {
	ID        int64        `json:"id"`
	Email     string       `json:"email"`
	Name      string       `json:"name"`
	Role      booking.Role `json:"role"`
	Disabled  bool         `json:"disabled"`
	CreatedAt time.Time    `json:"created_at"`
}

func viewOrganiser(o *booking.Organiser) organiserView {
	return organiserView{ID: o.ID, Email: o.Email, Name: o.Name, Role: o.Role, Disabled: !o.Active(), CreatedAt: o.CreatedAt.UTC()}
}

func viewOrganisers(list []*booking.Organiser) []organiserView {
	out := make([]organiserView, 0, len(list))
	for _, o := range list {
		out = append(out, viewOrganiser(o))
	}
	return out
}

// pathInt reads a positive id from the path; anything else is not found.
func pathInt(c *gin.Context, name, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, booking.Errorf(booking.ENotFound, "There is no such %s.", what)
	}
	return id, nil
}

// POST /api/v1/admin/organisers {"email", "name", "role"}
func (s *Server) adminCreateOrganiser(c *gin.Context) error {
	var in booking.OrganiserInput
	if err := decode(c, &in); err != nil {
		return err
	}
	o, err := s.svc.CreateOrganiser(c.Request.Context(), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, viewOrganiser(o))
	return nil
}

// GET /api/v1/admin/organisers
func (s *Server) adminListOrganisers(c *gin.Context) error {
	list, err := s.svc.Organisers(c.Request.Context())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"organisers": viewOrganisers(list)})
	return nil
}

// PATCH /api/v1/admin/organisers/:organiser_id {"name"?, "role"?, "disabled"?}
func (s *Server) adminUpdateOrganiser(c *gin.Context) error {
	id, err := pathInt(c, "organiser_id", "account")
	if err != nil {
		return err
	}
	var p booking.OrganiserPatch
	if err := decode(c, &p); err != nil {
		return err
	}
	o, err := s.svc.UpdateOrganiser(c.Request.Context(), id, p)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewOrganiser(o))
	return nil
}

// facilitatorsAnswer is a session's facilitators after a change.
func (s *Server) facilitatorsAnswer(c *gin.Context, status int, sessionID int64) error {
	list, err := s.svc.Facilitators(c.Request.Context(), sessionID)
	if err != nil {
		return err
	}
	c.JSON(status, gin.H{"session_id": sessionID, "facilitators": viewOrganisers(list)})
	return nil
}

// GET /api/v1/admin/sessions/:id/facilitators
func (s *Server) adminListFacilitators(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := s.svc.Session(c.Request.Context(), id); err != nil {
		return err
	}
	return s.facilitatorsAnswer(c, http.StatusOK, id)
}

// POST /api/v1/admin/sessions/:id/facilitators {"organiser_id"}: 201 when
// newly assigned, 200 when they already were.
func (s *Server) adminAssignFacilitator(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in struct {
		OrganiserID int64 `json:"organiser_id"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.OrganiserID <= 0 {
		return booking.FieldErrors(map[string]string{"organiser_id": "Give the id of the account to assign"})
	}
	added, err := s.svc.AssignFacilitator(c.Request.Context(), id, in.OrganiserID)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if added {
		status = http.StatusCreated
	}
	return s.facilitatorsAnswer(c, status, id)
}

// DELETE /api/v1/admin/sessions/:id/facilitators/:organiser_id: 204 whether
// or not they were assigned.
func (s *Server) adminUnassignFacilitator(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	organiserID, err := pathInt(c, "organiser_id", "account")
	if err != nil {
		return err
	}
	if _, err := s.svc.UnassignFacilitator(c.Request.Context(), id, organiserID); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// auditEntryView is one entry of the audit log as admins read it.
type auditEntryView struct {
	ID      int64           `json:"id"`
	At      time.Time       `json:"at"`
	Who     auditWho        `json:"who"`
	Action  string          `json:"action"`
	Subject auditSubject    `json:"subject"`
	Before  json.RawMessage `json:"before"`
	After   json.RawMessage `json:"after"`
}

type auditWho struct {
	Kind        booking.ActorKind `json:"kind"`
	OrganiserID int64             `json:"organiser_id,omitempty"`
	Name        string            `json:"name,omitempty"`
	Email       string            `json:"email,omitempty"`
}

type auditSubject struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

func orNull(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	return raw
}

// GET /api/v1/admin/audit?subject_type=&subject_id=&organiser_id=&before_id=&limit=
// Newest first; next_before_id pages back.
func (s *Server) adminAudit(c *gin.Context) error {
	f := booking.AuditFilter{SubjectType: c.Query("subject_type"), SubjectID: c.Query("subject_id")}
	fields := map[string]string{}
	number := func(name string) int64 {
		v := c.Query(name)
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			fields[name] = "Enter a whole number"
		}
		return n
	}
	f.OrganiserID, f.BeforeID, f.Limit = number("organiser_id"), number("before_id"), int(min(number("limit"), 1000))
	if len(fields) > 0 {
		return booking.FieldErrors(fields)
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	entries, err := s.svc.AuditEntries(c.Request.Context(), f)
	if err != nil {
		return err
	}
	out := make([]auditEntryView, 0, len(entries))
	for _, e := range entries {
		out = append(out, auditEntryView{
			ID: e.ID, At: e.At.UTC(), Action: e.Action,
			Who:     auditWho{Kind: e.Actor, OrganiserID: e.OrganiserID, Name: e.OrganiserName, Email: e.OrganiserEmail},
			Subject: auditSubject{Type: e.SubjectType, ID: e.SubjectID},
			Before:  orNull(e.Before), After: orNull(e.After),
		})
	}
	body := gin.H{"entries": out}
	if len(entries) == f.Limit && len(entries) > 0 {
		body["next_before_id"] = entries[len(entries)-1].ID
	}
	c.JSON(http.StatusOK, body)
	return nil
}
