package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// The session page for organisers: its details, the numbers in each way
// of taking part, who is booked and who is waiting, who runs it, and the
// ways to its attendance list, check-in, changes and phone bookings.

type sessionPlacesRow struct {
	Mode     booking.Mode
	Label    string
	Capacity int
	Booked   int
	Offered  int
	Left     int
	Waiting  int
}

type sessionBookingRow struct {
	Reference    string
	Name         string
	Email        string
	Organisation string
	Mode         string
	Status       string
	Attended     string
	AccessNeeds  string
	TakenBy      string
	// Reply is the answer they gave in their calendar to the latest
	// invite, in words, or "".
	Reply      string
	Anonymised bool
	// Phone is the number to ring, as people write it (booked by phone).
	Phone string
}

type sessionWaitingRow struct {
	Reference    string
	Name         string
	Organisation string
	Mode         string
	Status       string
	AccessNeeds  string
}

type organiserSessionPage struct {
	organiserPage
	Session      *booking.Session
	Workshop     *booking.Workshop
	When         string
	Cancelled    bool
	Ended        bool
	Changeable   bool
	Places       []sessionPlacesRow
	Bookings     []sessionBookingRow
	Waiting      []sessionWaitingRow
	Facilitators []*booking.Organiser
	// Others are the active accounts an admin may assign.
	Others []*booking.Organiser
	Links  sessionLinks
	// Emailed counts the live bookings with an email address, which are
	// told of changes by email; ToPhone those without, which an organiser
	// must phone (the list at PhoneList).
	Emailed, ToPhone int
	PhoneList        string
}

// organiserSessionPage is GET /admin/sessions/:id.
func (s *Server) organiserSessionPage(c *gin.Context) error {
	p, err := s.newOrganiserSessionPage(c)
	if err != nil {
		return err
	}
	s.render(c, http.StatusOK, "organiser_session", p)
	return nil
}

// newOrganiserSessionPage reads the session in :id and all it shows.
func (s *Server) newOrganiserSessionPage(c *gin.Context) (*organiserSessionPage, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	o, err := s.svc.SessionOverview(ctx, id)
	if err != nil {
		return nil, err
	}
	sess := o.Session
	now := s.now()
	p := &organiserSessionPage{
		organiserPage: s.organiser(c, "Session"), Session: sess, Workshop: sess.Workshop,
		When: whenText(sess.StartsAt, sess.EndsAt), Cancelled: sess.Status == booking.Cancelled,
		Ended: !now.Before(sess.EndsAt), Facilitators: o.Facilitators, Links: linksOf(sess),
	}
	p.Title = sess.Workshop.Title
	p.BackLink = "/admin"
	// Only admins change, move or cancel a session (the route table);
	// the template shows those buttons to admins only.
	p.Changeable = !p.Cancelled && !p.Ended
	for _, m := range booking.Modes {
		pl := sess.PlacesFor(m)
		if pl.Capacity == 0 && pl.Taken() == 0 {
			continue
		}
		p.Places = append(p.Places, sessionPlacesRow{
			Mode: m, Label: m.Label(), Capacity: pl.Capacity, Booked: pl.Booked, Offered: pl.Offered,
			Left: pl.Left(), Waiting: o.WaitingIn(m),
		})
	}
	for i := range o.Attendees {
		row := bookingRowOf(&o.Attendees[i], o.Takers, p.Cancelled)
		row.Reply = replyWords(o.Replies[row.Reference].Status)
		p.Bookings = append(p.Bookings, row)
	}
	emailed, toPhone := whoIsTold(o.Attendees)
	p.Emailed, p.ToPhone, p.PhoneList = emailed, len(toPhone), phoneListPath(sess.ID)
	switch c.Query("done") {
	case "moved":
		p.Done = "The session has been changed. " + toldText(p.Emailed, p.ToPhone, "an updated invite")
	case "cancelled":
		p.Done = "The session has been cancelled. " + toldText(p.Emailed, p.ToPhone, "the reason")
	}
	for _, e := range o.Waiting {
		p.Waiting = append(p.Waiting, waitingRowOf(e))
	}
	if p.IsAdmin && s.svc.Accounts != nil {
		p.Others, err = s.assignable(c, o.Facilitators)
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

// bookingRowOf is one booking's row; in a cancelled session nobody's
// place stands, whatever their booking's own status.
func bookingRowOf(b *booking.Booking, takers map[string]booking.Taker, cancelled bool) sessionBookingRow {
	r := sessionBookingRow{
		Reference: b.Reference, Name: b.Name, Email: b.Email, Organisation: b.Organisation,
		Mode: modeWord(b.Mode), AccessNeeds: b.AccessNeeds, Anonymised: booking.Anonymised(b),
	}
	if b.Phone != "" {
		r.Phone = booking.UKPhoneText(b.Phone)
	}
	switch {
	case cancelled:
		r.Status = "Session cancelled"
	case b.Status == booking.PendingVerification:
		r.Status = "Waiting for their email link"
	default:
		r.Status = "Confirmed"
	}
	switch {
	case b.Attended == nil:
		r.Attended = "Not recorded"
	case *b.Attended:
		r.Attended = "Came"
	default:
		r.Attended = "Did not come"
	}
	if t, ok := takers[b.Reference]; ok {
		switch {
		case t.Actor == booking.ActorOrganiser && t.Name != "":
			r.TakenBy = t.Name
		case t.Actor == booking.ActorAPIToken:
			r.TakenBy = "the admin API"
		default:
			r.TakenBy = "an organiser"
		}
	}
	return r
}

// replyWords is a calendar's answer as the organisers read it.
func replyWords(r booking.ReplyStatus) string {
	switch r {
	case booking.ReplyAccepted:
		return "Said yes in their calendar"
	case booking.ReplyTentative:
		return "Said maybe in their calendar"
	}
	return ""
}

func waitingRowOf(e booking.WaitlistEntry) sessionWaitingRow {
	r := sessionWaitingRow{
		Reference: e.Reference, Name: e.Name, Organisation: e.Organisation,
		Mode: modeWord(e.Mode), AccessNeeds: e.AccessNeeds,
	}
	switch {
	case e.Status == booking.Offered && e.OfferExpiresAt != nil:
		r.Status = "Offered a place until " + booking.At(*e.OfferExpiresAt)
	case e.Status == booking.Offered:
		r.Status = "Offered a place"
	default:
		r.Status = "Waiting: number " + strconv.Itoa(e.Position) + " on the list"
	}
	return r
}

// assignable lists the active facilitators not yet running the session
// (admins see every session already).
func (s *Server) assignable(c *gin.Context, running []*booking.Organiser) ([]*booking.Organiser, error) {
	all, err := s.svc.Organisers(c.Request.Context())
	if err != nil {
		return nil, err
	}
	taken := map[int64]bool{}
	for _, o := range running {
		taken[o.ID] = true
	}
	var out []*booking.Organiser
	for _, o := range all {
		if o.Active() && o.Role == booking.RoleFacilitator && !taken[o.ID] {
			out = append(out, o)
		}
	}
	return out, nil
}

// modeWord is the way of taking part in a table cell: "In person", "Online".
func modeWord(m booking.Mode) string {
	if m == booking.Online {
		return "Online"
	}
	return "In person"
}

// toldText says truthfully who is emailed what after a change, and who
// has no email address and must be phoned.
func toldText(emailed, toPhone int, what string) string {
	var s string
	switch emailed {
	case 0:
		s = "Nobody booked has an email address, so nobody is emailed."
	case 1:
		s = "The 1 person booked with an email address is being emailed " + what + "."
	default:
		s = "The " + strconv.Itoa(emailed) + " people booked with an email address are being emailed " + what + "."
	}
	switch toPhone {
	case 0:
	case 1:
		s += " 1 person booked by phone has no email address and is not told: phone them."
	default:
		s += " " + strconv.Itoa(toPhone) + " people booked by phone have no email address and are not told: phone them."
	}
	return s
}
