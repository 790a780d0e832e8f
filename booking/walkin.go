package booking

import (
	"context"
	"time"
)

// Walk-ins: someone who came to a session without booking, registered by
// a facilitator at the door and ticked in at once. They take part in
// person (someone at the door is in the room). When the room has space a
// walk-in takes a place as any booking does, through the holds first (so
// the people typing their details for the last places keep them) and
// then Postgres' conditional count; when it is full they are still
// recorded and ticked in, marked over capacity, and take no place: the
// count of booked places stays within the capacity and equal to the live
// bookings that are not over capacity (postgres.CountedPlace).
//
// No email is sent: a confirmation of a session already under way would
// be odd, and the person is in the room. Their details are a booking's,
// so the export, erasure and retention treat them like any other.

// AuditBookingWalkIn is the audit action of a walk-in registered.
const AuditBookingWalkIn = "booking.walk_in"

// ValidateWalkIn checks what a facilitator took down at the door, naming
// every field at fault: a name; an email address and a UK phone number
// only if given; access needs.
func (d *Details) ValidateWalkIn() error {
	f := map[string]string{}
	checkTakenDown(f, d)
	checkText(f, "access_needs", "access needs", d.AccessNeeds, maxAccessNeeds)
	if len(f) > 0 {
		return FieldErrors(f)
	}
	return nil
}

// WalkInRefusal says why nobody can be registered as a walk-in at
// session s at now, or nil: the same window as ticking people in, for a
// session with a room.
func WalkInRefusal(s *Session, now time.Time) error {
	switch {
	case s.Status != Scheduled:
		return Errorf(EConflict, "This session was cancelled, so nobody can be registered as a walk-in.")
	case now.Before(s.StartsAt.Add(-AttendanceOpensBefore)):
		return Errorf(EConflict, "Walk-ins can be registered from 24 hours before the session starts, when check-in opens.")
	case !s.Offers(InPerson):
		return Errorf(EConflict, "This session is online only, so nobody can walk in.")
	}
	return nil
}

// WalkInSnapshot is what the audit log keeps of a walk-in: the booking,
// whether it took a place, and which details were given (never the
// details themselves).
type WalkInSnapshot struct {
	BookingSnapshot
	WalkIn       bool `json:"walk_in"`
	OverCapacity bool `json:"over_capacity"`
	EmailGiven   bool `json:"email_given"`
	PhoneGiven   bool `json:"phone_given"`
}

// SnapshotWalkIn takes the snapshot of the walk-in b.
func SnapshotWalkIn(b *Booking) WalkInSnapshot {
	return WalkInSnapshot{BookingSnapshot: SnapshotBooking(b), WalkIn: true, OverCapacity: b.OverCapacity,
		EmailGiven: b.Email != "", PhoneGiven: b.Phone != ""}
}

// RegisterWalkIn records someone who came to the session without booking
// and ticks them in, in the name of the organiser acting in ctx: admins
// and the session's facilitators. The booking returned says whether it
// took a place (OverCapacity false) or the room was full.
func (s *Service) RegisterWalkIn(ctx context.Context, sessionID int64, d Details) (*Booking, error) {
	a, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.AuthorizeSession(ctx, a, sessionID); err != nil {
		return nil, err
	}
	d = Details{Name: d.Name, Email: d.Email, Phone: d.Phone, AccessNeeds: d.AccessNeeds}
	d.Normalize()
	if err := d.ValidateWalkIn(); err != nil {
		return nil, err
	}
	sess, err := s.Store.Session(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if err := WalkInRefusal(sess, now); err != nil {
		return nil, err
	}
	_, hash, err := NewToken() // never sent: a walk-in is not emailed a link
	if err != nil {
		return nil, err
	}
	b := &Booking{
		SessionID: sessionID, Mode: InPerson, Status: Confirmed, Name: d.Name, Email: d.Email,
		Phone: d.Phone, AccessNeeds: d.AccessNeeds, TokenHash: hash, WalkIn: true,
	}
	// Before the start, a place goes through the holds as any booking's
	// does; a full answer there means over capacity (the places left may
	// be held by people typing). From the start, bookings are closed and
	// nobody holds a place: Postgres alone decides.
	var h *Hold
	if sess.OpenAt(now) {
		held, err := s.Holds.TakeRedeemed(ctx, sessionID, InPerson, "", now)
		switch {
		case err == nil:
			h = &held
		case !IsCode(err, EFull):
			return nil, err
		}
	}
	mirror, err := s.Attendance.RegisterWalkIn(ctx, b, h != nil || !sess.OpenAt(now), now)
	if h != nil {
		if err != nil {
			var fresh []Mirror
			if cur, serr := s.Store.Session(ctx, sessionID); serr == nil {
				fresh = mirrorsOf(cur)
			}
			s.Holds.Settle(ctx, *h, fresh...)
			return nil, err
		}
		s.Holds.Settle(ctx, *h, mirror)
		return b, nil
	}
	if err != nil {
		return nil, err
	}
	s.Holds.Sync(ctx, mirror)
	return b, nil
}
