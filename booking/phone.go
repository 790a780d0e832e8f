package booking

import "context"

// Bookings taken by phone. Someone who cannot or would rather not book
// online rings the council, and an organiser books a place on their
// behalf. The email address is optional: with one, the usual confirmation
// email (and invite) goes to it; without, the organiser reads or posts
// them the confirmation, and nothing is emailed for the booking, then or
// later (the sender skips bookings with no address).

// maxPostalAddress bounds a postal address: a few lines.
const maxPostalAddress = 500

// ValidatePhone checks details an organiser took down on the phone, naming
// every field at fault: as Validate, but the email address may be left out
// when there is a UK phone number to ring them on instead (stored in one
// form, NormalizeUKPhone), a postal address may be given for the
// confirmation, and Consent stands for the organiser having told the
// caller how their details are used (the privacy notice).
func (d *Details) ValidatePhone() error {
	f := map[string]string{}
	checkTakenDown(f, d)
	if d.Phone == "" && d.Email == "" {
		f["phone"] = "Enter a phone number or an email address, so they can be told if the session changes"
	}
	checkText(f, "postal_address", "their postal address", d.PostalAddress, maxPostalAddress)
	checkLine(f, "organisation", "the organisation", d.Organisation, maxOrganisation, false)
	checkLine(f, "postcode", "their postcode", d.Postcode, maxPostcode, false)
	if _, bad := f["postcode"]; !bad && d.Postcode != "" && !postcodeLike(d.Postcode) {
		f["postcode"] = "Enter a real postcode, like CV1 5RR"
	}
	checkText(f, "access_needs", "access needs", d.AccessNeeds, maxAccessNeeds)
	if !d.Consent {
		f["consent"] = "Confirm that you have told them how the council uses their details"
	}
	if len(f) > 0 {
		return FieldErrors(f)
	}
	return nil
}

// checkTakenDown checks what an organiser takes down for someone: their
// name, and an email address and a UK phone number where given.
func checkTakenDown(f map[string]string, d *Details) {
	checkLine(f, "name", "their full name", d.Name, maxName, true)
	checkEmail(f, "email", d.Email, false)
	if msg, bad := f["email"]; bad && d.Email != "" {
		f["email"] = msg + ", or leave it empty"
	}
	checkPhone(f, "phone", &d.Phone)
}

// PhoneBookingSnapshot is what the audit log keeps of a booking taken on
// someone's behalf: the booking, and whether an email address was given
// (never the address itself). Who took it is the entry's actor.
type PhoneBookingSnapshot struct {
	BookingSnapshot
	TakenBy    string `json:"taken_by"`
	EmailGiven bool   `json:"email_given"`
	PhoneGiven bool   `json:"phone_given"`
}

// SnapshotPhoneBooking takes the snapshot of b, taken by phone.
func SnapshotPhoneBooking(b *Booking) PhoneBookingSnapshot {
	return PhoneBookingSnapshot{BookingSnapshot: SnapshotBooking(b), TakenBy: "phone", EmailGiven: b.Email != "", PhoneGiven: b.Phone != ""}
}

// BookByPhone books a place in a session for someone who phoned, in the
// name of the organiser acting in ctx: admins and the session's
// facilitators. The place is taken through the holds like anyone's, in
// any session whatever its audience. It returns the booking and its
// manage token (sent in the confirmation email when there is an address;
// never stored). The store writes the audit entry in the booking's
// transaction.
func (s *Service) BookByPhone(ctx context.Context, sessionID int64, mode Mode, d Details) (*Booking, string, error) {
	a, err := actorFrom(ctx)
	if err != nil {
		return nil, "", err
	}
	if err := s.AuthorizeSession(ctx, a, sessionID); err != nil {
		return nil, "", err
	}
	d.Normalize()
	err = d.ValidatePhone()
	if !mode.Valid() {
		fields := ErrorFields(err)
		if fields == nil {
			fields = map[string]string{}
		}
		fields["mode"] = "Choose how they will take part"
		err = FieldErrors(fields)
	}
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	// The empty audience lets an organiser book any session, workforce ones too.
	h, err := s.Holds.TakeRedeemed(ctx, sessionID, mode, "", now)
	if err != nil {
		return nil, "", err
	}
	return s.confirm(ctx, h, d, "", now, false)
}

// CancelBookingFor cancels a booking for someone who phoned to say they
// cannot come, in the name of the organiser acting in ctx: admins and the
// facilitators of its session. The place is free at once (offered to the
// waiting list first); a person with an address is emailed as if they had
// cancelled it themselves.
func (s *Service) CancelBookingFor(ctx context.Context, reference string) (*Booking, error) {
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
	return s.cancel(ctx, cur.Reference)
}
