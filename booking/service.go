package booking

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Service is the booking use cases: holding a place, booking it, cancelling,
// and the organisers' changes to sessions. Every store is a field of its own
// role, so the compiler checks what main wires; Check finds a field left
// unset when the service starts, not when a request first needs it.
type Service struct {
	// Store holds workshops, sessions and bookings: the truth about places.
	Store Store
	// Holds keeps places while people type (Redis in front of Store).
	Holds Holds
	// Waitlist keeps the waiting lists.
	Waitlist WaitlistStore
	// Staff keeps workforce bookings waiting for their emailed link.
	Staff StaffStore
	// Attendance keeps who came, for the facilitators' lists.
	Attendance AttendanceStore
	// OrganiserPages reads what the organiser pages show.
	OrganiserPages OrganiserStore
	// PersonalData anonymises, exports and erases what is held about people.
	PersonalData PersonalDataStore
	// Accounts holds organisers, their sign-ins and the audit log.
	Accounts Accounts
	// Ballots keeps ballot applications and draws (ballots.go).
	Ballots BallotStore
	// AreaWeights weigh the areas in a ballot's draw (AREA_WEIGHTS); nil
	// is EqualAreaWeights.
	AreaWeights AreaWeights
	// Interest keeps registrations of interest (interest.go).
	Interest InterestStore
	// Replies, when set, keeps the answers people give in their calendars
	// (reply.go); the organisers' session page shows them.
	Replies ReplyStore
	Clock   Clock
	// Queued, when set, is told whenever emails were queued, so the sender can wake.
	Queued func()
	// Meetings, when set, makes a Teams meeting for an online session
	// created without a link, and moves it when the session moves.
	Meetings Meetings
	// StaffEmailDomains are the domains of work email addresses that may
	// book workforce sessions (STAFF_EMAIL_DOMAINS); none turns the staff
	// route off. See staff.go.
	StaffEmailDomains []string
}

// Check reports the dependencies left unset: a mistake in the wiring, which
// main reports at start.
func (s *Service) Check() error {
	var missing []string
	for _, d := range []struct {
		name string
		set  bool
	}{
		{"Store", s.Store != nil}, {"Holds", s.Holds != nil}, {"Waitlist", s.Waitlist != nil},
		{"Staff", s.Staff != nil}, {"Attendance", s.Attendance != nil}, {"Organisers", s.OrganiserPages != nil},
		{"PersonalData", s.PersonalData != nil}, {"Accounts", s.Accounts != nil}, {"Interest", s.Interest != nil},
		{"Clock", s.Clock != nil}, {"Ballots", s.Ballots != nil},
	} {
		if !d.set {
			missing = append(missing, d.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("booking: the service is missing %s", strings.Join(missing, ", "))
	}
	return nil
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

func (s *Service) queued() {
	if s.Queued != nil {
		s.Queued()
	}
}

const modeMessage = "Choose how you would like to take part: in_person or online"

// withModeError adds the mode's error, when it is not a way of taking part,
// to the errors of the details, so the person hears all that is wrong at
// once.
func withModeError(err error, mode Mode) error {
	if mode.Valid() {
		return err
	}
	fields := ErrorFields(err)
	if fields == nil {
		fields = map[string]string{}
	}
	fields["mode"] = modeMessage
	return FieldErrors(fields)
}

// Hold keeps a place in a session for the hold time.
func (s *Service) Hold(ctx context.Context, sessionID int64, mode Mode, audience Audience) (Hold, error) {
	return s.HoldPlaces(ctx, sessionID, mode, audience, 1)
}

// ReleaseHold gives a held place back.
func (s *Service) ReleaseHold(ctx context.Context, holdID string) error {
	return s.Holds.Release(ctx, holdID, s.now())
}

// BookWithHold confirms the place a hold keeps, with the person's details.
// It returns the booking and its manage token, which is never stored.
func (s *Service) BookWithHold(ctx context.Context, holdID string, d Details) (*Booking, string, error) {
	d.Normalize()
	err := d.Validate()
	if held, perr := s.Holds.Parse(holdID); perr == nil {
		// A hold of two needs the companion's name; one of one takes none.
		err = checkPlaces(err, held.Places, &d, companionHoldOne)
	}
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	h, err := s.Holds.Redeem(ctx, holdID, now)
	if err != nil {
		return nil, "", err
	}
	// A hold id names its session but not its audience: the confirming
	// transaction refuses a workforce session, whose booking must wait for
	// its email link, and the hold is put back for /staff.
	return s.confirm(ctx, h, d, Public, now, true)
}

// Book holds and confirms a place in one call, as API clients do.
func (s *Service) Book(ctx context.Context, sessionID int64, mode Mode, audience Audience, d Details) (*Booking, string, error) {
	d.Normalize()
	if err := withModeError(d.Validate(), mode); err != nil {
		return nil, "", err
	}
	now := s.now()
	h, err := s.Holds.TakeRedeemedPlaces(ctx, sessionID, mode, audience, d.Places(), now)
	if err != nil {
		return nil, "", err
	}
	return s.confirm(ctx, h, d, audience, now, false)
}

// confirm turns a redeemed hold into a confirmed booking in Postgres, in a
// session of audience (any, when it is empty).
func (s *Service) confirm(ctx context.Context, h Hold, d Details, audience Audience, now time.Time, keepHold bool) (*Booking, string, error) {
	b := bookingOf(h, d, Confirmed)
	var token string
	err := s.storeBooking(ctx, h, now, keepHold, func() (Mirror, error) {
		var err error
		token, b.TokenHash, err = NewToken()
		if err != nil {
			return Mirror{}, err
		}
		b.ManageToken = token
		if b.Companion != nil {
			// The companion's own link, in their own confirmation.
			if b.Companion.ManageToken, b.Companion.TokenHash, err = NewToken(); err != nil {
				return Mirror{}, err
			}
		}
		return s.Store.ConfirmBooking(ctx, b, audience, now)
	})
	if err != nil {
		return nil, "", err
	}
	return b, token, nil
}

// bookingOf is the booking a redeemed hold becomes, before it is stored.
func bookingOf(h Hold, d Details, status BookingStatus) *Booking {
	b := &Booking{
		SessionID: h.SessionID, Mode: h.Mode, Status: status,
		Name: d.Name, Email: d.Email, Organisation: d.Organisation,
		Postcode: d.Postcode, AccessNeeds: d.AccessNeeds,
		Phone: d.Phone, PostalAddress: d.PostalAddress,
	}
	if d.Companion != nil {
		b.Companion = companionOf(b, d.Companion)
	}
	return b
}

// storeBooking stores the booking of a redeemed hold with save, then brings the Redis mirror up
// to date with the fresh count whatever happened. Confirmed and staff
// bookings both end here. When the person can correct what went wrong,
// keepHold gives them their hold back; otherwise (a one-call booking,
// whose caller never saw the hold) its place is released.
func (s *Service) storeBooking(ctx context.Context, h Hold, now time.Time, keepHold bool, save func() (Mirror, error)) error {
	mirror, err := save()
	switch ErrorCode(err) {
	case "":
		s.Holds.Settle(ctx, h, mirror)
		s.queued()
		return nil
	case EDuplicate, EInvalid, EInternal, EUnavailable, EForbidden:
		// The person can correct this and try again with the same hold
		// (for the other audience: through the other route).
		s.Holds.Unredeem(ctx, h, now)
		if !keepHold {
			_ = s.Holds.Release(ctx, h.ID, now)
		}
	default:
		// Full or closed: the hold cannot be used; end it and heal the
		// mirror from the truth.
		var fresh []Mirror
		if sess, serr := s.Store.Session(ctx, h.SessionID); serr == nil {
			fresh = mirrorsOf(sess)
		}
		s.Holds.Settle(ctx, h, fresh...)
	}
	return err
}

func mirrorsOf(sess *Session) []Mirror {
	out := make([]Mirror, 0, len(sess.Places))
	for _, p := range sess.Places {
		out = append(out, MirrorOf(sess, sess.Workshop.Audience, p))
	}
	return out
}

// Booking returns a booking to the person holding its manage token.
func (s *Service) Booking(ctx context.Context, reference, token string) (*Booking, error) {
	if token == "" {
		return nil, Errorf(EUnauthorized, "Use the link in your confirmation email to see your booking.")
	}
	b, err := s.Store.Booking(ctx, reference)
	if IsCode(err, ENotFound) {
		// A token is compared all the same, so neither the answer nor its
		// time tells an unknown reference from a wrong token.
		_ = TokenMatches(token, nil)
		return nil, errBookingNotFound()
	}
	if err != nil {
		return nil, err
	}
	if !TokenMatches(token, b.TokenHash) {
		// Or a fresh link the address asked for (links.go).
		ok, err := s.resentLinkOpens(ctx, token, b.ID, 0)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errBookingNotFound()
		}
	}
	return b, nil
}

// errBookingNotFound is the one answer to a reference that is not known and
// to a token that is not the booking's: a guess learns nothing.
func errBookingNotFound() error {
	return Errorf(ENotFound, "We could not find that booking. Use the link in your confirmation email.")
}

// CancelBooking cancels a booking for the person holding its manage token;
// its place is free at once. A booking of a session cancelled or over is
// refused (Session.CancelRefusal, which the store applies under its lock).
func (s *Service) CancelBooking(ctx context.Context, reference, token string) (*Booking, error) {
	cur, err := s.Booking(ctx, reference, token)
	if err != nil {
		return nil, err
	}
	return s.cancel(ctx, cur.Reference)
}

// cancel cancels a live booking and brings the Redis mirror up to date.
func (s *Service) cancel(ctx context.Context, reference string) (*Booking, error) {
	b, mirror, err := s.Store.CancelBooking(ctx, reference, s.now())
	if err != nil {
		return nil, err
	}
	s.Holds.Sync(ctx, mirror)
	s.queued()
	return b, nil
}

// CreateWorkshop adds a workshop.
func (s *Service) CreateWorkshop(ctx context.Context, in WorkshopInput) (*Workshop, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	w := &Workshop{Title: in.Title, Summary: in.Summary, Audience: in.Audience}
	if err := s.Store.CreateWorkshop(ctx, w, s.now()); err != nil {
		return nil, err
	}
	return w, nil
}

// CreateSession adds a session to a workshop.
func (s *Service) CreateSession(ctx context.Context, sess *Session) (*Session, error) {
	// With Teams meetings made for us, an online session may come without
	// a link: check the rest as if it had one, then make the meeting.
	makeMeeting := s.Meetings != nil && sess.OnlineURL == "" && sess.PlacesFor(Online).Capacity > 0
	if makeMeeting {
		sess.OnlineURL = "https://teams.microsoft.com/"
	}
	err := ValidateSession(sess)
	if makeMeeting {
		sess.OnlineURL = ""
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !sess.StartsAt.After(now) {
		return nil, FieldErrors(map[string]string{"starts_at": "The session must start in the future"})
	}
	w, err := s.Store.Workshop(ctx, sess.WorkshopID)
	if err != nil {
		return nil, err
	}
	if err := checkAllocation(sess, w, now); err != nil {
		return nil, err
	}
	if makeMeeting {
		m, err := s.Meetings.Create(ctx, w.Title, sess.StartsAt, sess.EndsAt)
		if err != nil {
			return nil, err
		}
		sess.OnlineURL, sess.TeamsMeetingID = m.JoinURL, m.ID
	}
	sess.Status = Scheduled
	if err := s.Store.CreateSession(ctx, sess, now); err != nil {
		return nil, err
	}
	created, err := s.Store.Session(ctx, sess.ID)
	if err != nil {
		return nil, err
	}
	s.Holds.Sync(ctx, mirrorsOf(created)...)
	s.notifyInterestNow(ctx, created.ID)
	return created, nil
}

// SessionPatch holds the fields of a session an organiser changes; nil
// fields stay as they are.
type SessionPatch struct {
	StartsAt  *time.Time     `json:"starts_at"`
	EndsAt    *time.Time     `json:"ends_at"`
	Venue     *Venue         `json:"venue"`
	OnlineURL *string        `json:"online_url"`
	Capacity  *CapacityPatch `json:"capacity"`
}

// CapacityPatch changes the places of either mode.
type CapacityPatch struct {
	InPerson *int `json:"in_person"`
	Online   *int `json:"online"`
}

// NewSession makes a session of a workshop from the fields an organiser gave.
func NewSession(workshopID int64, p SessionPatch) *Session {
	s := &Session{WorkshopID: workshopID, Status: Scheduled}
	if p.StartsAt != nil {
		s.StartsAt = *p.StartsAt
	}
	if p.EndsAt != nil {
		s.EndsAt = *p.EndsAt
	}
	if p.Venue != nil {
		s.Venue = *p.Venue
	}
	if p.OnlineURL != nil {
		s.OnlineURL = *p.OnlineURL
	}
	zero := 0
	c := CapacityPatch{InPerson: &zero, Online: &zero}
	if p.Capacity != nil {
		if p.Capacity.InPerson != nil {
			c.InPerson = p.Capacity.InPerson
		}
		if p.Capacity.Online != nil {
			c.Online = p.Capacity.Online
		}
	}
	setCapacity(s, InPerson, c.InPerson)
	setCapacity(s, Online, c.Online)
	return s
}

// updateTries bounds how often UpdateSession starts again when the session
// changed while Teams was moving its meeting.
const updateTries = 3

// errChangedMeanwhile refuses to apply a change checked against a session
// that has changed since; UpdateSession starts again.
var errChangedMeanwhile = Errorf(EConflict, "This session was changed by someone else meanwhile. Check it and try again.")

// UpdateSession changes a session. People booked are sent an updated invite
// when its time, venue or link changes; a capacity below what is taken is
// refused. A Teams meeting moves with the session, and Microsoft Graph is
// called outside any transaction, so bookings of the session never wait
// for it: the change is checked on the session as read, the meeting moved,
// and the change applied under the session's lock only if the session's
// times are still as they were read; otherwise it starts again.
func (s *Service) UpdateSession(ctx context.Context, id int64, p SessionPatch) (*Session, error) {
	now := s.now()
	for try := 0; try < updateTries; try++ {
		read, err := s.Store.Session(ctx, id)
		if err != nil {
			return nil, err
		}
		changed := read.clone()
		if _, err := patchSession(changed, p, now); err != nil {
			return nil, err
		}
		move := s.Meetings != nil && changed.TeamsMeetingID != "" &&
			(!changed.StartsAt.Equal(read.StartsAt) || !changed.EndsAt.Equal(read.EndsAt))
		if move {
			if err := s.Meetings.Move(ctx, changed.TeamsMeetingID, changed.StartsAt, changed.EndsAt); err != nil {
				return nil, err
			}
		}
		sess, err := s.Store.UpdateSession(ctx, id, now, func(sess *Session) (Notice, error) {
			if move && (sess.Sequence != read.Sequence || !sess.StartsAt.Equal(read.StartsAt) || !sess.EndsAt.Equal(read.EndsAt)) {
				return Notice{}, errChangedMeanwhile // the meeting was moved from other times
			}
			return patchSession(sess, p, now)
		})
		if errors.Is(err, errChangedMeanwhile) {
			continue
		}
		if err != nil {
			return nil, err
		}
		s.Holds.Sync(ctx, mirrorsOf(sess)...)
		s.queued()
		if p.Capacity != nil || p.StartsAt != nil {
			s.notifyInterestNow(ctx, id) // places added, or a time that now suits
		}
		return sess, nil
	}
	return nil, errChangedMeanwhile
}

// patchSession applies p to sess and checks the result, returning the email
// the people booked should get (none when nothing they see changed).
func patchSession(sess *Session, p SessionPatch, now time.Time) (Notice, error) {
	if sess.Status != Scheduled {
		return Notice{}, Errorf(EConflict, "This session has been cancelled and cannot be changed.")
	}
	if !sess.EndsAt.After(now) {
		return Notice{}, Errorf(EConflict, "This session has already taken place and cannot be changed.")
	}
	var changes Changes
	if p.StartsAt != nil && !p.StartsAt.Equal(sess.StartsAt) {
		changes.StartsAt = &TimeChange{Old: sess.StartsAt, New: *p.StartsAt}
		sess.StartsAt = *p.StartsAt
	}
	if p.EndsAt != nil && !p.EndsAt.Equal(sess.EndsAt) {
		changes.EndsAt = &TimeChange{Old: sess.EndsAt, New: *p.EndsAt}
		sess.EndsAt = *p.EndsAt
	}
	if p.Venue != nil && *p.Venue != sess.Venue {
		changes.Venue = &VenueChange{Old: sess.Venue, New: *p.Venue}
		sess.Venue = *p.Venue
	}
	if p.OnlineURL != nil && *p.OnlineURL != sess.OnlineURL {
		changes.OnlineURL = &StringChange{Old: sess.OnlineURL, New: *p.OnlineURL}
		sess.OnlineURL = *p.OnlineURL
	}
	if p.Capacity != nil {
		setCapacity(sess, InPerson, p.Capacity.InPerson)
		setCapacity(sess, Online, p.Capacity.Online)
	}
	if err := ValidateSession(sess); err != nil {
		return Notice{}, err
	}
	if changes.StartsAt != nil && !sess.StartsAt.After(now) {
		return Notice{}, FieldErrors(map[string]string{"starts_at": "The session must start in the future"})
	}
	for _, pl := range sess.Places {
		if pl.Capacity < pl.Taken() {
			return Notice{}, Errorf(EConflict, "The %s capacity cannot be lower than the %d places already taken.",
				pl.Mode.Label(), pl.Taken())
		}
	}
	if changes == (Changes{}) {
		return Notice{}, nil
	}
	sess.Sequence++
	return Notice{Kind: MsgSessionChanged, Payload: EmailPayload{Changes: &changes}}, nil
}

func setCapacity(sess *Session, m Mode, n *int) {
	if n == nil {
		return
	}
	for i := range sess.Places {
		if sess.Places[i].Mode == m {
			sess.Places[i].Capacity = *n
			return
		}
	}
	sess.Places = append(sess.Places, Places{SessionID: sess.ID, Mode: m, Capacity: *n})
}

// CancelSession cancels a session; everyone booked is told why and their
// calendars drop it. No new holds or bookings are taken.
func (s *Service) CancelSession(ctx context.Context, id int64, reason string) (*Session, error) {
	if err := ValidateReason(reason); err != nil {
		return nil, err
	}
	sess, err := s.Store.UpdateSession(ctx, id, s.now(), func(sess *Session) (Notice, error) {
		if sess.Status == Cancelled {
			return Notice{}, Errorf(EConflict, "This session is already cancelled.")
		}
		sess.Status = Cancelled
		sess.CancelReason = reason
		sess.Sequence++
		return Notice{Kind: MsgSessionCancelled, Payload: EmailPayload{Reason: reason}}, nil
	})
	if err != nil {
		return nil, err
	}
	s.Holds.Sync(ctx, mirrorsOf(sess)...)
	s.queued()
	return sess, nil
}

// NewToken makes a manage token of 256 random bits and its SHA-256 hash.
func NewToken() (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, &Error{Code: EInternal, Message: "token", Err: err}
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(token))
	return token, sum[:], nil
}

// TokenMatches compares a token with a stored hash in constant time.
func TokenMatches(token string, hash []byte) bool {
	sum := sha256.Sum256([]byte(token))
	return len(hash) == len(sum) && subtle.ConstantTimeCompare(sum[:], hash) == 1
}

// IsCode reports whether err carries code c.
func IsCode(err error, c Code) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == c
}
