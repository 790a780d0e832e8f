package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// The staff route: council staff book workforce sessions here, with their
// work email address, and confirm the booking from the link emailed to it
// (booking/staff.go). The journey mirrors the public one: the list, "How
// would you like to take part?", "Your details", "Check your answers",
// then "Check your email" instead of the confirmation, which comes once the
// link is followed. Handlers: pages_staff.go (list, way of taking part),
// pages_staff_details.go (details, answers, booking), pages_staff_verify.go
// (the link).
func (s *Server) staffPageRoutes(r *gin.Engine) {
	r.GET("/staff", s.page("page_staff_start", s.staffStartPage))
	r.GET("/staff/sessions/:id", s.page("page_staff_session", s.staffSessionPage))
	r.POST("/staff/sessions/:id", s.page("page_staff_session_hold", s.staffSessionHold))
	r.POST("/staff/sessions/:id/change", s.page("page_staff_session_change", s.staffSessionChange))
	r.GET("/staff/holds/:hold_id/details", s.page("page_staff_details", s.staffDetailsPage))
	r.POST("/staff/holds/:hold_id/details", s.page("page_staff_details_check", s.staffDetailsCheck))
	r.POST("/staff/holds/:hold_id/confirm", s.page("page_staff_confirm", s.staffConfirm))
	r.GET("/staff/bookings/:reference/sent", s.page("page_staff_sent", s.staffSentPage))
	r.GET("/staff/verify/:token", s.page("page_staff_verify", s.staffVerifyPage))
	r.POST("/staff/verify/:token", s.page("page_staff_verify_confirm", s.staffVerifyConfirm))
}

const staffTitle = "Book a workforce workshop"

type staffStartPage struct {
	Page
	// Open is false when no staff email domain is configured: the page
	// says so and lists nothing.
	Open      bool
	Domains   string // "@coventry.gov.uk", for the words on the page
	Workshops []workshopItem
}

// staffStartPage lists the upcoming workforce sessions with the places
// left: GET /staff.
func (s *Server) staffStartPage(c *gin.Context) error {
	p := &staffStartPage{Page: Page{Title: staffTitle}, Open: s.svc.StaffBookingOpen(), Domains: s.svc.StaffDomainsText()}
	if !p.Open {
		s.render(c, http.StatusOK, "staff_start", p)
		return nil
	}
	ctx := c.Request.Context()
	ws, err := s.svc.Store.Workshops(ctx, booking.Workforce, s.now())
	if err != nil {
		return err
	}
	for _, w := range ws {
		it := workshopItem{ID: w.ID, Title: w.Title, Summary: w.Summary}
		for _, sess := range w.Sessions {
			it.Sessions = append(it.Sessions, s.sessionItemOf(ctx, sess))
		}
		p.Workshops = append(p.Workshops, it)
	}
	s.render(c, http.StatusOK, "staff_start", p)
	return nil
}

// staffSession reads a session the staff pages may book: a workforce one,
// while the staff route is set up.
func (s *Server) staffSession(ctx context.Context, c *gin.Context) (*booking.Session, error) {
	if !s.svc.StaffBookingOpen() {
		return nil, s.staffNotSetUp()
	}
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	sess, err := s.svc.Store.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	if sess.Workshop == nil || sess.Workshop.Audience != booking.Workforce {
		return nil, booking.Errorf(booking.EForbidden,
			"This session is open to everyone. Book it through the public booking pages at /sessions/%d.", sess.ID)
	}
	return sess, nil
}

func (s *Server) newStaffSessionPage(ctx context.Context, sess *booking.Session) *sessionPage {
	p := &sessionPage{
		Page:     Page{Title: "How would you like to take part?", BackLink: "/staff"},
		Workshop: sess.Workshop,
		Session:  s.sessionItemOf(ctx, sess),
	}
	for _, m := range p.Session.Modes {
		if m.Left > 0 {
			p.Choices = append(p.Choices, m)
		}
	}
	return p
}

// staffSessionPage asks how the person would like to take part in a
// workforce session: GET /staff/sessions/:id.
func (s *Server) staffSessionPage(c *gin.Context) error {
	ctx := c.Request.Context()
	sess, err := s.staffSession(ctx, c)
	if err != nil {
		return err
	}
	p := s.newStaffSessionPage(ctx, sess)
	p.Previous = c.Query("previous")
	p.Values = map[string]string{"mode": c.Query("mode")}
	s.render(c, http.StatusOK, "staff_session", p)
	return nil
}

// staffSessionHold holds a place in the chosen way and sends the person on
// to "Your details": POST /staff/sessions/:id.
func (s *Server) staffSessionHold(c *gin.Context) error {
	ctx := c.Request.Context()
	sess, err := s.staffSession(ctx, c)
	if err != nil {
		return err
	}
	mode := booking.Mode(c.PostForm("mode"))
	previous := c.PostForm("previous")
	carried, carry := s.staffCarried(c)
	again := func(status int, msg string) error {
		p := s.newStaffSessionPage(ctx, sess)
		p.Previous = previous
		p.Carry = carry
		p.Values = map[string]string{"mode": string(mode)}
		p.AddError("mode", msg)
		s.render(c, status, "staff_session", p)
		return nil
	}
	if !mode.Valid() || !sess.Offers(mode) {
		return again(http.StatusUnprocessableEntity, "Select how you would like to take part")
	}
	h, err := s.svc.StaffHold(ctx, sess.ID, mode)
	switch booking.ErrorCode(err) {
	case "":
	case booking.EFull:
		return again(http.StatusConflict, "There are no places left to take part "+lowerMode(mode)+". Choose another way to take part, or another session.")
	case booking.EInvalid:
		return again(http.StatusUnprocessableEntity, "Select how you would like to take part")
	default:
		return err
	}
	s.metrics.holds.WithLabelValues(string(h.Mode)).Inc()
	if previous != "" && previous != h.ID {
		// The place held before is given back at once, not left to lapse.
		_ = s.svc.ReleaseHold(ctx, previous)
	}
	if carry != nil {
		// Changed from "Check your answers": back there, with the new place.
		held := &heldPlace{HoldID: h.ID, Session: s.sessionItemOf(ctx, sess), Workshop: sess.Workshop, Mode: h.Mode, Until: h.ExpiresAt}
		held.Left = max(held.Until.Sub(s.now()), 0)
		s.render(c, http.StatusOK, "staff_check", &staffCheckPage{Page: Page{Title: checkTitle}, Held: held, Details: carried})
		return nil
	}
	c.Redirect(http.StatusSeeOther, "/staff"+detailsURL(h))
	return nil
}

// staffSessionChange asks again how the person would like to take part,
// from "Check your answers", carrying the details already checked:
// POST /staff/sessions/:id/change.
func (s *Server) staffSessionChange(c *gin.Context) error {
	ctx := c.Request.Context()
	sess, err := s.staffSession(ctx, c)
	if err != nil {
		return err
	}
	p := s.newStaffSessionPage(ctx, sess)
	p.Previous = c.PostForm("previous")
	p.Values = map[string]string{"mode": c.PostForm("mode")}
	_, p.Carry = s.staffCarried(c)
	s.render(c, http.StatusOK, "staff_session", p)
	return nil
}

// staffCarried reads details carried through the session page, when they
// are there and still pass the staff checks; nil otherwise.
func (s *Server) staffCarried(c *gin.Context) (booking.Details, map[string]string) {
	if c.PostForm("carry") != "yes" {
		return booking.Details{}, nil
	}
	d, typed := staffFormDetails(c)
	if s.svc.ValidateStaffDetails(&d) != nil {
		return booking.Details{}, nil
	}
	return d, typed
}

// staffHeld reads the held place of the staff pages from the query (GET)
// or form (POST), as readHeld does for the public ones. Session, mode and
// expiry are for display only: booking redeems the signed hold id, and the
// store refuses a session that is not a workforce one.
func (s *Server) staffHeld(ctx context.Context, c *gin.Context, get func(string) string) (*heldPlace, error) {
	if !s.svc.StaffBookingOpen() {
		return nil, s.staffNotSetUp()
	}
	notFound := booking.Errorf(booking.ENotFound, "There is no such place being held.")
	id, err := strconv.ParseInt(get("session"), 10, 64)
	if err != nil || id <= 0 {
		return nil, notFound
	}
	mode := booking.Mode(get("mode"))
	until, err := strconv.ParseInt(get("until"), 10, 64)
	holdID := c.Param("hold_id")
	if !mode.Valid() || err != nil || holdID == "" || len(holdID) > 200 {
		return nil, notFound
	}
	sess, err := s.svc.Store.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	if sess.Workshop == nil || sess.Workshop.Audience != booking.Workforce {
		return nil, notFound
	}
	h := &heldPlace{HoldID: holdID, Session: s.sessionItemOf(ctx, sess), Workshop: sess.Workshop, Mode: mode, Until: time.Unix(until, 0)}
	h.Left = max(h.Until.Sub(s.now()), 0)
	return h, nil
}

// staffSentURL is the "Check your email" page of a booking.
func staffSentURL(b *booking.Booking, token string) string {
	return "/staff/bookings/" + url.PathEscape(b.Reference) + "/sent?token=" + url.QueryEscape(token)
}

// staffNotSetUp refuses the staff pages while STAFF_EMAIL_DOMAINS is not
// set, saying whom to ask instead.
func (s *Server) staffNotSetUp() error {
	return booking.Errorf(booking.EUnavailable, "Booking for council staff is not set up yet. To book a place, email the One Coventry Plan team at %s.", s.contact())
}
