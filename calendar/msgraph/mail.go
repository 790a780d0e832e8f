package msgraph

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// The organiser mailbox, read for calendar replies (notify/inbound). The
// app needs the application permission Mail.ReadWrite, best limited to that
// one mailbox with an application access policy.

// MailMessage is a message of a mailbox as a listing gives it.
type MailMessage struct {
	ID         string   `json:"id"`
	Categories []string `json:"categories"`
}

// maxPages bounds the pages one listing follows.
const maxPages = 25

// InboxMessages yields the messages of mailbox's Inbox received since
// since, oldest first, with their categories, following Graph's pages only
// as far as the caller reads: a reader that stops early asks for no more
// pages. A failed page is yielded as the error, and ends the listing.
func (c *Client) InboxMessages(ctx context.Context, mailbox string, since time.Time) iter.Seq2[MailMessage, error] {
	return func(yield func(MailMessage, error) bool) {
		q := url.Values{}
		q.Set("$select", "id,categories")
		q.Set("$filter", "receivedDateTime ge "+since.UTC().Format(time.RFC3339))
		q.Set("$orderby", "receivedDateTime asc")
		q.Set("$top", "200")
		next := c.mailboxURL(mailbox) + "/mailFolders/inbox/messages?" + q.Encode()
		for page := 0; next != "" && page < maxPages; page++ {
			var list struct {
				Value    []MailMessage `json:"value"`
				NextLink string        `json:"@odata.nextLink"`
			}
			if err := c.call(ctx, http.MethodGet, next, nil, &list); err != nil {
				yield(MailMessage{}, fmt.Errorf("list messages: %w", err))
				return
			}
			for _, m := range list.Value {
				if !yield(m, nil) {
					return
				}
			}
			next = list.NextLink
		}
	}
}

// ErrTooLarge is MessageMIME's answer for a message longer than its limit.
var ErrTooLarge = errors.New("msgraph: message too large")

// MessageMIME returns a message as it was sent (RFC 5322); ErrTooLarge
// when it is longer than limit bytes.
func (c *Client) MessageMIME(ctx context.Context, mailbox, id string, limit int64) ([]byte, error) {
	raw, err := c.send(ctx, http.MethodGet, c.mailboxURL(mailbox)+"/messages/"+url.PathEscape(id)+"/$value", nil, "", limit)
	if errors.Is(err, ErrTooLarge) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	return raw, nil
}

// MarkMessage adds category to a message's categories (keeping those it
// has) and marks it read.
func (c *Client) MarkMessage(ctx context.Context, mailbox string, m MailMessage, category string) error {
	cats := slices.Clone(m.Categories)
	if !slices.Contains(cats, category) {
		cats = append(cats, category)
	}
	body := struct {
		Categories []string `json:"categories"`
		IsRead     bool     `json:"isRead"`
	}{cats, true}
	if err := c.call(ctx, http.MethodPatch, c.mailboxURL(mailbox)+"/messages/"+url.PathEscape(m.ID), body, nil); err != nil {
		return fmt.Errorf("mark message: %w", err)
	}
	return nil
}

func (c *Client) mailboxURL(mailbox string) string {
	return c.cfg.GraphURL + "/users/" + url.PathEscape(mailbox)
}
