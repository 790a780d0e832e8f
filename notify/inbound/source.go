// Package inbound reads the organiser mailbox for the answers people's
// calendars send to their invites (iTIP REPLY, RFC 5546), and hands each
// to the booking service. The mailbox is read over IMAP (imap.go) or
// through Microsoft Graph (graph.go), both behind Source.
//
// Every calendar reply read is marked handled in the mailbox (an IMAP
// keyword, a Graph category), and only unmarked messages are read, so a
// restart never applies one twice. Other mail (out-of-office answers,
// people writing in) is left exactly as it was.
package inbound

import (
	"context"
)

// Message is one email in the mailbox, as the sender wrote it (RFC 5322).
type Message struct {
	// ID names the message in its mailbox for MarkHandled.
	ID  string
	Raw []byte
}

// Source opens the organiser mailbox for one round of reading.
type Source interface {
	Open(ctx context.Context) (Mailbox, error)
	// Name says which kind of mailbox it is, for the log: imap or graph.
	Name() string
}

// Mailbox is the organiser mailbox, open for one round.
type Mailbox interface {
	// Unhandled returns up to max messages not marked handled, leaving out
	// those skip says were read already (and left alone).
	Unhandled(ctx context.Context, skip func(id string) bool, max int) ([]Message, error)
	// MarkHandled marks one message handled, so it is never read again.
	MarkHandled(ctx context.Context, id string) error
	Close() error
}

// HandledKeyword is the IMAP keyword that marks a message handled, and
// HandledCategory the Outlook category that does in Microsoft 365.
const (
	HandledKeyword  = "$WorkshopsHandled"
	HandledCategory = "Workshops: reply handled"
)
