package booking

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Registering interest. A person leaves their name, email address, how they
// would like to take part, their area of the city and, if they like, the
// times that suit them. Nothing more is sent until they follow the link in
// the email that asks them to confirm the address (double opt-in). Then,
// whenever a session opens that suits them, they are emailed once about it,
// with a link straight to it. Every email carries a one-click way to stop.

// TimeOfWeek is a time that suits a person: the plain rule, in the city's
// time zone (London), is that a session starting on a Saturday or Sunday is
// at the weekend; one starting Monday to Friday before 5pm is weekday
// daytime, and at 5pm or later an evening.
type TimeOfWeek string

const (
	WeekdayDaytime TimeOfWeek = "weekday_daytime"
	Evenings       TimeOfWeek = "evenings"
	Weekends       TimeOfWeek = "weekends"
)

// TimesOfWeek lists them in the order the pages show them.
var TimesOfWeek = []TimeOfWeek{WeekdayDaytime, Evenings, Weekends}

// EveningsFrom is the hour (London time) from which a weekday session counts
// as an evening one.
const EveningsFrom = 17

func (t TimeOfWeek) Valid() bool { return slices.Contains(TimesOfWeek, t) }

// Label is the time in words, for pages and emails.
func (t TimeOfWeek) Label() string {
	switch t {
	case WeekdayDaytime:
		return "Weekday daytime"
	case Evenings:
		return "Weekday evenings (from 5pm)"
	case Weekends:
		return "Weekends"
	}
	return string(t)
}

// TimeOfWeekOf is the time of week of a session starting at start.
func TimeOfWeekOf(start time.Time) TimeOfWeek {
	l := start.In(London)
	switch {
	case l.Weekday() == time.Saturday || l.Weekday() == time.Sunday:
		return Weekends
	case l.Hour() >= EveningsFrom:
		return Evenings
	}
	return WeekdayDaytime
}

// Interest is one registration of interest.
type Interest struct {
	ID       int64        `json:"-"`
	Name     string       `json:"name"`
	Email    string       `json:"email"`
	Audience Audience     `json:"audience"`
	Modes    []Mode       `json:"modes"`
	Area     string       `json:"area"`
	Times    []TimeOfWeek `json:"times"`
	// CreatedAt is when it was made; ConfirmedAt when its address was
	// confirmed (nil until then).
	CreatedAt   time.Time  `json:"created_at"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
}

// Confirmed reports whether the address has been confirmed.
func (in *Interest) Confirmed() bool { return in.ConfirmedAt != nil }

// Normalize trims the one-line fields, makes the audience public when none
// is given, and drops repeated modes and times.
func (in *Interest) Normalize() {
	in.Name = strings.Trim(in.Name, " ")
	in.Email = strings.Trim(in.Email, " ")
	in.Area = strings.TrimSpace(in.Area)
	if in.Audience == "" {
		in.Audience = Public
	}
	slices.Sort(in.Modes)
	in.Modes = slices.Compact(in.Modes)
	slices.Sort(in.Times)
	in.Times = slices.Compact(in.Times)
	if in.Times == nil {
		in.Times = []TimeOfWeek{}
	}
}

// Validate checks a registration, naming every field at fault.
func (in *Interest) Validate() error {
	f := map[string]string{}
	checkLine(f, "name", "your full name", in.Name, maxName, true)
	checkEmail(f, "email", in.Email, true)
	if len(in.Modes) == 0 {
		f["modes"] = "Select how you would like to take part"
	}
	for _, m := range in.Modes {
		if !m.Valid() {
			f["modes"] = "Choose in_person, online or both"
		}
	}
	checkArea(f, "area", in.Area, true)
	for _, t := range in.Times {
		if !t.Valid() {
			f["times"] = "Choose from weekday_daytime, evenings and weekends, or none"
		}
	}
	if !in.Audience.Valid() {
		f["audience"] = "Choose public or workforce"
	}
	if len(f) > 0 {
		return FieldErrors(f)
	}
	return nil
}

// Suits reports whether a session of audience starting at start, with a
// place free in one of the modes free, is one the registration asked for.
// The store's sweep applies the same rule in SQL (postgres/interest.go).
func (in *Interest) Suits(audience Audience, start time.Time, free []Mode) bool {
	if audience != in.Audience || !slices.ContainsFunc(free, func(m Mode) bool { return slices.Contains(in.Modes, m) }) {
		return false
	}
	return len(in.Times) == 0 || slices.Contains(in.Times, TimeOfWeekOf(start))
}

// ConfirmWindow is how long the link that confirms a registration works;
// a registration not confirmed by then is deleted.
const ConfirmWindow = 7 * 24 * time.Hour

// InterestKept is how long a confirmed registration is kept: a year, the
// length of the consultation. The person can stop it sooner with the link
// in any email.
const InterestKept = 365 * 24 * time.Hour

// MaxPendingInterest is how many registrations one address may have
// waiting for confirmation: someone typing another's address again and
// again sends them a few emails, not a flood.
const MaxPendingInterest = 3

// InterestToken is the token of a registration's links (confirm and stop):
// its id and an HMAC of it under the service's key, so no token is stored
// and every email about it can carry the same stop link.
func InterestToken(key []byte, id int64) string {
	return strconv.FormatInt(id, 10) + "." + base64.RawURLEncoding.EncodeToString(interestMAC(key, id))
}

// InterestTokenID checks a token against key and returns the id it names;
// false for a token not made with key.
func InterestTokenID(key []byte, token string) (int64, bool) {
	idText, mac, ok := strings.Cut(token, ".")
	if !ok || len(token) > 100 {
		return 0, false
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	got, err := base64.RawURLEncoding.DecodeString(mac)
	if err != nil || !hmac.Equal(got, interestMAC(key, id)) {
		return 0, false
	}
	return id, true
}

func interestMAC(key []byte, id int64) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("interest:" + strconv.FormatInt(id, 10)))
	return m.Sum(nil)
}

// InterestCounts is what organisers see of the registrations: numbers, not
// people. Only confirmed registrations count.
type InterestCounts struct {
	Total int `json:"total"`
	// ByArea has every area, in the list's order, with its count.
	ByArea []AreaCount `json:"by_area"`
	// ByWay counts how people would like to take part: in_person only,
	// online only, or either.
	ByWay map[string]int `json:"by_way"`
}

// AreaCount is the registrations from one area.
type AreaCount struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Ways of taking part, as InterestCounts.ByWay counts them.
const (
	WayInPerson = "in_person"
	WayOnline   = "online"
	WayEither   = "either"
)

// WayOf says how a registration would like to take part.
func WayOf(modes []Mode) string {
	switch {
	case len(modes) > 1:
		return WayEither
	case len(modes) == 1 && modes[0] == Online:
		return WayOnline
	}
	return WayInPerson
}

// InterestStore keeps registrations of interest. Every email is queued in
// the transaction of the change that causes it.
type InterestStore interface {
	// RegisterInterest stores in unconfirmed and queues the email asking to
	// confirm its address, in one transaction; it fills in.ID. When the
	// address already has MaxPendingInterest registrations waiting for
	// confirmation, it stores and sends nothing, and says nothing of it.
	RegisterInterest(ctx context.Context, in *Interest, now time.Time) error
	// InterestByToken reads the registration of a link: ENotFound for a
	// token not ours, or one stopped, or one whose confirmation lapsed.
	InterestByToken(ctx context.Context, token string, now time.Time) (*Interest, error)
	// ConfirmInterest confirms the registration of a link (again changes
	// nothing), at the database's time, as sessions are created: the rule
	// of NotifyInterest compares the two. It replaces any other confirmed registration of the
	// address for the same audience. It fails as InterestByToken does.
	ConfirmInterest(ctx context.Context, token string, now time.Time) (*Interest, error)
	// StopInterest deletes the registration of a link, with every other of
	// its address for the same audience, and their emails still waiting:
	// ENotFound for a token not ours or already stopped.
	StopInterest(ctx context.Context, token string) error
	// NotifyInterest queues, for up to limit confirmed registrations and
	// sessions (of the session of id, or of every session when id is 0),
	// the email about a session that suits them: created since the
	// registration was confirmed, scheduled, not started by now, with a
	// place free in a way they would take part that nobody waits for, at
	// a time they said suits them. Each registration is told about each
	// session once, however many instances sweep at once. It returns how
	// many emails it queued.
	NotifyInterest(ctx context.Context, sessionID int64, now time.Time, limit int) (int, error)
	// InterestCounts counts the confirmed registrations of audience.
	InterestCounts(ctx context.Context, audience Audience) (*InterestCounts, error)
}

// errInterestStaff is the answer to a workforce registration while the
// staff route is not set up.
func errInterestStaff() error {
	return Errorf(EUnavailable, "Registering interest for council staff is not set up yet.")
}

// RegisterInterest checks a registration and, when it is sound, stores it
// unconfirmed and emails the link that confirms it. A workforce
// registration needs a work email address, as a staff booking does. The
// answer is the same whether or not the address is known.
func (s *Service) RegisterInterest(ctx context.Context, in Interest) error {
	in.Normalize()
	err := in.Validate()
	if in.Audience == Workforce {
		if !s.StaffBookingOpen() {
			return errInterestStaff()
		}
		fields := ErrorFields(err)
		if _, bad := fields["email"]; !bad && !s.IsStaffEmail(in.Email) {
			if fields == nil {
				fields = map[string]string{}
			}
			fields["email"] = "Enter your work email address, ending " + s.StaffDomainsText()
			err = FieldErrors(fields)
		}
	}
	if err != nil {
		return err
	}
	if err := s.Interest.RegisterInterest(ctx, &in, s.now()); err != nil {
		return err
	}
	s.queued()
	return nil
}

// ErrInterestLink is the answer to a link of a registration that is not
// ours, was stopped, or lapsed before it was confirmed.
var ErrInterestLink = Errorf(ENotFound, "We could not find that link. It may have run out, or you may have already stopped these emails. Use the whole link from the email we sent you.")

// InterestByToken reads the registration of a link, for the pages that
// ask to confirm or stop it: following a link changes nothing (mail
// scanners follow links too).
func (s *Service) InterestByToken(ctx context.Context, token string) (*Interest, error) {
	if token == "" || len(token) > 100 {
		return nil, ErrInterestLink
	}
	return s.Interest.InterestByToken(ctx, token, s.now())
}

// ConfirmInterest confirms the address of the registration of a link.
func (s *Service) ConfirmInterest(ctx context.Context, token string) (*Interest, error) {
	if token == "" || len(token) > 100 {
		return nil, ErrInterestLink
	}
	return s.Interest.ConfirmInterest(ctx, token, s.now())
}

// StopInterest ends the registration of a link: it is deleted, with the
// emails about it still waiting to go.
func (s *Service) StopInterest(ctx context.Context, token string) error {
	if token == "" || len(token) > 100 {
		return ErrInterestLink
	}
	return s.Interest.StopInterest(ctx, token)
}

// InterestCounts counts the confirmed registrations of an audience.
func (s *Service) InterestCounts(ctx context.Context, audience Audience) (*InterestCounts, error) {
	if !audience.Valid() {
		return nil, FieldErrors(map[string]string{"audience": "Choose public or workforce"})
	}
	return s.Interest.InterestCounts(ctx, audience)
}

// interestBatch is how many emails one step of the sweep queues; it goes
// on while steps come back full.
const interestBatch = 500

// NotifyInterest emails the people whose registration a session (or every
// session, for id 0) suits, once each, and returns how many it emailed.
func (s *Service) NotifyInterest(ctx context.Context, sessionID int64) (int, error) {
	total := 0
	for ctx.Err() == nil {
		n, err := s.Interest.NotifyInterest(ctx, sessionID, s.now(), interestBatch)
		total += n
		if n > 0 {
			s.queued()
		}
		if err != nil || n < interestBatch {
			return total, err
		}
	}
	return total, ctx.Err()
}

// notifyInterestNow tells the people interested about a session just
// created or given places, best effort: the sweep catches anything missed.
func (s *Service) notifyInterestNow(ctx context.Context, sessionID int64) {
	if s.Interest == nil {
		return
	}
	if _, err := s.NotifyInterest(ctx, sessionID); err != nil && ctx.Err() == nil {
		slog.Default().Error("interest: notify about a session", "session", sessionID, "err", err)
	}
}

// InterestSweep emails, every so often, the people whose registration
// suits a session that has opened: a new one the immediate notice missed,
// or one whose places came free. Every instance may run one: the store's
// key keeps each email to one.
type InterestSweep struct {
	Service *Service
	// Every is how often it looks; default a minute, with jitter.
	Every time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Run sweeps until ctx is cancelled.
func (w *InterestSweep) Run(ctx context.Context) {
	every := w.Every
	if every <= 0 {
		every = time.Minute
	}
	repeat(ctx, every, w.Step)
}

// Step sweeps once, logging failures (without personal data).
func (w *InterestSweep) Step(ctx context.Context) {
	log := w.Logger
	if log == nil {
		log = slog.Default()
	}
	if n, err := w.Service.NotifyInterest(ctx, 0); err != nil && ctx.Err() == nil {
		log.Error("interest: notify about sessions", "err", err)
	} else if n > 0 {
		log.Info("interest: people told about sessions", "count", n)
	}
}
