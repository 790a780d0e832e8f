package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// Making and changing sessions. One form serves both: the date and times
// in London (organiser_times.go), the venue, the joining link and the
// places in each way of taking part. Changes go through
// booking.Service.UpdateSession, as the API's do, so a session moved here
// sends everyone booked the same session_changed email and invite.

// sessionFields are the form's fields in page order, for the error summary.
var sessionFields = []string{"date", "start_time", "end_time", "venue_name", "venue_address", "online_url",
	"capacity_in_person", "capacity_online"}

// sessionFieldOf maps the use cases' field names to the form's.
var sessionFieldOf = map[string]string{
	"starts_at": "start_time", "ends_at": "end_time", "venue.name": "venue_name", "venue.address": "venue_address",
	"online_url": "online_url", "capacity.in_person": "capacity_in_person", "capacity.online": "capacity_online",
	"capacity": "capacity_in_person",
}

type sessionFormPage struct {
	organiserPage
	Workshop *booking.Workshop
	// Action is where the form posts; SessionID is 0 for a new session.
	Action    string
	SessionID int64
	Submit    string
	// Booked is how many people a change would tell; Taken the places
	// taken in each mode, below which a capacity cannot go.
	Booked        int
	TakenInPerson int
	TakenOnline   int
	// MakesMeetings is set when an online session without a link gets a
	// Teams meeting made for it.
	MakesMeetings bool
	// CopiedFrom is when the session being duplicated is, for a new
	// session filled in from it (organiser_duplicate.go).
	CopiedFrom string
}

// HintInPerson, HintOnline and HintLink are the hints of the fields whose
// advice depends on the session.
func (p *sessionFormPage) HintInPerson() string {
	return "0 if nobody takes part in person" + takenHint(p.TakenInPerson)
}

func (p *sessionFormPage) HintOnline() string {
	return "0 if nobody takes part online" + takenHint(p.TakenOnline)
}

func (p *sessionFormPage) HintLink() string {
	if p.MakesMeetings {
		return "The Microsoft Teams link, starting https://. Leave it empty to have a Teams meeting made for the session"
	}
	return "The Microsoft Teams link, starting https://. Needed when there are places online"
}

func takenHint(n int) string {
	if n == 0 {
		return ""
	}
	return ". " + placesTaken(n) + " already taken, so it cannot be fewer than " + strconv.Itoa(n)
}

// sessionForm is what the form sent, parsed, with a message for each field
// at fault.
type sessionForm struct {
	values map[string]string
	fields map[string]string
	patch  booking.SessionPatch
}

func readSessionForm(c *gin.Context) *sessionForm {
	f := &sessionForm{values: map[string]string{}, fields: map[string]string{}}
	times := sessionTimes{
		Day: c.PostForm("date-day"), Month: c.PostForm("date-month"), Year: c.PostForm("date-year"),
		Start: c.PostForm("start_time"), End: c.PostForm("end_time"),
	}
	times.values(f.values)
	for _, name := range []string{"venue_name", "venue_address", "online_url", "capacity_in_person", "capacity_online"} {
		f.values[name] = c.PostForm(name)
	}
	start, end := times.parse(f.fields)
	if !start.IsZero() {
		f.patch.StartsAt = &start
	}
	if !end.IsZero() {
		f.patch.EndsAt = &end
	}
	f.patch.Venue = &booking.Venue{Name: f.values["venue_name"], Address: f.values["venue_address"]}
	link := f.values["online_url"]
	f.patch.OnlineURL = &link
	f.patch.Capacity = &booking.CapacityPatch{
		InPerson: f.places("capacity_in_person", "in person"),
		Online:   f.places("capacity_online", "online"),
	}
	return f
}

// places reads a capacity: a whole number, 0 for a way of taking part the
// session does not offer.
func (f *sessionForm) places(name, what string) *int {
	v := strings.TrimSpace(f.values[name])
	if v == "" {
		f.fields[name] = "Enter the number of places " + what + ", or 0 if there are none"
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > booking.MaxCapacity {
		f.fields[name] = fmt.Sprintf("Enter the number of places %s as a whole number from 0 to %d", what, booking.MaxCapacity)
		return nil
	}
	return &n
}

// check adds what the use case would refuse to the form's own messages,
// so that one round trip shows everything at fault.
func (f *sessionForm) check(workshopID int64, makesMeetings bool) {
	sess := booking.NewSession(workshopID, f.patch)
	if makesMeetings && sess.OnlineURL == "" {
		sess.OnlineURL = "https://teams.microsoft.com/" // made for it when saved
	}
	f.merge(booking.ValidateSession(sess))
}

// merge adds the field messages of err that the form has none of yet;
// times are left to the form when the date itself is at fault.
func (f *sessionForm) merge(err error) {
	for k, msg := range booking.ErrorFields(err) {
		name, ok := sessionFieldOf[k]
		if !ok {
			name = k
		}
		if (k == "starts_at" || k == "ends_at") && (f.fields["date"] != "" || f.fields[name] != "") {
			continue
		}
		if _, set := f.fields[name]; !set {
			f.fields[name] = msg
		}
	}
}

// show fills p with what was typed and the messages.
func (f *sessionForm) show(p *sessionFormPage) {
	p.Values = f.values
	p.SetErrors(booking.FieldErrors(f.fields), sessionFields...)
}

// organiserSessionNew is GET /admin/workshops/:id/sessions/new.
func (s *Server) organiserSessionNew(c *gin.Context) error {
	p, err := s.newSessionForm(c)
	if err != nil {
		return err
	}
	p.Values = map[string]string{"capacity_in_person": "0", "capacity_online": "0"}
	s.render(c, http.StatusOK, "organiser_session_form", p)
	return nil
}

func (s *Server) newSessionForm(c *gin.Context) (*sessionFormPage, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	return s.sessionFormFor(c, id)
}

// sessionFormFor is the form adding a session to the workshop workshopID.
func (s *Server) sessionFormFor(c *gin.Context, workshopID int64) (*sessionFormPage, error) {
	w, err := s.svc.Workshop(c.Request.Context(), workshopID)
	if err != nil {
		return nil, err
	}
	p := &sessionFormPage{
		organiserPage: s.organiser(c, "Add a session"), Workshop: w,
		Action: fmt.Sprintf("/admin/workshops/%d/sessions", w.ID), Submit: "Add the session",
		MakesMeetings: s.svc.Meetings != nil,
	}
	p.BackLink = fmt.Sprintf("/admin/workshops/%d", w.ID)
	return p, nil
}

// organiserSessionCreate is POST /admin/workshops/:id/sessions.
func (s *Server) organiserSessionCreate(c *gin.Context) error {
	p, err := s.newSessionForm(c)
	if err != nil {
		return err
	}
	f := readSessionForm(c)
	if len(f.fields) > 0 {
		f.check(p.Workshop.ID, p.MakesMeetings)
		f.show(p)
		s.render(c, http.StatusUnprocessableEntity, "organiser_session_form", p)
		return nil
	}
	created, err := s.svc.CreateSession(c.Request.Context(), booking.NewSession(p.Workshop.ID, f.patch))
	if booking.IsCode(err, booking.EInvalid) {
		f.merge(err)
		f.show(p)
		s.render(c, http.StatusUnprocessableEntity, "organiser_session_form", p)
		return nil
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, withDone(sessionPath(created.ID), "session"))
	return nil
}

// editSessionPage reads the session in :id for its form; a cancelled or
// finished session cannot be changed.
func (s *Server) editSessionPage(c *gin.Context) (*sessionFormPage, *booking.Session, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, nil, err
	}
	sess, err := s.svc.Session(c.Request.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	if sess.Status != booking.Scheduled {
		return nil, nil, booking.Errorf(booking.EConflict, "This session has been cancelled and cannot be changed.")
	}
	if !s.now().Before(sess.EndsAt) {
		return nil, nil, booking.Errorf(booking.EConflict, "This session has already taken place and cannot be changed.")
	}
	p := &sessionFormPage{
		organiserPage: s.organiser(c, "Change the session"), Workshop: sess.Workshop,
		Action: sessionPath(sess.ID) + "/edit", SessionID: sess.ID, Submit: "Save changes",
		TakenInPerson: sess.PlacesFor(booking.InPerson).Taken(), TakenOnline: sess.PlacesFor(booking.Online).Taken(),
	}
	for _, pl := range sess.Places {
		p.Booked += pl.Booked
	}
	p.BackLink = sessionPath(sess.ID)
	return p, sess, nil
}

// organiserSessionEdit is GET /admin/sessions/:id/edit.
func (s *Server) organiserSessionEdit(c *gin.Context) error {
	p, sess, err := s.editSessionPage(c)
	if err != nil {
		return err
	}
	v := map[string]string{
		"venue_name": sess.Venue.Name, "venue_address": sess.Venue.Address, "online_url": sess.OnlineURL,
		"capacity_in_person": strconv.Itoa(sess.PlacesFor(booking.InPerson).Capacity),
		"capacity_online":    strconv.Itoa(sess.PlacesFor(booking.Online).Capacity),
	}
	timesOf(sess.StartsAt, sess.EndsAt).values(v)
	p.Values = v
	s.render(c, http.StatusOK, "organiser_session_form", p)
	return nil
}

// organiserSessionUpdate is POST /admin/sessions/:id/edit: the session
// changed, or the form again saying what to put right. A capacity below
// the places already taken is refused on its field.
func (s *Server) organiserSessionUpdate(c *gin.Context) error {
	p, sess, err := s.editSessionPage(c)
	if err != nil {
		return err
	}
	f := readSessionForm(c)
	f.keepSeconds(sess)
	f.belowTaken(sess)
	if len(f.fields) > 0 {
		f.check(sess.WorkshopID, false)
		f.show(p)
		s.render(c, http.StatusUnprocessableEntity, "organiser_session_form", p)
		return nil
	}
	updated, err := s.svc.UpdateSession(c.Request.Context(), sess.ID, f.patch)
	switch booking.ErrorCode(err) {
	case "":
	case booking.EInvalid:
		f.merge(err)
		f.show(p)
		s.render(c, http.StatusUnprocessableEntity, "organiser_session_form", p)
		return nil
	case booking.EConflict:
		// Places were taken meanwhile: say so on the field if that is why.
		if now, rerr := s.svc.Session(c.Request.Context(), sess.ID); rerr == nil && f.belowTaken(now) {
			f.show(p)
			s.render(c, http.StatusConflict, "organiser_session_form", p)
			return nil
		}
		return err
	default:
		return err
	}
	done := "updated"
	if updated.Sequence != sess.Sequence {
		done = "moved" // people booked are told
	} else if samePlaces(sess, updated) {
		done = "unchanged"
	}
	c.Redirect(http.StatusSeeOther, withDone(sessionPath(sess.ID), done))
	return nil
}

// keepSeconds leaves a time the form shows unchanged as it is: the form
// has minutes only, and a session made through the API may have seconds,
// which saving the form must not move (and so tell everyone booked).
func (f *sessionForm) keepSeconds(sess *booking.Session) {
	if t := f.patch.StartsAt; t != nil && t.Equal(sess.StartsAt.Truncate(time.Minute)) {
		f.patch.StartsAt = &sess.StartsAt
	}
	if t := f.patch.EndsAt; t != nil && t.Equal(sess.EndsAt.Truncate(time.Minute)) {
		f.patch.EndsAt = &sess.EndsAt
	}
}

// belowTaken adds a message to each capacity lower than the places sess
// has taken in its mode, and reports whether there was one.
func (f *sessionForm) belowTaken(sess *booking.Session) bool {
	if f.patch.Capacity == nil {
		return false
	}
	found := false
	for _, m := range booking.Modes {
		n := f.patch.Capacity.InPerson
		name, what := "capacity_in_person", "in person"
		if m == booking.Online {
			n, name, what = f.patch.Capacity.Online, "capacity_online", "online"
		}
		taken := sess.PlacesFor(m).Taken()
		if n != nil && *n < taken {
			f.fields[name] = fmt.Sprintf("%s already taken %s, so there must be at least %d", placesTaken(taken), what, taken)
			found = true
		}
	}
	return found
}

func placesTaken(n int) string {
	if n == 1 {
		return "1 place is"
	}
	return strconv.Itoa(n) + " places are"
}

func samePlaces(a, b *booking.Session) bool {
	for _, m := range booking.Modes {
		if a.PlacesFor(m).Capacity != b.PlacesFor(m).Capacity {
			return false
		}
	}
	return true
}
