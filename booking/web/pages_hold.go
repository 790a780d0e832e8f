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
var detailFields = []string{"name", "email", "organisation", "postcode", "access_needs",
	"companion.name", "companion.email", "companion", "consent"}

// heldPlace is the place a hold keeps, as the pages show it. Session, mode
// and expiry come from the signed hold id.
type heldPlace struct {
	HoldID   string
	Session  sessionItem
	Workshop *booking.Workshop
	Mode     booking.Mode
	Until    time.Time
	// Left is the time the hold has left when the page is made.
	Left time.Duration
	// Places is 2 when the hold keeps a place for a companion or carer too.
	Places int
}

// ModeLabel is the way of taking part in the person's words.
func (h heldPlace) ModeLabel() string { return h.Mode.Label() }

// readHold reads the hold of the path: what its signed id carries, lapsed
// or not, without reading the session.
func (s *Server) readHold(c *gin.Context, j *journey) (booking.Hold, error) {
	if err := s.open(j); err != nil {
		return booking.Hold{}, err
	}
	return s.heldPlace(c.Param("hold_id"))
}

// heldPlace reads what a signed hold id carries, from a path, a form or
// the hold cookie alike: an id that is empty, too long or not signed is no
// such place.
func (s *Server) heldPlace(holdID string) (booking.Hold, error) {
	if holdID == "" || len(holdID) > 200 {
		return booking.Hold{}, errNoHeldPlace()
	}
	h, err := s.svc.HeldPlace(holdID)
	if booking.IsCode(err, booking.ENotFound) {
		return booking.Hold{}, errNoHeldPlace()
	}
	return h, err
}

func errNoHeldPlace() error {
	return booking.Errorf(booking.ENotFound, "There is no such place being held.")
}

// readHeld reads the held place of the path with its session, to show. A
// place in a session of the other journey's audience is no such place.
func (s *Server) readHeld(ctx context.Context, c *gin.Context, j *journey) (*heldPlace, error) {
	h, err := s.readHold(c, j)
	if err != nil {
		return nil, err
	}
	return s.heldPlaceOf(ctx, j, h)
}

// heldPlaceOf is the held place h as the pages show it.
func (s *Server) heldPlaceOf(ctx context.Context, j *journey, h booking.Hold) (*heldPlace, error) {
	sess, err := s.svc.Session(ctx, h.SessionID)
	if err != nil {
		return nil, err
	}
	if sess.Workshop == nil || sess.Workshop.Audience != j.audience {
		return nil, errNoHeldPlace()
	}
	return s.newHeldPlace(ctx, h, sess), nil
}

func (s *Server) newHeldPlace(ctx context.Context, h booking.Hold, sess *booking.Session) *heldPlace {
	p := &heldPlace{HoldID: h.ID, Session: s.sessionItemOf(ctx, sess), Workshop: sess.Workshop, Mode: h.Mode, Until: h.ExpiresAt, Places: h.Places}
	p.Left = max(p.Until.Sub(s.now()), 0)
	return p
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
		h, err := s.readHeld(c.Request.Context(), c, j)
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
	// The companion's fields come with a hold of two places, marked so
	// that a name left empty is asked for, not taken as no companion.
	if c.PostForm("companion") == "yes" {
		d.Companion = &booking.Companion{Name: c.PostForm("companion.name"), Email: c.PostForm("companion.email")}
		typed["companion"] = "yes"
		typed["companion.name"], typed["companion.email"] = d.Companion.Name, d.Companion.Email
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
		h, err := s.readHeld(c.Request.Context(), c, j)
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
