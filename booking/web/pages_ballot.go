package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// The public pages of a ballot session (booking/ballots.go): until its
// draw, the session page asks people to apply; the method of the draw has a
// page of its own, linked from every ballot page.

// ballotMethodPath is the public page describing the draw exactly.
const ballotMethodPath = "/ballots/how-the-draw-works"

// applyFields are the application form's fields, in the order they appear.
var applyFields = append([]string{"mode", "area"}, detailFields...)

// ballotApplyPage is the data of templates/pages/ballot_apply.html.
type ballotApplyPage struct {
	Page
	Workshop *booking.Workshop
	Session  sessionItem
	// ClosesAt is when applications close, in words; Closed says they have.
	ClosesAt string
	Closed   bool
	// Wards and Others are the answers to the area question: the wards, then
	// "Outside Coventry" and "Prefer not to say" after a divider.
	Wards, Others []booking.Area
}

func (s *Server) newBallotApplyPage(ctx context.Context, sess *booking.Session) *ballotApplyPage {
	p := &ballotApplyPage{
		Page:     Page{Title: "Apply for a place", BackLink: "/workshops/" + strconv.FormatInt(sess.WorkshopID, 10)},
		Workshop: sess.Workshop, Session: s.sessionItemOf(ctx, sess),
		Closed: !sess.ApplyingAt(s.now()),
	}
	if sess.ApplicationsCloseAt != nil {
		p.ClosesAt = booking.At(*sess.ApplicationsCloseAt)
	}
	if p.Closed {
		p.Title = "Applications for this session have closed"
	}
	for _, a := range booking.Areas() {
		if a.Ward {
			p.Wards = append(p.Wards, a)
		} else {
			p.Others = append(p.Others, a)
		}
	}
	return p
}

// ballotApply takes an application from the session page's form:
// POST /sessions/:id/apply.
func (s *Server) ballotApply(c *gin.Context) error {
	ctx := c.Request.Context()
	sess, err := s.journeySession(ctx, c, publicJourney)
	if err != nil {
		return err
	}
	if !sess.AwaitsDraw() {
		s.backToSession(c, publicJourney)
		return nil
	}
	p := s.newBallotApplyPage(ctx, sess)
	d, typed := formDetails(c)
	mode, area := booking.Mode(c.PostForm("mode")), c.PostForm("area")
	typed["mode"], typed["area"] = string(mode), area
	a, err := s.svc.Apply(ctx, sess.ID, booking.ApplicationInput{Mode: mode, Area: area, Details: d})
	switch booking.ErrorCode(err) {
	case "":
	case booking.EInvalid:
		p.Values = typed
		if !p.SetErrors(err, applyFields...) {
			return err
		}
		s.render(c, http.StatusUnprocessableEntity, "ballot_apply", p)
		return nil
	case booking.EDuplicate:
		p.Values = typed
		p.AddError("email", booking.ErrorMessage(err))
		s.render(c, http.StatusConflict, "ballot_apply", p)
		return nil
	default:
		return err
	}
	s.metrics.bookings.WithLabelValues("ballot_applied").Inc()
	done := &ballotAppliedPage{Page: Page{Title: "Application received"}, Workshop: sess.Workshop,
		Session: p.Session, Reference: a.Reference, ClosesAt: p.ClosesAt, Mode: a.Mode}
	s.render(c, http.StatusOK, "ballot_applied", done)
	return nil
}

// ballotAppliedPage is the data of templates/pages/ballot_applied.html.
type ballotAppliedPage struct {
	Page
	Workshop  *booking.Workshop
	Session   sessionItem
	Reference string
	ClosesAt  string
	Mode      booking.Mode
}

// ModeText is the way of taking part as it reads in a sentence.
func (p *ballotAppliedPage) ModeText() string { return lowerMode(p.Mode) }
