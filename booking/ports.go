package booking

import (
	"context"
	"time"
)

// Store is the truth: Postgres. Every method that changes places returns the
// fresh counts so the Redis mirror can be overwritten with them.
type Store interface {
	// CreateWorkshop stores w; the changes to workshops and sessions are
	// written to the audit log in their own transaction, in the name of the
	// actor in ctx (WithActor), at now.
	CreateWorkshop(ctx context.Context, w *Workshop, now time.Time) error
	Workshop(ctx context.Context, id int64) (*Workshop, error)
	// UpdateWorkshop reads the workshop id under a lock, lets change edit
	// its title, summary or ArchivedAt, and stores it with the audit entry
	// of action, in one transaction; nothing is written when nothing
	// changed. ENotFound for no such workshop.
	UpdateWorkshop(ctx context.Context, id int64, action string, now time.Time, change func(w *Workshop) error) (*Workshop, error)
	// Workshops lists the workshops of audience, not archived, with the
	// sessions that are scheduled and have not started by now, soonest
	// first. Workshops with no such session are left out.
	Workshops(ctx context.Context, audience Audience, now time.Time) ([]*Workshop, error)

	// CreateSession stores s with its Places; it fills s.ID.
	CreateSession(ctx context.Context, s *Session, now time.Time) error
	// Session reads a session with its places and workshop.
	Session(ctx context.Context, id int64) (*Session, error)
	// UpdateSession reads the session under a row lock, lets change edit it
	// (returning the kind of email every live booking should get, or ""), and
	// writes it back with the outbox rows in one transaction. A capacity
	// below what is taken is refused with EConflict. change must not wait
	// on anything outside the database: bookings of the session wait for it.
	UpdateSession(ctx context.Context, id int64, now time.Time, change func(s *Session) (Notice, error)) (*Session, error)
	// Mirrors returns the mirror rows of a session, for reloading Redis.
	Mirrors(ctx context.Context, sessionID int64) ([]Mirror, error)

	// ConfirmBooking takes a place and stores b in one transaction with its
	// confirmation email (with b.Companion set: two places, and the
	// companion's booking linked to b, with their own email if they gave
	// an address; both or neither): EFull when no place is left, EDuplicate when the
	// email already has a live booking for the session, ENotFound or
	// EConflict when the session does not exist or no longer takes bookings,
	// EForbidden when audience is set and the session is for the other one.
	// It fills b.ID, b.CreatedAt and returns the fresh mirror of the places.
	ConfirmBooking(ctx context.Context, b *Booking, audience Audience, now time.Time) (Mirror, error)
	// Booking reads a booking by its reference.
	Booking(ctx context.Context, reference string) (*Booking, error)
	// CompanionOf reads the live companion booked with the booking id, or
	// nil when there is none (companion.go).
	CompanionOf(ctx context.Context, bookingID int64) (*Booking, error)
	// BookingByID reads a booking by its id: the person a companion came
	// with. ENotFound for none.
	BookingByID(ctx context.Context, id int64) (*Booking, error)
	// CancelBooking cancels a live booking, gives its place back and queues
	// the cancellation email; it returns the booking and the fresh mirror.
	// EConflict when the booking is cancelled already, or its session is
	// cancelled or has ended by now.
	CancelBooking(ctx context.Context, reference string, now time.Time) (*Booking, Mirror, error)
	// SwitchMode moves a live booking to the mode to in one transaction:
	// a place taken in the new mode (EFull when none is left), the old one
	// given back, the invite sequence raised and the booking_changed email
	// queued. It returns the booking and the fresh mirrors of both modes.
	SwitchMode(ctx context.Context, reference string, to Mode, now time.Time) (*Booking, []Mirror, error)

	// UpdateBookingDetails changes the name, organisation, postcode and
	// access needs of a live booking to d's; EConflict when it is
	// cancelled. It returns the booking as it is now.
	UpdateBookingDetails(ctx context.Context, reference string, d Details, now time.Time) (*Booking, error)
	// MoveBooking moves a live booking to another session (of the same
	// workshop: the caller checks) in mode, in one transaction: a place
	// taken there as a booking takes one (EFull when none is left,
	// EDuplicate when the address has a place there already), the old
	// place given back (to the waiting list first), the invite sequence
	// raised and one booking_changed email queued, whose invite has the
	// booking's UID. The old place is kept until the new one is taken. It
	// returns the booking and the fresh mirrors: the new place's first.
	MoveBooking(ctx context.Context, reference string, toSession int64, mode Mode, now time.Time) (*Booking, []Mirror, error)

	// RequestEmailChange keeps newEmail as the booking's address to be,
	// with the hash and expiry of the link that confirms it, and queues
	// the email carrying the link to newEmail, in one transaction; a later
	// request replaces an earlier one.
	RequestEmailChange(ctx context.Context, bookingID int64, newEmail, token string, hash []byte, expires, now time.Time) error
	// ConfirmEmailChange moves the booking whose link has the hash to its
	// new address, in one transaction: its manage token replaced by
	// manageHash (links sent to the old address stop working), the invite
	// sequence raised, the cancellation queued to the old address and the
	// confirmation, with the invite and manageToken, to the new one.
	// ENotFound for a link never made or used already, EHoldExpired for
	// one that lapsed, EDuplicate when the new address has a place in the
	// session already.
	ConfirmEmailChange(ctx context.Context, hash []byte, manageToken string, manageHash []byte, now time.Time) (*Booking, error)

	// ResendLinks gives every upcoming live booking and every active
	// waiting-list entry of email a fresh link, each in an email of its
	// own, in one transaction; the links sent before go on working. It
	// returns how many emails it queued.
	ResendLinks(ctx context.Context, email string, now time.Time) (int, error)
	// ResentLink says what the fresh link with the token hash opens: a
	// booking or a waiting-list entry (the other id 0); ENotFound for none.
	ResentLink(ctx context.Context, hash []byte) (bookingID, entryID int64, err error)
}

// Notice is the email a change to a session sends to every live booking;
// each gets its own Sequence.
type Notice struct {
	Kind    string
	Payload EmailPayload
}

// Holds keeps places for people while they type: Redis in front, with
// signed stateless tokens when Redis cannot be reached.
type Holds interface {
	// Take keeps a place in the session and mode until now plus the hold
	// time. It answers EFull when none is left, ENotFound for an unknown
	// session, EConflict when the session no longer takes bookings, and
	// EForbidden when the session's audience is not audience.
	Take(ctx context.Context, sessionID int64, mode Mode, audience Audience, now time.Time) (Hold, error)
	// TakeRedeemed is Take then Redeem in one step, for a booking confirmed
	// in the same request.
	TakeRedeemed(ctx context.Context, sessionID int64, mode Mode, audience Audience, now time.Time) (Hold, error)
	// TakePlaces and TakeRedeemedPlaces are Take and TakeRedeemed for
	// places places: 1, or 2 for a person and their companion, kept,
	// redeemed and released together (EFull for a pair at one place left,
	// which keeps nothing).
	TakePlaces(ctx context.Context, sessionID int64, mode Mode, audience Audience, places int, now time.Time) (Hold, error)
	TakeRedeemedPlaces(ctx context.Context, sessionID int64, mode Mode, audience Audience, places int, now time.Time) (Hold, error)
	// TakeUnheld is TakeRedeemed, in any audience, for a place to offer to
	// the waiting list: EFull also while holds that Redis lost or cannot be
	// asked about may still keep the place.
	TakeUnheld(ctx context.Context, sessionID int64, mode Mode, now time.Time) (Hold, error)
	// Parse reads the session, mode and expiry a hold id carries, signed,
	// whether or not the hold has lapsed: ENotFound when the id is not one
	// of ours.
	Parse(holdID string) (Hold, error)
	// Redeem takes a hold out so its place can be confirmed: EHoldExpired
	// when it has lapsed or was released, ENotFound when the id is not one of ours.
	Redeem(ctx context.Context, holdID string, now time.Time) (Hold, error)
	// Unredeem puts back a hold whose confirmation failed for a reason the
	// person can correct (a duplicate email), so they can try again.
	Unredeem(ctx context.Context, h Hold, now time.Time)
	// Release gives a hold's place back at once.
	Release(ctx context.Context, holdID string, now time.Time) error
	// Settle ends the confirmation of a redeemed hold, whether Postgres
	// took it or not, writing the fresh counts in the same step.
	Settle(ctx context.Context, h Hold, m ...Mirror)
	// Sync overwrites the mirrored counts with fresh ones from Postgres;
	// older versions never overwrite newer ones. Best effort.
	Sync(ctx context.Context, m ...Mirror)
	// Held counts the live holds of a session and mode (0 when unknown).
	Held(ctx context.Context, sessionID int64, mode Mode, now time.Time) int
}

// Meetings makes and moves online meetings: Microsoft Teams, through Graph.
// Failures are EUnavailable: a session is refused rather than made without
// a joining link.
type Meetings interface {
	Create(ctx context.Context, subject string, start, end time.Time) (Meeting, error)
	Move(ctx context.Context, id string, start, end time.Time) error
}

// Meeting is an online meeting made for a session.
type Meeting struct {
	ID      string
	JoinURL string
}

// Clock tells the time; tests set it.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

func (f ClockFunc) Now() time.Time { return f() }

// SystemClock is the real time.
var SystemClock Clock = ClockFunc(time.Now)
