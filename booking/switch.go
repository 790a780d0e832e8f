package booking

import (
	"context"
)

// SwitchMode moves a booking to the other way of taking part, for the person
// holding its manage token, where a place is free: EFull when none is,
// EInvalid for a mode the session does not offer, EConflict when the
// booking is cancelled or still waits for its email link, or the session
// no longer takes bookings. Switching
// to the mode the booking already has changes nothing.
//
// The new place is taken through a hold first, so that people typing their
// details for the last places keep them; Postgres then moves the booking in
// one transaction, and the place given up goes to the waiting list.
func (s *Service) SwitchMode(ctx context.Context, reference, token string, to Mode) (*Booking, error) {
	if !to.Valid() {
		return nil, FieldErrors(map[string]string{"mode": modeMessage})
	}
	b, err := s.changeableBooking(ctx, reference, token)
	if err != nil {
		return nil, err
	}
	if b.Mode == to {
		return b, nil
	}
	sess, err := s.Store.Session(ctx, b.SessionID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !sess.OpenAt(now) {
		return nil, Errorf(EConflict, "This session is no longer taking bookings, so it cannot be changed.")
	}
	if !sess.Offers(to) {
		return nil, FieldErrors(map[string]string{"mode": "This session cannot be attended that way."})
	}
	h, err := s.Holds.TakeRedeemed(ctx, b.SessionID, to, sess.Workshop.Audience, now)
	if err != nil {
		return nil, err
	}
	switched, mirrors, err := s.Store.SwitchMode(ctx, b.Reference, to, now)
	if err != nil {
		// The hold's place was not used: end it, with fresh counts.
		var fresh []Mirror
		if sess, serr := s.Store.Session(ctx, b.SessionID); serr == nil {
			fresh = mirrorsOf(sess)
		}
		s.Holds.Settle(ctx, h, fresh...)
		return nil, err
	}
	s.Holds.Settle(ctx, h, mirrors...)
	s.queued()
	return switched, nil
}

// changeableBooking is the booking of the holder of its manage token, when
// it may still be switched or moved: live and confirmed.
func (s *Service) changeableBooking(ctx context.Context, reference, token string) (*Booking, error) {
	b, err := s.Booking(ctx, reference, token)
	if err != nil {
		return nil, err
	}
	if !b.Live() {
		return nil, Errorf(EConflict, "This booking has been cancelled.")
	}
	if err := RequireVerified(b); err != nil {
		return nil, err
	}
	return b, nil
}
