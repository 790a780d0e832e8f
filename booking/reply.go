package booking

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Calendar replies. Invites ask for an answer, and the person's calendar
// sends one (an iTIP REPLY) to the organiser mailbox when they press
// Yes, Maybe or No. A No frees the place exactly as the manage link would;
// a Yes or Maybe is recorded for the organisers' session page. A reply
// changes a booking only when it comes from the booking's own address,
// names the booking's invite and answers the latest version of it.

// ReplyStatus is a person's answer to an invite, as their calendar sent it
// (the iCalendar PARTSTAT).
type ReplyStatus string

const (
	ReplyAccepted  ReplyStatus = "accepted"
	ReplyTentative ReplyStatus = "tentative"
	ReplyDeclined  ReplyStatus = "declined"
)

// ReplyStatusOf reads an iCalendar PARTSTAT; other answers (NEEDS-ACTION,
// DELEGATED, ...) are "" and change nothing.
func ReplyStatusOf(partstat string) ReplyStatus {
	switch strings.ToUpper(strings.TrimSpace(partstat)) {
	case "ACCEPTED":
		return ReplyAccepted
	case "TENTATIVE":
		return ReplyTentative
	case "DECLINED":
		return ReplyDeclined
	}
	return ""
}

// CalendarReply is one iTIP REPLY read from the organiser mailbox.
type CalendarReply struct {
	// UID is the invite's UID the reply answers.
	UID string
	// From is the address in the email's From header; Attendee is the
	// ATTENDEE of the reply. Both must be the booking's own address.
	From     string
	Attendee string
	Status   ReplyStatus
	// Sequence is the SEQUENCE of the invite the reply answers.
	Sequence int
}

// ReplyOutcome is what a calendar reply did, for the log and the metrics.
type ReplyOutcome string

const (
	// ReplyCancelledBooking: a No cancelled the booking.
	ReplyCancelledBooking ReplyOutcome = "cancelled"
	// ReplyRecorded: a Yes or Maybe was recorded.
	ReplyRecorded ReplyOutcome = "recorded"
	// ReplyUnknownInvite: the UID is not one of a booking of ours.
	ReplyUnknownInvite ReplyOutcome = "unknown_invite"
	// ReplySenderMismatch: the sender or the attendee is not the booking's
	// address.
	ReplySenderMismatch ReplyOutcome = "sender_mismatch"
	// ReplyStale: the reply answers an older version of the invite.
	ReplyStale ReplyOutcome = "stale"
	// ReplyNotLive: the booking or its session is cancelled, or the
	// session is over.
	ReplyNotLive ReplyOutcome = "not_live"
	// ReplyNoAnswer: the reply carries no Yes, Maybe or No.
	ReplyNoAnswer ReplyOutcome = "no_answer"
)

// Reply is the answer recorded for a booking.
type Reply struct {
	Status    ReplyStatus
	Sequence  int
	RepliedAt time.Time
}

// ReplyStore keeps the Yes and Maybe answers. The Postgres store
// implements it next to Store.
type ReplyStore interface {
	// BookingByInviteUID reads the booking whose invites carry uid
	// (Booking.InviteUID, compared exactly); ENotFound for any other.
	BookingByInviteUID(ctx context.Context, uid string) (*Booking, error)
	// RecordReply stores status (accepted or tentative) as the answer of
	// the booking reference to its invite of SEQUENCE sequence, audited in
	// the name of the actor in ctx. EConflict when the booking is not live
	// or the invite has changed since (its sequence is higher).
	RecordReply(ctx context.Context, reference string, status ReplyStatus, sequence int, now time.Time) error
	// CancelDeclined cancels the booking reference as Store.CancelBooking
	// does, for a No to its invite of SEQUENCE sequence from email:
	// EConflict when, under the booking's lock, the booking is not live,
	// its invite has changed since (its sequence is higher) or its address
	// is no longer email.
	CancelDeclined(ctx context.Context, reference, email string, sequence int, now time.Time) (*Booking, Mirror, error)
	// Replies returns the latest answer of each booking of a session that
	// has one, by reference.
	Replies(ctx context.Context, sessionID int64) (map[string]Reply, error)
}

// ActorCalendarReply is the audit log's name for changes a calendar reply
// made: the person's own answer, checked against their booking.
const ActorCalendarReply ActorKind = "calendar-reply"

// AuditBookingReply is a Yes or Maybe recorded from a calendar.
const AuditBookingReply = "booking.reply"

// ReplySnapshot is a recorded answer as the audit log keeps it.
type ReplySnapshot struct {
	Reference string      `json:"reference"`
	Reply     ReplyStatus `json:"reply"`
	Sequence  int         `json:"sequence"`
}

// ApplyCalendarReply applies a reply read from the organiser mailbox and
// says what it did. A No from the booking's own address to the latest
// invite cancels the booking as its manage link would (the place goes to
// the waiting list, the cancellation email is queued); a Yes or Maybe is
// recorded. Anything else changes nothing. An error is an outage: the
// reply should be read again later.
func (s *Service) ApplyCalendarReply(ctx context.Context, r CalendarReply) (ReplyOutcome, string, error) {
	if s.Replies == nil {
		return "", "", errors.New("booking: calendar reply: no store for replies")
	}
	b, err := s.Replies.BookingByInviteUID(ctx, r.UID)
	if IsCode(err, ENotFound) {
		return ReplyUnknownInvite, "", nil
	}
	if err != nil {
		return "", "", err
	}
	reference := b.Reference
	if !SameAddress(r.From, b.Email) || !SameAddress(r.Attendee, b.Email) {
		return ReplySenderMismatch, reference, nil
	}
	if !b.Live() {
		return ReplyNotLive, reference, nil
	}
	if r.Sequence < b.InviteSequence {
		return ReplyStale, reference, nil
	}
	ctx = WithActor(ctx, Actor{Kind: ActorCalendarReply})
	switch r.Status {
	case ReplyDeclined:
		// Checked again under the booking's lock: a change of the session
		// or of the address since the read makes this No an answer to an
		// invite that no longer stands.
		_, mirror, err := s.Replies.CancelDeclined(ctx, reference, r.From, r.Sequence, s.now())
		if IsCode(err, EConflict) {
			return ReplyStale, reference, nil
		}
		if err != nil {
			return "", reference, err
		}
		s.Holds.Sync(ctx, mirror)
		s.queued()
		return ReplyCancelledBooking, reference, nil
	case ReplyAccepted, ReplyTentative:
		err = s.Replies.RecordReply(ctx, reference, r.Status, r.Sequence, s.now())
		if IsCode(err, EConflict) {
			// Cancelled or changed since it was read: a later reply or
			// change wins.
			return ReplyStale, reference, nil
		}
		if err != nil {
			return "", reference, err
		}
		return ReplyRecorded, reference, nil
	}
	return ReplyNoAnswer, reference, nil
}

// SameAddress reports whether two email addresses name the same mailbox as
// the service compares them (address.go): the domain by its IDNA form, the
// local part with ASCII letters in either case.
func SameAddress(a, b string) bool {
	la, da, okA := splitAddress(a)
	lb, db, okB := splitAddress(b)
	return okA && okB && la == lb && da == db
}

func splitAddress(addr string) (local, domain string, ok bool) {
	addr = strings.TrimSpace(addr)
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return "", "", false
	}
	domain, ok = mailDomain(addr[at+1:])
	if !ok {
		return "", "", false
	}
	return asciiLower(addr[:at]), domain, true
}
