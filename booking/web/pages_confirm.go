package web

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// confirmBooking books the held place with the details carried through
// "Check your answers": POST /holds/:hold_id/confirm, or, pending its
// emailed link, /staff/holds/:hold_id/confirm. When the hold has run out,
// the place is booked anyway if one is still free.
func (s *Server) confirmBooking(j *journey) func(*gin.Context) error {
	return func(c *gin.Context) error {
		ctx := c.Request.Context()
		// The signed hold id names the place; the confirming transaction
		// reads the session, once, and checks its audience.
		h, err := s.readHold(c, j)
		if err != nil {
			return err
		}
		d, typed := j.formDetails(c)
		b, token, err := s.book(ctx, j, h, d)
		switch booking.ErrorCode(err) {
		case "":
		case booking.EInvalid, booking.EDuplicate:
			// Back to the form, with what was typed and what is wrong with it.
			held, herr := s.heldPlaceOf(ctx, j, h)
			if herr != nil {
				return herr
			}
			p := s.newDetailsPage(j, held)
			p.Values = typed
			status := http.StatusUnprocessableEntity
			if booking.IsCode(err, booking.EDuplicate) {
				status = http.StatusConflict
				if !p.SetErrors(err, j.fields...) { // the companion's, or the person's
					p.AddError("email", duplicateMessage(j))
				}
			} else if !p.SetErrors(err, j.fields...) {
				return err
			}
			s.render(c, status, "details", p)
			return nil
		case booking.EFull:
			sess, serr := s.svc.Session(ctx, h.SessionID)
			if serr != nil {
				return serr
			}
			p := s.newSessionPage(ctx, j, sess, nil)
			if h.Places == 2 {
				p.AddError("mode", "Sorry, there are no longer 2 places left to take part "+lowerMode(h.Mode)+". You can book a place for yourself alone, or choose another session.")
			} else {
				p.AddError("mode", "Sorry, the last place to take part "+lowerMode(h.Mode)+" has gone. Choose another way to take part, or another session.")
			}
			s.render(c, http.StatusConflict, "session", p)
			return nil
		default:
			return err
		}
		s.metrics.bookings.WithLabelValues(j.booked).Inc()
		s.forgetHold(c)
		c.Redirect(http.StatusSeeOther, j.bookedURL(b, token))
		return nil
	}
}

// duplicateMessage says where to find the booking the person already has:
// staff have had only the link to confirm it.
func duplicateMessage(j *journey) string {
	if j.Staff {
		return "You have already booked a place in this session with this name and email address. Use the link we emailed you to confirm or manage it"
	}
	return "You have already booked a place in this session with this name and email address. Use the link in your confirmation email to manage it"
}

// bookingPage is the data of the confirmation and manage pages.
type bookingPage struct {
	Page
	Booking  *booking.Booking
	Session  sessionItem
	Workshop *booking.Workshop
	// Token is the manage token, carried in the page's links and forms.
	Token string
	// OnlineURL is the Teams link, for a confirmed online booking.
	OnlineURL string
	// Other is the other way of taking part, when the person could switch
	// to it now (the session offers it, is open and has a place).
	Other *modeItem
	// Done says what the person just did: "cancelled", "switched", "updated" or "moved".
	Done string
	// CancelRefusal says why a live booking can no longer be cancelled
	// (its session was cancelled or is over), shown instead of the link.
	CancelRefusal string
	// Pair is the other person of a pair (booking/companion.go): the live
	// companion booked with this booking, or, on a companion's page, the
	// booking of the person they came with. A pair is not switched or moved.
	Pair *booking.Booking
}

// IsCompanion says the booking is a companion's place, booked by Pair.
func (p *bookingPage) IsCompanion() bool { return p.Booking.CompanionOf != 0 }

// CompanionCancelURL asks to confirm cancelling the companion's place alone.
func (p *bookingPage) CompanionCancelURL() string {
	return "/bookings/" + url.PathEscape(p.Booking.Reference) + "/companion/cancel?" + p.ManageQuery()
}

// ManageQuery is "token=..." for the booking's links.
func (p *bookingPage) ManageQuery() string { return "token=" + url.QueryEscape(p.Token) }

// InviteURL is where the calendar invite is downloaded.
func (p *bookingPage) InviteURL() string {
	return "/api/v1/bookings/" + url.PathEscape(p.Booking.Reference) + "/invite.ics?" + p.ManageQuery()
}

// ManageURL is the page to manage the booking.
func (p *bookingPage) ManageURL() string {
	return "/bookings/" + url.PathEscape(p.Booking.Reference) + "?" + p.ManageQuery()
}

// CancelURL is the page that asks to confirm a cancellation.
func (p *bookingPage) CancelURL() string {
	return "/bookings/" + url.PathEscape(p.Booking.Reference) + "/cancel?" + p.ManageQuery()
}

// SwitchURL is the page that offers the other way of taking part.
func (p *bookingPage) SwitchURL() string {
	return "/bookings/" + url.PathEscape(p.Booking.Reference) + "/switch?" + p.ManageQuery()
}

// loadBooking reads the booking of the page's reference for the holder of
// its token (the query's, or a form's), with its session.
func (s *Server) loadBooking(c *gin.Context, title string) (*bookingPage, error) {
	ctx := c.Request.Context()
	token := c.Query("token")
	if token == "" {
		token = c.PostForm("token")
	}
	if token == "" {
		token = bearer(c)
	}
	b, err := s.svc.Booking(ctx, c.Param("reference"), token)
	if err != nil {
		return nil, err
	}
	sess, err := s.svc.Session(ctx, b.SessionID)
	if err != nil {
		return nil, err
	}
	p := &bookingPage{Page: Page{Title: title}, Booking: b, Session: s.sessionItemOf(ctx, sess), Workshop: sess.Workshop, Token: token}
	// Only a confirmed booking: one waiting for its email link may have been
	// made by someone who typed another person's address.
	confirmed := b.Status == booking.Confirmed
	if b.Mode == booking.Online && confirmed {
		p.OnlineURL = sess.OnlineURL
	}
	if b.Live() {
		if err := sess.CancelRefusal(s.now()); err != nil {
			p.CancelRefusal = booking.ErrorMessage(err)
		}
		if p.Pair, err = s.svc.Pair(ctx, b); err != nil {
			return nil, err
		}
	}
	if confirmed && p.Session.Open && p.Pair == nil {
		for i, m := range p.Session.Modes {
			if m.Mode != b.Mode && m.Left > 0 {
				p.Other = &p.Session.Modes[i]
			}
		}
	}
	return p, nil
}

// confirmedPage shows the booking reference, the calendar invite and the
// manage link: GET /bookings/:reference/confirmed.
func (s *Server) confirmedPage(c *gin.Context) error {
	p, err := s.loadBooking(c, "Booking confirmed")
	if err != nil {
		return err
	}
	if !p.Booking.Live() {
		c.Redirect(http.StatusSeeOther, p.ManageURL())
		return nil
	}
	if p.Booking.Status == booking.PendingVerification {
		p.Title = "Check your email to confirm your booking"
	}
	s.render(c, http.StatusOK, "confirmed", p)
	return nil
}
