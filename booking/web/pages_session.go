package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

type sessionPage struct {
	Page
	Journey  *journey
	Workshop *booking.Workshop
	Session  sessionItem
	// Choices are the ways of taking part that have places left.
	Choices []modeItem
	// Previous is a hold given up by choosing again from "Check your answers".
	Previous string
	// Carry holds the details already checked, when the person changes how
	// they take part from "Check your answers"; they go back there after.
	Carry map[string]string
	// Held is the place this browser holds in the session, while the hold
	// lasts: the page offers to continue with it or give it up.
	Held *heldPlace
	// Lapsed is the place this browser held until its time ran out, said
	// once.
	Lapsed *heldPlace
	// Released says the person has just given their held place up.
	Released bool
	// Pairs says a way of taking part has two places left, so the person
	// can bring a companion or carer (the public journey asks; the staff
	// route books one person).
	Pairs bool
}

// newSessionPage is the session page for a person who may hold a place in
// it (own, a live hold, or nil): the place they hold counts as theirs.
func (s *Server) newSessionPage(ctx context.Context, j *journey, sess *booking.Session, own *booking.Hold) *sessionPage {
	p := &sessionPage{
		Page:     Page{Title: "How would you like to take part?", BackLink: j.sessionBackLink(sess)},
		Journey:  j,
		Workshop: sess.Workshop,
		Session:  s.sessionItemFor(ctx, sess, own),
	}
	for _, m := range p.Session.Modes {
		if m.Left > 0 {
			p.Choices = append(p.Choices, m)
		}
		p.Pairs = p.Pairs || (m.Left >= 2 && !j.Staff)
	}
	if len(p.Choices) == 1 {
		// One way left (an online-only session, say): the page says it
		// rather than asking people to tick the only radio.
		p.Title = "You will take part " + lowerMode(p.Choices[0].Mode)
	}
	return p
}

// sessionPage asks how the person would like to take part, with the places
// left in each way: GET /sessions/:id, or /staff/sessions/:id.
func (s *Server) sessionPage(j *journey) func(*gin.Context) error {
	return func(c *gin.Context) error {
		ctx := c.Request.Context()
		sess, err := s.journeySession(ctx, c, j)
		if err != nil {
			return err
		}
		if sess.AwaitsDraw() {
			// A ballot before its draw: apply, not book (pages_ballot.go).
			s.render(c, http.StatusOK, "ballot_apply", s.newBallotApplyPage(ctx, sess))
			return nil
		}
		h, fromCookie, ok := s.browserHold(c, sess.ID, c.Query("previous"))
		var own *booking.Hold
		if ok && s.live(h) {
			own = &h
		}
		p := s.newSessionPage(ctx, j, sess, own)
		p.Values = map[string]string{"mode": c.Query("mode")}
		p.Released = c.Query("released") == "yes"
		switch {
		case own != nil && p.Session.Open:
			// Back, a reload or the session opened again: the place is
			// theirs until the hold lapses, never "full".
			p.Held = s.newHeldPlace(ctx, h, sess)
			p.Title = "You are holding a place in this session"
		case ok && fromCookie && !s.live(h):
			// Said once: the cookie goes with it.
			p.Lapsed = s.newHeldPlace(ctx, h, sess)
			s.forgetHold(c)
		}
		s.render(c, http.StatusOK, "session", p)
		return nil
	}
}

// sessionRelease gives up the place this browser holds in the session and
// shows the session again: POST /sessions/:id/release, or
// /staff/sessions/:id/release.
func (s *Server) sessionRelease(j *journey) func(*gin.Context) error {
	return func(c *gin.Context) error {
		ctx := c.Request.Context()
		sess, err := s.journeySession(ctx, c, j)
		if err != nil {
			return err
		}
		if h, _, ok := s.browserHold(c, sess.ID, c.PostForm("hold")); ok {
			if s.live(h) {
				if err := s.svc.ReleaseHold(ctx, h.ID); err != nil {
					return err
				}
			}
			s.forgetHold(c)
		}
		c.Redirect(http.StatusSeeOther, j.Prefix+"/sessions/"+strconv.FormatInt(sess.ID, 10)+"?released=yes")
		return nil
	}
}

// sessionHold takes a hold on a place in the chosen way and sends the
// person on to "Your details": POST /sessions/:id, or /staff/sessions/:id.
func (s *Server) sessionHold(j *journey) func(*gin.Context) error {
	return func(c *gin.Context) error {
		ctx := c.Request.Context()
		sess, err := s.journeySession(ctx, c, j)
		if err != nil {
			return err
		}
		mode := booking.Mode(c.PostForm("mode"))
		places, placesOK := formPlaces(c.PostForm("places"), j)
		previous := c.PostForm("previous")
		carried, carry := s.carriedDetails(c, j)
		// The place this browser already holds here, if any: asked for
		// again (a page shown again by the back button, say), it is the
		// same place, not a second one.
		own := s.ownHold(c, sess.ID, previous)
		if own != nil {
			previous = own.ID
		}
		againAt := func(status int, field, msg string) error {
			p := s.newSessionPage(ctx, j, sess, own)
			p.Previous = previous
			p.Carry = carry
			p.Values = map[string]string{"mode": string(mode), "places": c.PostForm("places")}
			p.AddError(field, msg)
			s.render(c, status, "session", p)
			return nil
		}
		again := func(status int, msg string) error { return againAt(status, "mode", msg) }
		if !mode.Valid() || !sess.Offers(mode) {
			return again(http.StatusUnprocessableEntity, "Select how you would like to take part")
		}
		if !placesOK {
			return againAt(http.StatusUnprocessableEntity, "places", "Select whether you are bringing a companion or carer")
		}
		var h booking.Hold
		if own != nil && own.Mode == mode && own.Places == places {
			h, err = *own, nil
		} else {
			h, err = s.hold(ctx, j, sess.ID, mode, places)
		}
		switch booking.ErrorCode(err) {
		case "":
		case booking.EFull:
			if places == 2 {
				return againAt(http.StatusConflict, "places", "There are not 2 places left to take part "+lowerMode(mode)+", so there is no place for a companion or carer. You can book a place for yourself alone, or join the waiting list.")
			}
			return again(http.StatusConflict, "There are no places left to take part "+lowerMode(mode)+". Choose another way to take part, or another session.")
		case booking.EInvalid:
			return again(http.StatusUnprocessableEntity, "Select how you would like to take part")
		default:
			return err
		}
		if own == nil || own.ID != h.ID {
			s.metrics.holds.WithLabelValues(string(h.Mode)).Inc()
		}
		if previous != "" && previous != h.ID {
			// The place held before is given back at once, not left to lapse.
			_ = s.svc.ReleaseHold(ctx, previous)
		}
		s.keepHold(c, h)
		if carry != nil && (carried.Companion != nil) == (h.Places == 2) {
			// Changed from "Check your answers": back there, with the new place.
			s.render(c, http.StatusOK, "check", &checkPage{Page: Page{Title: checkTitle}, Journey: j, Held: s.newHeldPlace(ctx, h, sess), Details: carried})
			return nil
		}
		c.Redirect(http.StatusSeeOther, j.Prefix+detailsURL(h))
		return nil
	}
}

// sessionChange asks again how the person would like to take part, from
// "Check your answers", carrying the details already checked: POST
// /sessions/:id/change, or /staff/sessions/:id/change.
func (s *Server) sessionChange(j *journey) func(*gin.Context) error {
	return func(c *gin.Context) error {
		ctx := c.Request.Context()
		sess, err := s.journeySession(ctx, c, j)
		if err != nil {
			return err
		}
		p := s.newSessionPage(ctx, j, sess, s.ownHold(c, sess.ID, c.PostForm("previous")))
		p.Previous = c.PostForm("previous")
		carried, carry := s.carriedDetails(c, j)
		p.Carry = carry
		p.Values = map[string]string{"mode": c.PostForm("mode")}
		if carry != nil {
			// Still bringing the companion whose details are carried, unless
			// they say otherwise.
			p.Values["places"] = strconv.Itoa(carried.Places())
		}
		s.render(c, http.StatusOK, "session", p)
		return nil
	}
}

// carriedDetails reads details carried through the session page, when
// they are there and still pass the journey's checks; nil otherwise.
func (s *Server) carriedDetails(c *gin.Context, j *journey) (booking.Details, map[string]string) {
	if c.PostForm("carry") != "yes" {
		return booking.Details{}, nil
	}
	d, typed := j.formDetails(c)
	if s.validate(j, &d) != nil {
		return booking.Details{}, nil
	}
	return d, typed
}

// formPlaces reads "Are you bringing a companion or carer?": 2 for yes,
// 1 for no or not asked (the staff route books one person, and a form
// from before the question was asked has none).
func formPlaces(v string, j *journey) (int, bool) {
	switch {
	case v == "" || v == "1":
		return 1, true
	case v == "2" && !j.Staff:
		return 2, true
	}
	return 0, false
}

// detailsURL is the address of "Your details" for a hold: the signed hold
// id carries the session, the mode and the expiry.
func detailsURL(h booking.Hold) string {
	return "/holds/" + url.PathEscape(h.ID) + "/details"
}

// lowerMode is the mode as it reads inside a sentence: "in person", "online".
func lowerMode(m booking.Mode) string {
	switch m {
	case booking.InPerson:
		return "in person"
	case booking.Online:
		return "online"
	}
	return string(m)
}
