package web

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPIDocument is the OpenAPI 3.1 document of the JSON API, written by
// hand. openapi_test.go keeps it true: every route is in it, and every
// answer the API tests see is validated against it.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPI serves the document at /api/v1/openapi.json.
func (s *Server) openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openAPIDocument)
}
