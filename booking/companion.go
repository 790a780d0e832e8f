package booking

import (
	"context"
	"strings"
)

// Bring someone (issue 10, item 2). A person may bring one companion or
// carer. Their two places are held under one hold (Holds.TakePlaces, 2
// places: both or neither, never one) in one way of taking part, and
// booked in one transaction: the companion's place is a booking of its own
// (its own reference, invite UID and manage token), linked to the person's
// by CompanionOf, so that every count of places is still a count of rows
// and the database's own capacity check still refuses an overbooking.
//
// The companion gets their own confirmation and invite when they give an
// email address; otherwise the person's confirmation names them. Cancelling
// the person's booking cancels the companion's too; the companion's place
// can be cancelled alone. A pair is not switched or moved: the person is
// told to cancel their companion's place first (or cancel and book again),
// so a companion is never left behind. Ballots, the waiting list and the
// staff route stay one person per entry.

// Companion is the companion or carer a person brings.
type Companion struct {
	Name string `json:"name"`
	// Email is optional: without it the person booking is told for them.
	Email string `json:"email"`
}

// Places is how many places the details need: 2 with a companion, else 1.
func (d *Details) Places() int {
	if d.Companion != nil {
		return 2
	}
	return 1
}

// check adds the faults of a companion (none when nil) to f.
func (c *Companion) check(f map[string]string, d *Details) {
	if c == nil {
		return
	}
	checkLine(f, "companion.name", "the full name of your companion or carer", c.Name, maxName, true)
	checkAddress(f, "companion.email", "their email address", c.Email, false)
	// One place per person, a name at an email address: the same name at
	// the same address is the person booking.
	if f["companion.name"] == "" && f["companion.email"] == "" && c.Email != "" &&
		strings.EqualFold(c.Name, d.Name) && SameAddress(c.Email, d.Email) {
		f["companion.email"] = "Your companion has your name: give their own email address, or leave it empty"
	}
}

// Why a companion is refused where only one person is booked.
const (
	companionHoldOne = "This hold is for one place: hold two places to bring a companion or carer"
	companionOneOnly = "The waiting list, ballots and the staff route take one person at a time: a companion or carer can be added only to a booking"
)

// checkPlaces refuses details that do not fit a hold of places: a hold of
// two needs a companion, a hold of one takes none (refused with alone).
// Its fault joins err's.
func checkPlaces(err error, places int, d *Details, alone string) error {
	msg := ""
	switch {
	case places == 2 && d.Companion == nil:
		msg = "Give the name of the companion or carer coming with you: this hold is for two places"
	case places != 2 && d.Companion != nil:
		msg = alone
	default:
		return err
	}
	fields := ErrorFields(err)
	if fields == nil {
		if err != nil {
			return err
		}
		fields = map[string]string{}
	}
	fields["companion"] = msg
	return FieldErrors(fields)
}

// companionOf is the companion's booking made with b, from d.
func companionOf(b *Booking, c *Companion) *Booking {
	return &Booking{SessionID: b.SessionID, Mode: b.Mode, Status: b.Status, Name: c.Name, Email: c.Email}
}

// HoldPlaces keeps places places (1, or 2 for the person and their
// companion) in a session for the hold time: all of them or none.
func (s *Service) HoldPlaces(ctx context.Context, sessionID int64, mode Mode, audience Audience, places int) (Hold, error) {
	if !mode.Valid() {
		return Hold{}, FieldErrors(map[string]string{"mode": modeMessage})
	}
	return s.Holds.TakePlaces(ctx, sessionID, mode, audience, places, s.now())
}

// CancelCompanion cancels the place of the companion of a booking alone,
// for the holder of the booking's manage token: the place is free at once
// (to the waiting list first), and the companion is told when they gave
// an address. ENotFound when the booking has no live companion.
func (s *Service) CancelCompanion(ctx context.Context, reference, token string) (*Booking, error) {
	b, err := s.Booking(ctx, reference, token)
	if err != nil {
		return nil, err
	}
	c, err := s.Store.CompanionOf(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, Errorf(ENotFound, "There is no companion booked with this booking.")
	}
	return s.cancel(ctx, c.Reference)
}

// Pair is the other person of b's pair, for b's pages: the live
// companion booked with b, or, for a companion, the booking of the person
// they came with; nil when b is alone.
func (s *Service) Pair(ctx context.Context, b *Booking) (*Booking, error) {
	if b.CompanionOf != 0 {
		return s.Store.BookingByID(ctx, b.CompanionOf)
	}
	return s.Store.CompanionOf(ctx, b.ID)
}

// ErrPairChange refuses to switch or move one of a pair (companion: the
// companion's place; else the person's): the other would be left behind.
func ErrPairChange(companion bool) error {
	if companion {
		return Errorf(EConflict, "This place was booked with someone else's booking, so it cannot be changed on its own. Ask them to change it, or cancel your place.")
	}
	return Errorf(EConflict, "You booked this place with a companion or carer, so it cannot be changed on its own. Cancel your companion's place first, or cancel both places and book again.")
}
