package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// referencePage is the data of templates/pages/booking_reference.html.
type referencePage struct {
	Page
	// Reference is the reference from the address, shown only when it is
	// shaped like one, so a crafted link cannot put words on the page.
	Reference string
}

// bookingOrAsk answers GET /bookings/:reference: the manage page for the
// holder of its token, and for anyone else a page saying where the link
// is. Emails and calendar invites carry the address without its token
// (invites are shared), so it must not be a dead end.
func (s *Server) bookingOrAsk(c *gin.Context) error {
	if c.Query("token") != "" || bearer(c) != "" {
		return s.managePage(c)
	}
	p := &referencePage{Page: Page{Title: "Your booking"}, Reference: shownReference(c.Param("reference"))}
	// The same page whether or not the reference exists: nothing is read.
	s.render(c, http.StatusOK, "booking_reference", p)
	return nil
}

// shownReference is ref in capitals when it could be a booking reference
// (letters, digits and a hyphen, as people copy them), or "".
func shownReference(ref string) string {
	ref = strings.ToUpper(strings.TrimSpace(ref))
	if ref == "" || len(ref) > 12 {
		return ""
	}
	for _, r := range ref {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return ""
		}
	}
	return ref
}
