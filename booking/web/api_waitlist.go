package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// The waiting list in the JSON API. Joining is in CONTRACT.md; the rest
// (see, accept, decline, leave) takes the token of the emailed link as
// ?token= or a bearer header, as bookings do.

func (s *Server) joinWaitlist(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req placeRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	e, token, err := s.svc.JoinWaitlist(c.Request.Context(), id, req.Mode, booking.Public, req.details())
	if err != nil {
		return err
	}
	s.metrics.bookings.WithLabelValues("waitlist_joined").Inc()
	c.JSON(http.StatusCreated, gin.H{
		"position":   e.Position,
		"reference":  e.Reference,
		"mode":       e.Mode,
		"status":     e.Status,
		"manage_url": s.waitlistURL(e.Reference, token),
	})
	return nil
}

// waitlistURL is the link to a place on the waiting list: it shows the
// position, lets the person leave, and shows an offer when one is made.
func (s *Server) waitlistURL(reference, token string) string {
	return strings.TrimRight(s.cfg.BaseURL, "/") + "/waitlist/" + reference + "?token=" + token
}

type waitlistEntryView struct {
	Reference      string                 `json:"reference"`
	Status         booking.WaitlistStatus `json:"status"`
	Mode           booking.Mode           `json:"mode"`
	Position       int                    `json:"position,omitempty"`
	OfferExpiresAt *time.Time             `json:"offer_expires_at,omitempty"`
	Name           string                 `json:"name"`
	Email          string                 `json:"email"`
	CreatedAt      time.Time              `json:"created_at"`
	Session        sessionView            `json:"session"`
}

func (s *Server) getWaitlistEntry(c *gin.Context) error {
	ctx := c.Request.Context()
	e, err := s.svc.WaitlistEntry(ctx, c.Param("reference"), bookingToken(c))
	if err != nil {
		return err
	}
	sess, err := s.svc.Session(ctx, e.SessionID)
	if err != nil {
		return err
	}
	v := waitlistEntryView{
		Reference: e.Reference, Status: e.Status, Mode: e.Mode, Position: e.Position,
		Name: e.Name, Email: e.Email, CreatedAt: e.CreatedAt, Session: s.viewSession(ctx, sess),
	}
	if e.Status == booking.Offered {
		v.OfferExpiresAt = e.OfferExpiresAt
	}
	ref := refOf(sess.Workshop)
	v.Session.Workshop = &ref
	c.JSON(http.StatusOK, v)
	return nil
}

func (s *Server) acceptOffer(c *gin.Context) error {
	b, token, err := s.svc.AcceptOffer(c.Request.Context(), c.Param("reference"), bookingToken(c))
	if err != nil {
		return err
	}
	s.metrics.bookings.WithLabelValues("offer_accepted").Inc()
	return s.booked(c, b, token)
}

func (s *Server) declineOffer(c *gin.Context) error {
	e, err := s.svc.DeclineOffer(c.Request.Context(), c.Param("reference"), bookingToken(c))
	if err != nil {
		return err
	}
	s.metrics.bookings.WithLabelValues("offer_declined").Inc()
	c.JSON(http.StatusOK, gin.H{"reference": e.Reference, "status": e.Status})
	return nil
}

func (s *Server) leaveWaitlist(c *gin.Context) error {
	e, err := s.svc.LeaveWaitlist(c.Request.Context(), c.Param("reference"), bookingToken(c))
	if err != nil {
		return err
	}
	s.metrics.bookings.WithLabelValues("waitlist_left").Inc()
	c.JSON(http.StatusOK, gin.H{"reference": e.Reference, "status": e.Status})
	return nil
}
