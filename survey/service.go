package survey

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"time"

	"github.com/coventry/workshops/booking"
)

// Service is the survey's use cases.
type Service struct {
	Store Store
	Clock booking.Clock
	// Keep is how long after a survey closes its free text is kept
	// (RETENTION_DAYS), for RunRetention.
	Keep time.Duration
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

// Now is the service's time, for the pages to say whether a survey is open.
func (s *Service) Now() time.Time { return s.now() }

// Create checks and stores a survey.
func (s *Service) Create(ctx context.Context, sv *Survey) error {
	sv.Normalize()
	if err := sv.Validate(); err != nil {
		return err
	}
	return s.Store.CreateSurvey(ctx, sv, s.now())
}

// Update checks sv and stores it over the survey with sv.ID. Its
// questions can change only until someone answers.
func (s *Service) Update(ctx context.Context, sv *Survey) error {
	sv.Normalize()
	if err := sv.Validate(); err != nil {
		return err
	}
	return s.Store.UpdateSurvey(ctx, sv, s.now())
}

// Close stops an open survey taking answers from now.
func (s *Service) Close(ctx context.Context, id int64) (*Survey, error) {
	return s.Store.CloseSurvey(ctx, id, s.now())
}

// Open lists the surveys taking answers now that no workshop links.
func (s *Service) Open(ctx context.Context) ([]Survey, error) {
	return s.Store.OpenSurveys(ctx, s.now())
}

// Get reads a survey.
func (s *Service) Get(ctx context.Context, id int64) (*Survey, error) {
	return s.Store.Survey(ctx, id)
}

// List lists the surveys.
func (s *Service) List(ctx context.Context) ([]Listed, error) {
	return s.Store.Surveys(ctx)
}

// errClosed and errNotOpen are answered when a survey does not take
// responses; the pages say the same.
var (
	errClosed  = booking.Errorf(booking.EConflict, "This survey has closed.")
	errNotOpen = booking.Errorf(booking.EConflict, "This survey is not open yet.")
)

// CheckOpen says why sv does not take responses now, or nil.
func (s *Service) CheckOpen(sv *Survey) error {
	switch sv.StateAt(s.now()) {
	case NotOpen:
		return errNotOpen
	case Closed:
		return errClosed
	}
	return nil
}

// Submit checks answers and stores them as one response. browserToken is
// the token the person's browser keeps (empty when it has none): its hash
// marks the response, so a browser answering again shows as a repeat. A
// closed survey refuses with EConflict, whatever the answers.
func (s *Service) Submit(ctx context.Context, sv *Survey, raw map[string]json.RawMessage, about About, browserToken string) (*Response, error) {
	if err := s.CheckOpen(sv); err != nil {
		return nil, err
	}
	answers, about, err := sv.Check(raw, about)
	if err != nil {
		return nil, err
	}
	r := &Response{SurveyID: sv.ID, Answers: answers, About: about, SubmittedAt: s.now()}
	if browserToken != "" {
		r.Browser = BrowserMark(sv.ID, browserToken)
	}
	if err := s.Store.AddResponse(ctx, r, sv.Questions); err != nil {
		if booking.IsCode(err, booking.EConflict) && sv.StateAt(s.now()) != Open {
			return nil, errClosed // closed between the check and the insert
		}
		return nil, err
	}
	return r, nil
}

// BrowserMark is what is stored of a browser's token: a hash with the
// survey's id, so marks cannot be matched across surveys.
func BrowserMark(surveyID int64, token string) []byte {
	h := sha256.New()
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], uint64(surveyID))
	h.Write(id[:])
	h.Write([]byte(token))
	return h.Sum(nil)
}

// Results counts the answers, of one area when area is not "".
func (s *Service) Results(ctx context.Context, sv *Survey, area string) (*Results, error) {
	return s.Store.Results(ctx, sv, area)
}

// TextPage is the number of free-text answers on one page of results.
const TextPage = 20

// TextAnswers returns page (from 1) of the answers to a text question.
func (s *Service) TextAnswers(ctx context.Context, sv *Survey, questionID, search string, page int) ([]TextAnswer, int, error) {
	q := sv.Question(questionID)
	if q == nil || q.Kind != Text {
		return nil, 0, booking.Errorf(booking.ENotFound, "This survey has no text question with this id.")
	}
	if page < 1 {
		page = 1
	}
	return s.Store.TextAnswers(ctx, sv.ID, questionID, search, (page-1)*TextPage, TextPage)
}

// LinkedFrom is the survey a workshop's confirmations and reminders ask
// people to answer after the session (the one that closes last, of those
// not closed by now), or 0. It fits the outbox's SurveyFor.
func (s *Service) LinkedFrom(ctx context.Context, workshopID int64, now time.Time) (int64, error) {
	return s.Store.LinkedSurvey(ctx, workshopID, now)
}

// RunRetention removes the free text of surveys that closed more than
// Keep before now: people may have written anything there, their names
// included. Choices, areas and age groups stay, so the counts do too. It
// is a booking.Sweeper, run by the retention job.
func (s *Service) RunRetention(ctx context.Context, now time.Time) (int, error) {
	return s.Store.ForgetFreeText(ctx, now.Add(-s.Keep))
}
