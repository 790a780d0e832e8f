package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// An admin changes a booking for someone who asked them to
// (booking.UpdateBookingFor, booking.MoveBookingFor): their details, with
// a new email address taking effect at once, or the session they come to.
// Pages from the booking's page, and the admin API.

// officerFields are the details an admin may change, in form order.
var officerFields = []string{"name", "email", "phone", "organisation", "postcode", "access_needs"}

type bookingEditPage struct {
	organiserPage
	Booking  *booking.Booking
	Workshop *booking.Workshop
	When     string
	// EmailMovable: the session is to come, so the address may change.
	EmailMovable bool
}

// officerBooking reads the booking in :reference, when an officer may
// change it, and its session.
func (s *Server) officerBooking(c *gin.Context) (*booking.Booking, *booking.Session, error) {
	ctx := c.Request.Context()
	b, err := s.svc.BookingByReference(ctx, c.Param("reference"))
	if err != nil {
		return nil, nil, err
	}
	if err := booking.OfficerChangeRefusal(b); err != nil {
		return nil, nil, err
	}
	sess, err := s.svc.Session(ctx, b.SessionID)
	if err != nil {
		return nil, nil, err
	}
	return b, sess, nil
}

// bookingEditPageOf reads the booking in :reference for the edit page.
func (s *Server) bookingEditPageOf(c *gin.Context) (*bookingEditPage, error) {
	b, sess, err := s.officerBooking(c)
	if err != nil {
		return nil, err
	}
	p := &bookingEditPage{organiserPage: s.organiser(c, "Change their details"), Booking: b, Workshop: sess.Workshop,
		When: whenText(sess.StartsAt, sess.EndsAt), EmailMovable: sess.OpenAt(s.now())}
	p.BackLink = bookingPath(b.Reference)
	return p, nil
}

func bookingPath(reference string) string { return "/admin/bookings/" + url.PathEscape(reference) }

// organiserBookingEdit is GET /admin/bookings/:reference/edit.
func (s *Server) organiserBookingEdit(c *gin.Context) error {
	p, err := s.bookingEditPageOf(c)
	if err != nil {
		return err
	}
	b := p.Booking
	p.Values = map[string]string{"name": b.Name, "email": b.Email, "phone": booking.UKPhoneText(b.Phone),
		"organisation": b.Organisation, "postcode": b.Postcode, "access_needs": b.AccessNeeds}
	s.render(c, http.StatusOK, "organiser_booking_edit", p)
	return nil
}

// organiserBookingUpdate is POST /admin/bookings/:reference/edit.
func (s *Server) organiserBookingUpdate(c *gin.Context) error {
	p, err := s.bookingEditPageOf(c)
	if err != nil {
		return err
	}
	d := booking.Details{Name: c.PostForm("name"), Email: c.PostForm("email"), Phone: c.PostForm("phone"),
		Organisation: c.PostForm("organisation"), Postcode: c.PostForm("postcode"),
		AccessNeeds: strings.ReplaceAll(c.PostForm("access_needs"), "\r\n", "\n")}
	b, changed, err := s.svc.UpdateBookingFor(c.Request.Context(), p.Booking.Reference, d)
	switch booking.ErrorCode(err) {
	case "":
	case booking.EInvalid, booking.EDuplicate:
		p.Values = map[string]string{"name": d.Name, "email": d.Email, "phone": d.Phone,
			"organisation": d.Organisation, "postcode": d.Postcode, "access_needs": d.AccessNeeds}
		status := http.StatusUnprocessableEntity
		if booking.IsCode(err, booking.EDuplicate) {
			status = http.StatusConflict
			p.AddError("email", "Someone with this name and email address already has a place at this session")
		} else if !p.SetErrors(err, officerFields...) {
			return err
		}
		s.render(c, status, "organiser_booking_edit", p)
		return nil
	default:
		return err
	}
	done := "details_saved"
	switch {
	case len(changed) == 0:
		done = "details_unchanged"
	case booking.EmailMoves(p.Booking, b.Email) && b.Email == "":
		done = "email_removed"
	case booking.EmailMoves(p.Booking, b.Email):
		done = "email_moved"
	}
	c.Redirect(http.StatusSeeOther, withDone(bookingPath(b.Reference), done))
	return nil
}

// bookingMovePage offers the other sessions of the booking's workshop with
// a place free.
type bookingMovePage struct {
	organiserPage
	Booking  *booking.Booking
	Workshop *booking.Workshop
	When     string
	Choices  []moveChoice
}

func (s *Server) bookingMovePageOf(c *gin.Context) (*bookingMovePage, error) {
	ctx := c.Request.Context()
	b, sess, err := s.officerBooking(c)
	if err != nil {
		return nil, err
	}
	w, err := s.svc.WorkshopWithSessions(ctx, sess.WorkshopID)
	if err != nil {
		return nil, err
	}
	p := &bookingMovePage{organiserPage: s.organiser(c, "Move the booking to another session"), Booking: b, Workshop: w,
		When: whenText(sess.StartsAt, sess.EndsAt), Choices: s.moveChoices(ctx, w.Sessions, b.SessionID)}
	p.BackLink = bookingPath(b.Reference)
	return p, nil
}

// organiserBookingMoveForm is GET /admin/bookings/:reference/move.
func (s *Server) organiserBookingMoveForm(c *gin.Context) error {
	p, err := s.bookingMovePageOf(c)
	if err != nil {
		return err
	}
	s.render(c, http.StatusOK, "organiser_booking_move", p)
	return nil
}

// organiserBookingMove is POST /admin/bookings/:reference/move with the
// chosen "SESSION:MODE".
func (s *Server) organiserBookingMove(c *gin.Context) error {
	p, err := s.bookingMovePageOf(c)
	if err != nil {
		return err
	}
	id, mode, _ := strings.Cut(c.PostForm("session"), ":")
	sessionID, perr := strconv.ParseInt(id, 10, 64)
	err = booking.FieldErrors(map[string]string{"session": "Choose the session to move them to"})
	var b *booking.Booking
	if perr == nil {
		b, err = s.svc.MoveBookingFor(c.Request.Context(), p.Booking.Reference, sessionID, booking.Mode(mode))
	}
	var msg string
	status := http.StatusConflict
	switch booking.ErrorCode(err) {
	case "":
		s.metrics.bookings.WithLabelValues("moved").Inc()
		done := "moved"
		if b.Email == "" {
			done = "moved_phone"
		}
		c.Redirect(http.StatusSeeOther, withDone(bookingPath(b.Reference), done))
		return nil
	case booking.EInvalid:
		status = http.StatusUnprocessableEntity
		if msg = booking.ErrorFields(err)["session"]; msg == "" {
			msg = "Choose the session to move them to"
		}
	case booking.EFull:
		msg = "The last place in that session has just gone. The booking has not changed: choose another session"
	case booking.EDuplicate, booking.EConflict:
		msg = booking.ErrorMessage(err) + " The booking has not changed."
	default:
		return err
	}
	// Read again: the places have changed since the page was made.
	if p, err = s.bookingMovePageOf(c); err != nil {
		return err
	}
	p.AddError("session", msg)
	s.render(c, status, "organiser_booking_move", p)
	return nil
}

// adminUpdateBooking is PATCH /api/v1/admin/bookings/:reference: the
// fields sent change, the others stay.
func (s *Server) adminUpdateBooking(c *gin.Context) error {
	var in struct {
		Name         *string `json:"name"`
		Email        *string `json:"email"`
		Phone        *string `json:"phone"`
		Organisation *string `json:"organisation"`
		Postcode     *string `json:"postcode"`
		AccessNeeds  *string `json:"access_needs"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	ctx := c.Request.Context()
	cur, err := s.svc.BookingByReference(ctx, c.Param("reference"))
	if err != nil {
		return err
	}
	d := booking.Details{Name: cur.Name, Email: cur.Email, Phone: cur.Phone, Organisation: cur.Organisation,
		Postcode: cur.Postcode, AccessNeeds: cur.AccessNeeds}
	for _, f := range []struct {
		in  *string
		out *string
	}{{in.Name, &d.Name}, {in.Email, &d.Email}, {in.Phone, &d.Phone}, {in.Organisation, &d.Organisation},
		{in.Postcode, &d.Postcode}, {in.AccessNeeds, &d.AccessNeeds}} {
		if f.in != nil {
			*f.out = *f.in
		}
	}
	b, changed, err := s.svc.UpdateBookingFor(ctx, cur.Reference, d)
	if err != nil {
		return err
	}
	if changed == nil {
		changed = []string{}
	}
	c.JSON(http.StatusOK, gin.H{"booking": attendeeOf(b), "changed": changed})
	return nil
}

// adminMoveBooking is POST /api/v1/admin/bookings/:reference/move.
func (s *Server) adminMoveBooking(c *gin.Context) error {
	var in struct {
		SessionID int64        `json:"session_id"`
		Mode      booking.Mode `json:"mode"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	b, err := s.svc.MoveBookingFor(c.Request.Context(), c.Param("reference"), in.SessionID, in.Mode)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"reference": b.Reference, "session_id": b.SessionID, "mode": b.Mode, "invite_sequence": b.InviteSequence})
	return nil
}
