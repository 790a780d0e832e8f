package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// A booking taken on behalf of someone who phoned (booking.BookByPhone):
// the place is taken through the holds like anyone's, the audit log
// records the organiser who took it, and the confirmation email goes out
// when there is an address. Without one, the organiser gets a printable
// confirmation to read out or post.

var phoneFields = []string{"mode", "name", "email", "phone", "postal_address", "organisation", "postcode", "access_needs", "consent"}

type phoneChoice struct {
	Mode  booking.Mode
	Label string
	Hint  string
	Left  int
}

type phonePage struct {
	organiserPage
	Session *booking.Session
	When    string
	Choices []phoneChoice
}

// phoneSessionPage reads the session in :id and the ways of taking part
// it offers, with the places free in each now.
func (s *Server) phoneSessionPage(c *gin.Context) (*phonePage, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	sess, err := s.svc.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !sess.OpenAt(now) {
		return nil, booking.Errorf(booking.EConflict, "This session is no longer taking bookings.")
	}
	p := &phonePage{organiserPage: s.organiser(c, "Book a place for someone who phoned"), Session: sess,
		When: whenText(sess.StartsAt, sess.EndsAt)}
	p.BackLink = sessionPath(sess.ID)
	for _, m := range booking.Modes {
		if !sess.Offers(m) {
			continue
		}
		ch := phoneChoice{Mode: m, Label: m.Label(), Left: s.svc.PlacesLeft(ctx, sess, m)}
		ch.Hint = placesText(ch.Left)
		if m == booking.InPerson && sess.Venue.Name != "" {
			ch.Hint += ", at " + sess.Venue.Name
		}
		p.Choices = append(p.Choices, ch)
	}
	return p, nil
}

// organiserPhoneForm is GET /admin/sessions/:id/bookings/new.
func (s *Server) organiserPhoneForm(c *gin.Context) error {
	p, err := s.phoneSessionPage(c)
	if err != nil {
		return err
	}
	if len(p.Choices) == 1 {
		p.Values = map[string]string{"mode": string(p.Choices[0].Mode)}
	}
	s.render(c, http.StatusOK, "organiser_phone", p)
	return nil
}

// organiserPhoneBook is POST /admin/sessions/:id/bookings: the booking,
// then its page (a printable confirmation when there is no email address).
func (s *Server) organiserPhoneBook(c *gin.Context) error {
	p, err := s.phoneSessionPage(c)
	if err != nil {
		return err
	}
	mode := booking.Mode(c.PostForm("mode"))
	d, typed := formDetails(c)
	d.Phone = c.PostForm("phone")
	d.PostalAddress = strings.ReplaceAll(c.PostForm("postal_address"), "\r\n", "\n")
	typed["mode"], typed["phone"], typed["postal_address"] = string(mode), d.Phone, d.PostalAddress
	b, _, err := s.svc.BookByPhone(c.Request.Context(), p.Session.ID, mode, d)
	switch booking.ErrorCode(err) {
	case "":
	case booking.EInvalid, booking.EDuplicate, booking.EFull:
		p.Values = typed
		status := http.StatusUnprocessableEntity
		switch booking.ErrorCode(err) {
		case booking.EDuplicate:
			status = http.StatusConflict
			p.AddError("email", "Someone with this name and email address already has a place at this session")
		case booking.EFull:
			status = http.StatusConflict
			p.AddError("mode", "There are no places left to take part "+lowerMode(mode)+". Choose another way, or add them to the waiting list from the public page")
		default:
			if !p.SetErrors(err, phoneFields...) {
				return err
			}
		}
		s.render(c, status, "organiser_phone", p)
		return nil
	default:
		return err
	}
	s.metrics.bookings.WithLabelValues("booked_by_phone").Inc()
	c.Redirect(http.StatusSeeOther, "/admin/bookings/"+url.PathEscape(b.Reference)+"?taken=yes")
	return nil
}

type organiserBookingPage struct {
	organiserPage
	Booking  *booking.Booking
	Session  sessionItem
	Workshop *booking.Workshop
	// OnlineURL is the joining link the booking summary shows.
	OnlineURL string
	// Taken is set right after the booking was made here.
	Taken bool
	// Cancellable is set while the booking is live and its session to come.
	Cancellable bool
	// Resendable is set when its confirmation can be emailed again.
	Resendable bool
	// Changeable: an admin may change its details (organiser_booking_change.go);
	// Movable: and move it to another session.
	Changeable bool
	Movable    bool
	// Pair is the other person of a pair (booking/companion.go), or nil;
	// IsCompanion: this booking is the companion's place.
	Pair        *booking.Booking
	IsCompanion bool
	Styles      string
	Script      string
}

// organiserBookingPage is GET /admin/bookings/:reference: a booking as its
// organisers see it. Printed, it is the confirmation for someone without
// an email address.
func (s *Server) organiserBookingPage(c *gin.Context) error {
	ctx := c.Request.Context()
	b, err := s.svc.BookingByReference(ctx, c.Param("reference"))
	if err != nil {
		return err
	}
	sess, err := s.svc.Session(ctx, b.SessionID)
	if err != nil {
		return err
	}
	p := &organiserBookingPage{
		organiserPage: s.organiser(c, "Booking "+b.Reference), Booking: b, Workshop: sess.Workshop,
		Session: s.sessionItemOf(ctx, sess), Taken: c.Query("taken") == "yes",
		Styles: "/admin/attendance-assets/attendance.css", Script: "/admin/attendance-assets/check-in.js",
	}
	if b.Mode == booking.Online && b.Live() {
		p.OnlineURL = sess.OnlineURL
	}
	if p.Taken {
		p.Title = "Place booked"
	}
	if p.Pair, err = s.svc.Pair(ctx, b); err != nil && !booking.IsCode(err, booking.ENotFound) {
		return err
	}
	p.IsCompanion = b.CompanionOf != 0
	p.Cancellable = b.Live() && sess.CancelRefusal(s.now()) == nil
	p.Resendable = s.resendable(b, sess)
	p.Changeable = p.IsAdmin && booking.OfficerChangeRefusal(b) == nil
	// One of a pair is not moved: the other would be left behind.
	p.Movable = p.Changeable && !b.WalkIn && !p.IsCompanion && p.Pair == nil && sess.OpenAt(s.now())
	p.BackLink = sessionPath(sess.ID)
	s.render(c, http.StatusOK, "organiser_booking", p)
	return nil
}

type bookingCancelPage struct {
	organiserPage
	Booking *booking.Booking
	When    string
	Venue   string
}

// organiserBookingCancelPage is GET /admin/bookings/:reference/cancel: are
// you sure? For someone who phoned to say they cannot come.
func (s *Server) organiserBookingCancelPage(c *gin.Context) error {
	ctx := c.Request.Context()
	b, err := s.svc.BookingByReference(ctx, c.Param("reference"))
	if err != nil {
		return err
	}
	if !b.Live() {
		return booking.Errorf(booking.EConflict, "This booking has already been cancelled.")
	}
	sess, err := s.svc.Session(ctx, b.SessionID)
	if err != nil {
		return err
	}
	p := &bookingCancelPage{organiserPage: s.organiser(c, "Cancel this booking?"), Booking: b,
		When: whenText(sess.StartsAt, sess.EndsAt), Venue: sess.Venue.Name}
	p.BackLink = "/admin/bookings/" + url.PathEscape(b.Reference)
	s.render(c, http.StatusOK, "organiser_booking_cancel", p)
	return nil
}

// organiserBookingCancel is POST /admin/bookings/:reference/cancel.
func (s *Server) organiserBookingCancel(c *gin.Context) error {
	b, err := s.svc.CancelBookingFor(c.Request.Context(), c.Param("reference"))
	if err != nil {
		return err
	}
	s.metrics.bookings.WithLabelValues("cancelled").Inc()
	done := "booking_cancelled"
	if b.Email == "" {
		done = "booking_cancelled_phone"
	}
	c.Redirect(http.StatusSeeOther, withDone(sessionPath(b.SessionID), done))
	return nil
}
