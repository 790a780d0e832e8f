package booking

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Emails. Every email is a row in the outbox table, written by one function
// of the store in the transaction of the change that causes it (DESIGN.md,
// invariant 3). The row names what the email is about (a booking, a session,
// a waiting-list entry), which the sender reads as it is when it sends; the
// payload carries only what the change alone knew.

// Kinds of email, with the EmailPayload fields each carries.
const (
	// MsgBookingConfirmed: Sequence, and Token for the manage link (the
	// sender removes it from the row once the email is sent).
	MsgBookingConfirmed = "booking_confirmed"
	// MsgBookingCancelled: Sequence.
	MsgBookingCancelled = "booking_cancelled"
	// MsgBookingChanged tells a person who switched how they take part what
	// their booking is now, with an updated invite: Sequence, Changes.Mode.
	MsgBookingChanged = "booking_changed"
	// MsgSessionChanged goes to every live booking of a session that moved:
	// Sequence, Changes with only what changed.
	MsgSessionChanged = "session_changed"
	// MsgSessionCancelled goes to every live booking of a cancelled
	// session: Sequence, Reason.
	MsgSessionCancelled = "session_cancelled"
	// MsgReminder: Sequence; the row's reminder_for is the start it is for,
	// one reminder per booking and start.
	MsgReminder = "reminder"
	// MsgStaffVerification asks a member of staff to follow a link that
	// confirms a workforce booking: Token (the link is
	// BASE_URL/staff/verify/{token}, built by the sender), ExpiresAt.
	MsgStaffVerification = "staff_verification"
	// MsgWaitlistJoined tells a person their place on a waiting list:
	// Reference, Token, Position. Waiting-list rows name the entry, which
	// holds the person's name, email and mode, and no booking.
	MsgWaitlistJoined = "waitlist_joined"
	// MsgWaitlistOffer offers a place to the first person waiting:
	// Reference, Token, ExpiresAt.
	MsgWaitlistOffer = "waitlist_offer"
	// MsgWaitlistSessionCancelled tells a person on a waiting list that the
	// session is cancelled: Reason. They had no place, so no invite.
	MsgWaitlistSessionCancelled = "waitlist_session_cancelled"
	// MsgSignInLink sends an organiser their one-time sign-in link: To,
	// Name, URL, ExpiresAt. Its row has no booking and no session.
	MsgSignInLink = "signin_link"
	// MsgCompetitionGuardian asks the parent or carer of a poster entrant
	// under 13 to confirm the entry: To, Name (the entrant's first name),
	// Reference and URL (the one-time confirmation link) in the payload.
	MsgCompetitionGuardian = "competition_guardian"
	// MsgBookingLink sends a fresh manage link to a booking whose address
	// asked for its links again ("Send me my booking link"): Token. No
	// invite: the booking has not changed.
	MsgBookingLink = "booking_link"
	// MsgWaitlistLink sends a fresh link to a waiting-list entry whose
	// address asked for its links again: Reference, Token.
	MsgWaitlistLink = "waitlist_link"
	// MsgEmailChange asks a person to confirm the new email address of
	// their booking, at that address: To (the new address), Token (the
	// link is BASE_URL/email-change/{token}), ExpiresAt. Once confirmed,
	// the old address is sent MsgBookingCancelled with To set to it, and
	// the new one MsgBookingConfirmed: the invite moves, with its UID.
	MsgEmailChange = "email_change"
	// MsgInterestConfirm asks a person who registered interest to confirm
	// their address: Token (the links are BASE_URL/interest/confirm and
	// BASE_URL/interest/stop, with ?token=). Its row names the interest,
	// which holds the name and address, and no session.
	MsgInterestConfirm = "interest_confirm"
	// MsgInterestSession tells a person whose confirmed interest a session
	// suits that it is open: Token (for the stop link). Its row names the
	// interest and the session.
	MsgInterestSession = "interest_session"
	// MsgBallotApplied tells a person that their application for a place
	// in a ballot session is in: To, Name, Reference (the application's),
	// Mode. Its row names the session. Erasure and retention take the
	// address and name from it as from the application.
	MsgBallotApplied = "ballot_applied"
)

// EmailPayload is the JSON payload of an outbox row, shared by the store
// that writes it and the composer that reads it. The kinds above say which
// fields each email carries; the rest stay empty.
type EmailPayload struct {
	// Sequence is the invite SEQUENCE the email carries: the booking's
	// invite_sequence after the change.
	Sequence int `json:"sequence"`
	// Token makes the link of a confirmation, a staff verification or a
	// waiting-list email; the sender removes it once the email is sent.
	Token string `json:"token,omitempty"`
	// Changes is what moved (session_changed, booking_changed).
	Changes *Changes `json:"changes,omitempty"`
	// Reason is why the session was cancelled.
	Reason string `json:"reason,omitempty"`
	// ExpiresAt is when an offer, a verification or a sign-in link lapses.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// Reference and Position are a waiting-list entry's.
	Reference string `json:"reference,omitempty"`
	Position  int    `json:"position,omitempty"`
	// Drawn marks the waiting-list email of someone a ballot's draw did
	// not give a place: it says so first.
	Drawn bool `json:"drawn,omitempty"`
	// To, Name and URL are an organiser's address, name and one-time
	// sign-in link; the sender removes URL once the email is sent. On a
	// booking's email, To is an address other than the booking's own
	// (MsgEmailChange).
	To   string `json:"to,omitempty"`
	Name string `json:"name,omitempty"`
	URL  string `json:"url,omitempty"`
	// Message is an admin's words to the people booked on a session
	// (MsgSessionMessage).
	Message string `json:"message,omitempty"`
	// Mode is the way of taking part applied for (MsgBallotApplied).
	Mode Mode `json:"mode,omitempty"`
}

// Changes lists what moved; only the fields that changed are set.
type Changes struct {
	StartsAt  *TimeChange   `json:"starts_at,omitempty"`
	EndsAt    *TimeChange   `json:"ends_at,omitempty"`
	Venue     *VenueChange  `json:"venue,omitempty"`
	OnlineURL *StringChange `json:"online_url,omitempty"`
	// Mode is a person's switch between in person and online.
	Mode *ModeChange `json:"mode,omitempty"`
}

// Touches reports whether the changes alter the calendar event of a booking
// taking part in mode, so that it needs an update with a higher SEQUENCE:
// a new time touches everyone, a new venue only people in the room, a new
// link only people online (neither is in the other's invite). Nil, for a
// change not itemised, touches everyone.
func (c *Changes) Touches(mode Mode) bool {
	switch {
	case c == nil || c.StartsAt != nil || c.EndsAt != nil || c.Mode != nil:
		return true
	case mode == InPerson:
		return c.Venue != nil
	case mode == Online:
		return c.OnlineURL != nil
	}
	return true
}

// TimeChange is an old and a new time.
type TimeChange struct {
	Old time.Time `json:"old"`
	New time.Time `json:"new"`
}

// VenueChange is an old and a new venue.
type VenueChange struct {
	Old Venue `json:"old"`
	New Venue `json:"new"`
}

// StringChange is an old and a new value.
type StringChange struct {
	Old string `json:"old"`
	New string `json:"new"`
}

// ModeChange is an old and a new way of taking part.
type ModeChange struct {
	Old Mode `json:"old"`
	New Mode `json:"new"`
}

// ParseEmailPayload reads an outbox payload; "" and "null" are an empty one.
func ParseEmailPayload(raw []byte) (EmailPayload, error) {
	var p EmailPayload
	if len(raw) == 0 || string(raw) == "null" {
		return p, nil
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, fmt.Errorf("email payload: %w", err)
	}
	return p, nil
}

// Email is one email to queue: its kind, what it is about (zero ids for
// none), and its payload.
type Email struct {
	Kind            string
	BookingID       int64
	SessionID       int64
	WaitlistEntryID int64
	// CompetitionEntryID is the poster entry a parent's or carer's
	// confirmation is for (MsgCompetitionGuardian): erasing the entry
	// deletes the email.
	CompetitionEntryID int64
	// InterestID is the registration of interest the email is about.
	InterestID int64
	// ReminderFor is the session start a reminder is for; zero for other kinds.
	ReminderFor time.Time
	Payload     EmailPayload
}

// NewMessageID returns a fresh Message-ID, without its angle brackets:
// random, in the domain of from (MAIL_FROM, in its ASCII form), as RFC 5322
// asks; "localhost" when from has none. It is made once, when the email is
// queued, so a resend carries the same one.
func NewMessageID(from string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand doc)
	return hex.EncodeToString(b) + "@" + SenderDomain(from)
}

// SenderDomain is the domain of from (MAIL_FROM) in its ASCII form, or
// "localhost" when from has none.
func SenderDomain(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok {
			if ascii, ok := mailDomain(d); ok {
				return ascii
			}
		}
	}
	return "localhost"
}

// UIDDomain checks a domain for invite UIDs (INVITE_UID_DOMAIN) and returns
// its ASCII form.
func UIDDomain(d string) (string, bool) {
	if d == "" || strings.ContainsAny(d, "@ ") {
		return "", false
	}
	return mailDomain(d)
}

// InviteUID is the UID of every invite for the booking with reference, in
// domain: made once, when the booking is, and stored with it, so moving the
// service to another address (BASE_URL) never changes it. The reference is
// not personal and already in every invite.
func InviteUID(reference, domain string) string {
	return "booking-" + reference + "@" + domain
}

// EmailStatus is where an outbox row stands.
type EmailStatus string

// Statuses of an outbox row. A skipped email lost its point before its turn
// came (a reminder for a booking cancelled meanwhile): neither sent nor a
// failure anyone need look at.
const (
	EmailPending EmailStatus = "pending"
	EmailSent    EmailStatus = "sent"
	EmailFailed  EmailStatus = "failed"
	EmailSkipped EmailStatus = "skipped"
)

// ClaimedEmail is an outbox row a sender has leased, with what it is about
// as things stand now.
type ClaimedEmail struct {
	ID        int64
	Kind      string
	Payload   json.RawMessage
	MessageID string
	// Attempts counts this claim: the fence that keeps a sender whose lease
	// was taken over from marking the row.
	Attempts    int
	CreatedAt   time.Time
	ReminderFor time.Time

	Booking *Booking // nil when the row has none
	Session *Session // with its Workshop; nil when gone
	// Entry is the waiting-list entry the row is about; nil when none.
	Entry *WaitlistEntry
	// Interest is the registration of interest the row is about; nil
	// when none (or stopped meanwhile).
	Interest *Interest
}

// FailedEmail is an email given up on, for the admin API. It holds no
// personal data: the booking is named by its reference.
type FailedEmail struct {
	ID               int64     `json:"id"`
	Kind             string    `json:"kind"`
	BookingReference string    `json:"booking_reference,omitempty"`
	SessionID        int64     `json:"session_id,omitempty"`
	MessageID        string    `json:"message_id"`
	Attempts         int       `json:"attempts"`
	LastError        string    `json:"last_error"`
	CreatedAt        time.Time `json:"created_at"`
	FailedAt         time.Time `json:"failed_at"`
}

// OutboxCounts is what the outbox holds across all instances.
type OutboxCounts struct {
	Pending, Failed int64
	// OldestPending is when the oldest email still waiting was written;
	// zero when none waits.
	OldestPending time.Time
}

// Outbox is what the email sender needs of the store. A claim leases rows
// until a time; every mark is fenced by the claim's Attempts, so a sender
// whose lease ran out and was taken over changes nothing.
type Outbox interface {
	// ClaimEmails leases up to n rows due by now until leaseUntil.
	ClaimEmails(ctx context.Context, now, leaseUntil time.Time, n int) ([]*ClaimedEmail, error)
	// RenewEmailLeases moves the lease of each row still held on to until
	// and returns the ids of those; the others were taken over.
	RenewEmailLeases(ctx context.Context, es []*ClaimedEmail, until time.Time) ([]int64, error)
	// MarkEmailSent records a send; false when the lease was lost.
	MarkEmailSent(ctx context.Context, e *ClaimedEmail, now time.Time) (bool, error)
	// RetryEmailAt makes the row due again at next.
	RetryEmailAt(ctx context.Context, e *ClaimedEmail, next time.Time, lastErr string) error
	// EndEmail ends a row that will not be tried again: failed or skipped.
	EndEmail(ctx context.Context, e *ClaimedEmail, status EmailStatus, lastErr string, now time.Time) error
	// ReleaseEmails hands back rows claimed but not tried, due at now.
	ReleaseEmails(ctx context.Context, es []*ClaimedEmail, now time.Time) error
	// QueueReminders queues up to batch reminders for sessions starting
	// within before of now, and returns how many.
	QueueReminders(ctx context.Context, now time.Time, before time.Duration, batch int) (int, error)
	// FailedEmails lists up to limit failed emails, newest first.
	FailedEmails(ctx context.Context, limit int) ([]FailedEmail, error)
	// RetryFailedEmail puts a failed email back in the queue at now, with
	// a fresh day of retries. ENotFound when id is not a failed email.
	RetryFailedEmail(ctx context.Context, id int64, now time.Time) error
	// CountOutbox counts what waits and what failed.
	CountOutbox(ctx context.Context) (OutboxCounts, error)
	// ListenOutbox calls wake once listening and then whenever any
	// instance queues an email, until ctx ends (nil) or the connection
	// fails (an error: the caller listens again after a pause).
	ListenOutbox(ctx context.Context, wake func()) error
}
