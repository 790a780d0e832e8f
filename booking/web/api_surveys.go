package web

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/survey"
)

// The survey's JSON API: organisers build a survey and read its results;
// anyone answers it while it is open. The pages (pages_survey.go,
// organiser_surveys.go) use the same service.

// surveyInput is a survey as organisers send it. Times are strings so a
// bad one can be named in the error.
type surveyInput struct {
	Title      string            `json:"title"`
	Intro      string            `json:"intro"`
	OpensAt    string            `json:"opens_at"`
	ClosesAt   string            `json:"closes_at"`
	Questions  []survey.Question `json:"questions"`
	AskArea    bool              `json:"ask_area"`
	AskAgeBand bool              `json:"ask_age_band"`
	WorkshopID int64             `json:"workshop_id"`
}

func (in *surveyInput) survey() (*survey.Survey, error) {
	sv := &survey.Survey{Title: in.Title, Intro: in.Intro, Questions: in.Questions, AskArea: in.AskArea,
		AskAgeBand: in.AskAgeBand, WorkshopID: in.WorkshopID}
	fields := map[string]string{}
	parse := func(field, v string) time.Time {
		if v == "" {
			return time.Time{} // Validate names it
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			fields[field] = "Enter the time in RFC 3339 form, like 2028-03-14T10:00:00Z"
		}
		return t
	}
	sv.OpensAt = parse("opens_at", in.OpensAt)
	sv.ClosesAt = parse("closes_at", in.ClosesAt)
	if len(fields) > 0 {
		return nil, booking.FieldErrors(fields)
	}
	return sv, nil
}

// decodeSurvey reads a survey from the request's body.
func decodeSurvey(c *gin.Context) (*survey.Survey, error) {
	var in surveyInput
	if err := decode(c, &in); err != nil {
		return nil, err
	}
	return in.survey()
}

func (s *Server) adminCreateSurvey(c *gin.Context) error {
	sv, err := decodeSurvey(c)
	if err != nil {
		return err
	}
	if err := s.surveys().Create(c.Request.Context(), sv); err != nil {
		return err
	}
	c.JSON(http.StatusCreated, sv)
	return nil
}

// adminUpdateSurvey replaces a survey with the body, as created: PUT
// /api/v1/admin/surveys/:id. Its questions can change only until someone
// answers (409 conflict after).
func (s *Server) adminUpdateSurvey(c *gin.Context) error {
	old, err := s.pathSurvey(c)
	if err != nil {
		return err
	}
	sv, err := decodeSurvey(c)
	if err != nil {
		return err
	}
	sv.ID = old.ID
	if err := s.surveys().Update(c.Request.Context(), sv); err != nil {
		return err
	}
	c.JSON(http.StatusOK, sv)
	return nil
}

// adminCloseSurvey stops an open survey taking answers now: POST
// /api/v1/admin/surveys/:id/close.
func (s *Server) adminCloseSurvey(c *gin.Context) error {
	old, err := s.pathSurvey(c)
	if err != nil {
		return err
	}
	sv, err := s.surveys().Close(c.Request.Context(), old.ID)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, sv)
	return nil
}

func (s *Server) adminListSurveys(c *gin.Context) error {
	list, err := s.surveys().List(c.Request.Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []survey.Listed{}
	}
	c.JSON(http.StatusOK, gin.H{"surveys": list})
	return nil
}

// surveys is the survey service, which main and the tests wire.
func (s *Server) surveys() *survey.Service {
	if s.deps.Surveys == nil {
		panic("web: no survey service in Deps")
	}
	return s.deps.Surveys
}

// pathSurvey reads the survey named by :id.
func (s *Server) pathSurvey(c *gin.Context) (*survey.Survey, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, booking.Errorf(booking.ENotFound, "There is no survey with this id.")
	}
	return s.surveys().Get(c.Request.Context(), id)
}

// publicSurvey is a survey as the people answering it see it.
type publicSurvey struct {
	ID         int64             `json:"id"`
	Title      string            `json:"title"`
	Intro      string            `json:"intro,omitempty"`
	OpensAt    time.Time         `json:"opens_at"`
	ClosesAt   time.Time         `json:"closes_at"`
	State      survey.State      `json:"state"`
	Questions  []survey.Question `json:"questions"`
	AskArea    bool              `json:"ask_area"`
	Areas      []booking.Area    `json:"areas,omitempty"`
	AskAgeBand bool              `json:"ask_age_band"`
	AgeBands   []string          `json:"age_bands,omitempty"`
}

func (s *Server) getSurvey(c *gin.Context) error {
	sv, err := s.pathSurvey(c)
	if err != nil {
		return err
	}
	v := publicSurvey{ID: sv.ID, Title: sv.Title, Intro: sv.Intro, OpensAt: sv.OpensAt, ClosesAt: sv.ClosesAt,
		State: sv.StateAt(s.surveys().Now()), Questions: sv.Questions, AskArea: sv.AskArea, AskAgeBand: sv.AskAgeBand}
	if sv.AskArea {
		v.Areas = booking.Areas()
	}
	if sv.AskAgeBand {
		v.AgeBands = survey.AgeBands
	}
	c.JSON(http.StatusOK, v)
	return nil
}

func (s *Server) adminGetSurvey(c *gin.Context) error {
	sv, err := s.pathSurvey(c)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, sv)
	return nil
}

// responseInput is a response as the API takes it.
type responseInput struct {
	Answers map[string]json.RawMessage `json:"answers"`
	About   survey.About               `json:"about_you"`
}

func (s *Server) submitSurveyResponse(c *gin.Context) error {
	sv, err := s.pathSurvey(c)
	if err != nil {
		return err
	}
	var in responseInput
	if err := decode(c, &in); err != nil {
		return err
	}
	if _, err := s.surveys().Submit(c.Request.Context(), sv, in.Answers, in.About, s.surveyBrowser(c, false)); err != nil {
		return err
	}
	c.JSON(http.StatusCreated, gin.H{"status": "received"})
	return nil
}

func (s *Server) adminSurveyResults(c *gin.Context) error {
	sv, err := s.pathSurvey(c)
	if err != nil {
		return err
	}
	res, err := s.surveys().Results(c.Request.Context(), sv, c.Query("area"))
	if err != nil {
		return err
	}
	areas, err := s.surveys().Store.AreaCounts(c.Request.Context(), sv.ID)
	if err != nil {
		return err
	}
	if areas == nil {
		areas = []survey.AreaCount{}
	}
	c.JSON(http.StatusOK, gin.H{"survey_id": sv.ID, "responses": res.Responses, "repeats": res.Repeats,
		"area": res.Area, "questions": res.Questions, "areas": areas})
	return nil
}

func (s *Server) adminSurveyTextAnswers(c *gin.Context) error {
	sv, err := s.pathSurvey(c)
	if err != nil {
		return err
	}
	page, _ := strconv.Atoi(c.DefaultQuery("page", "1"))
	answers, total, err := s.surveys().TextAnswers(c.Request.Context(), sv, c.Param("question_id"), c.Query("search"), page)
	if err != nil {
		return err
	}
	if answers == nil {
		answers = []survey.TextAnswer{}
	}
	c.JSON(http.StatusOK, gin.H{"total": total, "page": max(page, 1), "per_page": survey.TextPage, "answers": answers})
	return nil
}

func (s *Server) adminSurveyCSV(c *gin.Context) error {
	sv, err := s.pathSurvey(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.surveys().WriteCSV(c.Request.Context(), &buf, sv); err != nil {
		return err
	}
	sendFile(c, "text/csv; charset=utf-8", fmt.Sprintf(`attachment; filename="survey-%d-responses.csv"`, sv.ID), buf.Bytes())
	return nil
}

// The survey cookie is a random token the browser keeps, so that a
// browser answering a survey again shows in the results as a repeat
// (stored only as a hash with the survey's id, survey.BrowserMark). It
// holds nothing personal; HttpOnly, SameSite=Lax, a year; Secure, under
// __Host-, on an https BASE_URL.
const (
	surveyCookieSecure = "__Host-workshops_survey"
	surveyCookiePlain  = "workshops_survey"
	surveyCookieAge    = 365 * 24 * 60 * 60
)

// surveyBrowser returns this browser's survey token; with give, a browser
// without one is given one (the pages), otherwise "" (API clients that
// keep no cookies).
func (s *Server) surveyBrowser(c *gin.Context, give bool) string {
	name := s.cookieName(surveyCookieSecure, surveyCookiePlain)
	if v, err := c.Cookie(name); err == nil && len(v) == 32 && isHex(v) {
		return v
	}
	if !give {
		return ""
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	v := hex.EncodeToString(b)
	s.setCookie(c, name, v, surveyCookieAge)
	return v
}
