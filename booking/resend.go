package booking

import (
	"context"
	"time"
)

// Sending a booking's confirmation again, for someone who phones to say
// they never had it or lost it: the confirmation email with its calendar
// invite (a higher SEQUENCE, as every invite a person receives has) and a
// fresh manage link. The links sent before go on working, as with "Send
// me my booking link": the person may still have the first email.

// AuditBookingResend is the audit action of a confirmation sent again.
const AuditBookingResend = "booking.resend"

// ResendConfirmation queues the confirmation of the booking reference
// again, with a fresh manage link, in the name of the organiser acting in
// ctx: admins and the facilitators of its session. EConflict for a booking
// cancelled, still waiting for its staff link, booked by phone with no
// email address (its page is the confirmation to print), or of a session
// cancelled or over.
func (s *Service) ResendConfirmation(ctx context.Context, reference string) (*Booking, error) {
	a, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	cur, err := s.Store.Booking(ctx, reference)
	if err != nil {
		return nil, err
	}
	if err := s.AuthorizeSession(ctx, a, cur.SessionID); err != nil {
		return nil, err
	}
	b, err := s.OrganiserPages.ResendConfirmation(ctx, cur.Reference, s.now())
	if err != nil {
		return nil, err
	}
	s.queued()
	return b, nil
}

// ConfirmationRefusal says why a booking's confirmation cannot be sent
// again, or nil: the store asks it under the booking's lock, the pages
// before offering the button.
func ConfirmationRefusal(b *Booking, s *Session, now time.Time) error {
	switch {
	case !b.Live():
		return Errorf(EConflict, "This booking has been cancelled.")
	case b.Status == PendingVerification:
		return Errorf(EConflict, "This booking is waiting for its owner to follow the link emailed to their work address.")
	case b.Email == "":
		return Errorf(EConflict, "They gave no email address: read them the confirmation, or print it and post it.")
	}
	return s.CancelRefusal(now)
}
