package booking

import (
	"context"
	"log/slog"
	"strings"
	"time"
)

// PersonalDataStore is what the council needs to keep its promises about
// personal data: remove it a while after each session, show a person
// everything held about them, and erase it when they ask. The Postgres
// store implements it next to Store.
//
// Removing personal data (anonymising) blanks the name, email,
// organisation, postcode and access needs of a booking or a waiting-list
// entry and records when; its mode, status, attendance and times stay, so
// the counts do too.
type PersonalDataStore interface {
	// AnonymiseEnded anonymises up to limit bookings and up to limit
	// waiting-list entries of sessions that ended at or before endedBy, and
	// returns how many. Instances running it at the same moment take
	// different rows; anonymised ones are never taken again.
	AnonymiseEnded(ctx context.Context, endedBy, now time.Time, limit int) (int, error)
	// PersonalData returns everything held about an email address, matched
	// without regard to case.
	// The export is written to the audit log in the name of the actor in
	// ctx, at now.
	PersonalData(ctx context.Context, p Person, now time.Time) (*PersonalData, error)
	// LiveUpcoming returns the references of the live bookings made with
	// email for scheduled sessions that start after now.
	LiveUpcoming(ctx context.Context, p Person, now time.Time) ([]string, error)
	// ActiveWaitlistEntries returns the references of the entries made with
	// email that are still waiting or offered a place.
	ActiveWaitlistEntries(ctx context.Context, p Person) ([]string, error)
	// ErasePersonalData anonymises every booking and waiting-list entry
	// made with email, except live bookings of scheduled sessions that
	// start after now and active entries (end those first: they are counted in
	// Remaining). It deletes the emails still waiting to be sent to the
	// address and clears the address, links and error text from the others,
	// and ends any change of a booking's address to it (with its link).
	// done is what was ended first; the erasure, done included, is written
	// to the audit log in the transaction that finishes it.
	ErasePersonalData(ctx context.Context, p Person, done Erasure, now time.Time) (Erasure, error)
	// ExpireInterest deletes the registrations of interest not confirmed
	// within ConfirmWindow and those confirmed more than InterestKept
	// before now, and returns how many.
	ExpireInterest(ctx context.Context, now time.Time) (int, error)
	// ForgetFailedLinks removes the links and tokens from the emails that
	// failed for good at or before failedBy, and returns how many.
	ForgetFailedLinks(ctx context.Context, failedBy time.Time) (int, error)
}

// PersonalData is everything held about one email address.
type PersonalData struct {
	Email        string                  `json:"email"`
	Phone        string                  `json:"phone,omitempty"`
	Bookings     []PersonalBooking       `json:"bookings"`
	WaitingLists []PersonalWaitlistEntry `json:"waiting_lists"`
	Emails       []PersonalEmail         `json:"emails"`
	// Interest is the person's registrations of interest, confirmed or
	// waiting for confirmation.
	Interest []Interest `json:"interest"`
	// Applications are those to ballots not drawn yet: a draw moves the
	// person to a booking or a waiting list.
	Applications []PersonalApplication `json:"ballot_applications"`
}

// PersonalApplication is a ballot application with the session it is for.
type PersonalApplication struct {
	Reference    string    `json:"reference"`
	SessionID    int64     `json:"session_id"`
	Mode         Mode      `json:"mode"`
	Area         string    `json:"area"`
	Name         string    `json:"name"`
	Email        string    `json:"email"`
	Organisation string    `json:"organisation"`
	Postcode     string    `json:"postcode"`
	AccessNeeds  string    `json:"access_needs"`
	CreatedAt    time.Time `json:"created_at"`
	Workshop     string    `json:"workshop"`
	StartsAt     time.Time `json:"starts_at"`
}

// PersonalBooking is a booking with the session it is for.
type PersonalBooking struct {
	Booking
	AnonymisedAt *time.Time `json:"anonymised_at,omitempty"`
	Workshop     string     `json:"workshop"`
	StartsAt     time.Time  `json:"starts_at"`
	EndsAt       time.Time  `json:"ends_at"`
	Venue        Venue      `json:"venue"`
}

// PersonalWaitlistEntry is a place on a waiting list, with its session.
type PersonalWaitlistEntry struct {
	Reference    string         `json:"reference"`
	SessionID    int64          `json:"session_id"`
	Mode         Mode           `json:"mode"`
	Name         string         `json:"name"`
	Email        string         `json:"email"`
	Organisation string         `json:"organisation"`
	Postcode     string         `json:"postcode"`
	AccessNeeds  string         `json:"access_needs"`
	Status       WaitlistStatus `json:"status"`
	CreatedAt    time.Time      `json:"created_at"`
	EndedAt      *time.Time     `json:"ended_at,omitempty"`
	AnonymisedAt *time.Time     `json:"anonymised_at,omitempty"`
	Workshop     string         `json:"workshop"`
	StartsAt     time.Time      `json:"starts_at"`
	EndsAt       time.Time      `json:"ends_at"`
}

// PersonalEmail is an email sent or waiting to be sent to the person: what
// it was about and whether it went. Message bodies are not kept (they are
// composed when sent), nor are the links' tokens shown.
type PersonalEmail struct {
	// About is "booking", "waiting_list", "interest", "ballot_application"
	// (the acknowledgement of an application, Reference its reference) or "account" (an
	// organiser's sign-in link), with the reference of the booking or
	// entry.
	About     string     `json:"about"`
	Reference string     `json:"reference,omitempty"`
	Kind      string     `json:"kind"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

// Erasure says what erasing a person's data did.
type Erasure struct {
	// Cancelled are the live bookings of sessions still to come, cancelled
	// first so their places go to others.
	Cancelled []string `json:"cancelled"`
	// LeftWaitingLists are the entries taken off waiting lists first, so
	// a place offered goes to the next person.
	LeftWaitingLists []string `json:"left_waiting_lists"`
	// Anonymised counts the bookings whose personal data was removed.
	Anonymised int `json:"anonymised"`
	// AnonymisedEntries counts the waiting-list entries likewise.
	AnonymisedEntries int `json:"waiting_list_entries_anonymised"`
	// EmailsDropped counts the emails that were waiting to be sent.
	EmailsDropped int `json:"emails_dropped"`
	// WithdrawnApplications counts the applications to ballots not drawn
	// yet, deleted: the person is not in the draw.
	WithdrawnApplications int `json:"ballot_applications_withdrawn"`
	// InterestDeleted counts the registrations of interest deleted, with
	// every email about them.
	InterestDeleted int `json:"interest_deleted"`
	// Remaining counts live upcoming bookings and active entries made while
	// erasing; the service tries again until there are none.
	Remaining int `json:"-"`
}

// Person is whom an export or an erasure is about: an email address, or,
// for someone booked by phone without one, their UK phone number (stored
// form, NormalizeUKPhone). The store matches rows by the one given.
type Person struct {
	Email string
	Phone string
}

// CheckPerson reads an email address or a phone number, exactly one,
// refusing anything else, so an empty or wild value never matches the
// blanked rows.
func CheckPerson(email, phone string) (Person, error) {
	email, phone = strings.TrimSpace(email), strings.TrimSpace(phone)
	f := map[string]string{}
	switch {
	case email != "" && phone != "":
		f["email"] = "Give an email address or a phone number, not both"
	case phone != "":
		checkPhone(f, "phone", &phone)
	default:
		checkEmail(f, "email", email, true)
	}
	if len(f) > 0 {
		return Person{}, FieldErrors(f)
	}
	return Person{Email: email, Phone: phone}, nil
}

// ExportPerson returns everything held about a person.
func (s *Service) ExportPerson(ctx context.Context, p Person) (*PersonalData, error) {
	p, err := CheckPerson(p.Email, p.Phone)
	if err != nil {
		return nil, err
	}
	return s.PersonalData.PersonalData(ctx, p, s.now())
}

// eraseTries bounds the rounds of cancel-then-anonymise: each round ends
// only if the person booked again meanwhile.
const eraseTries = 3

// ErasePerson erases what is held about an email address: live bookings of
// sessions still to come are cancelled and waiting-list places left the
// usual way (places go back or to the next person waiting, Redis learns
// the fresh counts), then every booking and entry is anonymised and emails
// still waiting to go to the address are dropped.
func (s *Service) ErasePerson(ctx context.Context, p Person) (*Erasure, error) {
	p, err := CheckPerson(p.Email, p.Phone)
	if err != nil {
		return nil, err
	}
	cancelled, left := []string{}, []string{}
	for try := 0; try < eraseTries; try++ {
		now := s.now()
		refs, err := s.PersonalData.LiveUpcoming(ctx, p, now)
		if err != nil {
			return nil, err
		}
		for _, ref := range refs {
			_, mirror, err := s.Store.CancelBooking(ctx, ref, now)
			if IsCode(err, EConflict) || IsCode(err, ENotFound) {
				continue // cancelled meanwhile by the person themselves
			}
			if err != nil {
				return nil, err
			}
			s.Holds.Sync(ctx, mirror)
			cancelled = append(cancelled, ref)
		}
		entries, err := s.PersonalData.ActiveWaitlistEntries(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, ref := range entries {
			_, err := s.endEntry(ctx, ref)
			if IsCode(err, EConflict) || IsCode(err, ENotFound) {
				continue // ended meanwhile
			}
			if err != nil {
				return nil, err
			}
			left = append(left, ref)
		}
		e, err := s.PersonalData.ErasePersonalData(ctx, p, Erasure{Cancelled: cancelled, LeftWaitingLists: left}, now)
		if err != nil {
			return nil, err
		}
		if e.Remaining == 0 {
			return &e, nil
		}
	}
	return nil, Errorf(EConflict, "New bookings kept arriving for this person while erasing them. Please try again.")
}

// FailedLinksKept is how long after an email failed for good the links in
// it (a manage token, a sign-in link) are kept, so an organiser who mends
// the cause can still send it again (the admin API's retry). Then the
// retention job removes them: a token must not sit in plaintext for ever.
const FailedLinksKept = 7 * 24 * time.Hour

// retentionBatch is how many bookings one statement anonymises, so that no
// sweep holds many row locks for long.
const retentionBatch = 500

// RunRetention anonymises every booking and waiting-list entry of sessions
// that ended more than keep before now, in batches, and returns how many
// it anonymised; first it removes the links of emails that failed more
// than FailedLinksKept ago, and deletes the registrations of interest
// past their time (ExpireInterest). It is idempotent and safe to run in several
// instances at once: it stops when a batch finds nothing left to take.
func RunRetention(ctx context.Context, store PersonalDataStore, now time.Time, keep time.Duration) (int, error) {
	if _, err := store.ForgetFailedLinks(ctx, now.Add(-FailedLinksKept)); err != nil {
		return 0, err
	}
	if _, err := store.ExpireInterest(ctx, now); err != nil {
		return 0, err
	}
	total := 0
	for {
		n, err := store.AnonymiseEnded(ctx, now.Add(-keep), now, retentionBatch)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// RetentionJob runs RunRetention now and then for as long as its context
// lasts. Every instance may run one.
type RetentionJob struct {
	Store PersonalDataStore
	Clock Clock
	// Keep is how long after a session its bookings keep personal data
	// (RETENTION_DAYS).
	Keep time.Duration
	// Every is the time between sweeps; an hour when zero.
	Every  time.Duration
	Logger *slog.Logger
	// Also are the other parts of the consultation that keep personal
	// data (the poster competition, the survey's free text), swept with
	// the bookings.
	Also []Sweeper
}

// Sweeper deletes or anonymises what it keeps past its retention period
// at now, and returns how many records it removed. It must be safe to run
// in several instances at once.
type Sweeper interface {
	RunRetention(ctx context.Context, now time.Time) (int, error)
}

// Run sweeps at once and then every j.Every until ctx ends. Failures are
// logged (without personal data) and retried at the next sweep.
func (j *RetentionJob) Run(ctx context.Context) {
	every := j.Every
	if every <= 0 {
		every = time.Hour
	}
	clock, log := j.Clock, j.Logger
	if clock == nil {
		clock = SystemClock
	}
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := RunRetention(ctx, j.Store, clock.Now(), j.Keep)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("retention: anonymising bookings failed", "anonymised", n, "err", err)
		case n > 0:
			log.Info("retention: anonymised bookings", "anonymised", n)
		}
		for _, also := range j.Also {
			n, err := also.RunRetention(ctx, clock.Now())
			switch {
			case err != nil && ctx.Err() == nil:
				log.Error("retention: sweep failed", "removed", n, "err", err)
			case n > 0:
				log.Info("retention: removed past their retention", "removed", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
