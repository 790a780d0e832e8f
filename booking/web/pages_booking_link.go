package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// "Send me my booking link" (booking/links.go): a person gives their email
// address and every upcoming booking and waiting-list place of it is
// emailed to it with a fresh link. The answer is the same whether or not
// the address has any. Besides the route's limit per client, one address
// is sent links at most linkAddressLimit times: nobody can flood someone
// else's inbox from many connections.

const bookingLinkTitle = "Get the link to your booking again"

type bookingLinkSentPage struct {
	Page
	Email string
}

// bookingLinkForm asks for the email address: GET /booking-link.
func (s *Server) bookingLinkForm(c *gin.Context) error {
	s.render(c, http.StatusOK, "booking_link", &Page{Title: bookingLinkTitle})
	return nil
}

// bookingLinkSend sends the links and says to check email: POST
// /booking-link.
func (s *Server) bookingLinkSend(c *gin.Context) error {
	email := strings.TrimSpace(c.PostForm("email"))
	err := s.sendLinks(c, email)
	if booking.IsCode(err, booking.EInvalid) {
		p := &Page{Title: bookingLinkTitle, Values: map[string]string{"email": email}}
		if !p.SetErrors(err, "email") {
			return err
		}
		s.render(c, http.StatusUnprocessableEntity, "booking_link", p)
		return nil
	}
	if err == errTooManyLinks {
		// Said next to the address: it is the address, not the connection.
		p := &Page{Title: bookingLinkTitle, Values: map[string]string{"email": email}}
		p.AddError("email", booking.ErrorMessage(err))
		s.render(c, http.StatusTooManyRequests, "booking_link", p)
		return nil
	}
	if err != nil {
		return err
	}
	s.render(c, http.StatusOK, "booking_link_sent", &bookingLinkSentPage{Page: Page{Title: "Check your email"}, Email: email})
	return nil
}

// apiBookingLinks is the same for API clients: POST /api/v1/booking-links.
func (s *Server) apiBookingLinks(c *gin.Context) error {
	var req struct {
		Email string `json:"email"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	if err := s.sendLinks(c, strings.TrimSpace(req.Email)); err != nil {
		return err
	}
	c.JSON(http.StatusAccepted, gin.H{"status": "sent",
		"message": "If this address has upcoming bookings or places on a waiting list, we have emailed a link for each of them to it."})
	return nil
}

// sendLinks holds the address to its own limit, then sends its links.
func (s *Server) sendLinks(c *gin.Context, email string) error {
	if booking.ValidEmail(email) {
		sum := sha256.Sum256([]byte(strings.ToLower(email)))
		if !s.within(c, linkAddressLimit, hex.EncodeToString(sum[:16])) {
			return errTooManyLinks
		}
	}
	return s.svc.SendLinks(c.Request.Context(), email)
}

var errTooManyLinks = booking.Errorf(booking.ERateLimited,
	"We have sent links to this address several times in the last few minutes. Check your email, including your junk or spam folder, or wait 10 minutes and ask again.")
