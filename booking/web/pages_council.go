package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// staticPage serves one of the pages a council must have (accessibility
// statement, privacy notice, cookies), whose words live in its template.
func (s *Server) staticPage(name, title string) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		s.render(c, http.StatusOK, name, &Page{Title: title})
		return nil
	}
}
