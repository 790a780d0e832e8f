package booking

import (
	"context"
	"strings"
)

// "Send me my booking link": a person who has lost their emails gives their
// address, and every upcoming booking and waiting-list entry of it is
// emailed to it with a fresh link. The answer is the same whether or not
// the address has any (nothing to learn about who booked), and the links
// already sent go on working: someone else typing the address costs its
// owner nothing but an email.

// SendLinks emails fresh links for the bookings and entries of email. Only
// a malformed address is refused.
func (s *Service) SendLinks(ctx context.Context, email string) error {
	email = strings.TrimSpace(email)
	f := map[string]string{}
	checkEmail(f, "email", email, true)
	if len(f) > 0 {
		return FieldErrors(f)
	}
	n, err := s.Store.ResendLinks(ctx, email, s.now())
	if err != nil {
		return err
	}
	if n > 0 {
		s.queued()
	}
	return nil
}

// resentLinkOpens reports whether token is a fresh link ("Send me my
// booking link") to the booking or entry of the id.
func (s *Service) resentLinkOpens(ctx context.Context, token string, bookingID, entryID int64) (bool, error) {
	b, e, err := s.Store.ResentLink(ctx, tokenHash(token))
	if IsCode(err, ENotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return (bookingID != 0 && b == bookingID) || (entryID != 0 && e == entryID), nil
}
