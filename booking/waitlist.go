package booking

import (
	"context"
	"time"
)

// The waiting list. A full session keeps a list per way of taking part;
// when a place frees (a cancellation, a capacity rise, an offer declined or
// lapsed) the first person waiting is offered it. The place is kept for
// them, counted in Places.Offered, so nobody else can take it meanwhile;
// they accept it (a booking), decline it, or let it lapse, and then it goes
// to the next person.

// WaitlistStatus is where a waiting-list entry stands.
type WaitlistStatus string

const (
	Waiting       WaitlistStatus = "waiting"
	Offered       WaitlistStatus = "offered"
	OfferAccepted WaitlistStatus = "accepted"
	OfferDeclined WaitlistStatus = "declined"
	OfferLapsed   WaitlistStatus = "lapsed"
	LeftWaitlist  WaitlistStatus = "left"
	// WaitlistSessionCancelled ends the entries still waiting or offered
	// when their session is cancelled; each person is told.
	WaitlistSessionCancelled WaitlistStatus = "cancelled"
)

// Active reports whether the entry is still on the list: waiting or offered.
func (s WaitlistStatus) Active() bool { return s == Waiting || s == Offered }

// Offer times.
const (
	// DefaultOfferTTL is how long an offered place is kept when OFFER_TTL is not set.
	DefaultOfferTTL = 24 * time.Hour
	// OfferCutoff is how long before the start an offer ends at the latest,
	// so that a place not taken up can still go to someone else, and a
	// person accepting has time to plan the journey.
	OfferCutoff = 2 * time.Hour
)

// OfferExpiry is when an offer made at now ends: after ttl, but never later
// than OfferCutoff before the session starts. An expiry not after now means
// no offer can be made.
func OfferExpiry(now, startsAt time.Time, ttl time.Duration) time.Time {
	if ttl <= 0 {
		ttl = DefaultOfferTTL
	}
	end := now.Add(ttl)
	if last := startsAt.Add(-OfferCutoff); last.Before(end) {
		end = last
	}
	return end
}

// WaitlistEntry is a person's place on the waiting list of a session, in one
// way of taking part.
type WaitlistEntry struct {
	ID           int64          `json:"-"`
	Reference    string         `json:"reference"`
	SessionID    int64          `json:"session_id"`
	Mode         Mode           `json:"mode"`
	Name         string         `json:"name"`
	Email        string         `json:"email"`
	Organisation string         `json:"organisation"`
	Postcode     string         `json:"postcode"`
	AccessNeeds  string         `json:"access_needs"`
	Status       WaitlistStatus `json:"status"`
	// Position is 1 for the next person to be offered a place; 0 unless waiting.
	Position       int        `json:"position,omitempty"`
	OfferedAt      *time.Time `json:"offered_at,omitempty"`
	OfferExpiresAt *time.Time `json:"offer_expires_at,omitempty"`
	// BookingID is the booking an accepted offer became.
	BookingID *int64     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`

	// ManageTokenHash is the SHA-256 of the token in the link emailed on
	// joining; OfferTokenHash that of the offer email's link. Either opens
	// the entry. The tokens themselves are never stored.
	ManageTokenHash []byte `json:"-"`
	OfferTokenHash  []byte `json:"-"`
	// ManageToken is set only while joining, so the email confirming it can
	// carry the link.
	ManageToken string `json:"-"`
}

// WaitlistStore keeps the waiting lists: Postgres. The offers a
// cancellation or a capacity rise makes happen inside Store.CancelBooking
// and Store.UpdateSession, in the transaction that frees the place, so the
// mirrors those return already count them.
type WaitlistStore interface {
	// JoinWaitlist puts e at the end of the list of its session and mode,
	// with the email confirming it, in one transaction: EDuplicate when the
	// email is already on a list of the session or has a live booking in it.
	// It fills e.ID, e.Reference, e.CreatedAt, e.Status and e.Position.
	JoinWaitlist(ctx context.Context, e *WaitlistEntry, now time.Time) error
	// WaitlistEntry reads an entry by its reference, with its position.
	WaitlistEntry(ctx context.Context, reference string) (*WaitlistEntry, error)
	// AcceptOffer turns the entry's offered place into booking b (the
	// caller sets its status, token hash and manage token; the details come
	// from the entry) with its confirmation email, in one transaction.
	AcceptOffer(ctx context.Context, reference string, b *Booking, now time.Time) (*WaitlistEntry, Mirror, error)
	// LeaveWaitlist ends an entry: left while waiting, declined while
	// offered, when the place goes to the next person in the same transaction.
	LeaveWaitlist(ctx context.Context, reference string, now time.Time) (*WaitlistEntry, Mirror, error)
	// LapseOffers lapses up to limit offers that ended by now (or whose
	// session was cancelled or is about to start) and offers each place to
	// the next person. It returns the fresh mirrors of the places changed.
	// Safe to run in every instance at once.
	LapseOffers(ctx context.Context, now time.Time, limit int) ([]Mirror, error)
	// UnofferedPlaces lists up to limit sessions and modes with places free
	// in Postgres while people wait: places that were only held.
	UnofferedPlaces(ctx context.Context, now time.Time, limit int) ([]Places, error)
	// OfferPlace offers one free place of a session and mode to the first
	// person waiting; offered is false when nobody waits or nothing is free.
	OfferPlace(ctx context.Context, sessionID int64, mode Mode, now time.Time) (m Mirror, offered bool, err error)
}

// JoinWaitlist puts a person on the waiting list of a full session. It
// returns the entry, with its position, and the token of the link that
// shows it and lets them leave, which is never stored.
func (s *Service) JoinWaitlist(ctx context.Context, sessionID int64, mode Mode, audience Audience, d Details) (*WaitlistEntry, string, error) {
	var err error
	if audience == Workforce {
		// The staff route's rules: a work email address.
		if !s.StaffBookingOpen() {
			return nil, "", errStaffNotSetUp()
		}
		err = s.ValidateStaffDetails(&d)
	} else {
		d.Normalize()
		// One person per entry: a companion comes with a booking only.
		err = checkPlaces(d.Validate(), 1, &d, companionOneOnly)
	}
	if err := withModeError(err, mode); err != nil {
		return nil, "", err
	}
	now := s.now()
	sess, err := s.Store.Session(ctx, sessionID)
	if err != nil {
		return nil, "", err
	}
	if err := s.waitlistRefusal(ctx, sess, mode, audience, now); err != nil {
		return nil, "", err
	}
	token, hash, err := NewToken()
	if err != nil {
		return nil, "", err
	}
	e := &WaitlistEntry{
		SessionID: sessionID, Mode: mode, Name: d.Name, Email: d.Email, Organisation: d.Organisation,
		Postcode: d.Postcode, AccessNeeds: d.AccessNeeds, ManageTokenHash: hash, ManageToken: token,
	}
	if err := s.Waitlist.JoinWaitlist(ctx, e, now); err != nil {
		return nil, "", err
	}
	e.ManageToken = ""
	s.queued()
	return e, token, nil
}

// CanJoinWaitlist says whether a waiting list in mode of sess takes people
// at now, given the places held by people typing: only a full way of taking
// part of an open session, far enough from its start for an offer to be
// made, and only through the route of its audience ("" is any).
func CanJoinWaitlist(sess *Session, mode Mode, audience Audience, now time.Time, held int) error {
	switch {
	case audience != "" && sess.Workshop != nil && sess.Workshop.Audience != audience:
		if sess.Workshop.Audience == Workforce {
			return Errorf(EForbidden, "This session is for council staff. Join its waiting list through /staff.")
		}
		return Errorf(EForbidden, "This session is open to everyone. Join its waiting list through the public booking pages.")
	case !sess.OpenAt(now):
		return Errorf(EConflict, "This session is no longer taking bookings.")
	case !sess.Offers(mode):
		return FieldErrors(map[string]string{"mode": "Choose a way of taking part that this session offers."})
	case sess.PlacesFor(mode).Left()-held > 0:
		return Errorf(EConflict, "There are places left: book one instead.")
	case !now.Before(sess.StartsAt.Add(-OfferCutoff)):
		return Errorf(EConflict, "This session starts too soon for a waiting list.")
	}
	return nil
}

// WaitlistEntry returns an entry to the person holding the token of its
// joining or offer email.
func (s *Service) WaitlistEntry(ctx context.Context, reference, token string) (*WaitlistEntry, error) {
	if token == "" {
		return nil, Errorf(EUnauthorized, "Use the link in your email to see your place on the waiting list.")
	}
	e, err := s.Waitlist.WaitlistEntry(ctx, reference)
	if IsCode(err, ENotFound) {
		// Tokens compared all the same: the same answer, in the same time,
		// as a wrong token, so a guess learns nothing.
		_ = TokenMatches(token, nil)
		_ = TokenMatches(token, nil)
		return nil, errEntryNotFound()
	}
	if err != nil {
		return nil, err
	}
	// Both compared, so the time taken says nothing of which one matched.
	manage, offer := TokenMatches(token, e.ManageTokenHash), TokenMatches(token, e.OfferTokenHash)
	if !manage && !offer {
		// Or a fresh link the address asked for (links.go).
		ok, err := s.resentLinkOpens(ctx, token, 0, e.ID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errEntryNotFound()
		}
	}
	return e, nil
}

func errEntryNotFound() error {
	return Errorf(ENotFound, "We could not find that place on the waiting list. Use the link in your email.")
}

// AcceptOffer books the place offered to the holder of the token. It
// returns the booking and its manage token, which is never stored.
func (s *Service) AcceptOffer(ctx context.Context, reference, token string) (*Booking, string, error) {
	e, err := s.WaitlistEntry(ctx, reference, token)
	if err != nil {
		return nil, "", err
	}
	if e.Status != Offered {
		return nil, "", NoOfferError(e.Status)
	}
	manage, hash, err := NewToken()
	if err != nil {
		return nil, "", err
	}
	b := &Booking{Status: Confirmed, TokenHash: hash, ManageToken: manage}
	_, mirror, err := s.Waitlist.AcceptOffer(ctx, e.Reference, b, s.now())
	if err != nil {
		return nil, "", err
	}
	b.ManageToken = ""
	s.Holds.Sync(ctx, mirror)
	s.queued()
	return b, manage, nil
}

// DeclineOffer gives an offered place back; it goes to the next person.
func (s *Service) DeclineOffer(ctx context.Context, reference, token string) (*WaitlistEntry, error) {
	e, err := s.WaitlistEntry(ctx, reference, token)
	if err != nil {
		return nil, err
	}
	if e.Status != Offered {
		return nil, NoOfferError(e.Status)
	}
	return s.endEntry(ctx, e.Reference)
}

// LeaveWaitlist takes the holder of the token off the waiting list; a
// place offered to them goes to the next person.
func (s *Service) LeaveWaitlist(ctx context.Context, reference, token string) (*WaitlistEntry, error) {
	e, err := s.WaitlistEntry(ctx, reference, token)
	if err != nil {
		return nil, err
	}
	if !e.Status.Active() {
		return nil, Errorf(EConflict, "You are no longer on this waiting list.")
	}
	return s.endEntry(ctx, e.Reference)
}

func (s *Service) endEntry(ctx context.Context, reference string) (*WaitlistEntry, error) {
	e, mirror, err := s.Waitlist.LeaveWaitlist(ctx, reference, s.now())
	if err != nil {
		return nil, err
	}
	s.Holds.Sync(ctx, mirror)
	s.queued()
	return e, nil
}

// NoOfferError explains why an entry has no offer to accept or decline.
func NoOfferError(status WaitlistStatus) error {
	switch status {
	case Waiting:
		return Errorf(EConflict, "No place has been offered to you yet. We will email you when one is.")
	case OfferAccepted:
		return Errorf(EConflict, "You have already accepted this place. Your booking is in the confirmation email.")
	case OfferLapsed:
		return Errorf(EConflict, "Sorry, this offer has ended and the place has been offered to someone else.")
	case OfferDeclined:
		return Errorf(EConflict, "You declined this place, so it has been offered to someone else.")
	case WaitlistSessionCancelled:
		return Errorf(EConflict, "Sorry, this session has been cancelled, so there are no places to offer.")
	}
	return Errorf(EConflict, "You are no longer on this waiting list.")
}
