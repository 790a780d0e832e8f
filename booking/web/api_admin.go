package web

import (
	"crypto/sha256"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

func hashToken(t string) []byte {
	sum := sha256.Sum256([]byte(t))
	return sum[:]
}

// requireAdmin lets through requests bearing ADMIN_TOKEN (both sides are
// hashed first, so the comparison takes the same time whatever the length)
// and signed-in admins. Facilitators are refused here: the routes they may
// use are guarded by requireSessionAccess or requireBookingAccess (auth.go).
func (s *Server) requireAdmin(c *gin.Context) {
	if err := s.authorizeAdmin(c); err != nil {
		s.refuse(c, err)
		return
	}
	c.Next()
}

func (s *Server) adminCreateWorkshop(c *gin.Context) error {
	var in booking.WorkshopInput
	if err := decode(c, &in); err != nil {
		return err
	}
	w, err := s.svc.CreateWorkshop(c.Request.Context(), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, refOf(w))
	return nil
}

// sessionInput is a session as organisers send it. Times are strings so a
// bad one can be named in the error.
type sessionInput struct {
	StartsAt  *string        `json:"starts_at"`
	EndsAt    *string        `json:"ends_at"`
	Venue     *booking.Venue `json:"venue"`
	OnlineURL *string        `json:"online_url"`
	Capacity  *struct {
		InPerson *int `json:"in_person"`
		Online   *int `json:"online"`
	} `json:"capacity"`
	// Allocation and ApplicationsCloseAt are set when a session is made,
	// never changed.
	Allocation          *booking.Allocation `json:"allocation"`
	ApplicationsCloseAt *string             `json:"applications_close_at"`
}

// patch turns the input into a SessionPatch, naming any time that does not parse.
func (in *sessionInput) patch() (booking.SessionPatch, error) {
	p := booking.SessionPatch{Venue: in.Venue, OnlineURL: in.OnlineURL}
	fields := map[string]string{}
	parse := func(field string, v *string) *time.Time {
		if v == nil {
			return nil
		}
		t, err := time.Parse(time.RFC3339, *v)
		if err != nil {
			fields[field] = "Enter the time in RFC 3339 form, like 2028-03-14T10:00:00Z"
			return nil
		}
		return &t
	}
	p.StartsAt = parse("starts_at", in.StartsAt)
	p.EndsAt = parse("ends_at", in.EndsAt)
	if in.Capacity != nil {
		p.Capacity = &booking.CapacityPatch{InPerson: in.Capacity.InPerson, Online: in.Capacity.Online}
	}
	if len(fields) > 0 {
		return p, booking.FieldErrors(fields)
	}
	return p, nil
}

// adminSessionView is a session as organisers see it, with the joining link
// and the counts behind the places.
type adminSessionView struct {
	sessionView
	WorkshopID int64                           `json:"workshop_id"`
	OnlineURL  string                          `json:"online_url"`
	Sequence   int                             `json:"sequence"`
	Places     map[booking.Mode]booking.Places `json:"places"`
}

func (s *Server) adminView(c *gin.Context, sess *booking.Session) adminSessionView {
	v := adminSessionView{
		sessionView: s.viewSession(c.Request.Context(), sess),
		WorkshopID:  sess.WorkshopID, OnlineURL: sess.OnlineURL, Sequence: sess.Sequence,
		Places: map[booking.Mode]booking.Places{},
	}
	for _, m := range booking.Modes {
		v.Places[m] = sess.PlacesFor(m)
	}
	return v
}

func (s *Server) adminCreateSession(c *gin.Context) error {
	workshopID, err := pathID(c)
	if err != nil {
		return err
	}
	var in sessionInput
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := in.patch()
	if err != nil {
		return err
	}
	sess := booking.NewSession(workshopID, p)
	if in.Allocation != nil {
		sess.Allocation = *in.Allocation
	}
	if in.ApplicationsCloseAt != nil {
		t, err := time.Parse(time.RFC3339, *in.ApplicationsCloseAt)
		if err != nil {
			return booking.FieldErrors(map[string]string{"applications_close_at": "Enter the time in RFC 3339 form, like 2028-03-14T10:00:00Z"})
		}
		sess.ApplicationsCloseAt = &t
	}
	created, err := s.svc.CreateSession(c.Request.Context(), sess)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, s.adminView(c, created))
	return nil
}

func (s *Server) adminUpdateSession(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in sessionInput
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Allocation != nil || in.ApplicationsCloseAt != nil {
		return booking.FieldErrors(map[string]string{"allocation": "How a session gives out its places is set when it is made and cannot be changed"})
	}
	p, err := in.patch()
	if err != nil {
		return err
	}
	sess, err := s.svc.UpdateSession(c.Request.Context(), id, p)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.adminView(c, sess))
	return nil
}

func (s *Server) adminCancelSession(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	sess, err := s.svc.CancelSession(c.Request.Context(), id, in.Reason)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.adminView(c, sess))
	return nil
}

// messageOut is the answer to a message sent to the people booked on a
// session: how many were emailed, and who it is for that has no email
// address, to phone.
type messageOut struct {
	Emailed int              `json:"emailed"`
	ToPhone []messageToPhone `json:"to_phone"`
}

type messageToPhone struct {
	Reference string       `json:"reference"`
	Name      string       `json:"name"`
	Phone     string       `json:"phone"`
	Mode      booking.Mode `json:"mode"`
}

// adminMessageSession is POST /api/v1/admin/sessions/:id/messages
// (organiser_message.go has the page).
func (s *Server) adminMessageSession(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in struct {
		To      string `json:"to"`
		Message string `json:"message"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	mode, ok := messageMode(in.To)
	if !ok {
		mode = booking.Mode(in.To) // the service names it
	}
	ctx := c.Request.Context()
	n, err := s.svc.MessageSession(ctx, id, booking.SessionMessage{Mode: mode, Text: in.Message})
	if err != nil {
		return err
	}
	booked, err := s.svc.Attendees(ctx, id)
	if err != nil {
		return err
	}
	out := messageOut{Emailed: n, ToPhone: []messageToPhone{}}
	_, toPhone := whoIsTold(bookingsIn(booked, mode))
	for _, b := range toPhone {
		out.ToPhone = append(out.ToPhone, messageToPhone{Reference: b.Reference, Name: b.Name, Phone: b.Phone, Mode: b.Mode})
	}
	c.JSON(http.StatusAccepted, out)
	return nil
}
