package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// errorPage is the data of templates/pages/error.html.
type errorPage struct {
	Page
	Paragraphs []string
	// ShowContact adds the council's address for people who cannot wait.
	ShowContact bool
}

// pageMessage is what the error page says of err before its own words:
// the message for people, except where it would say nothing more than
// the page (a fault of ours, bad form input, an outage, too many requests).
func pageMessage(err error, code booking.Code) string {
	switch {
	case code == booking.EInternal, code == booking.EInvalid, code == booking.ERateLimited, err == errOutage:
		return ""
	}
	return booking.ErrorMessage(err)
}

// renderError shows the error page for status, with message (for people)
// as its first paragraph when given.
func (s *Server) renderError(c *gin.Context, status int, message string) {
	p := &errorPage{}
	if status == http.StatusUnauthorized {
		// A manage link without its token: as good as not found, and a
		// browser has no use for a 401.
		status = http.StatusNotFound
	}
	switch status {
	case http.StatusNotFound:
		p.Title = "Page not found"
		p.Paragraphs = []string{"If you typed the web address, check it is correct.",
			"If you followed a link from an email, use the whole link: it may have been split over two lines."}
	case http.StatusTooManyRequests:
		p.Title = "You have made too many requests"
		p.Paragraphs = []string{"To keep places fair for everyone, we limit how often one connection can book.",
			"Wait a minute, then try again."}
	case http.StatusForbidden:
		p.Title = "You cannot do that here"
	case http.StatusConflict, http.StatusGone:
		p.Title = "Sorry, you cannot book this place"
	case http.StatusServiceUnavailable:
		p.Title = "Sorry, the service is unavailable"
		p.Paragraphs = []string{"Try again in a few minutes.", "Bookings you have already made are kept."}
		p.ShowContact = true
	case http.StatusRequestEntityTooLarge:
		p.Title = "What you sent was too long"
		p.Paragraphs = append([]string(nil), tooLongParagraphs...)
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		p.Title = "Sorry, we could not read what was sent"
		p.Paragraphs = []string{"Go back and try again."}
	default:
		status = http.StatusInternalServerError
		p.Title = "Sorry, there is a problem with the service"
		p.Paragraphs = []string{"Try again later. Your booking has not been changed."}
	}
	if message != "" {
		p.Paragraphs = append([]string{message}, p.Paragraphs...)
	}
	s.render(c, status, "error", p)
	c.Abort()
}
