// Package notify writes the emails the service sends: a plain-text and an
// HTML version of every message, in the plain style of GOV.UK Notify, with
// the iCalendar invite that booking emails carry. It names the Mailer port;
// SMTP and the mail directory live in notify/mailer, and the outbox worker
// that reads what to send from Postgres lives in notify/outbox.
package notify

import (
	"context"
	"errors"
	"net/mail"

	"github.com/coventry/workshops/calendar"
)

// Message is one email, composed and ready to send.
type Message struct {
	// Kind is the outbox kind it was written for (booking.Msg*).
	Kind string
	// MessageID is the stable Message-ID, without angle brackets: a resend
	// after a crash carries the same one, so it can be recognised.
	MessageID string
	To        mail.Address
	// ReplyTo is the monitored council mailbox, if one is configured.
	ReplyTo *mail.Address
	Subject string
	Text    string
	HTML    string
	// Invite is the iCalendar object, nil for messages without one; Method
	// is its METHOD, needed again in the text/calendar part's header.
	Invite []byte
	Method calendar.Method
	// Unsubscribe, when set, is the https link that stops these emails in
	// one click: the mailer writes it into List-Unsubscribe with
	// List-Unsubscribe-Post (RFC 8058).
	Unsubscribe string
}

// Mailer sends messages. Send may be called from several goroutines.
type Mailer interface {
	Send(ctx context.Context, m *Message) error
}

// ErrServerDown marks a failure to reach the mail server at all: every
// message waiting would fail the same way, so the worker backs them all off
// at once instead of trying each in turn.
var ErrServerDown = errors.New("mail server unreachable")

// PermanentError marks a failure that trying again will not mend: an
// address the mail server refuses, a message that cannot be written.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err as a PermanentError; nil stays nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// IsPermanent reports whether err, or an error it wraps, is permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}
