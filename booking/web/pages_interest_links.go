package web

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// The links in the emails of a registration of interest. Following one
// (GET) only shows what it would do and a button; the button (POST) does
// it: mail scanners and link previews fetch links. The stop link is also
// the List-Unsubscribe one (RFC 8058): a mail program POSTs
// "List-Unsubscribe=One-Click" to it, with no cookie and no Origin, and
// that alone stops the emails. The token is in the query string, which
// the access log never writes.

type interestLinkPage struct {
	Page
	Interest *booking.Interest
	Action   string
	Way      string
	Area     string
	Times    string
	// Home is the start page of the registration's route.
	Home string
}

func (s *Server) interestLinkPage(title string, in *booking.Interest, action string) *interestLinkPage {
	p := &interestLinkPage{Page: Page{Title: title}, Interest: in, Action: action, Home: "/"}
	if in == nil {
		return p
	}
	if in.Audience == booking.Workforce {
		p.Home = "/staff"
	}
	for _, w := range interestWays {
		if w.Value == booking.WayOf(in.Modes) {
			p.Way = w.Label
		}
	}
	if a, ok := booking.AreaByID(in.Area); ok {
		p.Area = a.Name
	}
	p.Times = "Any time"
	if len(in.Times) > 0 {
		p.Times = ""
		for i, t := range in.Times {
			if i > 0 {
				p.Times += ", "
			}
			p.Times += t.Label()
		}
	}
	return p
}

// interestConfirmPage shows the registration a link would confirm: GET
// /interest/confirm?token=.
func (s *Server) interestConfirmPage(c *gin.Context) error {
	token := c.Query("token")
	in, err := s.svc.InterestByToken(c.Request.Context(), token)
	if err != nil {
		return err
	}
	if in.Confirmed() {
		s.render(c, http.StatusOK, "interest_confirmed", s.interestLinkPage("You have confirmed your email address", in, ""))
		return nil
	}
	s.render(c, http.StatusOK, "interest_confirm",
		s.interestLinkPage("Confirm your email address", in, "/interest/confirm?token="+url.QueryEscape(token)))
	return nil
}

// interestConfirm confirms it: POST /interest/confirm?token=.
func (s *Server) interestConfirm(c *gin.Context) error {
	in, err := s.svc.ConfirmInterest(c.Request.Context(), c.Query("token"))
	if err != nil {
		return err
	}
	s.render(c, http.StatusOK, "interest_confirmed", s.interestLinkPage("You have confirmed your email address", in, ""))
	return nil
}

// interestStopPage asks whether to stop the emails: GET
// /interest/stop?token=.
func (s *Server) interestStopPage(c *gin.Context) error {
	token := c.Query("token")
	in, err := s.svc.InterestByToken(c.Request.Context(), token)
	if err != nil {
		return err
	}
	s.render(c, http.StatusOK, "interest_stop",
		s.interestLinkPage("Stop emails about workshops", in, "/interest/stop?token="+url.QueryEscape(token)))
	return nil
}

// interestStop stops them: POST /interest/stop?token=, from the page's
// button or a mail program's one click.
func (s *Server) interestStop(c *gin.Context) error {
	if err := s.svc.StopInterest(c.Request.Context(), c.Query("token")); err != nil {
		return err
	}
	s.render(c, http.StatusOK, "interest_stopped", s.interestLinkPage("You will not get any more emails", nil, ""))
	return nil
}
