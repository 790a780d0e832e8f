package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/survey"
)

var _ survey.Store = (*DB)(nil)

func errSurveyNotFound() error {
	return booking.Errorf(booking.ENotFound, "There is no survey with this id.")
}

// CreateSurvey stores s and records it in the audit log, in one transaction.
func (db *DB) CreateSurvey(ctx context.Context, s *survey.Survey, now time.Time) error {
	questions, err := json.Marshal(s.Questions)
	if err != nil {
		return fmt.Errorf("create survey: %w", err)
	}
	var workshop *int64
	if s.WorkshopID != 0 {
		workshop = &s.WorkshopID
	}
	return db.Transact(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO surveys (title, intro, opens_at, closes_at, questions, ask_area, ask_age_band, workshop_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id, created_at`,
			s.Title, s.Intro, s.OpensAt, s.ClosesAt, string(questions), s.AskArea, s.AskAgeBand, workshop, now).
			Scan(&s.ID, &s.CreatedAt)
		if isForeignKeyViolation(err, "surveys_workshop_id_fkey") {
			return booking.FieldErrors(map[string]string{"workshop_id": "There is no workshop with this id"})
		}
		if err != nil {
			return fmt.Errorf("create survey: %w", err)
		}
		// The audit log keeps the whole survey: all of it is what the organiser set.
		return recordChange(ctx, tx, now, booking.AuditSurveyCreate, booking.SubjectSurvey,
			strconv.FormatInt(s.ID, 10), nil, s)
	})
}

const surveyColumns = `id, title, intro, opens_at, closes_at, questions, ask_area, ask_age_band, coalesce(workshop_id, 0), created_at`

func scanSurvey(row pgx.Row, extra ...any) (*survey.Survey, error) {
	s := &survey.Survey{}
	var questions []byte
	err := row.Scan(append([]any{&s.ID, &s.Title, &s.Intro, &s.OpensAt, &s.ClosesAt, &questions, &s.AskArea,
		&s.AskAgeBand, &s.WorkshopID, &s.CreatedAt}, extra...)...)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(questions, &s.Questions); err != nil {
		return nil, fmt.Errorf("survey %d questions: %w", s.ID, err)
	}
	return s, nil
}

// Survey reads a survey.
func (db *DB) Survey(ctx context.Context, id int64) (*survey.Survey, error) {
	s, err := scanSurvey(db.Pool.QueryRow(ctx, `SELECT `+surveyColumns+` FROM surveys WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errSurveyNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("read survey: %w", err)
	}
	return s, nil
}

// OpenSurveys lists the surveys open at now with no workshop, closing
// soonest first.
func (db *DB) OpenSurveys(ctx context.Context, now time.Time) ([]survey.Survey, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT `+surveyColumns+` FROM surveys
		WHERE workshop_id IS NULL AND opens_at <= $1 AND closes_at > $1
		ORDER BY closes_at, id`, now)
	if err != nil {
		return nil, fmt.Errorf("open surveys: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (survey.Survey, error) {
		s, err := scanSurvey(row)
		if err != nil {
			return survey.Survey{}, err
		}
		return *s, nil
	})
	if err != nil {
		return nil, fmt.Errorf("open surveys: %w", err)
	}
	return out, nil
}

// Surveys lists the surveys newest first, with their numbers of responses.
func (db *DB) Surveys(ctx context.Context) ([]survey.Listed, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT `+surveyColumns+`, (SELECT count(*) FROM survey_responses r WHERE r.survey_id = s.id)
		FROM surveys s ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list surveys: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (survey.Listed, error) {
		var l survey.Listed
		s, err := scanSurvey(row, &l.Responses)
		if err != nil {
			return l, err
		}
		l.Survey = *s
		return l, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list surveys: %w", err)
	}
	return out, nil
}

// AddResponse inserts the response only while its survey is open at
// r.SubmittedAt and still asks the questions r was checked against, in
// one statement. Its share lock on the survey's row waits for a change
// being made (UpdateSurvey) and then sees it.
func (db *DB) AddResponse(ctx context.Context, r *survey.Response, checked []survey.Question) error {
	answers, err := json.Marshal(r.Answers)
	if err != nil {
		return fmt.Errorf("add response: %w", err)
	}
	questions, err := json.Marshal(checked)
	if err != nil {
		return fmt.Errorf("add response: %w", err)
	}
	var open, same bool
	err = db.Pool.QueryRow(ctx, `
		WITH s AS (
			SELECT id, opens_at <= $6 AND closes_at > $6 AS open, questions = $7::jsonb AS same
			FROM surveys WHERE id = $1 FOR SHARE
		),
		added AS (
			INSERT INTO survey_responses (survey_id, answers, area, age_band, browser, submitted_at)
			SELECT id, $2, $3, $4, $5, $6 FROM s WHERE open AND same
			RETURNING id
		)
		SELECT s.open, s.same, coalesce((SELECT id FROM added), 0) FROM s`,
		r.SurveyID, string(answers), r.About.Area, r.About.AgeBand, r.Browser, r.SubmittedAt, string(questions)).
		Scan(&open, &same, &r.ID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return errSurveyNotFound()
	case err != nil:
		return fmt.Errorf("add response: %w", err)
	case !open:
		return booking.Errorf(booking.EConflict, "This survey is not taking responses.")
	case !same:
		return errSurveyChanged()
	}
	return nil
}

// errSurveyChanged answers a response checked against questions the
// survey no longer asks.
func errSurveyChanged() error {
	return booking.Errorf(booking.EConflict,
		"The questions of this survey changed while you were answering. Go back to the survey, check your answers and send them again.")
}

// UpdateSurvey stores s over the survey with s.ID and records the change
// in the audit log, in one transaction. The survey's row is locked first,
// so responses being added (AddResponse's share lock) have either landed,
// and are counted, or wait and see the new questions.
func (db *DB) UpdateSurvey(ctx context.Context, s *survey.Survey, now time.Time) error {
	questions, err := json.Marshal(s.Questions)
	if err != nil {
		return fmt.Errorf("update survey: %w", err)
	}
	var workshop *int64
	if s.WorkshopID != 0 {
		workshop = &s.WorkshopID
	}
	return db.Transact(ctx, func(tx pgx.Tx) error {
		before, err := scanSurvey(tx.QueryRow(ctx, `SELECT `+surveyColumns+` FROM surveys WHERE id = $1 FOR UPDATE`, s.ID))
		if errors.Is(err, pgx.ErrNoRows) {
			return errSurveyNotFound()
		}
		if err != nil {
			return fmt.Errorf("update survey: %w", err)
		}
		var answered bool
		var same bool
		if err := tx.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM survey_responses WHERE survey_id = $1),
			       (SELECT questions = $2::jsonb FROM surveys WHERE id = $1)`, s.ID, string(questions)).
			Scan(&answered, &same); err != nil {
			return fmt.Errorf("update survey: %w", err)
		}
		if answered && !same {
			return &booking.Error{Code: booking.EConflict,
				Message: "People have answered this survey, so its questions cannot change.",
				Fields:  map[string]string{"questions": "People have answered this survey, so its questions cannot change"}}
		}
		_, err = tx.Exec(ctx, `
			UPDATE surveys SET title = $2, intro = $3, opens_at = $4, closes_at = $5, questions = $6,
				ask_area = $7, ask_age_band = $8, workshop_id = $9
			WHERE id = $1`,
			s.ID, s.Title, s.Intro, s.OpensAt, s.ClosesAt, string(questions), s.AskArea, s.AskAgeBand, workshop)
		if isForeignKeyViolation(err, "surveys_workshop_id_fkey") {
			return booking.FieldErrors(map[string]string{"workshop_id": "There is no workshop with this id"})
		}
		if err != nil {
			return fmt.Errorf("update survey: %w", err)
		}
		s.CreatedAt = before.CreatedAt
		return recordChange(ctx, tx, now, booking.AuditSurveyUpdate, booking.SubjectSurvey,
			strconv.FormatInt(s.ID, 10), before, s)
	})
}

// CloseSurvey sets the survey's closing time to now, if it is open, and
// records it in the audit log, in one transaction.
func (db *DB) CloseSurvey(ctx context.Context, id int64, now time.Time) (*survey.Survey, error) {
	var closed *survey.Survey
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		before, err := scanSurvey(tx.QueryRow(ctx, `SELECT `+surveyColumns+` FROM surveys WHERE id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return errSurveyNotFound()
		}
		if err != nil {
			return fmt.Errorf("close survey: %w", err)
		}
		switch before.StateAt(now) {
		case survey.NotOpen:
			return booking.Errorf(booking.EConflict, "This survey has not opened yet. Change its dates instead.")
		case survey.Closed:
			return booking.Errorf(booking.EConflict, "This survey has already closed.")
		}
		if _, err := tx.Exec(ctx, `UPDATE surveys SET closes_at = $2 WHERE id = $1`, id, now); err != nil {
			return fmt.Errorf("close survey: %w", err)
		}
		after := *before
		after.ClosesAt = now
		closed = &after
		return recordChange(ctx, tx, now, booking.AuditSurveyClose, booking.SubjectSurvey,
			strconv.FormatInt(id, 10), map[string]time.Time{"closes_at": before.ClosesAt}, map[string]time.Time{"closes_at": now})
	})
	return closed, err
}

// Results counts the answers in Postgres: one pass for how many answered
// each question, one for the choices, each spread over their values.
func (db *DB) Results(ctx context.Context, s *survey.Survey, area string) (*survey.Results, error) {
	res := &survey.Results{Area: area, Questions: make([]survey.QuestionResult, len(s.Questions))}
	err := db.Pool.QueryRow(ctx, `
		SELECT count(*), count(browser) - count(DISTINCT browser)
		FROM survey_responses WHERE survey_id = $1 AND ($2 = '' OR area = $2)`, s.ID, area).
		Scan(&res.Responses, &res.Repeats)
	if err != nil {
		return nil, fmt.Errorf("survey results: %w", err)
	}
	byID := map[string]*survey.QuestionResult{}
	var choiceIDs []string
	for i := range s.Questions {
		q := &s.Questions[i]
		r := &res.Questions[i]
		*r = survey.QuestionResult{ID: q.ID, Kind: q.Kind, Text: q.Text, Counts: map[string]int{}, Question: q}
		for _, k := range q.ChoiceKeys() {
			r.Counts[k] = 0
		}
		byID[q.ID] = r
		if q.Kind != survey.Text {
			choiceIDs = append(choiceIDs, q.ID)
		}
	}
	rows, err := db.Pool.Query(ctx, `
		SELECT k, count(*) FROM survey_responses r, jsonb_object_keys(r.answers) k
		WHERE r.survey_id = $1 AND ($2 = '' OR r.area = $2) GROUP BY k`, s.ID, area)
	if err != nil {
		return nil, fmt.Errorf("survey results: %w", err)
	}
	var id string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&id, &n}, func() error {
		if r := byID[id]; r != nil {
			r.Answered = n
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("survey results: %w", err)
	}
	rows, err = db.Pool.Query(ctx, `
		SELECT a.key, v, count(*)
		FROM survey_responses r
		CROSS JOIN LATERAL jsonb_each(r.answers) a
		CROSS JOIN LATERAL jsonb_array_elements_text(
			CASE jsonb_typeof(a.value) WHEN 'array' THEN a.value ELSE jsonb_build_array(a.value) END) v
		WHERE r.survey_id = $1 AND ($2 = '' OR r.area = $2) AND a.key = ANY($3)
		GROUP BY 1, 2`, s.ID, area, choiceIDs)
	if err != nil {
		return nil, fmt.Errorf("survey results: %w", err)
	}
	var value string
	_, err = pgx.ForEachRow(rows, []any{&id, &value, &n}, func() error {
		if r := byID[id]; r != nil {
			if _, known := r.Counts[value]; known {
				r.Counts[value] = n
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("survey results: %w", err)
	}
	return res, nil
}

// AreaCounts counts the responses by area.
func (db *DB) AreaCounts(ctx context.Context, surveyID int64) ([]survey.AreaCount, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT area, count(*) FROM survey_responses WHERE survey_id = $1
		GROUP BY area ORDER BY count(*) DESC, area`, surveyID)
	if err != nil {
		return nil, fmt.Errorf("survey areas: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (survey.AreaCount, error) {
		var a survey.AreaCount
		err := row.Scan(&a.Area, &a.Responses)
		a.Name = survey.AreaName(a.Area)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("survey areas: %w", err)
	}
	return out, nil
}

// likePattern makes search match itself literally inside ILIKE.
func likePattern(search string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(search) + "%"
}

// TextAnswers pages through the answers to a text question.
func (db *DB) TextAnswers(ctx context.Context, surveyID int64, questionID, search string, offset, limit int) ([]survey.TextAnswer, int, error) {
	pattern := likePattern(search)
	var total int
	err := db.Pool.QueryRow(ctx, `
		SELECT count(*) FROM survey_responses
		WHERE survey_id = $1 AND answers ? $2 AND answers->>$2 ILIKE $3`, surveyID, questionID, pattern).Scan(&total)
	if err != nil {
		return nil, 0, fmt.Errorf("survey text answers: %w", err)
	}
	rows, err := db.Pool.Query(ctx, `
		SELECT id, answers->>$2, submitted_at FROM survey_responses
		WHERE survey_id = $1 AND answers ? $2 AND answers->>$2 ILIKE $3
		ORDER BY id DESC OFFSET $4 LIMIT $5`, surveyID, questionID, pattern, offset, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("survey text answers: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (survey.TextAnswer, error) {
		var a survey.TextAnswer
		return a, row.Scan(&a.ResponseID, &a.Text, &a.SubmittedAt)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("survey text answers: %w", err)
	}
	return out, total, nil
}

// EachResponse reads every response in the order submitted, marking
// repeats: a response is one when an earlier one has the same browser
// mark. The export is recorded in the audit log first.
func (db *DB) EachResponse(ctx context.Context, surveyID int64, now time.Time, fn func(*survey.Response) error) error {
	if by, ok := booking.ActorFrom(ctx); ok {
		e, err := booking.NewAuditEntry(by, now, booking.AuditSurveyExport, booking.SubjectSurvey, strconv.FormatInt(surveyID, 10), nil, nil)
		if err != nil {
			return err
		}
		if err := recordAudit(ctx, db.Pool, e); err != nil {
			return err
		}
	}
	rows, err := db.Pool.Query(ctx, `
		SELECT id, answers, area, age_band, submitted_at,
			browser IS NOT NULL AND row_number() OVER (PARTITION BY browser ORDER BY id) > 1
		FROM survey_responses WHERE survey_id = $1 ORDER BY id`, surveyID)
	if err != nil {
		return fmt.Errorf("survey responses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r := &survey.Response{SurveyID: surveyID}
		var answers []byte
		if err := rows.Scan(&r.ID, &answers, &r.About.Area, &r.About.AgeBand, &r.SubmittedAt, &r.Repeat); err != nil {
			return fmt.Errorf("survey responses: %w", err)
		}
		if err := json.Unmarshal(answers, &r.Answers); err != nil {
			return fmt.Errorf("survey response %d: %w", r.ID, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("survey responses: %w", err)
	}
	return nil
}

// LinkedSurvey finds the survey linked from a workshop's emails.
func (db *DB) LinkedSurvey(ctx context.Context, workshopID int64, now time.Time) (int64, error) {
	var id int64
	err := db.Pool.QueryRow(ctx, `
		SELECT id FROM surveys WHERE workshop_id = $1 AND closes_at > $2
		ORDER BY closes_at DESC, id DESC LIMIT 1`, workshopID, now).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("survey for workshop: %w", err)
	}
	return id, nil
}

// ForgetFreeText removes the text answers and browser marks of responses
// to surveys closed at or before closedBy. The text questions' ids come
// from each survey's own questions.
func (db *DB) ForgetFreeText(ctx context.Context, closedBy time.Time) (int, error) {
	tag, err := db.Pool.Exec(ctx, `
		UPDATE survey_responses r
		SET answers = r.answers - coalesce((
				SELECT array_agg(q->>'id') FROM jsonb_array_elements(s.questions) q WHERE q->>'type' = 'text'
			), '{}'::text[]),
			browser = NULL, text_removed_at = now()
		FROM surveys s
		WHERE s.id = r.survey_id AND s.closes_at <= $1 AND r.text_removed_at IS NULL`, closedBy)
	if err != nil {
		return 0, fmt.Errorf("forget survey free text: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
