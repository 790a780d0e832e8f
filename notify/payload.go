package notify

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/coventry/workshops/booking"
)

// Payload is the JSON an outbox row carries (see the contract at the end of
// booking/ports.go). Every key is optional; what each kind needs is
// checked by Compose.
type Payload struct {
	// Sequence is the invite SEQUENCE this message carries; when absent
	// the booking's invite_sequence is used.
	Sequence *int `json:"sequence"`
	// ManageURL is BASE_URL/bookings/{reference}?token=..., present only
	// where the writer of the row still had the token (booking_confirmed).
	// Other messages link to the booking page, which asks for the link in
	// the confirmation email.
	ManageURL string `json:"manage_url"`
	// Token is the manage token itself, as the booking store writes it
	// into a confirmation; the sender removes it from the row once the
	// message is sent or has failed for good.
	Token string `json:"token"`

	// Changes lists what moved, for session_changed and booking_changed.
	Changes *PayloadChanges `json:"changes"`
	// Reason is why the session was cancelled, for session_cancelled.
	Reason string `json:"reason"`

	// StartsAt is the start a reminder was scheduled for; a reminder for a
	// start the session no longer has is not sent.
	StartsAt *time.Time `json:"starts_at"`

	// VerifyURL is the staff verification link (staff_verification).
	VerifyURL string `json:"verify_url"`
	// OfferURL is the link that takes an offered place (waitlist_offer).
	OfferURL string `json:"offer_url"`
	// ExpiresAt is when the offer or verification link lapses.
	ExpiresAt *time.Time `json:"expires_at"`
	// Name, Email and Mode are the person offered a place from the
	// waiting list, who has no booking yet (older rows; newer ones are read
	// from the waiting-list entry itself).
	Name  string       `json:"name"`
	Email string       `json:"email"`
	Mode  booking.Mode `json:"mode"`
	// Reference and Position are a waiting-list entry's, for
	// waitlist_joined and waitlist_offer; the link is built from the
	// reference and Token.
	Reference string `json:"reference"`
	Position  int    `json:"position"`

	// To and URL are an organiser's address and one-time sign-in link
	// (signin_link); the sender removes URL once the email is sent.
	To  string `json:"to"`
	URL string `json:"url"`
}

// PayloadChanges is the "changes" object of a session_changed row; only
// the fields that changed are present.
type PayloadChanges struct {
	StartsAt  *TimeChange   `json:"starts_at"`
	EndsAt    *TimeChange   `json:"ends_at"`
	Venue     *VenueChange  `json:"venue"`
	OnlineURL *StringChange `json:"online_url"`
	// Mode is a person's switch between in person and online
	// (booking_changed).
	Mode *ModeChange `json:"mode"`
}

// ModeChange is an old and a new way of taking part.
type ModeChange struct {
	Old booking.Mode `json:"old"`
	New booking.Mode `json:"new"`
}

// TimeChange is an old and a new time.
type TimeChange struct {
	Old time.Time `json:"old"`
	New time.Time `json:"new"`
}

// VenueChange is an old and a new venue.
type VenueChange struct {
	Old booking.Venue `json:"old"`
	New booking.Venue `json:"new"`
}

// StringChange is an old and a new value.
type StringChange struct {
	Old string `json:"old"`
	New string `json:"new"`
}

// ParsePayload reads an outbox payload; "" and "null" are an empty one.
func ParsePayload(raw []byte) (Payload, error) {
	var p Payload
	if len(raw) == 0 || string(raw) == "null" {
		return p, nil
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, fmt.Errorf("notify: payload: %w", err)
	}
	return p, nil
}
