// Package mailer delivers notify messages: over SMTP with go-mail
// (SMTP_URL), or as .eml files in a directory (MAIL_DIR) when no mail
// server is configured. Both write the same MIME message:
//
//	multipart/mixed
//	├── multipart/alternative
//	│   ├── text/plain
//	│   ├── text/html
//	│   └── text/calendar; method=REQUEST|CANCEL   (booking emails)
//	└── invite.ics, application/ics, attachment  (booking emails)
//
// Outlook treats an email as a meeting only when the text/calendar part
// sits inside multipart/alternative; the attachment is for every other
// client and for people who save the file.
package mailer

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/notify"
)

// Build writes m as a go-mail message from from. It refuses anything that
// could smuggle a line into a header, whatever go-mail would make of it.
func Build(from *mail.Address, m *notify.Message) (*gomail.Msg, error) {
	if from == nil || from.Address == "" {
		return nil, errors.New("mailer: no sender address")
	}
	for _, h := range []string{m.To.Address, m.To.Name, m.Subject, m.MessageID, m.Unsubscribe} {
		if strings.IndexFunc(h, unicode.IsControl) >= 0 {
			return nil, notify.Permanent(errors.New("mailer: a header value holds control characters"))
		}
	}
	// An encoded word typed as plain text would be decoded by the mail
	// program into other text (a header of its own, even). The rules for
	// names refuse them; a name stored before that goes unused, so the
	// email still goes.
	if booking.HoldsEncodedWord(m.Subject) {
		return nil, notify.Permanent(errors.New("mailer: the subject holds an RFC 2047 encoded word"))
	}
	toName := m.To.Name
	if booking.HoldsEncodedWord(toName) {
		toName = ""
	}
	if m.To.Address == "" || m.MessageID == "" {
		return nil, notify.Permanent(errors.New("mailer: message has no recipient or Message-ID"))
	}
	// Only a bare address: go-mail would quote anything else into some
	// other address rather than refuse it.
	if to, err := mail.ParseAddress(m.To.Address); err != nil || to.Address != m.To.Address || !utf8.ValidString(m.To.Address) {
		return nil, notify.Permanent(errors.New("mailer: the recipient is not a plain email address"))
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(from)
	msg.ToMailAddress(&mail.Address{Name: toName, Address: m.To.Address})
	if m.ReplyTo != nil {
		msg.ReplyToMailAddress(m.ReplyTo)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDate()
	// Tell mail servers this is automatic, so out-of-office and other
	// automatic replies stay away. Exchange's "All" would also suppress
	// delivery and bounce reports, which say an address is wrong.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "OOF, AutoReply")
	if m.Unsubscribe != "" {
		// One click stops them (RFC 8058): the mail program POSTs
		// "List-Unsubscribe=One-Click" to the link, which needs no more.
		if strings.ContainsAny(m.Unsubscribe, "<> ,") {
			return nil, notify.Permanent(errors.New("mailer: the unsubscribe link cannot stand in a header"))
		}
		msg.SetGenHeader(gomail.Header("List-Unsubscribe"), "<"+m.Unsubscribe+">")
		msg.SetGenHeader(gomail.Header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click")
	}

	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	if len(m.Invite) > 0 {
		if m.Method == "" || strings.ContainsAny(string(m.Method), " ;\r\n") {
			return nil, notify.Permanent(fmt.Errorf("mailer: invite method %q", m.Method))
		}
		// Base64 keeps the CRLFs and folded lines of the invite exactly as written.
		msg.AddAlternativeString(gomail.ContentType("text/calendar; method="+string(m.Method)), string(m.Invite),
			gomail.WithPartEncoding(gomail.EncodingB64))
		if err := msg.AttachReader("invite.ics", bytes.NewReader(m.Invite),
			gomail.WithFileContentType("application/ics"), gomail.WithFileEncoding(gomail.EncodingB64)); err != nil {
			return nil, fmt.Errorf("mailer: attach invite: %w", err)
		}
	}
	return msg, nil
}

// Mailer is a notify.Mailer that holds connections or files to close.
type Mailer interface {
	notify.Mailer
	Close() error
}

// New returns the mailer the configuration asks for: SMTP when smtpURL is
// set (SMTP_URL), otherwise .eml files in mailDir (MAIL_DIR). from is
// MAIL_FROM, e.g. "Workshops <workshops@localhost>".
func New(smtpURL, mailDir, from string) (Mailer, error) {
	if smtpURL != "" {
		return NewSMTP(SMTPConfig{URL: smtpURL, From: from})
	}
	return NewDir(mailDir, from)
}

// parseFrom reads MAIL_FROM.
func parseFrom(from string) (*mail.Address, error) {
	if strings.IndexFunc(from, unicode.IsControl) >= 0 {
		return nil, errors.New("MAIL_FROM: holds control characters")
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("MAIL_FROM: %q is not an email address: %w", from, err)
	}
	return a, nil
}
