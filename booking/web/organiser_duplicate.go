package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// Duplicating a session: the form for a new session of the same workshop,
// filled in from the session in :id (its times of day, venue, places in
// each way of taking part and joining link), with the date left for the
// organiser to choose. It posts to the usual "add a session" route, so the
// new session is made, checked and audited as any other. Bookings, waiting
// lists and facilitators are not copied: they belong to the date.
//
// The joining link is copied when the organiser types links in; where the
// service makes a Teams meeting for each session (Meetings), it is left
// empty so the new session gets a meeting of its own.

// organiserSessionDuplicate is GET /admin/sessions/:id/duplicate.
func (s *Server) organiserSessionDuplicate(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	sess, err := s.svc.Session(c.Request.Context(), id)
	if err != nil {
		return err
	}
	p, err := s.sessionFormFor(c, sess.WorkshopID)
	if err != nil {
		return err
	}
	p.Title = "Duplicate the session"
	p.CopiedFrom = whenText(sess.StartsAt, sess.EndsAt)
	p.BackLink = sessionPath(sess.ID)
	v := map[string]string{
		"venue_name": sess.Venue.Name, "venue_address": sess.Venue.Address,
		"capacity_in_person": strconv.Itoa(sess.PlacesFor(booking.InPerson).Capacity),
		"capacity_online":    strconv.Itoa(sess.PlacesFor(booking.Online).Capacity),
	}
	if !p.MakesMeetings {
		v["online_url"] = sess.OnlineURL
	}
	t := timesOf(sess.StartsAt, sess.EndsAt)
	t.Day, t.Month, t.Year = "", "", ""
	t.values(v)
	p.Values = v
	s.render(c, http.StatusOK, "organiser_session_form", p)
	return nil
}
