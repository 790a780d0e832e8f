package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/competition"
)

// The page a parent or carer reaches from the emailed link, to agree to
// the entry of a child under 13: GET shows the entry and a button, POST
// confirms. Only the entrant's first name, age and title are shown: the
// link is the credential.

type competitionConfirmPage struct {
	Page
	Entry     *competition.Entry
	Token     string
	Confirmed bool
}

func (s *Server) competitionConfirmPage(c *gin.Context) error {
	token := c.Param("token")
	e, err := s.deps.Competition.AwaitingConfirmation(c.Request.Context(), token)
	if booking.IsCode(err, booking.ENotFound) {
		s.render(c, http.StatusNotFound, "competition_confirm", &competitionConfirmPage{Page: Page{Title: "This link cannot be used"}})
		return nil
	}
	if err != nil {
		return err
	}
	s.render(c, http.StatusOK, "competition_confirm", &competitionConfirmPage{
		Page: Page{Title: "Agree to " + e.FirstName + "’s poster competition entry"}, Entry: e, Token: token})
	return nil
}

func (s *Server) competitionConfirm(c *gin.Context) error {
	e, err := s.deps.Competition.Confirm(c.Request.Context(), c.Param("token"))
	if booking.IsCode(err, booking.ENotFound) {
		s.render(c, http.StatusNotFound, "competition_confirm", &competitionConfirmPage{Page: Page{Title: "This link cannot be used"}})
		return nil
	}
	if err != nil {
		return err
	}
	s.render(c, http.StatusOK, "competition_confirm", &competitionConfirmPage{
		Page: Page{Title: "Entry confirmed"}, Entry: e, Confirmed: true})
	return nil
}
