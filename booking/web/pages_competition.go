package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/competition"
)

// The poster competition's public pages: what it is, the entry form (a
// multipart form that works without JavaScript), the page after an entry,
// a parent's or carer's removal of an entry, and the winners once
// published.

const competitionTitle = "Coventry in 2030: poster competition"

type competitionPage struct {
	Page
	Open             bool
	HasDate          bool
	Closes           string
	WinnersPublished bool
}

func (s *Server) competitionPage(c *gin.Context) error {
	cs := s.deps.Competition
	published, _, err := cs.Store.Winners(c.Request.Context())
	if err != nil {
		return err
	}
	p := &competitionPage{Page: Page{Title: competitionTitle}, Open: cs.Open(), HasDate: !cs.ClosesAt.IsZero(),
		WinnersPublished: published}
	if p.HasDate {
		p.Closes = booking.At(cs.ClosesAt)
	}
	s.render(c, http.StatusOK, "competition", p)
	return nil
}

type entryFormPage struct {
	Page
	Closes string
	Areas  []booking.Area
}

// entryFieldOrder is the order of the form's fields, for the error summary.
var entryFieldOrder = []string{"first_name", "age", "area", "title", "guardian_email", "file"}

func (s *Server) newEntryForm() *entryFormPage {
	return &entryFormPage{Page: Page{Title: "Enter the poster competition", BackLink: "/competition"},
		Closes: booking.At(s.deps.Competition.ClosesAt), Areas: booking.Areas()}
}

func (s *Server) competitionEnterForm(c *gin.Context) error {
	if !s.deps.Competition.Open() {
		c.Redirect(http.StatusSeeOther, "/competition")
		return nil
	}
	s.render(c, http.StatusOK, "competition_enter", s.newEntryForm())
	return nil
}

func (s *Server) competitionEnter(c *gin.Context) error {
	in, file, err := readEntry(c)
	var e *competition.Entry
	if err == nil {
		e, err = s.deps.Competition.Enter(c.Request.Context(), in, file)
	}
	if booking.IsCode(err, booking.EConflict) && !s.deps.Competition.Open() {
		c.Redirect(http.StatusSeeOther, "/competition")
		return nil
	}
	code := booking.ErrorCode(err)
	if code == booking.EInvalid || code == booking.ETooLarge {
		p := s.newEntryForm()
		p.Values = map[string]string{"first_name": in.FirstName, "age": in.Age, "area": in.Area, "title": in.Title,
			"guardian_email": in.GuardianEmail}
		if !p.SetErrors(err, entryFieldOrder...) {
			p.AddError("file", booking.ErrorMessage(err))
		}
		status := http.StatusUnprocessableEntity
		if code == booking.ETooLarge {
			status = http.StatusRequestEntityTooLarge
		}
		s.render(c, status, "competition_enter", p)
		return nil
	}
	if err != nil {
		return err
	}
	q := url.Values{"reference": {e.Reference}}
	if e.Status == competition.AwaitingGuardian {
		q.Set("parent", "1")
	}
	c.Redirect(http.StatusSeeOther, "/competition/entered?"+q.Encode())
	return nil
}

type enteredPage struct {
	Page
	Reference        string
	AwaitingGuardian bool
}

// competitionEntered shows the reference it is given: it reads nothing,
// so it tells a stranger nothing about anyone's entry.
func (s *Server) competitionEntered(c *gin.Context) error {
	ref := strings.TrimSpace(c.Query("reference"))
	if len(ref) != 9 || strings.Trim(strings.ToUpper(ref), "ABCDEFGHJKMNPQRSTUVWXYZ23456789-") != "" {
		return booking.Errorf(booking.ENotFound, "There is nothing at this address.")
	}
	p := &enteredPage{Page: Page{Title: "Entry sent"}, Reference: ref, AwaitingGuardian: c.Query("parent") == "1"}
	if p.AwaitingGuardian {
		p.Title = "Entry sent: waiting for your parent or carer"
	}
	s.render(c, http.StatusOK, "competition_entered", p)
	return nil
}

type removePage struct {
	Page
	Removed bool
}

const removeTitle = "Remove a poster competition entry"

func (s *Server) competitionRemoveForm(c *gin.Context) error {
	s.render(c, http.StatusOK, "competition_remove", &removePage{Page: Page{Title: removeTitle, BackLink: "/competition"}})
	return nil
}

func (s *Server) competitionRemove(c *gin.Context) error {
	ref, email := c.PostForm("reference"), c.PostForm("email")
	err := s.deps.Competition.RemoveByGuardian(c.Request.Context(), ref, email)
	if code := booking.ErrorCode(err); code == booking.EInvalid || code == booking.ENotFound {
		p := &removePage{Page: Page{Title: removeTitle, BackLink: "/competition",
			Values: map[string]string{"reference": ref, "email": email}}}
		status := http.StatusUnprocessableEntity
		if !p.SetErrors(err, "reference", "email") {
			p.AddError("reference", booking.ErrorMessage(err))
			status = http.StatusNotFound
		}
		s.render(c, status, "competition_remove", p)
		return nil
	}
	if err != nil {
		return err
	}
	s.render(c, http.StatusOK, "competition_remove", &removePage{Page: Page{Title: "Entry removed"}, Removed: true})
	return nil
}

type winnersPage struct {
	Page
	Published bool
	Winners   []competition.Winner
}

func (s *Server) competitionWinners(c *gin.Context) error {
	published, winners, err := s.deps.Competition.Store.Winners(c.Request.Context())
	if err != nil {
		return err
	}
	if !published {
		winners = nil
	}
	for i := range winners {
		winners[i].Area = competition.AreaName(winners[i].Area)
	}
	s.render(c, http.StatusOK, "competition_winners", &winnersPage{Page: Page{Title: "Poster competition winners"},
		Published: published, Winners: winners})
	return nil
}
