package booking

import (
	"context"
	"strings"
	"time"
)

// A person changes the email address of their booking. The new address
// counts only once the link sent to it is followed: a typo must not send
// the booking, its invite and its links to a stranger. Then the invite
// moves: a cancellation to the old address, the booking with the same
// invite UID to the new one.

// EmailChangeWindow is how long the link confirming a new address works.
const EmailChangeWindow = 24 * time.Hour

// RequestEmailChange sends the link that confirms newEmail as the address
// of the booking, for the holder of its manage token.
func (s *Service) RequestEmailChange(ctx context.Context, reference, token, newEmail string) error {
	b, err := s.changeableBooking(ctx, reference, token)
	if err != nil {
		return err
	}
	newEmail = strings.TrimSpace(newEmail)
	f := map[string]string{}
	checkEmail(f, "email", newEmail, true)
	sess, err := s.Store.Session(ctx, b.SessionID)
	if err != nil {
		return err
	}
	switch {
	case len(f) > 0:
	case strings.EqualFold(newEmail, b.Email):
		f["email"] = "Enter a different email address from the one your booking uses now"
	case sess.Workshop != nil && sess.Workshop.Audience == Workforce && !s.IsStaffEmail(newEmail):
		f["email"] = "Enter your work email address, ending " + s.StaffDomainsText()
	}
	if len(f) > 0 {
		return FieldErrors(f)
	}
	now := s.now()
	if !sess.OpenAt(now) {
		return Errorf(EConflict, "This session is no longer taking changes.")
	}
	link, hash, err := NewToken()
	if err != nil {
		return err
	}
	if err := s.Store.RequestEmailChange(ctx, b.ID, newEmail, link, hash, now.Add(EmailChangeWindow), now); err != nil {
		return err
	}
	s.queued()
	return nil
}

// ConfirmEmailChange moves a booking to the address its link was sent to.
// It returns the booking and its new manage token.
func (s *Service) ConfirmEmailChange(ctx context.Context, token string) (*Booking, string, error) {
	if token == "" || len(token) > 100 {
		return nil, "", ErrEmailChangeLinkNotFound
	}
	manage, manageHash, err := NewToken()
	if err != nil {
		return nil, "", err
	}
	b, err := s.Store.ConfirmEmailChange(ctx, tokenHash(token), manage, manageHash, s.now())
	if err != nil {
		return nil, "", err
	}
	s.queued()
	return b, manage, nil
}

// The answers to a link that cannot change an address (any more).
var (
	ErrEmailChangeLinkNotFound = Errorf(ENotFound,
		"We could not find that link, or it has been used already. Use the whole link from the newest email we sent you.")
	ErrEmailChangeLinkExpired = Errorf(EHoldExpired,
		"This link has expired. Your booking still uses your old email address: ask for a new link from your booking.")
)
