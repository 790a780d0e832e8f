package booking

import (
	"context"
	"strings"
)

// Messages to the people booked on a session: an admin writes to everyone
// booked, or only those in the room, or only those online (the room has
// changed, the slides are ready). Each person with an email address gets
// the message in an email of their own from the council, through the
// outbox; people booked by phone with no address are phoned (whoever
// shows the form lists them). The message is audited with its words: it is
// the council's, not anyone's personal data.

// MsgSessionMessage is an admin's message to a person booked on a
// session: Message. No invite: the booking has not changed.
const MsgSessionMessage = "session_message"

// AuditSessionMessage is the audit action of a message sent.
const AuditSessionMessage = "session.message"

// maxMessage bounds a message: a few paragraphs.
const maxMessage = 3000

// SessionMessage is what an admin writes to the people booked on a
// session: the words, and the way of taking part of those it is for
// (empty for everyone).
type SessionMessage struct {
	Mode Mode
	Text string
}

// Modes are the ways of taking part the message goes to.
func (m SessionMessage) Modes() []Mode {
	if m.Mode == "" {
		return Modes
	}
	return []Mode{m.Mode}
}

// Validate checks the message, naming every field at fault.
func (m *SessionMessage) Validate() error {
	f := map[string]string{}
	if m.Mode != "" && !m.Mode.Valid() {
		f["to"] = "Choose who the message is for: everyone, in_person or online"
	}
	checkText(f, "message", "the message", m.Text, maxMessage)
	if strings.TrimSpace(m.Text) == "" && f["message"] == "" {
		f["message"] = "Enter the message to email to the people booked"
	}
	if len(f) > 0 {
		return FieldErrors(f)
	}
	return nil
}

// SessionMessageSnapshot is what the audit log keeps of a message: who it
// was for, its words, and how many were emailed and how many had no
// address (never who they were).
type SessionMessageSnapshot struct {
	To      string `json:"to"`
	Message string `json:"message"`
	Emailed int    `json:"emailed"`
	ToPhone int    `json:"to_phone"`
}

// MessageSession emails m to the people booked on the session (in m's
// modes) who gave an email address, each in an email of their own, in the
// name of the admin acting in ctx, and audits it in the same transaction.
// It returns how many emails were queued. A cancelled session is refused
// (its people were told why); a session that has ended is not (the slides
// come afterwards).
func (s *Service) MessageSession(ctx context.Context, sessionID int64, m SessionMessage) (int, error) {
	if _, err := adminActor(ctx); err != nil {
		return 0, err
	}
	m.Text = strings.TrimSpace(m.Text)
	if err := m.Validate(); err != nil {
		return 0, err
	}
	n, err := s.OrganiserPages.MessageSession(ctx, sessionID, m, s.now())
	if err != nil {
		return 0, err
	}
	s.queued()
	return n, nil
}
