package booking

import (
	"context"
	"time"
)

// The organisers' pages: what each organiser sees when they sign in, a
// workshop with all its sessions, and one session with its bookings and
// waiting list. Every read checks who is acting (the Actor in ctx) itself.

// OrganiserStore is what the organisers' pages read beyond Store. The
// Postgres store implements it next to Store.
type OrganiserStore interface {
	// OrganiserWorkshops lists workshops with their sessions that end after
	// from (any status), soonest first, each with its places. With
	// facilitatorID > 0 only that organiser's sessions, and the workshops
	// holding one, are listed; with 0 every workshop is, those with no such
	// session last (newest first) so that a new workshop can be given one.
	OrganiserWorkshops(ctx context.Context, from time.Time, facilitatorID int64) ([]*Workshop, error)
	// WorkshopSessions lists every session of a workshop, soonest first,
	// with its places.
	WorkshopSessions(ctx context.Context, workshopID int64) ([]*Session, error)
	// WaitlistEntries lists the entries of a session still on its lists
	// (waiting or offered), offers first, then in the order they joined,
	// with each waiting entry's position in its mode's list.
	WaitlistEntries(ctx context.Context, sessionID int64) ([]WaitlistEntry, error)
	// BookingTakers says, for each booking of a session that an organiser
	// made on someone's behalf, who made it (from the audit log).
	BookingTakers(ctx context.Context, sessionID int64) (map[string]Taker, error)
	// SearchBookings finds bookings across sessions (Service.SearchBookings;
	// phone is q as a stored phone number, or empty) and audits the search
	// in the same transaction.
	SearchBookings(ctx context.Context, q, phone string, limit int, now time.Time) ([]BookingHit, error)
	// MessageSession queues m's email to every live booking of the session
	// in m's modes that has an email address and audits it, in one
	// transaction, and returns how many it queued: ENotFound for no such
	// session, EConflict for a cancelled one.
	MessageSession(ctx context.Context, sessionID int64, m SessionMessage, now time.Time) (int, error)
	// ResendConfirmation queues the confirmation of a booking again with
	// its invite (the sequence raised) and a fresh manage link, and audits
	// it, in one transaction, when ConfirmationRefusal allows it under the
	// booking's lock. It returns the booking as it is now.
	ResendConfirmation(ctx context.Context, reference string, now time.Time) (*Booking, error)
	// UpdateBookingFor changes the details of a booking for an officer
	// under its lock when OfficerChangeRefusal allows it, with the audit
	// entry naming the details changed, in one transaction; nothing at all
	// when none changed. When the address moves (EmailMoves; manageHash
	// set), it also does what ConfirmEmailChange does: manageHash replaces
	// the manage token, the sequence rises, the cancellation goes to the
	// old address and the confirmation, with manageToken, to the new one
	// (none for a walk-in); EConflict once the session is not to come. It
	// returns the booking and the names of the details changed.
	UpdateBookingFor(ctx context.Context, reference string, d Details, manageToken string, manageHash []byte, now time.Time) (*Booking, []string, error)
	// UpcomingPlaces lists the scheduled sessions that start after now of
	// the workshops not archived, each with its Places and its Workshop,
	// soonest first, and counts their waiting lists and ballot
	// applications by session and mode (places.go).
	UpcomingPlaces(ctx context.Context, now time.Time) ([]*Session, map[int64]map[Mode]ListCounts, error)
	// ParticipationRows counts the confirmed bookings of the sessions not
	// cancelled of workshop workshopID (every workshop for 0) by postcode
	// and ward (participation.go).
	ParticipationRows(ctx context.Context, workshopID int64) ([]ParticipationRow, error)
	// WorkshopBookings counts every workshop's confirmed bookings of
	// sessions not cancelled, newest workshop first.
	WorkshopBookings(ctx context.Context) ([]WorkshopCount, error)
}

// Taker is who made a booking on someone's behalf: an organiser (their
// name as their account has it now) or the admin token.
type Taker struct {
	Actor ActorKind
	Name  string
}

// RecentlyEnded is how long after its end a session stays on an
// organiser's home page: long enough to mark the no-shows.
const RecentlyEnded = 14 * 24 * time.Hour

// OrganiserWorkshops lists what the organiser acting in ctx looks after:
// for admins and the admin token every workshop and its sessions not ended
// RecentlyEnded ago; for facilitators only the sessions assigned to them.
func (s *Service) OrganiserWorkshops(ctx context.Context) ([]*Workshop, error) {
	a, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	facilitator := int64(0)
	if !a.IsAdmin() {
		if a.Kind != ActorOrganiser || a.Organiser == nil || !a.Organiser.Active() {
			return nil, errFacilitatorsByRole
		}
		facilitator = a.Organiser.ID
	}
	return s.OrganiserPages.OrganiserWorkshops(ctx, s.now().Add(-RecentlyEnded), facilitator)
}

// WorkshopWithSessions reads a workshop with every session it has had;
// only admins may, as a workshop's sessions are not all one facilitator's.
func (s *Service) WorkshopWithSessions(ctx context.Context, id int64) (*Workshop, error) {
	if _, err := adminActor(ctx); err != nil {
		return nil, err
	}
	w, err := s.Store.Workshop(ctx, id)
	if err != nil {
		return nil, err
	}
	if w.Sessions, err = s.OrganiserPages.WorkshopSessions(ctx, id); err != nil {
		return nil, err
	}
	return w, nil
}

// SessionOverview is one session as its organisers see it: the session,
// who is booked (sorted by surname) and the counts, who is waiting, who
// runs it, and which bookings were made on someone's behalf.
type SessionOverview struct {
	*AttendanceList
	Waiting      []WaitlistEntry
	Facilitators []*Organiser
	Takers       map[string]Taker
	// Replies are the answers people gave in their calendars, by reference.
	Replies map[string]Reply
}

// SessionOverview reads the session sessionID for its organisers: admins
// and the session's facilitators.
func (s *Service) SessionOverview(ctx context.Context, sessionID int64) (*SessionOverview, error) {
	a, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.AuthorizeSession(ctx, a, sessionID); err != nil {
		return nil, err
	}
	l, err := s.AttendanceList(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	o := &SessionOverview{AttendanceList: l}
	if o.Waiting, err = s.OrganiserPages.WaitlistEntries(ctx, sessionID); err != nil {
		return nil, err
	}
	if o.Takers, err = s.OrganiserPages.BookingTakers(ctx, sessionID); err != nil {
		return nil, err
	}
	if o.Facilitators, err = s.Facilitators(ctx, sessionID); err != nil {
		return nil, err
	}
	if s.Replies != nil {
		if o.Replies, err = s.Replies.Replies(ctx, sessionID); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// WaitingIn counts the people waiting (not yet offered) to take part in mode m.
func (o *SessionOverview) WaitingIn(m Mode) int {
	n := 0
	for _, e := range o.Waiting {
		if e.Mode == m && e.Status == Waiting {
			n++
		}
	}
	return n
}
