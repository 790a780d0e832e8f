package booking

import (
	"context"
)

// Manage your booking, beyond switching and cancelling (issue 10, item 3):
// the person fixes their details, or moves to another session of the same
// workshop where a place is free.

// UpdateDetails changes the name, organisation, postcode and access needs
// of a booking, for the holder of its manage token. The email address
// stays: it is changed only through a link sent to the new one.
func (s *Service) UpdateDetails(ctx context.Context, reference, token string, d Details) (*Booking, error) {
	b, err := s.Booking(ctx, reference, token)
	if err != nil {
		return nil, err
	}
	if !b.Live() {
		return nil, Errorf(EConflict, "This booking has been cancelled.")
	}
	d.Email, d.Consent = b.Email, true
	d.Normalize()
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return s.Store.UpdateBookingDetails(ctx, b.Reference, d, s.now())
}

// MoveBooking moves a booking to another session of its workshop, in mode,
// for the holder of its manage token. The new place is held first, so the
// people typing their details for the last places keep them; the move
// itself is one transaction, so the old place is kept until the new one is
// taken, and the person gets one updated invite, not a cancellation and a
// new booking.
func (s *Service) MoveBooking(ctx context.Context, reference, token string, toSession int64, mode Mode) (*Booking, error) {
	if !mode.Valid() {
		return nil, FieldErrors(map[string]string{"session": "Choose a session and a way of taking part"})
	}
	b, err := s.changeableBooking(ctx, reference, token)
	if err != nil {
		return nil, err
	}
	if toSession == b.SessionID {
		return s.SwitchMode(ctx, reference, token, mode)
	}
	return s.moveTo(ctx, b, toSession, mode)
}

// moveTo moves the live, confirmed booking b to toSession, another
// session of its workshop, in mode: the person's move and an officer's.
func (s *Service) moveTo(ctx context.Context, b *Booking, toSession int64, mode Mode) (*Booking, error) {
	from, err := s.Store.Session(ctx, b.SessionID)
	if err != nil {
		return nil, err
	}
	to, err := s.Store.Session(ctx, toSession)
	if IsCode(err, ENotFound) {
		return nil, FieldErrors(map[string]string{"session": "Choose another session of this workshop"})
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	switch {
	case to.WorkshopID != from.WorkshopID:
		return nil, FieldErrors(map[string]string{"session": "Choose another session of this workshop"})
	case !from.OpenAt(now):
		return nil, Errorf(EConflict, "This session is no longer taking changes, so the booking cannot be moved.")
	case !to.OpenAt(now):
		return nil, Errorf(EConflict, "That session is no longer taking bookings.")
	case !to.Offers(mode):
		return nil, FieldErrors(map[string]string{"session": "That session cannot be attended that way"})
	}
	h, err := s.Holds.TakeRedeemed(ctx, toSession, mode, to.Workshop.Audience, now)
	if err != nil {
		return nil, err
	}
	moved, mirrors, err := s.Store.MoveBooking(ctx, b.Reference, toSession, mode, now)
	if err != nil {
		// The hold's place was not used: end it, with fresh counts.
		var fresh []Mirror
		if sess, serr := s.Store.Session(ctx, toSession); serr == nil {
			fresh = mirrorsOf(sess)
		}
		s.Holds.Settle(ctx, h, fresh...)
		return nil, err
	}
	s.Holds.Settle(ctx, h, mirrors[:1]...)
	s.Holds.Sync(ctx, mirrors[1:]...)
	s.queued()
	return moved, nil
}
