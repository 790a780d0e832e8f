package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/calendar"
)

// The invite of a booking, for its holder, and the feed of a public
// session, for anyone.

// bookingInvite is the latest invite of a booking, with the sequence of the
// last one emailed so a calendar that already has it sees no change.
func (s *Server) bookingInvite(c *gin.Context) error {
	ctx := c.Request.Context()
	b, err := s.svc.Booking(ctx, c.Param("reference"), bookingToken(c))
	if err != nil {
		return err
	}
	if err := booking.RequireVerified(b); err != nil {
		return err // the invite carries the joining link
	}
	sess, err := s.svc.Session(ctx, b.SessionID)
	if err != nil {
		return err
	}
	ics, err := s.deps.Calendar.Invite(sess.Workshop, sess, b, calendar.MethodFor(sess, b), b.InviteSequence, s.now())
	if err != nil {
		return err
	}
	serveICS(c, "invite.ics", ics)
	return nil
}

// sessionFeed is a session as an iCalendar event with no personal data and
// no joining link. Workforce sessions are not published.
func (s *Server) sessionFeed(c *gin.Context) error {
	id, ok := strings.CutSuffix(c.Param("file"), ".ics")
	if !ok {
		return booking.Errorf(booking.ENotFound, "There is nothing at this address.")
	}
	c.AddParam("id", id)
	sid, err := pathID(c)
	if err != nil {
		return err
	}
	sess, err := s.svc.Session(c.Request.Context(), sid)
	if err != nil {
		return err
	}
	if sess.Workshop.Audience != booking.Public {
		return booking.Errorf(booking.ENotFound, "There is no such session or workshop.")
	}
	ics, err := s.deps.Calendar.SessionFeed(sess.Workshop, sess, s.now())
	if err != nil {
		return err
	}
	serveICS(c, "session-"+id+".ics", ics)
	return nil
}

func serveICS(c *gin.Context, filename string, ics []byte) {
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.Data(http.StatusOK, "text/calendar; charset=utf-8", ics)
}
