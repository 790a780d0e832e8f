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

// The details form's fields, in the order they appear on the page (the
// error summary follows it).
var detailFields = []string{"name", "email", "organisation", "postcode", "access_needs", "consent"}

// heldPlace is the place a hold keeps, as the pages show it. Session, mode
// and expiry come from the page's address or hidden fields, for display
// only: booking redeems the signed hold id, which names its own session.
type heldPlace struct {
	HoldID   string
	Session  sessionItem
	Workshop *booking.Workshop
	Mode     booking.Mode
	Until    time.Time
	// Left is the time the hold has left when the page is made.
	Left time.Duration
}

// ModeLabel is the way of taking part in the person's words.
func (h heldPlace) ModeLabel() string { return h.Mode.Label() }

// Query is the part of the address that carries the place from page to page.
func (h heldPlace) Query() string {
	return "session=" + strconv.FormatInt(h.Session.ID, 10) + "&mode=" + string(h.Mode) + "&until=" + strconv.FormatInt(h.Until.Unix(), 10)
}

// readHeld reads the held place from the query (GET) or form (POST). A
// place in a session of the other journey's audience is no such place.
func (s *Server) readHeld(ctx context.Context, c *gin.Context, j *journey, get func(string) string) (*heldPlace, error) {
	if err := s.open(j); err != nil {
		return nil, err
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
	sess, err := s.svc.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	if sess.Workshop == nil || sess.Workshop.Audience != j.audience {
		return nil, notFound
	}
	h := &heldPlace{HoldID: holdID, Session: s.sessionItemOf(ctx, sess), Workshop: sess.Workshop, Mode: mode, Until: time.Unix(until, 0)}
	h.Left = max(h.Until.Sub(s.now()), 0)
	return h, nil
}

type detailsPage struct {
	Page
	Journey *journey
	Held    *heldPlace
	// Domains are the staff email domains, "@coventry.gov.uk", for the
	// words of the staff form.
	Domains string
}

func (s *Server) newDetailsPage(j *journey, h *heldPlace) *detailsPage {
	p := &detailsPage{
		Page:    Page{Title: "Your details", BackLink: j.Prefix + "/sessions/" + strconv.FormatInt(h.Session.ID, 10) + "?previous=" + h.HoldID},
		Journey: j,
		Held:    h,
	}
	if j.Staff {
		p.Domains = s.svc.StaffDomainsText()
	}
	return p
}

// detailsPage asks for the person's details under a hold: GET
// /holds/:hold_id/details, or /staff/holds/:hold_id/details.
func (s *Server) detailsPage(j *journey) func(*gin.Context) error {
	return func(c *gin.Context) error {
		h, err := s.readHeld(c.Request.Context(), c, j, c.Query)
		if err != nil {
			return err
		}
		s.render(c, http.StatusOK, "details", s.newDetailsPage(j, h))
		return nil
	}
}

// formDetails reads the details fields of a form, and the same values as
// typed, to show again.
func formDetails(c *gin.Context) (booking.Details, map[string]string) {
	d := booking.Details{
		Name: c.PostForm("name"), Email: c.PostForm("email"), Organisation: c.PostForm("organisation"),
		// A browser sends a textarea's line breaks as CRLF but counts each
		// as one character against maxlength: keep them as one here too.
		Postcode: c.PostForm("postcode"), AccessNeeds: strings.ReplaceAll(c.PostForm("access_needs"), "\r\n", "\n"),
		Consent: c.PostForm("consent") == "yes",
	}
	typed := map[string]string{
		"name": d.Name, "email": d.Email, "organisation": d.Organisation,
		"postcode": d.Postcode, "access_needs": d.AccessNeeds,
	}
	if d.Consent {
		typed["consent"] = "yes"
	}
	return d, typed
}

const checkTitle = "Check your answers before booking your place"

type checkPage struct {
	Page
	Journey *journey
	Held    *heldPlace
	Details booking.Details
}

// detailsCheck checks the details, for staff the email address against the
// staff domains too, and shows "Check your answers", or the form again with
// its errors. A "Change" button on "Check your answers" posts here with
// change set, to show the form filled in: POST /holds/:hold_id/details, or
// /staff/holds/:hold_id/details.
func (s *Server) detailsCheck(j *journey) func(*gin.Context) error {
	return func(c *gin.Context) error {
		h, err := s.readHeld(c.Request.Context(), c, j, c.PostForm)
		if err != nil {
			return err
		}
		d, typed := j.formDetails(c)
		if c.PostForm("change") != "" {
			p := s.newDetailsPage(j, h)
			p.Values = typed
			s.render(c, http.StatusOK, "details", p)
			return nil
		}
		if err := s.validate(j, &d); err != nil {
			p := s.newDetailsPage(j, h)
			p.Values = typed
			if !p.SetErrors(err, j.fields...) {
				return err
			}
			s.render(c, http.StatusUnprocessableEntity, "details", p)
			return nil
		}
		s.render(c, http.StatusOK, "check", &checkPage{Page: Page{Title: checkTitle}, Journey: j, Held: h, Details: d})
		return nil
	}
}
