// Package survey is the consultation's short survey: organisers build one
// from a few kinds of question, people answer it without an account, and
// organisers read the results as they come. Its rules and types are here;
// its SQL lives in the one Postgres store (booking/postgres) and its pages
// and API in the one route table (booking/web). Errors are booking's, so
// the web layer answers them as it answers every other.
package survey

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coventry/workshops/booking"
)

// Kind is a kind of question.
type Kind string

const (
	One   Kind = "one"   // one choice of its options (radios)
	Many  Kind = "many"  // any of its options (checkboxes)
	Scale Kind = "scale" // a point from 1 to the number of its options, which name the points
	Text  Kind = "text"  // free text up to MaxLength characters
)

// Limits on what organisers build and people write.
const (
	MaxQuestions      = 40
	MaxOptions        = 20
	MinScalePoints    = 2
	MaxScalePoints    = 10
	maxTitle          = 200
	maxIntro          = 2000
	maxQuestionText   = 500
	maxHint           = 500
	maxOption         = 200
	DefaultTextLength = 1000
	MaxTextLength     = 5000
)

// Question is one question of a survey.
type Question struct {
	// ID names the question in answers, results and the CSV: lower-case
	// letters, digits, - and _.
	ID       string   `json:"id"`
	Kind     Kind     `json:"type"`
	Text     string   `json:"text"`
	Hint     string   `json:"hint,omitempty"`
	Options  []string `json:"options,omitempty"`
	Required bool     `json:"required"`
	// MaxLength bounds a text answer, in characters.
	MaxLength int `json:"max_length,omitempty"`
}

// Survey is a survey as organisers built it.
type Survey struct {
	ID        int64      `json:"id"`
	Title     string     `json:"title"`
	Intro     string     `json:"intro,omitempty"`
	OpensAt   time.Time  `json:"opens_at"`
	ClosesAt  time.Time  `json:"closes_at"`
	Questions []Question `json:"questions"`
	// AskArea asks the optional "about you" question on the area of the
	// city people live or work in, with the city's list (booking.Areas).
	AskArea bool `json:"ask_area"`
	// AskAgeBand asks the optional "about you" question on age (AgeBands).
	AskAgeBand bool `json:"ask_age_band"`
	// WorkshopID, when not 0, links the survey from the confirmation and
	// reminder emails of the workshop's bookings.
	WorkshopID int64     `json:"workshop_id,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// AgeBands are the choices of the "about you" question on age.
var AgeBands = []string{"Under 16", "16 to 24", "25 to 34", "35 to 44", "45 to 54", "55 to 64", "65 to 74", "75 or over", "Prefer not to say"}

// Why the "about you" questions are asked, as the pages say it.
const (
	WhyArea    = "We ask so we can see whether every part of the city has been heard. You do not have to answer."
	WhyAgeBand = "We ask so we can see whether people of every age have been heard. You do not have to answer."
)

// State is where a survey is in its life.
type State string

const (
	NotOpen State = "not_open"
	Open    State = "open"
	Closed  State = "closed"
)

// StateAt is the survey's state at now: open from OpensAt until ClosesAt.
func (s *Survey) StateAt(now time.Time) State {
	switch {
	case now.Before(s.OpensAt):
		return NotOpen
	case now.Before(s.ClosesAt):
		return Open
	}
	return Closed
}

// Question returns the question with id, or nil.
func (s *Survey) Question(id string) *Question {
	for i := range s.Questions {
		if s.Questions[i].ID == id {
			return &s.Questions[i]
		}
	}
	return nil
}

var questionID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// Normalize trims what organisers typed and fills the defaults.
func (s *Survey) Normalize() {
	s.Title, s.Intro = strings.TrimSpace(s.Title), strings.TrimSpace(s.Intro)
	for i := range s.Questions {
		q := &s.Questions[i]
		q.ID, q.Text, q.Hint = strings.TrimSpace(q.ID), strings.TrimSpace(q.Text), strings.TrimSpace(q.Hint)
		for j := range q.Options {
			q.Options[j] = strings.TrimSpace(q.Options[j])
		}
		if q.Kind == Text && q.MaxLength == 0 {
			q.MaxLength = DefaultTextLength
		}
	}
}

// Validate checks a survey before it is stored, naming each field at
// fault as the API names it (questions.2.options).
func (s *Survey) Validate() error {
	f := map[string]string{}
	booking.CheckLine(f, "title", "a title", s.Title, maxTitle, true)
	booking.CheckText(f, "intro", "the introduction", s.Intro, maxIntro)
	switch {
	case s.OpensAt.IsZero():
		f["opens_at"] = "Enter when the survey opens"
	case s.ClosesAt.IsZero():
		f["closes_at"] = "Enter when the survey closes"
	case !s.ClosesAt.After(s.OpensAt):
		f["closes_at"] = "The closing date must be after the opening date"
	}
	switch {
	case len(s.Questions) == 0:
		f["questions"] = "Add at least one question"
	case len(s.Questions) > MaxQuestions:
		f["questions"] = "A survey can have up to " + strconv.Itoa(MaxQuestions) + " questions"
	}
	seen := map[string]bool{}
	for i := range s.Questions {
		q := &s.Questions[i]
		at := "questions." + strconv.Itoa(i) + "."
		if !questionID.MatchString(q.ID) {
			f[at+"id"] = "Give the question an id of up to 40 lower-case letters, digits, - and _"
		} else if seen[q.ID] {
			f[at+"id"] = "Another question has this id"
		}
		seen[q.ID] = true
		booking.CheckLine(f, at+"text", "the question", q.Text, maxQuestionText, true)
		booking.CheckLine(f, at+"hint", "the hint", q.Hint, maxHint, false)
		switch q.Kind {
		case One, Many:
			checkOptions(f, at+"options", q.Options, 2, MaxOptions)
		case Scale:
			checkOptions(f, at+"options", q.Options, MinScalePoints, MaxScalePoints)
		case Text:
			if len(q.Options) > 0 {
				f[at+"options"] = "A text question has no options"
			}
		default:
			f[at+"type"] = "Choose the type of question: one, many, scale or text"
		}
		if q.Kind == Text {
			if q.MaxLength < 1 || q.MaxLength > MaxTextLength {
				f[at+"max_length"] = "The longest answer must be from 1 to " + strconv.Itoa(MaxTextLength) + " characters"
			}
		} else if q.MaxLength != 0 {
			f[at+"max_length"] = "Only a text question has a longest answer"
		}
	}
	if s.WorkshopID < 0 {
		f["workshop_id"] = "Give the id of a workshop, or leave it out"
	}
	if len(f) > 0 {
		return booking.FieldErrors(f)
	}
	return nil
}

func checkOptions(f map[string]string, field string, opts []string, least, most int) {
	if len(opts) < least || len(opts) > most {
		f[field] = "Give from " + strconv.Itoa(least) + " to " + strconv.Itoa(most) + " options"
		return
	}
	seen := map[string]bool{}
	for i, o := range opts {
		at := field + "." + strconv.Itoa(i)
		booking.CheckLine(f, at, "the option", o, maxOption, true)
		if _, bad := f[at]; bad {
			continue
		}
		if seen[o] {
			f[at] = "Each option must be different"
		}
		seen[o] = true
	}
}

// Answers are a person's answers by question id, each as the API takes it:
// a string for one and text, a list of strings for many, a number for a
// scale. An unanswered question is left out.
type Answers map[string]any

// About are the optional "about you" answers: Area is the id of one of
// booking.Areas.
type About struct {
	Area    string `json:"area,omitempty"`
	AgeBand string `json:"age_band,omitempty"`
}

// Field names of the errors in answers, as the API gives them.
func AnswerField(questionID string) string { return "answers." + questionID }

const (
	AreaField    = "about_you.area"
	AgeBandField = "about_you.age_band"
)

// Check reads raw answers (JSON values by question id) against the survey
// and returns them in their stored form, or an invalid-input error naming
// every answer at fault. Blank answers (null, "", []) count as unanswered.
func (s *Survey) Check(raw map[string]json.RawMessage, about About) (Answers, About, error) {
	f := map[string]string{}
	out := Answers{}
	for id := range raw {
		if s.Question(id) == nil {
			f[AnswerField(id)] = "This survey has no question with this id"
		}
	}
	for i := range s.Questions {
		q := &s.Questions[i]
		v, msg := q.check(raw[q.ID])
		switch {
		case msg != "":
			f[AnswerField(q.ID)] = msg
		case v != nil:
			out[q.ID] = v
		case q.Required:
			f[AnswerField(q.ID)] = q.missing()
		}
	}
	about.Area, about.AgeBand = strings.TrimSpace(about.Area), strings.TrimSpace(about.AgeBand)
	if _, ok := booking.AreaByID(about.Area); about.Area != "" && (!s.AskArea || !ok) {
		f[AreaField] = "Select an area from the list"
	}
	if about.AgeBand != "" && (!s.AskAgeBand || !slices.Contains(AgeBands, about.AgeBand)) {
		f[AgeBandField] = "Select an age group from the list"
	}
	if len(f) > 0 {
		return nil, About{}, booking.FieldErrors(f)
	}
	return out, about, nil
}

// missing is the message for a required question left unanswered.
func (q *Question) missing() string {
	switch q.Kind {
	case Many:
		return "Select at least one answer"
	case Text:
		return "Enter your answer"
	}
	return "Select an answer"
}

// check reads one raw answer: its stored form (nil when blank) or the
// message saying what is wrong with it.
func (q *Question) check(raw json.RawMessage) (any, string) {
	raw = json.RawMessage(strings.TrimSpace(string(raw)))
	if len(raw) == 0 || string(raw) == "null" {
		return nil, ""
	}
	switch q.Kind {
	case One:
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return nil, "Give the answer as one of the question's options"
		}
		if v == "" {
			return nil, ""
		}
		if !slices.Contains(q.Options, v) {
			return nil, "Select one of the answers given"
		}
		return v, ""
	case Many:
		var v []string
		if json.Unmarshal(raw, &v) != nil {
			return nil, "Give the answer as a list of the question's options"
		}
		if len(v) == 0 {
			return nil, ""
		}
		seen := map[string]bool{}
		for _, o := range v {
			if !slices.Contains(q.Options, o) || seen[o] {
				return nil, "Select from the answers given, each once"
			}
			seen[o] = true
		}
		// Stored in the question's order, so answers compare and read alike.
		chosen := make([]string, 0, len(v))
		for _, o := range q.Options {
			if seen[o] {
				chosen = append(chosen, o)
			}
		}
		return chosen, ""
	case Scale:
		// A JSON number written as a whole number; "2" (a string) and 2.0 are not.
		p, err := strconv.Atoi(string(raw))
		if err != nil || p < 1 || p > len(q.Options) {
			return nil, "Give the answer as a whole number from 1 to " + strconv.Itoa(len(q.Options))
		}
		return p, ""
	case Text:
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return nil, "Give the answer as text"
		}
		v = strings.TrimSpace(v)
		if v == "" {
			return nil, ""
		}
		f := map[string]string{}
		booking.CheckText(f, "a", "your answer", v, q.MaxLength)
		if msg := f["a"]; msg != "" {
			return nil, msg
		}
		return v, ""
	}
	return nil, "This question cannot be answered"
}

// ChoiceKeys are the keys of a question's counts, in the order the
// question lists them: its options, or for a scale its points "1" to "n".
func (q *Question) ChoiceKeys() []string {
	switch q.Kind {
	case One, Many:
		return q.Options
	case Scale:
		keys := make([]string, len(q.Options))
		for i := range keys {
			keys[i] = strconv.Itoa(i + 1)
		}
		return keys
	}
	return nil
}

// AnswerText is an answer as a person reads it: a scale's point with its
// name, several choices joined.
func (q *Question) AnswerText(v any) string {
	switch a := v.(type) {
	case nil:
		return ""
	case string:
		return a
	case []string:
		return strings.Join(a, "; ")
	case []any:
		parts := make([]string, 0, len(a))
		for _, p := range a {
			if s, ok := p.(string); ok {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "; ")
	case int:
		return q.pointText(a)
	case float64:
		return q.pointText(int(a))
	case json.Number:
		n, _ := strconv.Atoi(a.String())
		return q.pointText(n)
	}
	return ""
}

func (q *Question) pointText(n int) string {
	if n >= 1 && n <= len(q.Options) {
		return strconv.Itoa(n) + " – " + q.Options[n-1]
	}
	return strconv.Itoa(n)
}

// Response is one person's submitted answers.
type Response struct {
	ID       int64
	SurveyID int64
	Answers  Answers
	About    About
	// Browser marks the browser it came from (a hash of the survey and
	// the browser's token), so repeats show in the results; nil when the
	// browser sent no token (an API client).
	Browser     []byte
	SubmittedAt time.Time
	// Repeat is set when read: an earlier response came from the same browser.
	Repeat bool
}

// Results are the answers counted.
type Results struct {
	Responses int `json:"responses"`
	// Repeats counts the responses from a browser that had answered
	// before: kept and counted, and shown so organisers can judge them.
	Repeats   int              `json:"repeats"`
	Area      string           `json:"area,omitempty"`
	Questions []QuestionResult `json:"questions"`
}

// QuestionResult counts one question's answers.
type QuestionResult struct {
	ID       string `json:"id"`
	Kind     Kind   `json:"type"`
	Text     string `json:"text"`
	Answered int    `json:"answered"`
	// Counts are by option (by point "1" to "n" for a scale), every
	// option present; empty for a text question.
	Counts map[string]int `json:"counts"`
	// Question is the question itself, for the pages.
	Question *Question `json:"-"`
}

// AreaCount is how many responses named an area ("" for those that did not).
type AreaCount struct {
	Area      string `json:"area"`
	Name      string `json:"name"`
	Responses int    `json:"responses"`
}

// AreaName is an area's name as people read it, "" for none.
func AreaName(id string) string {
	if a, ok := booking.AreaByID(id); ok {
		return a.Name
	}
	return id
}

// TextAnswer is one free-text answer.
type TextAnswer struct {
	ResponseID  int64     `json:"response_id"`
	Text        string    `json:"text"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// Store keeps surveys and their responses: Postgres.
type Store interface {
	// CreateSurvey stores s and fills its ID and CreatedAt; it is written
	// to the audit log in the name of the actor in ctx, at now. ENotFound
	// (on workshop_id) when its workshop does not exist.
	CreateSurvey(ctx context.Context, s *Survey, now time.Time) error
	// UpdateSurvey stores s's title, introduction, dates, "about you"
	// questions, workshop and questions over the survey with s.ID, in the
	// audit log's transaction, and fills s.CreatedAt. Once anyone has
	// answered, the questions stay as they were: EConflict when s changes
	// them (checked under the survey's row lock, which AddResponse also
	// takes). ENotFound when there is no such survey or workshop.
	UpdateSurvey(ctx context.Context, s *Survey, now time.Time) error
	// CloseSurvey ends the survey's time for answers at now and returns
	// it: EConflict when it is not open at now.
	CloseSurvey(ctx context.Context, id int64, now time.Time) (*Survey, error)
	// Survey reads a survey; ENotFound when there is none.
	Survey(ctx context.Context, id int64) (*Survey, error)
	// OpenSurveys lists the surveys open at now that no workshop links
	// (the consultation's own, for the start page), closing soonest first.
	OpenSurveys(ctx context.Context, now time.Time) ([]Survey, error)
	// Surveys lists every survey, newest first, with its number of responses.
	Surveys(ctx context.Context) ([]Listed, error)
	// AddResponse stores r if its survey is open at r.SubmittedAt and its
	// questions are still checked (checked in the same statement, so a
	// response cannot land after the closing time or answer questions
	// changed meanwhile): EConflict when not. It fills r.ID.
	AddResponse(ctx context.Context, r *Response, checked []Question) error
	// Results counts the answers of the responses from area (all when "").
	Results(ctx context.Context, s *Survey, area string) (*Results, error)
	// AreaCounts counts the responses by area, most first.
	AreaCounts(ctx context.Context, surveyID int64) ([]AreaCount, error)
	// TextAnswers returns a page of the answers to a text question that
	// contain search (all when ""), newest first, and how many there are.
	TextAnswers(ctx context.Context, surveyID int64, questionID, search string, offset, limit int) ([]TextAnswer, int, error)
	// EachResponse calls fn with every response in the order submitted,
	// Repeat set; it stops at fn's first error. The export is written to
	// the audit log in the name of the actor in ctx, at now.
	EachResponse(ctx context.Context, surveyID int64, now time.Time, fn func(*Response) error) error
	// LinkedSurvey returns the id of the survey linked from the emails of
	// the workshop that has not closed by now (the latest to close), or 0.
	LinkedSurvey(ctx context.Context, workshopID int64, now time.Time) (int64, error)
	// ForgetFreeText removes the text answers and the browser marks of
	// the responses to surveys that closed at or before closedBy, and
	// returns how many responses it changed.
	ForgetFreeText(ctx context.Context, closedBy time.Time) (int, error)
}

// Listed is a survey in the organisers' list.
type Listed struct {
	Survey
	Responses int `json:"responses"`
}
