package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// Registering interest through the API (booking/interest.go).

// interestRequest is the body of POST /api/v1/interest.
type interestRequest struct {
	Name     string               `json:"name"`
	Email    string               `json:"email"`
	Modes    []booking.Mode       `json:"modes"`
	Area     string               `json:"area"`
	Times    []booking.TimeOfWeek `json:"times"`
	Audience booking.Audience     `json:"audience"`
}

// interestAccepted is the one answer to a sound registration, whether or
// not the address is known: nobody learns from it who has registered.
var interestAccepted = gin.H{"status": "pending_confirmation",
	"message": "We have emailed a link to confirm this address. Nothing else is sent until it is followed."}

// registerInterest answers POST /api/v1/interest.
func (s *Server) registerInterest(c *gin.Context) error {
	var req interestRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	err := s.svc.RegisterInterest(c.Request.Context(), booking.Interest{Name: req.Name, Email: req.Email,
		Modes: req.Modes, Area: req.Area, Times: req.Times, Audience: req.Audience})
	if err != nil {
		return err
	}
	c.JSON(http.StatusAccepted, interestAccepted)
	return nil
}

// stopInterest answers DELETE /api/v1/interest?token=T.
func (s *Server) stopInterest(c *gin.Context) error {
	if err := s.svc.StopInterest(c.Request.Context(), c.Query("token")); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"status": "stopped"})
	return nil
}

// adminInterestCounts answers GET /api/v1/admin/interest: how many people
// registered, by area and by way of taking part. Counts, never people:
// the person export is where one person's registration is seen.
func (s *Server) adminInterestCounts(c *gin.Context) error {
	audience := booking.Audience(c.DefaultQuery("audience", string(booking.Public)))
	counts, err := s.svc.InterestCounts(c.Request.Context(), audience)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"audience": audience, "total": counts.Total, "by_area": counts.ByArea,
		"by_way": counts.ByWay})
	return nil
}
