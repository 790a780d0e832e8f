package inbound

import (
	"context"
	"errors"
	"time"

	"github.com/coventry/workshops/calendar/msgraph"
)

// Graph reads a Microsoft 365 mailbox through Microsoft Graph with the
// service's app credentials (MSGRAPH_*), which need Mail.ReadWrite.
type Graph struct {
	client  *msgraph.Client
	mailbox string
	now     func() time.Time
}

// Lookback is how far back the Inbox is read: a reply that arrived while
// the service was stopped for longer is not applied.
const Lookback = 14 * 24 * time.Hour

// NewGraph reads mailbox (a user id or address) with client. now may be
// nil for time.Now.
func NewGraph(client *msgraph.Client, mailbox string, now func() time.Time) (*Graph, error) {
	if client == nil || mailbox == "" {
		return nil, errors.New("inbound: Graph needs a client and a mailbox")
	}
	if now == nil {
		now = time.Now
	}
	return &Graph{client: client, mailbox: mailbox, now: now}, nil
}

// Name is "graph".
func (g *Graph) Name() string { return "graph" }

// Open starts a round; Graph needs no connection of its own.
func (g *Graph) Open(context.Context) (Mailbox, error) {
	return &graphMailbox{g: g, listed: map[string]msgraph.MailMessage{}}, nil
}

type graphMailbox struct {
	g      *Graph
	listed map[string]msgraph.MailMessage
}

// Unhandled lists the Inbox of the last Lookback and reads the messages
// without the handled category, asking for listing pages only until it has
// max of them. Reading through Graph leaves isRead as it was.
func (m *graphMailbox) Unhandled(ctx context.Context, skip func(string) bool, max int) ([]Message, error) {
	var out []Message
	if max <= 0 {
		return out, nil
	}
	for msg, err := range m.g.client.InboxMessages(ctx, m.g.mailbox, m.g.now().Add(-Lookback)) {
		if err != nil {
			return nil, err
		}
		if hasCategory(msg.Categories) || skip(msg.ID) {
			continue
		}
		raw, err := m.g.client.MessageMIME(ctx, m.g.mailbox, msg.ID, maxMessage)
		if errors.Is(err, msgraph.ErrTooLarge) {
			raw, err = nil, nil // not a calendar reply: left alone
		}
		if err != nil {
			return nil, err
		}
		m.listed[msg.ID] = msg
		out = append(out, Message{ID: msg.ID, Raw: raw})
		if len(out) == max {
			break
		}
	}
	return out, nil
}

func hasCategory(cats []string) bool {
	for _, c := range cats {
		if c == HandledCategory {
			return true
		}
	}
	return false
}

// MarkHandled adds the handled category and marks the message read.
func (m *graphMailbox) MarkHandled(ctx context.Context, id string) error {
	msg, ok := m.listed[id]
	if !ok {
		return errors.New("inbound: graph: message not read in this round")
	}
	return m.g.client.MarkMessage(ctx, m.g.mailbox, msg, HandledCategory)
}

func (m *graphMailbox) Close() error { return nil }
