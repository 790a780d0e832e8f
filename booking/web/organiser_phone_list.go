package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// People to phone: the bookings of a session with no email address, whom
// nothing the service sends reaches. When the session moves or is
// cancelled an organiser phones each of them; this page (printable) lists
// them with their numbers and what to tell them.

type phoneListPerson struct {
	Reference string
	Name      string
	Phone     string // as people write it, "024 7683 3333"
	// PhoneLink is tel:+44..., one tap on a phone. html/template takes
	// tel: for unsafe unless told: the number is only ever +44 and digits
	// (booking.NormalizeUKPhone), nothing else reaches it.
	PhoneLink     template.URL
	PostalAddress string
	Mode          string
}

type phoneListPage struct {
	sessionSheet
	// Tell is what to tell each of them, in the organiser's words.
	Tell   []string
	People []phoneListPerson
	// Emailed counts the people booked who are emailed instead.
	Emailed int
}

func phoneListPath(sessionID int64) string {
	return fmt.Sprintf("/admin/sessions/%d/people-to-phone", sessionID)
}

// telLink is the tel: link of a stored number; empty for anything that is
// not +44 and digits.
func telLink(stored string) template.URL {
	d, ok := strings.CutPrefix(stored, "+44")
	if !ok || d == "" || strings.Trim(d, "0123456789") != "" {
		return ""
	}
	return template.URL("tel:" + stored)
}

// organiserPeopleToPhone is GET /admin/sessions/:id/people-to-phone.
func (s *Server) organiserPeopleToPhone(c *gin.Context) error {
	sh, o, err := s.sessionSheetOf(c, "People to phone", "Print this list")
	if err != nil {
		return err
	}
	p := &phoneListPage{sessionSheet: sh, Tell: s.whatToTell(sh.Session)}
	var toPhone []*booking.Booking
	p.Emailed, toPhone = whoIsTold(o.Attendees)
	for _, b := range toPhone {
		p.People = append(p.People, phoneListPerson{
			Reference: b.Reference, Name: b.Name, Phone: booking.UKPhoneText(b.Phone), PhoneLink: telLink(b.Phone),
			PostalAddress: b.PostalAddress, Mode: modeWord(b.Mode),
		})
	}
	s.render(c, http.StatusOK, "organiser_phone_list", p)
	return nil
}

// whoIsTold splits a session's bookings by how a change reaches them: how
// many are emailed, and those with no email address, whom an organiser
// must phone. Anonymised bookings are neither.
func whoIsTold(bookings []booking.Booking) (emailed int, toPhone []*booking.Booking) {
	for i := range bookings {
		switch b := &bookings[i]; {
		case booking.Anonymised(b):
		case b.Email != "":
			emailed++
		default:
			toPhone = append(toPhone, b)
		}
	}
	return emailed, toPhone
}

// whatToTell is what an organiser says to someone booked by phone about
// the session as it now stands: cancelled, with the reason and how to book
// another; or when and where it is.
func (s *Server) whatToTell(sess *booking.Session) []string {
	title := sess.Workshop.Title
	contact := "email " + s.contact()
	if s.cfg.CouncilPhone != "" {
		contact = "phone " + s.cfg.CouncilPhone + " or " + contact
	}
	if sess.Status == booking.Cancelled {
		tell := []string{"The " + title + " session on " + whenText(sess.StartsAt, sess.EndsAt) + " is cancelled. We are sorry."}
		if r := strings.TrimSpace(sess.CancelReason); r != "" {
			tell = append(tell, "The reason: "+r)
		}
		return append(tell, "To book a place at another session, "+contact+".")
	}
	tell := []string{"The " + title + " session is on " + whenText(sess.StartsAt, sess.EndsAt) + "."}
	if sess.Offers(booking.InPerson) && sess.Venue.Name != "" {
		tell = append(tell, "In person, it is at "+sess.Venue.OneLine()+".")
	}
	if sess.Offers(booking.Online) {
		tell = append(tell, "Online, it is in Microsoft Teams: post or read them the joining link on their confirmation.")
	}
	return append(tell, "If they cannot come, or need anything changed, "+contact+", giving their booking reference.")
}
