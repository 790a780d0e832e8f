package booking

import (
	"context"
	"time"
)

// The reads the pages and the API show, so the web layer asks the service
// and never its stores.

// Session reads a session with its places and workshop.
func (s *Service) Session(ctx context.Context, id int64) (*Session, error) {
	return s.Store.Session(ctx, id)
}

// Workshop reads a workshop.
func (s *Service) Workshop(ctx context.Context, id int64) (*Workshop, error) {
	return s.Store.Workshop(ctx, id)
}

// Workshops lists the workshops of audience with their sessions still to
// start, soonest first.
func (s *Service) Workshops(ctx context.Context, audience Audience) ([]*Workshop, error) {
	return s.Store.Workshops(ctx, audience, s.now())
}

// BookingByReference reads a booking for an organiser, whom the web layer
// has let in; residents use Booking, with their manage token.
func (s *Service) BookingByReference(ctx context.Context, reference string) (*Booking, error) {
	return s.Store.Booking(ctx, reference)
}

// PlacesLeft is the places of sess in mode m free now as people see them:
// what Postgres has not given away, less what others are holding.
func (s *Service) PlacesLeft(ctx context.Context, sess *Session, m Mode) int {
	return max(sess.PlacesFor(m).Left()-s.Holds.Held(ctx, sess.ID, m, s.now()), 0)
}

// PlacesLeftTo is PlacesLeft as the holder of own, a live hold in sess,
// sees it: their own hold keeps a place for them, not from them.
func (s *Service) PlacesLeftTo(ctx context.Context, sess *Session, m Mode, own Hold) int {
	now := s.now()
	if own.SessionID != sess.ID || own.Mode != m || !own.ExpiresAt.After(now) {
		return s.PlacesLeft(ctx, sess, m)
	}
	// Held counts the person's own hold (two places for a pair), or
	// nothing when Redis cannot say.
	return max(sess.PlacesFor(m).Left()-max(s.Holds.Held(ctx, sess.ID, m, now)-max(own.Places, 1), 0), 0)
}

// WaitlistRefusal says why a person of audience cannot join the waiting
// list of sess in mode now (CanJoinWaitlist), or nil when they can.
func (s *Service) WaitlistRefusal(ctx context.Context, sess *Session, mode Mode, audience Audience) error {
	return s.waitlistRefusal(ctx, sess, mode, audience, s.now())
}

func (s *Service) waitlistRefusal(ctx context.Context, sess *Session, mode Mode, audience Audience, now time.Time) error {
	return CanJoinWaitlist(sess, mode, audience, now, s.Holds.Held(ctx, sess.ID, mode, now))
}

// HeldPlace reads the session, mode and expiry a hold id carries (signed,
// so the pages need not carry them), whether or not the hold has lapsed.
func (s *Service) HeldPlace(holdID string) (Hold, error) {
	return s.Holds.Parse(holdID)
}
