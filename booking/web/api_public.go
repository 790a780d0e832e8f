package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

type modeView struct {
	Capacity  int `json:"capacity"`
	Available int `json:"available"`
}

type workshopRef struct {
	ID       int64            `json:"id"`
	Title    string           `json:"title"`
	Summary  string           `json:"summary"`
	Audience booking.Audience `json:"audience"`
}

type sessionView struct {
	ID           int64                     `json:"id"`
	StartsAt     time.Time                 `json:"starts_at"`
	EndsAt       time.Time                 `json:"ends_at"`
	Venue        booking.Venue             `json:"venue"`
	Status       booking.SessionStatus     `json:"status"`
	CancelReason string                    `json:"cancel_reason,omitempty"`
	Modes        map[booking.Mode]modeView `json:"modes"`
	Workshop     *workshopRef              `json:"workshop,omitempty"`
	// Allocation is first_come or ballot; a ballot says when applications
	// close and, once drawn, when.
	Allocation          booking.Allocation `json:"allocation"`
	ApplicationsCloseAt *time.Time         `json:"applications_close_at,omitempty"`
	DrawnAt             *time.Time         `json:"drawn_at,omitempty"`
}

type workshopView struct {
	workshopRef
	Sessions []sessionView `json:"sessions"`
}

// viewSession shows a session's places as people see them: what Postgres
// has not given away, less the places others are holding right now.
func (s *Server) viewSession(ctx context.Context, sess *booking.Session) sessionView {
	v := sessionView{
		ID: sess.ID, StartsAt: sess.StartsAt, EndsAt: sess.EndsAt, Venue: sess.Venue,
		Status: sess.Status, CancelReason: sess.CancelReason, Modes: map[booking.Mode]modeView{},
		Allocation: sess.Allocation, ApplicationsCloseAt: sess.ApplicationsCloseAt, DrawnAt: sess.DrawnAt,
	}
	now := s.now()
	for _, m := range booking.Modes {
		p := sess.PlacesFor(m)
		avail := 0
		if sess.OpenAt(now) && p.Capacity > 0 {
			avail = s.svc.PlacesLeft(ctx, sess, m)
		}
		v.Modes[m] = modeView{Capacity: p.Capacity, Available: avail}
	}
	return v
}

func refOf(w *booking.Workshop) workshopRef {
	return workshopRef{ID: w.ID, Title: w.Title, Summary: w.Summary, Audience: w.Audience}
}

func (s *Server) listWorkshops(c *gin.Context) error {
	ctx := c.Request.Context()
	ws, err := s.svc.Workshops(ctx, booking.Public)
	if err != nil {
		return err
	}
	out := make([]workshopView, 0, len(ws))
	for _, w := range ws {
		wv := workshopView{workshopRef: refOf(w), Sessions: make([]sessionView, 0, len(w.Sessions))}
		for _, sess := range w.Sessions {
			wv.Sessions = append(wv.Sessions, s.viewSession(ctx, sess))
		}
		out = append(out, wv)
	}
	c.JSON(http.StatusOK, gin.H{"workshops": out})
	return nil
}

// listAreas answers the areas of the city people can choose from, in the
// order the pages list them.
func (s *Server) listAreas(c *gin.Context) error {
	c.JSON(http.StatusOK, booking.Areas())
	return nil
}

func (s *Server) getSession(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	sess, err := s.svc.Session(c.Request.Context(), id)
	if err != nil {
		return err
	}
	v := s.viewSession(c.Request.Context(), sess)
	ref := refOf(sess.Workshop)
	v.Workshop = &ref
	c.JSON(http.StatusOK, v)
	return nil
}

type holdRequest struct {
	Mode booking.Mode `json:"mode"`
	// Places is 1 (the default) or 2, for the person and one companion or
	// carer, held together: both or neither.
	Places *int `json:"places"`
}

func (s *Server) createHold(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req holdRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	places := 1
	if req.Places != nil {
		places = *req.Places
	}
	h, err := s.svc.HoldPlaces(c.Request.Context(), id, req.Mode, booking.Public, places)
	if err != nil {
		return err
	}
	s.metrics.holds.WithLabelValues(string(h.Mode)).Inc()
	c.JSON(http.StatusCreated, gin.H{"hold_id": h.ID, "mode": h.Mode, "places": h.Places, "expires_at": h.ExpiresAt.UTC()})
	return nil
}

func (s *Server) releaseHold(c *gin.Context) error {
	if err := s.svc.ReleaseHold(c.Request.Context(), c.Param("hold_id")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (s *Server) bookWithHold(c *gin.Context) error {
	var d booking.Details
	if err := decode(c, &d); err != nil {
		return err
	}
	b, token, err := s.svc.BookWithHold(c.Request.Context(), c.Param("hold_id"), d)
	if err != nil {
		return err
	}
	return s.booked(c, b, token)
}

// placeRequest is a way of taking part and a person's details, as a
// one-call booking or a waiting-list sign-up sends them. The details are
// spelt out rather than embedding booking.Details, so a field of the wrong
// type is named as the client sent it ("name", not "Details.name").
type placeRequest struct {
	Mode         booking.Mode `json:"mode"`
	Name         string       `json:"name"`
	Email        string       `json:"email"`
	Organisation string       `json:"organisation"`
	Postcode     string       `json:"postcode"`
	AccessNeeds  string       `json:"access_needs"`
	Consent      bool         `json:"consent"`
	// Companion books a second place beside the person's, for their
	// companion or carer (a one-call booking only; the waiting list is
	// one person per entry).
	Companion *booking.Companion `json:"companion"`
}

func (r placeRequest) details() booking.Details {
	return booking.Details{Name: r.Name, Email: r.Email, Organisation: r.Organisation,
		Postcode: r.Postcode, AccessNeeds: r.AccessNeeds, Consent: r.Consent, Companion: r.Companion}
}

func (s *Server) bookDirect(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req placeRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	b, token, err := s.svc.Book(c.Request.Context(), id, req.Mode, booking.Public, req.details())
	if err != nil {
		return err
	}
	return s.booked(c, b, token)
}

func (s *Server) booked(c *gin.Context, b *booking.Booking, token string) error {
	s.metrics.bookings.WithLabelValues("booked").Inc()
	out := gin.H{
		"reference":  b.Reference,
		"status":     b.Status,
		"manage_url": s.manageURL(b.Reference, token),
	}
	if cb := b.Companion; cb != nil {
		// The companion's own link goes only to their own address.
		out["companion"] = gin.H{"reference": cb.Reference, "name": cb.Name, "email": cb.Email}
	}
	c.JSON(http.StatusCreated, out)
	return nil
}

func (s *Server) manageURL(reference, token string) string {
	return strings.TrimRight(s.cfg.BaseURL, "/") + "/bookings/" + reference + "?token=" + token
}

type bookingView struct {
	Reference    string                `json:"reference"`
	Status       booking.BookingStatus `json:"status"`
	Mode         booking.Mode          `json:"mode"`
	Name         string                `json:"name"`
	Email        string                `json:"email"`
	Organisation string                `json:"organisation"`
	Postcode     string                `json:"postcode"`
	AccessNeeds  string                `json:"access_needs"`
	CreatedAt    time.Time             `json:"created_at"`
	CancelledAt  *time.Time            `json:"cancelled_at,omitempty"`
	Session      sessionView           `json:"session"`
	// OnlineURL is the joining link, shown only to confirmed bookings taking
	// part online.
	OnlineURL string `json:"online_url,omitempty"`
}

func (s *Server) getBooking(c *gin.Context) error {
	ctx := c.Request.Context()
	b, err := s.svc.Booking(ctx, c.Param("reference"), bookingToken(c))
	if err != nil {
		return err
	}
	sess, err := s.svc.Session(ctx, b.SessionID)
	if err != nil {
		return err
	}
	v := bookingView{
		Reference: b.Reference, Status: b.Status, Mode: b.Mode, Name: b.Name, Email: b.Email,
		Organisation: b.Organisation, Postcode: b.Postcode, AccessNeeds: b.AccessNeeds,
		CreatedAt: b.CreatedAt, CancelledAt: b.CancelledAt, Session: s.viewSession(ctx, sess),
	}
	ref := refOf(sess.Workshop)
	v.Session.Workshop = &ref
	if b.Mode == booking.Online && b.Status == booking.Confirmed { // not while it waits for its email link
		v.OnlineURL = sess.OnlineURL
	}
	c.JSON(http.StatusOK, v)
	return nil
}

func (s *Server) cancelBooking(c *gin.Context) error {
	b, err := s.svc.CancelBooking(c.Request.Context(), c.Param("reference"), bookingToken(c))
	if err != nil {
		return err
	}
	s.metrics.bookings.WithLabelValues("cancelled").Inc()
	c.JSON(http.StatusOK, gin.H{"reference": b.Reference, "status": b.Status})
	return nil
}

// cancelCompanion cancels the companion's place of a booking alone.
func (s *Server) cancelCompanion(c *gin.Context) error {
	b, err := s.svc.CancelCompanion(c.Request.Context(), c.Param("reference"), bookingToken(c))
	if err != nil {
		return err
	}
	s.metrics.bookings.WithLabelValues("cancelled").Inc()
	c.JSON(http.StatusOK, gin.H{"reference": b.Reference, "status": b.Status})
	return nil
}

// bookingToken reads the manage token from ?token= or a bearer header.
func bookingToken(c *gin.Context) string {
	if t := c.Query("token"); t != "" {
		return t
	}
	return bearer(c)
}

func bearer(c *gin.Context) string {
	h := c.GetHeader("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// pathID reads :id; an id that could never exist is not found, not invalid.
func pathID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, booking.Errorf(booking.ENotFound, "There is no such session or workshop.")
	}
	return id, nil
}

func (s *Server) now() time.Time {
	if s.svc.Clock != nil {
		return s.svc.Clock.Now()
	}
	return time.Now()
}
