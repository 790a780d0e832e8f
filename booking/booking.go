// Package booking is the domain of the workshop booking service: workshops,
// their sessions, the places in each way of taking part, holds and bookings.
// It holds the types, the rules and the interfaces the use cases need;
// Postgres, Redis and HTTP live in sub-packages and depend on this one.
package booking

import (
	"slices"
	"time"
)

// Mode is a way of taking part in a session.
type Mode string

const (
	InPerson Mode = "in_person"
	Online   Mode = "online"
)

// Modes lists every way of taking part, in the order pages show them.
var Modes = []Mode{InPerson, Online}

// Valid reports whether m is a known mode.
func (m Mode) Valid() bool { return m == InPerson || m == Online }

// Label is the mode in the words a resident would use.
func (m Mode) Label() string {
	switch m {
	case InPerson:
		return "In person"
	case Online:
		return "Online (Microsoft Teams)"
	}
	return string(m)
}

// Audience says who may book a workshop.
type Audience string

const (
	Public    Audience = "public"
	Workforce Audience = "workforce"
)

// Valid reports whether a is a known audience.
func (a Audience) Valid() bool { return a == Public || a == Workforce }

// Workshop is a consultation workshop, run as one or more sessions.
type Workshop struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Summary   string    `json:"summary"`
	Audience  Audience  `json:"audience"`
	CreatedAt time.Time `json:"created_at"`
	// ArchivedAt is when an admin archived the workshop (workshop_edit.go):
	// nil while it is current. Never in the public API, which lists no
	// archived workshop.
	ArchivedAt *time.Time `json:"-"`

	// Sessions is filled by listings; it is empty when a workshop is read alone.
	Sessions []*Session `json:"sessions,omitempty"`
}

// SessionStatus is whether a session will go ahead.
type SessionStatus string

const (
	Scheduled SessionStatus = "scheduled"
	Cancelled SessionStatus = "cancelled"
)

// Venue is where an in-person session takes place.
type Venue struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// Session is one sitting of a workshop, at a time, in a room, online or both.
type Session struct {
	ID           int64         `json:"id"`
	WorkshopID   int64         `json:"workshop_id"`
	StartsAt     time.Time     `json:"starts_at"`
	EndsAt       time.Time     `json:"ends_at"`
	Venue        Venue         `json:"venue"`
	OnlineURL    string        `json:"online_url,omitempty"`
	Status       SessionStatus `json:"status"`
	CancelReason string        `json:"cancel_reason,omitempty"`
	// Sequence is the iCalendar SEQUENCE of the session itself; it rises
	// with every change that moves, re-venues, re-links or cancels it.
	Sequence  int       `json:"sequence"`
	CreatedAt time.Time `json:"created_at"`
	// TeamsMeetingID is the Microsoft Graph meeting made for the session,
	// when the service made one; its times follow the session's.
	TeamsMeetingID string `json:"-"`
	// Allocation is first come, first served or a ballot (ballots.go);
	// a ballot takes applications until ApplicationsCloseAt and is drawn
	// once, at DrawnAt.
	Allocation          Allocation `json:"allocation"`
	ApplicationsCloseAt *time.Time `json:"applications_close_at,omitempty"`
	DrawnAt             *time.Time `json:"drawn_at,omitempty"`

	// Places holds one entry per mode, in_person first.
	Places []Places `json:"-"`
	// Workshop is filled when a session is read alone.
	Workshop *Workshop `json:"-"`
}

// PlacesFor returns the places of mode m; a mode the session does not
// offer has zero capacity.
func (s *Session) PlacesFor(m Mode) Places {
	for _, p := range s.Places {
		if p.Mode == m {
			return p
		}
	}
	return Places{SessionID: s.ID, Mode: m}
}

// Offers reports whether the session can be attended in mode m at all.
func (s *Session) Offers(m Mode) bool { return s.PlacesFor(m).Capacity > 0 }

// OpenAt reports whether the session takes bookings at time now.
func (s *Session) OpenAt(now time.Time) bool {
	return s.Status == Scheduled && now.Before(s.StartsAt)
}

// clone copies s with its own places, to change without touching s.
func (s *Session) clone() *Session {
	c := *s
	c.Places = slices.Clone(s.Places)
	return &c
}

// CancelRefusal says why the holder of a live booking of s can no longer
// cancel it at now, or nil: a cancelled session took its bookings with it
// (they were told), and one that has ended has had its day. Either way a
// cancellation would only send a second email and change the counts.
func (s *Session) CancelRefusal(now time.Time) error {
	switch {
	case s.Status == Cancelled:
		return Errorf(EConflict, "This session has been cancelled: your booking is already cancelled.")
	case !now.Before(s.EndsAt):
		return Errorf(EConflict, "This session has already taken place.")
	}
	return nil
}

// Places counts the places of one session in one mode, as Postgres holds them.
// Booked plus Offered never exceeds Capacity: the database refuses it.
type Places struct {
	SessionID int64 `json:"-"`
	Mode      Mode  `json:"-"`
	Capacity  int   `json:"capacity"`
	Booked    int   `json:"booked"`
	// Offered are places kept for people invited from the waiting list.
	Offered int `json:"offered"`
	// Version rises with every change to the row, so that copies of the
	// count elsewhere (Redis) can refuse to go backwards.
	Version int64 `json:"-"`
}

// Taken is the number of places no one else can have.
func (p Places) Taken() int { return p.Booked + p.Offered }

// Left is the number of places still free in Postgres (holds not counted).
func (p Places) Left() int {
	if n := p.Capacity - p.Taken(); n > 0 {
		return n
	}
	return 0
}

// BookingStatus is where a booking stands.
type BookingStatus string

const (
	Confirmed BookingStatus = "confirmed"
	// PendingVerification is a workforce booking waiting for its email link.
	PendingVerification BookingStatus = "pending_verification"
	BookingCancelled    BookingStatus = "cancelled"
)

// Booking is a person's place in a session.
type Booking struct {
	ID           int64  `json:"-"`
	Reference    string `json:"reference"`
	SessionID    int64  `json:"session_id"`
	Mode         Mode   `json:"mode"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	Organisation string `json:"organisation"`
	Postcode     string `json:"postcode"`
	AccessNeeds  string `json:"access_needs"`
	// Phone (stored as +44..., NormalizeUKPhone) and PostalAddress are
	// given only for bookings taken by phone.
	Phone         string        `json:"phone,omitempty"`
	PostalAddress string        `json:"postal_address,omitempty"`
	Status        BookingStatus `json:"status"`
	// InviteSequence is the SEQUENCE of the last invite sent for this
	// booking; every new invite goes out with a higher one.
	InviteSequence int `json:"-"`
	// InviteUID is the UID of every invite for this booking, fixed when it
	// was made (booking.InviteUID); empty only for a booking made before
	// UIDs were stored and not yet filled in.
	InviteUID string `json:"-"`
	Attended  *bool  `json:"attended"`
	// WalkIn marks someone registered at the door (walkin.go);
	// OverCapacity a walk-in who came when the room was full, who takes no
	// place.
	WalkIn       bool       `json:"walk_in,omitempty"`
	OverCapacity bool       `json:"over_capacity,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	CancelledAt  *time.Time `json:"cancelled_at,omitempty"`
	// CompanionOf is, for the place of a companion or carer, the id of the
	// booking of the person they come with (companion.go); 0 otherwise.
	CompanionOf int64 `json:"-"`
	// Companion is the companion's booking made with this one: set by the
	// caller of ConfirmBooking to book a pair, and by readers that show a
	// pair (the live companion of a booking).
	Companion *Booking `json:"-"`
	// With is the name of the other person of a pair, where a reader fills
	// it (an email, the attendance list): on the booker's booking their
	// live companion's (in the email of a cancelled booking, the companion
	// cancelled with it), on a companion's the booker's. Empty alone.
	With string `json:"-"`

	// TokenHash is the SHA-256 of the manage token; the token itself is
	// never stored.
	TokenHash []byte `json:"-"`
	// ManageToken is set only while a booking is being made, so that its
	// confirmation email can carry the manage link. It rides in the outbox
	// row until that email is sent, and is then removed.
	ManageToken string `json:"-"`
}

// Live reports whether the booking still holds a place.
func (b *Booking) Live() bool { return b.Status != BookingCancelled }

// Hold is a place kept for someone while they type their details.
type Hold struct {
	ID        string    `json:"hold_id"`
	SessionID int64     `json:"session_id"`
	Mode      Mode      `json:"mode"`
	ExpiresAt time.Time `json:"expires_at"`
	// Stateless holds were issued while Redis could not be reached; they
	// keep nothing, and Postgres alone decides when they are confirmed.
	Stateless bool `json:"-"`
	// Places is how many places the hold keeps: 1, or 2 for a person and
	// their companion, kept, redeemed and released together.
	Places int `json:"-"`
}

// Mirror is what Redis needs to know of one session and mode to answer
// holds without asking Postgres.
type Mirror struct {
	SessionID int64
	Mode      Mode
	Capacity  int
	Taken     int
	Version   int64
	// ClosesAt is when holds stop: the session's start, or the zero time
	// when the session is cancelled.
	ClosesAt time.Time
	Audience Audience
}

// MirrorOf builds the mirror of one mode of s.
func MirrorOf(s *Session, audience Audience, p Places) Mirror {
	m := Mirror{
		SessionID: s.ID, Mode: p.Mode, Capacity: p.Capacity, Taken: p.Taken(),
		Version: p.Version, Audience: audience,
	}
	// A ballot takes no holds before its draw: closed, as if cancelled.
	if s.Status == Scheduled && !s.AwaitsDraw() {
		m.ClosesAt = s.StartsAt
	}
	return m
}

// AudienceRefusal is the answer to a booking of a session of audience made
// through the other audience's route: it points the person to the right one.
func AudienceRefusal(sessionAudience Audience) error {
	if sessionAudience == Workforce {
		return Errorf(EForbidden, "This session is for council staff. Book it through /staff.")
	}
	return Errorf(EForbidden, "This session is open to everyone. Book it through the public booking pages.")
}
