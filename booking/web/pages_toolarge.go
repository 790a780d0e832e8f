package web

import (
	"errors"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"
)

// tooLongParagraphs tell a person whose form was over maxBody what to do.
// Only a field far past its limit gets there (maxlength stops typing at
// the limit), so the page names the limits of the long fields.
var tooLongParagraphs = []string{
	"We have not kept anything from this form.",
	"Access needs must be 2000 characters or fewer. Names must be 100 characters or fewer, email addresses 254, organisations 200 and postcodes 10.",
	"Go back, shorten what you wrote and send it again.",
}

// formTooLong reports whether r is a form post whose body is over maxBody.
// It parses the form now: past the limit the body is cut off and Gin would
// hand the page an empty form, which then fails on the wrong field (or
// finds no hold), so the page must never see it.
func formTooLong(r *http.Request) bool {
	if r.Method != http.MethodPost || r.Body == nil {
		return false
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" && ct != "multipart/form-data" {
		return false
	}
	if r.ContentLength > maxBody {
		return true
	}
	var err error
	if ct == "multipart/form-data" {
		err = r.ParseMultipartForm(maxBody)
	} else {
		err = r.ParseForm() // ParseMultipartForm would hide its error behind ErrNotMultipart
	}
	var tooBig *http.MaxBytesError
	return errors.As(err, &tooBig)
}

// refuseLongForm answers a page form post over maxBody with 413 and a page
// saying what was too long, before any handler keeps anything.
func (s *Server) refuseLongForm(c *gin.Context) bool {
	if !wantsPage(c) || !formTooLong(c.Request) {
		return false
	}
	s.metrics.refusals.WithLabelValues("too_large").Inc()
	s.renderError(c, http.StatusRequestEntityTooLarge, "")
	return true
}
