package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// contentSecurityPolicy allows nothing from anywhere but this service: no
// inline scripts or styles, no third-party requests (manage links carry
// tokens), no framing, forms posting only here.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// newCrossOrigin is the standard library's CSRF protection: a browser's
// cross-origin POST (Sec-Fetch-Site or Origin naming another site) is
// refused. Requests with neither header, like API clients', pass.
func newCrossOrigin() *http.CrossOriginProtection {
	return http.NewCrossOriginProtection()
}

// protect sets the Content-Security-Policy on every answer and refuses
// cross-origin form posts: with a page for a browser, the contract's JSON
// error for the API.
func (s *Server) protect(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if err := s.crossOrigin.Check(c.Request); err != nil {
		s.metrics.refusals.WithLabelValues("cross_origin").Inc()
		if wantsPage(c) {
			s.renderError(c, http.StatusForbidden, "This form was sent from another website, so we did not accept it. Go back to the service and try again.")
			return
		}
		s.fail(c, booking.Errorf(booking.EForbidden, "Cross-origin requests are refused."))
		return
	}
	c.Next()
}

// wantsPage reports whether an answer should be a page rather than JSON:
// anything outside /api/ and /admin/api.
func wantsPage(c *gin.Context) bool {
	p := c.Request.URL.Path
	return !(len(p) >= 5 && p[:5] == "/api/")
}
