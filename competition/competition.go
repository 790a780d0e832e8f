// Package competition is the young people's poster competition of the
// consultation: under-18s send a poster of Coventry in 2030, a parent or
// carer confirms the entries of under-13s (UK GDPR, Article 8), organisers
// judge them and publish the winners' first names, ages and areas.
//
// The root holds the rules, the types and the store it needs; the poster
// files themselves are checked and re-encoded here too (poster.go), since
// what is accepted is a rule of the competition. Its rows live in the one
// Postgres store (booking/postgres) and its routes in the one route table.
package competition

import (
	"context"
	"crypto/sha256"
	"strconv"
	"strings"
	"time"

	"github.com/coventry/workshops/booking"
)

// Audit actions and subjects of the competition: judging, erasing and
// publishing are written to the shared audit log.
const (
	AuditJudge         = "competition_entry.judge"
	AuditErase         = "competition_entry.erase"
	AuditPublish       = "competition.winners_publish"
	AuditUnpublish     = "competition.winners_unpublish"
	SubjectEntry       = "competition_entry"
	SubjectCompetition = "competition"
)

// Status is where an entry stands.
type Status string

const (
	// AwaitingGuardian: the entrant is under 13 and their parent or carer
	// has not yet confirmed by the emailed link; the entry does not count.
	AwaitingGuardian Status = "awaiting_guardian"
	// Entered: the entry counts and is judged.
	Entered Status = "entered"
)

// The ages the competition takes: anyone under 18; under GuardianAge a
// parent or carer must confirm.
const (
	MinAge      = 4
	MaxAge      = 17
	GuardianAge = 13
)

// Limits on what entrants type, in characters.
const (
	maxFirstName = 50
	maxTitle     = 100
	maxEmail     = 254
	// MaxScore is the highest score a judge can give.
	MaxScore = 10
)

// GuardianWait is how long a parent or carer has to confirm an entry.
// An entry still unconfirmed then is deleted: it never counted, and a
// child's details are not kept on the chance.
const GuardianWait = 7 * 24 * time.Hour

// EntriesKept is how long after the closing date entries are kept: long
// enough to judge them and announce the winners, then every entry, image
// and winner's name is deleted (retention, RunRetention).
const EntriesKept = 90 * 24 * time.Hour

// Entry is one poster sent in. It carries the entrant's first name only.
type Entry struct {
	ID        int64  `json:"-"`
	Reference string `json:"reference"`
	FirstName string `json:"first_name"`
	Age       int    `json:"age"`
	Area      string `json:"area"`
	Title     string `json:"title"`
	// GuardianEmail is the address of the parent or carer of an entrant
	// under GuardianAge; empty for the others.
	GuardianEmail string     `json:"guardian_email,omitempty"`
	Status        Status     `json:"status"`
	CreatedAt     time.Time  `json:"created_at"`
	ConfirmedAt   *time.Time `json:"confirmed_at,omitempty"`
	Shortlisted   bool       `json:"shortlisted"`
	// Score is the judges' score out of MaxScore; nil until scored.
	Score  *int `json:"score"`
	Winner bool `json:"winner"`
	// ImageType, Width and Height are the stored, re-encoded image's.
	ImageType string `json:"image_type"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
}

// AgeBand is the band of an age that judges filter by.
func AgeBand(age int) string {
	switch {
	case age < 8:
		return "4-7"
	case age < GuardianAge:
		return "8-12"
	case age < 16:
		return "13-15"
	default:
		return "16-17"
	}
}

// AgeBands are the bands in order, as AgeBand names them.
var AgeBands = []string{"4-7", "8-12", "13-15", "16-17"}

// ageRange is the first and last age of a band; ok is false for a name
// that is not one.
func ageRange(band string) (lo, hi int, ok bool) {
	switch band {
	case "4-7":
		return MinAge, 7, true
	case "8-12":
		return 8, 12, true
	case "13-15":
		return 13, 15, true
	case "16-17":
		return 16, MaxAge, true
	}
	return 0, 0, false
}

// Input is what an entrant types, as sent.
type Input struct {
	FirstName     string
	Age           string
	Area          string
	Title         string
	GuardianEmail string
}

// Check reads and checks in, naming every field at fault, and returns the
// entry it describes (without its poster).
func (in Input) Check() (*Entry, error) {
	e := &Entry{
		FirstName:     strings.Trim(in.FirstName, " "),
		Area:          strings.TrimSpace(in.Area),
		Title:         strings.Trim(in.Title, " "),
		GuardianEmail: strings.Trim(in.GuardianEmail, " "),
	}
	f := map[string]string{}
	booking.CheckLine(f, "first_name", "your first name", e.FirstName, maxFirstName, true)
	if _, bad := f["first_name"]; !bad && strings.ContainsAny(e.FirstName, "@/\\<>") {
		f["first_name"] = "Enter your first name only"
	}
	booking.CheckLine(f, "title", "a title for your poster", e.Title, maxTitle, true)
	if !ValidArea(e.Area) {
		f["area"] = "Select the area of the city you live in"
	}
	age, err := strconv.Atoi(strings.TrimSpace(in.Age))
	switch {
	case strings.TrimSpace(in.Age) == "":
		f["age"] = "Enter your age"
	case err != nil:
		f["age"] = "Enter your age as a number, like 12"
	case age >= 18:
		f["age"] = "The competition is for people under 18"
	case age < MinAge:
		f["age"] = "Enter your age as a number, like 12"
	}
	e.Age = age
	if _, bad := f["age"]; !bad && age < GuardianAge {
		booking.CheckLine(f, "guardian_email", "your parent's or carer's email address", e.GuardianEmail, maxEmail, true)
		if _, bad := f["guardian_email"]; !bad && !booking.ValidEmail(e.GuardianEmail) {
			f["guardian_email"] = "Enter an email address in the correct format, like name@example.com"
		}
	} else {
		// Nobody 13 or over needs one: none is kept.
		e.GuardianEmail = ""
	}
	if len(f) > 0 {
		return nil, booking.FieldErrors(f)
	}
	e.Status = Entered
	if e.Age < GuardianAge {
		e.Status = AwaitingGuardian
	}
	return e, nil
}

// Filter chooses entries for the judges.
type Filter struct {
	// AgeBand is one of AgeBands, or empty for all.
	AgeBand string
	// Area is an area id, or empty for all.
	Area string
	// Shortlisted keeps only the shortlisted entries.
	Shortlisted bool
	// IncludeAwaiting also lists entries waiting for a parent or carer;
	// the judges' gallery leaves them out, since they do not count.
	IncludeAwaiting bool
}

// Ages returns the first and last age of the filter's band (every age
// when it has none) and an invalid-input error for a band that is not one.
func (f Filter) Ages() (lo, hi int, err error) {
	if f.AgeBand == "" {
		return MinAge, MaxAge, nil
	}
	lo, hi, ok := ageRange(f.AgeBand)
	if !ok {
		return 0, 0, booking.FieldErrors(map[string]string{"age_band": "Select an age band from the list"})
	}
	return lo, hi, nil
}

// Judging is a judge's decision about one entry; nil fields stay as they are.
type Judging struct {
	Shortlisted *bool `json:"shortlisted"`
	Score       *int  `json:"score"`
	Winner      *bool `json:"winner"`
}

// Check refuses a score out of range and an empty decision.
func (j Judging) Check() error {
	if j.Shortlisted == nil && j.Score == nil && j.Winner == nil {
		return booking.FieldErrors(map[string]string{"body": "Give shortlisted, score or winner"})
	}
	if j.Score != nil && (*j.Score < 0 || *j.Score > MaxScore) {
		return booking.FieldErrors(map[string]string{"score": "Enter a score from 0 to " + strconv.Itoa(MaxScore)})
	}
	return nil
}

// Winner is all that is ever shown publicly about a winning entry.
type Winner struct {
	FirstName string `json:"first_name"`
	Age       int    `json:"age"`
	Area      string `json:"area"`
}

// Image is a stored picture as it is served.
type Image struct {
	Type string
	Data []byte
}

// Store keeps entries. The Postgres store implements it.
type Store interface {
	// CreateEntry stores e with its poster and, for an entry awaiting a
	// parent or carer, the hash of its confirmation token and the email
	// carrying confirmURL, in one transaction. It sets e's ID, Reference
	// and CreatedAt (now).
	CreateEntry(ctx context.Context, e *Entry, p *Poster, tokenHash []byte, confirmURL string, now time.Time) error
	// ConfirmGuardian marks the entry with the token's hash as entered,
	// once; ENotFound for a token that matches no entry awaiting one.
	ConfirmGuardian(ctx context.Context, tokenHash []byte, now time.Time) (*Entry, error)
	// EntryByToken reads the entry awaiting the token's confirmation.
	EntryByToken(ctx context.Context, tokenHash []byte) (*Entry, error)
	// Entries lists entries newest first.
	Entries(ctx context.Context, f Filter) ([]*Entry, error)
	// Entry reads one entry by reference; ENotFound when there is none.
	Entry(ctx context.Context, reference string) (*Entry, error)
	// EntryImage returns the stored image, or its thumbnail.
	EntryImage(ctx context.Context, reference string, thumbnail bool) (*Image, error)
	// Judge applies j to a counted entry and writes it to the audit log in
	// the name of the actor in ctx.
	Judge(ctx context.Context, reference string, j Judging, now time.Time) (*Entry, error)
	// PublishWinners shows (or hides) the winners page, audited.
	PublishWinners(ctx context.Context, publish bool, now time.Time) error
	// Winners returns whether the winners page is published and its winners.
	Winners(ctx context.Context) (bool, []Winner, error)
	// EraseEntry deletes an entry, its image and its emails not yet sent;
	// audited in the name of the actor in ctx.
	EraseEntry(ctx context.Context, reference string, now time.Time) error
	// EraseByGuardian deletes the entry with reference whose parent or
	// carer's address is email (any case): ENotFound when none matches.
	EraseByGuardian(ctx context.Context, reference, email string, now time.Time) error
	// EntriesOf returns the entries whose parent or carer's address is email.
	EntriesOf(ctx context.Context, email string) ([]*Entry, error)
	// DeleteExpired deletes entries still unconfirmed that were made at
	// or before unconfirmedBy, and every entry when all is true; it returns
	// how many.
	DeleteExpired(ctx context.Context, unconfirmedBy time.Time, all bool) (int, error)
}

// Service is the competition's use cases.
type Service struct {
	Store   Store
	Posters *Posters
	Clock   booking.Clock
	// ClosesAt is when entries stop (COMPETITION_CLOSES_AT).
	ClosesAt time.Time
	// BaseURL makes the link a parent or carer confirms with.
	BaseURL string
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

// Open reports whether entries are still taken.
func (s *Service) Open() bool { return s.now().Before(s.ClosesAt) }

// errClosed is the answer to an entry after the closing date.
func (s *Service) errClosed() error {
	return booking.Errorf(booking.EConflict, "The competition closed at %s. We cannot take new entries.", booking.At(s.ClosesAt))
}

// Enter checks in and the poster file, re-encodes the poster and stores
// the entry. The fields and the file are checked together so that every
// fault is named at once; a file over MaxUpload is ETooLarge.
func (s *Service) Enter(ctx context.Context, in Input, file []byte) (*Entry, error) {
	if !s.Open() {
		return nil, s.errClosed()
	}
	e, err := in.Check()
	fields := booking.ErrorFields(err)
	if err != nil && fields == nil {
		return nil, err
	}
	p, perr := s.Posters.Process(ctx, file)
	if perr != nil {
		if booking.ErrorCode(perr) != booking.EInvalid {
			return nil, perr
		}
		if fields == nil {
			fields = map[string]string{}
		}
		for k, v := range booking.ErrorFields(perr) {
			fields[k] = v
		}
	}
	if len(fields) > 0 {
		return nil, booking.FieldErrors(fields)
	}
	var hash []byte
	confirmURL := ""
	if e.Status == AwaitingGuardian {
		token, h, err := booking.NewToken()
		if err != nil {
			return nil, err
		}
		hash = h
		confirmURL = strings.TrimRight(s.BaseURL, "/") + "/competition/confirm/" + token
	}
	if err := s.Store.CreateEntry(ctx, e, p, hash, confirmURL, s.now()); err != nil {
		return nil, err
	}
	return e, nil
}

// Confirm counts the entry whose parent or carer followed the emailed link.
func (s *Service) Confirm(ctx context.Context, token string) (*Entry, error) {
	return s.Store.ConfirmGuardian(ctx, hashToken(token), s.now())
}

// AwaitingConfirmation reads the entry a confirmation link is for.
func (s *Service) AwaitingConfirmation(ctx context.Context, token string) (*Entry, error) {
	return s.Store.EntryByToken(ctx, hashToken(token))
}

// Judge records a judge's decision about an entry.
func (s *Service) Judge(ctx context.Context, reference string, j Judging) (*Entry, error) {
	if err := j.Check(); err != nil {
		return nil, err
	}
	return s.Store.Judge(ctx, reference, j, s.now())
}

// PublishWinners shows or hides the winners page.
func (s *Service) PublishWinners(ctx context.Context, publish bool) error {
	return s.Store.PublishWinners(ctx, publish, s.now())
}

// Erase deletes an entry at an admin's request, audited.
func (s *Service) Erase(ctx context.Context, reference string) error {
	return s.Store.EraseEntry(ctx, reference, s.now())
}

// EraseOf deletes every entry a parent or carer gave email with (an
// erasure request for the address), audited, and returns how many.
func (s *Service) EraseOf(ctx context.Context, email string) (int, error) {
	entries, err := s.Store.EntriesOf(ctx, email)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		err := s.Store.EraseEntry(ctx, e.Reference, s.now())
		if booking.IsCode(err, booking.ENotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RemoveByGuardian deletes an entry at the request of the parent or carer
// who gave their address with it. Reference and address must both match.
func (s *Service) RemoveByGuardian(ctx context.Context, reference, email string) error {
	f := map[string]string{}
	reference, email = strings.TrimSpace(reference), strings.TrimSpace(email)
	booking.CheckLine(f, "reference", "the entry reference", reference, 20, true)
	booking.CheckLine(f, "email", "your email address", email, maxEmail, true)
	if _, bad := f["email"]; !bad && !booking.ValidEmail(email) {
		f["email"] = "Enter an email address in the correct format, like name@example.com"
	}
	if len(f) > 0 {
		return booking.FieldErrors(f)
	}
	return s.Store.EraseByGuardian(ctx, reference, email, s.now())
}

// RunRetention deletes entries a parent or carer did not confirm within
// GuardianWait, and every entry once EntriesKept has passed since the
// closing date. It returns how many it deleted.
func (s *Service) RunRetention(ctx context.Context, now time.Time) (int, error) {
	return s.Store.DeleteExpired(ctx, now.Add(-GuardianWait), !now.Before(s.ClosesAt.Add(EntriesKept)))
}

// hashToken is the stored form of a confirmation token (booking.NewToken's).
func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
