package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// Ballot sessions in the JSON API (booking/ballots.go): applying, and the
// organisers' draw.

// applicationRequest is a booking's details with the person's area.
type applicationRequest struct {
	placeRequest
	Area string `json:"area"`
}

func (s *Server) applyForPlace(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req applicationRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	a, err := s.svc.Apply(c.Request.Context(), id, booking.ApplicationInput{
		Mode: req.Mode, Area: req.Area, Details: req.details(),
	})
	if err != nil {
		return err
	}
	s.metrics.bookings.WithLabelValues("ballot_applied").Inc()
	c.JSON(http.StatusCreated, gin.H{"reference": a.Reference, "status": "applied"})
	return nil
}

func (s *Server) adminDraw(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req struct {
		Seed string `json:"seed"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	d, err := s.svc.Draw(c.Request.Context(), id, req.Seed)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, d)
	return nil
}

func (s *Server) adminGetDraw(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	d, err := s.svc.BallotDraw(c.Request.Context(), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, d)
	return nil
}
