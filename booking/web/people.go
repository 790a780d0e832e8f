package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// The admins' tools for people's rights over their data: see everything
// held about an email address, and erase it. The address is a query
// parameter, which the access log leaves out.

// personEmail reads ?email=, refusing a request with none or several.
func personEmail(c *gin.Context) (string, error) {
	values := c.QueryArray("email")
	if len(values) != 1 {
		return "", booking.FieldErrors(map[string]string{"email": "Give one email address, as ?email=name@example.org"})
	}
	return values[0], nil
}

func (s *Server) adminExportPerson(c *gin.Context) error {
	email, err := personEmail(c)
	if err != nil {
		return err
	}
	data, err := s.svc.ExportPerson(c.Request.Context(), email)
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", `attachment; filename="personal-data.json"`)
	c.JSON(http.StatusOK, data)
	return nil
}

func (s *Server) adminErasePerson(c *gin.Context) error {
	email, err := personEmail(c)
	if err != nil {
		return err
	}
	e, err := s.svc.ErasePerson(c.Request.Context(), email)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, e)
	return nil
}
