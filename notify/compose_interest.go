package notify

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/coventry/workshops/booking"
)

// composeInterest writes the emails of a registration of interest: the one
// that asks to confirm the address, and the one about a session that
// suits it. Both carry the one-click stop link (RFC 8058) in the
// List-Unsubscribe header and in the text.
func (c *Composer) composeInterest(e Event) (*Message, error) {
	if err := checkMessageID(e.MessageID); err != nil {
		return nil, err
	}
	in := e.Interest
	if in == nil {
		return nil, fmt.Errorf("notify: %s: no registration of interest", e.Kind)
	}
	to, err := recipient(in.Name, in.Email)
	if err != nil {
		return nil, err
	}
	t := e.Payload.Token
	if t == "" {
		return nil, fmt.Errorf("notify: %s: the payload has no token", e.Kind)
	}
	stop := c.base + "/interest/stop?token=" + url.QueryEscape(t)
	v := view{Council: c.cfg.Council, Name: strings.TrimSpace(to.Name), StopURL: stop,
		Title: "Register your interest"}
	switch e.Kind {
	case booking.MsgInterestConfirm:
		v.ActionURL = c.base + "/interest/confirm?token=" + url.QueryEscape(t)
		if !e.Payload.ExpiresAt.IsZero() {
			v.Expires = booking.At(e.Payload.ExpiresAt)
		}
	case booking.MsgInterestSession:
		s := e.Session
		if s == nil || s.Workshop == nil {
			return nil, fmt.Errorf("notify: %s: no session", e.Kind)
		}
		w := s.Workshop
		v.Title, v.Summary = strings.TrimSpace(w.Title), strings.TrimSpace(w.Summary)
		v.Date, v.When = booking.Day(s.StartsAt), booking.When(s.StartsAt, s.EndsAt)
		if s.Offers(booking.InPerson) {
			v.Venue = s.Venue.OneLine()
		}
		v.Online = s.Offers(booking.Online)
		v.ActionURL = c.inv.SessionPageURL(w, s.ID)
	}
	if !safeLink(v.ActionURL) || !safeLink(stop) {
		return nil, fmt.Errorf("notify: %s: the links are not safe to show", e.Kind)
	}
	msg := &Message{Kind: e.Kind, MessageID: e.MessageID, To: to, ReplyTo: c.replyTo, Unsubscribe: stop}
	return msg, c.render(msg, e.Kind, v)
}
