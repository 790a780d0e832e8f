package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// Emailing the people booked on a session (booking.MessageSession): an
// admin writes a message for everyone booked, or only those in the room,
// or only those online; checks who it reaches (how many are emailed, who
// has no address and must be phoned, by whoIsTold); and sends it. Each
// email comes from the council, not from the admin. The page after
// sending reads what was sent from the audit log, so it says what the
// store did, not what the form asked.

// messageChoice is one answer to "who is the message for?".
type messageChoice struct {
	Value, Label, Hint string
}

type messagePage struct {
	organiserPage
	Session *booking.Session
	When    string
	Choices []messageChoice
	// To is who the message is for ("everyone", "in_person", "online"),
	// ToWords the same in words.
	To, ToWords string
	ToLabel     string // ToWords as a sentence starts
	Message     string
	// Emailed counts the people the message is emailed to; ToPhone are
	// those it is for who have no email address.
	Emailed int
	ToPhone []phoneListPerson
	Sent    bool
}

const messageEveryone = "everyone"

func messagePath(sessionID int64) string { return fmt.Sprintf("/admin/sessions/%d/message", sessionID) }

// messageMode reads the form's "to": the empty mode for everyone; false
// for an answer that is none of the choices.
func messageMode(to string) (booking.Mode, bool) {
	if to == "" || to == messageEveryone {
		return "", true
	}
	m := booking.Mode(to)
	return m, m.Valid()
}

// toWords names the people a message is for.
func toWords(m booking.Mode) string {
	switch m {
	case booking.InPerson:
		return "the people booked to take part in person"
	case booking.Online:
		return "the people booked to take part online"
	}
	return "everyone booked"
}

// newMessagePage reads the session in :id with its bookings, refusing a
// cancelled one.
func (s *Server) newMessagePage(c *gin.Context, title string) (*messagePage, []booking.Booking, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, nil, err
	}
	o, err := s.svc.SessionOverview(c.Request.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	sess := o.Session
	p := &messagePage{organiserPage: s.organiser(c, title), Session: sess, When: whenText(sess.StartsAt, sess.EndsAt)}
	p.BackLink = sessionPath(sess.ID)
	if sess.Status == booking.Cancelled {
		return nil, nil, booking.Errorf(booking.EConflict, "This session is cancelled: the people booked were emailed the reason.")
	}
	if sess.Offers(booking.InPerson) && sess.Offers(booking.Online) {
		for _, ch := range []struct {
			to   string
			mode booking.Mode
		}{{messageEveryone, ""}, {string(booking.InPerson), booking.InPerson}, {string(booking.Online), booking.Online}} {
			emailed, toPhone := whoIsTold(bookingsIn(o.Attendees, ch.mode))
			p.Choices = append(p.Choices, messageChoice{Value: ch.to, Label: capitalise(toWords(ch.mode)), Hint: reachText(emailed, len(toPhone))})
		}
	}
	return p, o.Attendees, nil
}

// reach fills who the message for m reaches among bookings.
func (p *messagePage) reach(bookings []booking.Booking, m booking.Mode) {
	p.To, p.ToWords = string(m), toWords(m)
	p.ToLabel = capitalise(p.ToWords)
	if m == "" {
		p.To = messageEveryone
	}
	var toPhone []*booking.Booking
	p.Emailed, toPhone = whoIsTold(bookingsIn(bookings, m))
	p.ToPhone = nil
	for _, b := range toPhone {
		p.ToPhone = append(p.ToPhone, phoneListPerson{
			Reference: b.Reference, Name: b.Name, Phone: booking.UKPhoneText(b.Phone), PhoneLink: telLink(b.Phone),
			Mode: modeWord(b.Mode),
		})
	}
}

// bookingsIn keeps the bookings taking part in m; all of them for "".
func bookingsIn(bookings []booking.Booking, m booking.Mode) []booking.Booking {
	if m == "" {
		return bookings
	}
	var out []booking.Booking
	for _, b := range bookings {
		if b.Mode == m {
			out = append(out, b)
		}
	}
	return out
}

// reachText is a choice's hint: how many it emails and how many it cannot.
func reachText(emailed, toPhone int) string {
	s := plural(emailed, "person", "people") + " with an email address"
	if toPhone > 0 {
		s += ", and " + plural(toPhone, "person", "people") + " to phone"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// organiserMessageForm is GET /admin/sessions/:id/message.
func (s *Server) organiserMessageForm(c *gin.Context) error {
	p, bookings, err := s.newMessagePage(c, "Email the people booked")
	if err != nil {
		return err
	}
	p.reach(bookings, "")
	p.Values = map[string]string{"to": messageEveryone}
	s.render(c, http.StatusOK, "organiser_message", p)
	return nil
}

// organiserMessage is POST /admin/sessions/:id/message. Without
// confirm=yes it checks the message and shows who it reaches; with it, it
// sends it; with change=yes it goes back to the form as it was filled in.
func (s *Server) organiserMessage(c *gin.Context) error {
	p, bookings, err := s.newMessagePage(c, "Email the people booked")
	if err != nil {
		return err
	}
	to, text := c.PostForm("to"), strings.TrimSpace(c.PostForm("message"))
	p.Values = map[string]string{"to": to, "message": text}
	mode, ok := messageMode(to)
	m := booking.SessionMessage{Mode: mode, Text: text}
	if !ok {
		m.Mode = booking.Mode(to) // Validate names it
	}
	if err := m.Validate(); err != nil || c.PostForm("change") == "yes" {
		status := http.StatusOK
		if err != nil {
			if !p.SetErrors(err, "to", "message") {
				return err
			}
			status = http.StatusUnprocessableEntity
		}
		p.reach(bookings, "")
		s.render(c, status, "organiser_message", p)
		return nil
	}
	if c.PostForm("confirm") != "yes" {
		p.Title = "Check your message before you send it"
		p.Message = text
		p.reach(bookings, mode)
		s.render(c, http.StatusOK, "organiser_message_check", p)
		return nil
	}
	if _, err := s.svc.MessageSession(c.Request.Context(), p.Session.ID, m); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, messagePath(p.Session.ID)+"/sent")
	return nil
}

// organiserMessageSent is GET /admin/sessions/:id/message/sent: the last
// message sent about the session, as the audit log has it, how many it was
// emailed to, and who it is for that must be phoned.
func (s *Server) organiserMessageSent(c *gin.Context) error {
	p, bookings, err := s.newMessagePage(c, "Your message is being sent")
	if err != nil {
		return err
	}
	entries, err := s.svc.AuditEntries(c.Request.Context(), booking.AuditFilter{
		SubjectType: booking.SubjectSession, SubjectID: strconv.FormatInt(p.Session.ID, 10),
		Action: booking.AuditSessionMessage, Limit: 1,
	})
	if err != nil {
		return err
	}
	var sent booking.SessionMessageSnapshot
	if len(entries) == 0 || json.Unmarshal(entries[0].After, &sent) != nil {
		return booking.Errorf(booking.ENotFound, "No message has been sent about this session.")
	}
	mode, _ := messageMode(sent.To)
	p.reach(bookings, mode)
	p.Emailed, p.Message, p.Sent = sent.Emailed, sent.Message, true
	s.render(c, http.StatusOK, "organiser_message_sent", p)
	return nil
}
