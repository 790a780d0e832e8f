package booking

import (
	"context"
	"time"
)

// An officer changes a booking for someone who asked them to, by phone or
// in writing: their details, or the session they come to. The officer acts
// on what the person told them, so a new email address counts at once
// (no link to follow, unlike UpdateDetails and RequestEmailChange): the
// invite moves as it does when a person confirms a new address, a
// cancellation to the old address and the booking with the same UID to
// the new one. A move is the person's own move (MoveBooking), made by the
// officer: one transaction, one updated invite.

// OfficerChangeRefusal says why an officer cannot change booking b, or nil.
func OfficerChangeRefusal(b *Booking) error {
	switch {
	case !b.Live():
		return Errorf(EConflict, "This booking has been cancelled.")
	case b.Status == PendingVerification:
		return Errorf(EConflict, "This booking is waiting for its owner to follow the link emailed to their work address.")
	case Anonymised(b):
		return Errorf(EConflict, "The personal data of this booking has been removed.")
	}
	return nil
}

// ChangedDetails names the details of b that d changes, in form order. An
// address written in another case is the same address, but the change is
// still kept (and named).
func ChangedDetails(b *Booking, d Details) []string {
	var out []string
	for _, f := range []struct{ name, old, new string }{
		{"name", b.Name, d.Name}, {"email", b.Email, d.Email}, {"phone", b.Phone, d.Phone},
		{"organisation", b.Organisation, d.Organisation}, {"postcode", b.Postcode, d.Postcode},
		{"access_needs", b.AccessNeeds, d.AccessNeeds},
	} {
		if f.old != f.new {
			out = append(out, f.name)
		}
	}
	return out
}

// EmailMoves reports whether changing b's address to email moves its
// invite: a different address, not the same one in another case.
func EmailMoves(b *Booking, email string) bool {
	return !SameAddress(b.Email, email) && !(b.Email == "" && email == "")
}

// BookingChangeSnapshot is what the audit log keeps of an officer's change
// to a booking: the booking, and which details changed (never the values).
type BookingChangeSnapshot struct {
	BookingSnapshot
	Changed []string `json:"changed"`
}

// UpdateBookingFor changes the name, email address, phone number,
// organisation, postcode and access needs of a booking, in the name of the
// admin acting in ctx. As on the phone form, the email address may be left
// out when there is a phone number. A new address takes effect at once and
// moves the invite; the session must still be to come for that. It returns
// the booking and the names of the details that changed (none: nothing is
// written).
func (s *Service) UpdateBookingFor(ctx context.Context, reference string, d Details) (*Booking, []string, error) {
	if _, err := adminActor(ctx); err != nil {
		return nil, nil, err
	}
	cur, err := s.Store.Booking(ctx, reference)
	if err != nil {
		return nil, nil, err
	}
	if err := OfficerChangeRefusal(cur); err != nil {
		return nil, nil, err
	}
	d = Details{Name: d.Name, Email: d.Email, Phone: d.Phone, Organisation: d.Organisation, Postcode: d.Postcode,
		AccessNeeds: d.AccessNeeds, PostalAddress: cur.PostalAddress, Consent: true}
	d.Normalize()
	if err := d.ValidatePhone(); err != nil {
		return nil, nil, err
	}
	sess, err := s.Store.Session(ctx, cur.SessionID)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	var token string
	var hash []byte
	if EmailMoves(cur, d.Email) {
		if err := s.newAddressRefusal(sess, d.Email, now); err != nil {
			return nil, nil, err
		}
		if token, hash, err = NewToken(); err != nil {
			return nil, nil, err
		}
	}
	b, changed, err := s.OrganiserPages.UpdateBookingFor(ctx, cur.Reference, d, token, hash, now)
	if err != nil {
		return nil, nil, err
	}
	if token != "" {
		s.queued()
	}
	return b, changed, nil
}

// newAddressRefusal says why a booking of sess cannot move to the address
// email now, or nil.
func (s *Service) newAddressRefusal(sess *Session, email string, now time.Time) error {
	if email != "" && sess.Workshop != nil && sess.Workshop.Audience == Workforce && !s.IsStaffEmail(email) {
		return FieldErrors(map[string]string{"email": "Enter a work email address, ending " + s.StaffDomainsText()})
	}
	if !sess.OpenAt(now) {
		return Errorf(EConflict, "The session has started, ended or been cancelled, so the email address of its bookings can no longer change.")
	}
	return nil
}

// MoveBookingFor moves a booking to another session of its workshop, in
// mode, where a place is free, in the name of the admin acting in ctx: the
// person's own move (MoveBooking), with the same checks. A walk-in came to
// their session and is not moved.
func (s *Service) MoveBookingFor(ctx context.Context, reference string, toSession int64, mode Mode) (*Booking, error) {
	if _, err := adminActor(ctx); err != nil {
		return nil, err
	}
	if !mode.Valid() {
		return nil, FieldErrors(map[string]string{"session": "Choose a session and a way of taking part"})
	}
	b, err := s.Store.Booking(ctx, reference)
	if err != nil {
		return nil, err
	}
	if err := OfficerChangeRefusal(b); err != nil {
		return nil, err
	}
	switch {
	case b.WalkIn:
		return nil, Errorf(EConflict, "This person walked in to their session, so their booking cannot be moved.")
	case toSession == b.SessionID:
		return nil, FieldErrors(map[string]string{"session": "Choose another session of this workshop"})
	}
	return s.moveTo(ctx, b, toSession, mode)
}
