package booking

import (
	"context"
	"errors"
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
// organisation, postcode and access needs of a booking and records when;
// its mode, status, attendance and times stay, so the counts do too.
type PersonalDataStore interface {
	// AnonymiseEnded anonymises up to limit bookings of sessions that ended
	// at or before endedBy and returns how many. Instances running it at
	// the same moment take different bookings; anonymised ones are never
	// taken again.
	AnonymiseEnded(ctx context.Context, endedBy, now time.Time, limit int) (int, error)
	// PersonalData returns everything held about an email address, matched
	// without regard to case.
	PersonalData(ctx context.Context, email string) (*PersonalData, error)
	// LiveUpcoming returns the references of the live bookings made with
	// email for sessions that start after now.
	LiveUpcoming(ctx context.Context, email string, now time.Time) ([]string, error)
	// ErasePersonalData anonymises every booking made with email, except
	// live bookings of sessions that start after now (cancel those first),
	// deletes the emails still waiting to be sent for them and clears the
	// error text of the others.
	ErasePersonalData(ctx context.Context, email string, now time.Time) (Erasure, error)
}

// PersonalData is everything held about one email address.
type PersonalData struct {
	Email    string            `json:"email"`
	Bookings []PersonalBooking `json:"bookings"`
	Emails   []PersonalEmail   `json:"emails"`
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

// PersonalEmail is an email about one of the person's bookings: what it
// was and whether it went. Message bodies are not kept; they are composed
// when sent.
type PersonalEmail struct {
	Reference string     `json:"booking_reference"`
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
	// Anonymised counts the bookings whose personal data was removed.
	Anonymised int `json:"anonymised"`
	// EmailsDropped counts the emails that were waiting to be sent.
	EmailsDropped int `json:"emails_dropped"`
	// Remaining counts live upcoming bookings made while erasing; the
	// service tries again until there are none.
	Remaining int `json:"-"`
}

var errNoPersonalDataStore = errors.New("booking: the store does not implement PersonalDataStore")

func (s *Service) personalData() (PersonalDataStore, error) {
	p, ok := s.Store.(PersonalDataStore)
	if !ok {
		return nil, &Error{Code: EInternal, Message: "personal data", Err: errNoPersonalDataStore}
	}
	return p, nil
}

// checkPersonEmail refuses anything that is not an email address, so an
// empty or wild value never matches the blanked rows.
func checkPersonEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	f := map[string]string{}
	checkEmail(f, "email", email, true)
	if len(f) > 0 {
		return "", FieldErrors(f)
	}
	return email, nil
}

// ExportPerson returns everything held about an email address.
func (s *Service) ExportPerson(ctx context.Context, email string) (*PersonalData, error) {
	email, err := checkPersonEmail(email)
	if err != nil {
		return nil, err
	}
	p, err := s.personalData()
	if err != nil {
		return nil, err
	}
	return p.PersonalData(ctx, email)
}

// eraseTries bounds the rounds of cancel-then-anonymise: each round ends
// only if the person booked again meanwhile.
const eraseTries = 3

// ErasePerson erases what is held about an email address: live bookings of
// sessions still to come are cancelled the usual way (their places go
// back, Redis learns the fresh counts), then every booking is anonymised
// and emails still waiting for them are dropped.
func (s *Service) ErasePerson(ctx context.Context, email string) (*Erasure, error) {
	email, err := checkPersonEmail(email)
	if err != nil {
		return nil, err
	}
	p, err := s.personalData()
	if err != nil {
		return nil, err
	}
	var cancelled []string
	for try := 0; try < eraseTries; try++ {
		now := s.now()
		refs, err := p.LiveUpcoming(ctx, email, now)
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
		e, err := p.ErasePersonalData(ctx, email, now)
		if err != nil {
			return nil, err
		}
		if e.Remaining == 0 {
			e.Cancelled = cancelled
			if e.Cancelled == nil {
				e.Cancelled = []string{}
			}
			return &e, nil
		}
	}
	return nil, Errorf(EConflict, "New bookings kept arriving for this email address while erasing it. Please try again.")
}

// retentionBatch is how many bookings one statement anonymises, so that no
// sweep holds many row locks for long.
const retentionBatch = 500

// RunRetention anonymises every booking of sessions that ended more than
// keep before now, in batches, and returns how many it anonymised. It is
// idempotent and safe to run in several instances at once.
func RunRetention(ctx context.Context, store PersonalDataStore, now time.Time, keep time.Duration) (int, error) {
	total := 0
	for {
		n, err := store.AnonymiseEnded(ctx, now.Add(-keep), now, retentionBatch)
		total += n
		if err != nil || n < retentionBatch {
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
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
