package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/competition"
)

// The admins' tools for people's rights over their data: see everything
// held about an email address (or, for someone booked by phone without
// one, a UK phone number), and erase it. The address or number is a query
// parameter, which the access log leaves out.

// personOf reads ?email= or ?phone=, refusing a request with neither, both
// or several.
func personOf(c *gin.Context) (booking.Person, error) {
	emails, phones := c.QueryArray("email"), c.QueryArray("phone")
	switch {
	case len(emails) == 1 && len(phones) == 0:
		return booking.CheckPerson(emails[0], "")
	case len(phones) == 1 && len(emails) == 0:
		return booking.CheckPerson("", phones[0])
	}
	return booking.Person{}, booking.FieldErrors(map[string]string{"email": "Give one email address, as ?email=name@example.org, or one phone number, as ?phone=02476833333"})
}

func (s *Server) adminExportPerson(c *gin.Context) error {
	p, err := personOf(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	data, err := s.svc.ExportPerson(ctx, p)
	if err != nil {
		return err
	}
	out := personalData{PersonalData: data, CompetitionEntries: []*competition.Entry{}}
	if p.Email != "" && s.deps.Competition != nil {
		if out.CompetitionEntries, err = s.deps.Competition.Store.EntriesOf(ctx, p.Email); err != nil {
			return err
		}
	}
	c.Header("Content-Disposition", `attachment; filename="personal-data.json"`)
	c.JSON(http.StatusOK, out)
	return nil
}

// personalData is everything held about a person: their bookings and
// waiting-list places, and the poster entries they agreed to as a parent
// or carer.
type personalData struct {
	*booking.PersonalData
	CompetitionEntries []*competition.Entry `json:"competition_entries"`
}

// erasure is what erasing a person did, poster entries included.
type erasure struct {
	*booking.Erasure
	CompetitionEntries int `json:"competition_entries_erased"`
}

func (s *Server) adminErasePerson(c *gin.Context) error {
	p, err := personOf(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	e, err := s.svc.ErasePerson(ctx, p)
	if err != nil {
		return err
	}
	out := erasure{Erasure: e}
	if p.Email != "" && s.deps.Competition != nil {
		if out.CompetitionEntries, err = s.deps.Competition.EraseOf(ctx, p.Email); err != nil {
			return err
		}
	}
	c.JSON(http.StatusOK, out)
	return nil
}
