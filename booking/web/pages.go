package web

import (
	"context"
	"time"

	"github.com/coventry/workshops/booking"
)

// The public pages: one handler per file, named after the route:
// pages_start.go, pages_session.go, pages_hold.go, pages_manage.go,
// pages_council.go.

// modeItem is one way of taking part in a session, as a page shows it.
type modeItem struct {
	Mode     booking.Mode
	Label    string
	Capacity int
	// Left is the places free now: not booked, offered or held.
	Left int
}

// sessionItem is a session as the pages show it.
type sessionItem struct {
	ID           int64
	WorkshopID   int64
	When         string
	StartsAt     time.Time
	EndsAt       time.Time
	Venue        booking.Venue
	Modes        []modeItem // only the modes the session offers
	Open         bool       // scheduled and not yet started
	Cancelled    bool
	CancelReason string
	Full         bool // open, but no place left in any mode
	// Holding is the way of taking part in which this browser holds a
	// place here ("" for none): that place counts as the person's own.
	Holding booking.Mode
	// Ballot: the session gives its places by a ballot not drawn yet;
	// ApplyOpen while it takes applications, until ApplyBy.
	Ballot    bool
	ApplyOpen bool
	ApplyBy   string
}

// sessionItemFor is sessionItemOf for a person who holds own (a live hold,
// or nil): a place they hold is theirs, never counted against them.
func (s *Server) sessionItemFor(ctx context.Context, sess *booking.Session, own *booking.Hold) sessionItem {
	it := s.sessionItemOf(ctx, sess)
	if own == nil || own.SessionID != sess.ID || !it.Open || !s.live(*own) {
		return it
	}
	for i, m := range it.Modes {
		if m.Mode == own.Mode {
			it.Modes[i].Left = s.svc.PlacesLeftTo(ctx, sess, m.Mode, *own)
			it.Holding = own.Mode
			it.Full = false
		}
	}
	return it
}

// sessionItemOf counts the places of sess as people see them: what Postgres
// has not given away, less what others hold right now.
func (s *Server) sessionItemOf(ctx context.Context, sess *booking.Session) sessionItem {
	now := s.now()
	it := sessionItem{
		ID: sess.ID, WorkshopID: sess.WorkshopID, When: whenText(sess.StartsAt, sess.EndsAt),
		StartsAt: sess.StartsAt, EndsAt: sess.EndsAt, Venue: sess.Venue,
		Open: sess.OpenAt(now), Cancelled: sess.Status == booking.Cancelled, CancelReason: sess.CancelReason,
	}
	total := 0
	for _, m := range booking.Modes {
		p := sess.PlacesFor(m)
		if p.Capacity <= 0 {
			continue
		}
		left := 0
		if it.Open {
			left = s.svc.PlacesLeft(ctx, sess, m)
		}
		total += left
		it.Modes = append(it.Modes, modeItem{Mode: m, Label: m.Label(), Capacity: p.Capacity, Left: left})
	}
	it.Full = it.Open && total == 0
	if sess.AwaitsDraw() && sess.ApplicationsCloseAt != nil {
		it.Ballot, it.Full = true, false
		it.ApplyOpen, it.ApplyBy = sess.ApplyingAt(now), booking.At(*sess.ApplicationsCloseAt)
	}
	return it
}
