package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// The waiting list's pages: joining from a full session, and the pages
// the emailed links open (the place on the list, the offer, leaving), which
// pages_waitlist_entry.go holds.

// waitlistJoinPage is the data of templates/pages/waitlist_join.html.
type waitlistJoinPage struct {
	Page
	Journey *journey
	// Domains are the staff email domains, for the words of the staff form.
	Domains  string
	Workshop *booking.Workshop
	Session  sessionItem
	Mode     booking.Mode
	// OfferTime is how long an offered place is kept, as offerTime says.
	OfferTime string
}

// offerTime says how long a place offered from the waiting list is kept:
// "for 24 hours, or until 2 hours before the session starts if that is
// sooner" (booking.OfferExpiry).
func (s *Server) offerTime() string {
	ttl := s.cfg.OfferTTL
	if ttl <= 0 {
		ttl = booking.DefaultOfferTTL
	}
	return "for " + spanText(ttl) + ", or until " + spanText(booking.OfferCutoff) + " before the session starts if that is sooner"
}

// ModeText is the way of taking part as it reads in a sentence.
func (p *waitlistJoinPage) ModeText() string { return lowerMode(p.Mode) }

// fields are the join form's fields, in the order they appear.
func (p *waitlistJoinPage) fields() []string {
	return append([]string{"mode"}, p.Journey.fields...)
}

// waitlistJoinSession reads the session and mode of a join request: a
// public session, open, offering mode. A mode that is not full sends the
// person back to book instead (redirect true).
func (s *Server) waitlistJoinSession(ctx context.Context, c *gin.Context, j *journey, mode booking.Mode) (*waitlistJoinPage, bool, error) {
	sess, err := s.journeySession(ctx, c, j)
	if err != nil {
		return nil, false, err
	}
	if !mode.Valid() || !sess.Offers(mode) {
		return nil, true, nil
	}
	err = s.svc.WaitlistRefusal(ctx, sess, mode, j.audience)
	if booking.IsCode(err, booking.EConflict) && sess.OpenAt(s.now()) && s.placesLeft(ctx, sess, mode) {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	p := &waitlistJoinPage{
		Page: Page{
			Title:    "Join the waiting list",
			BackLink: j.Prefix + "/sessions/" + strconv.FormatInt(sess.ID, 10),
		},
		Journey:  j,
		Workshop: sess.Workshop, Session: s.sessionItemOf(ctx, sess), Mode: mode, OfferTime: s.offerTime(),
	}
	if j.Staff {
		p.Domains = s.svc.StaffDomainsText()
	}
	return p, false, nil
}

func (s *Server) placesLeft(ctx context.Context, sess *booking.Session, mode booking.Mode) bool {
	return s.svc.PlacesLeft(ctx, sess, mode) > 0
}

func (s *Server) backToSession(c *gin.Context, j *journey) {
	c.Redirect(http.StatusSeeOther, j.Prefix+"/sessions/"+url.PathEscape(c.Param("id")))
}

// waitlistJoinPage asks for the details of someone joining the waiting
// list of a full way of taking part: GET /sessions/:id/waitlist?mode=, or
// /staff/sessions/:id/waitlist?mode=.
func (s *Server) waitlistJoinPage(j *journey) func(*gin.Context) error {
	return func(c *gin.Context) error {
		ctx := c.Request.Context()
		p, back, err := s.waitlistJoinSession(ctx, c, j, booking.Mode(c.Query("mode")))
		if err != nil {
			return err
		}
		if back {
			s.backToSession(c, j)
			return nil
		}
		s.render(c, http.StatusOK, "waitlist_join", p)
		return nil
	}
}

// waitlistJoin puts the person on the list and shows their place on it:
// POST /sessions/:id/waitlist, or /staff/sessions/:id/waitlist (a work
// email address, as the staff route's bookings).
func (s *Server) waitlistJoin(j *journey) func(*gin.Context) error {
	return func(c *gin.Context) error {
		ctx := c.Request.Context()
		mode := booking.Mode(c.PostForm("mode"))
		p, back, err := s.waitlistJoinSession(ctx, c, j, mode)
		if err != nil {
			return err
		}
		if back {
			s.backToSession(c, j)
			return nil
		}
		d, typed := j.formDetails(c)
		e, token, err := s.svc.JoinWaitlist(ctx, p.Session.ID, mode, j.audience, d)
		switch booking.ErrorCode(err) {
		case "":
		case booking.EInvalid, booking.EDuplicate:
			p.Values = typed
			status := http.StatusUnprocessableEntity
			if booking.IsCode(err, booking.EDuplicate) {
				status = http.StatusConflict
				p.AddError("email", booking.ErrorMessage(err)+" Use the link in the email we sent you.")
			} else if !p.SetErrors(err, p.fields()...) {
				return err
			}
			s.render(c, status, "waitlist_join", p)
			return nil
		case booking.EConflict:
			// Places came free meanwhile: book one instead.
			if sess, serr := s.svc.Session(ctx, p.Session.ID); serr == nil && sess.OpenAt(s.now()) && s.placesLeft(ctx, sess, mode) {
				s.backToSession(c, j)
				return nil
			}
			return err
		default:
			return err
		}
		s.metrics.bookings.WithLabelValues("waitlist_joined").Inc()
		c.Redirect(http.StatusSeeOther, "/waitlist/"+url.PathEscape(e.Reference)+"?joined=yes&token="+url.QueryEscape(token))
		return nil
	}
}
