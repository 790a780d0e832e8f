package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/survey"
)

// The survey's public pages: the questions on one page (a survey is
// short), "Check your answers", and the confirmation. Nothing is stored
// until the person sends their answers: between the pages the answers
// travel in the form itself. No account, no personal data unless a
// question asks for it. A hidden honeypot field, which people never see
// and bots fill in, makes a submission go nowhere (the person is thanked
// all the same); a browser answering again is kept and counted, and shown
// to organisers as a repeat (api_surveys.go).

// honeypotField is the form field no person fills in.
const honeypotField = "website"

// surveyPage is the survey's form, its check page or its closed page.
type surveyPage struct {
	Page
	Survey    *survey.Survey
	State     survey.State
	Questions []questionView
	// AreaChoices and AgeChoices are the "about you" questions, when asked.
	AreaChoices, AgeChoices []choiceView
	WhyArea, WhyAgeBand     string
	Area, AgeBand           string // the names chosen, for the check page
	// Hidden carries the answers from the check page to the sending.
	Hidden []hiddenValue
}

type questionView struct {
	Q *survey.Question
	// Field is the form name and the id of the first input: answers.<id>.
	Field  string
	Error  string
	Text   string // a text answer as typed
	Answer string // the answer as the check page shows it
	// Choices are the radios or checkboxes of a choice or scale question.
	Choices []choiceView
}

type choiceView struct {
	ID, Value, Label string
	Checked          bool
}

type hiddenValue struct{ Name, Value string }

// surveyForm is what the person chose, read from a form: by question id,
// every value given, as the form sent them.
type surveyForm struct {
	values  map[string][]string
	area    string
	ageBand string
}

func readSurveyForm(c *gin.Context, sv *survey.Survey) surveyForm {
	_ = c.Request.ParseForm()
	f := surveyForm{values: map[string][]string{}, area: c.PostForm(areaFormField), ageBand: c.PostForm(ageFormField)}
	for _, q := range sv.Questions {
		f.values[q.ID] = c.Request.PostForm[survey.AnswerField(q.ID)]
	}
	return f
}

// Form names of the "about you" questions: the API's field names, so the
// error summary links to them.
const (
	areaFormField = survey.AreaField
	ageFormField  = survey.AgeBandField
)

// raw turns the form into the answers as the API takes them, so the one
// check in the survey package decides for pages and API alike.
func (f surveyForm) raw(sv *survey.Survey) map[string]json.RawMessage {
	raw := map[string]json.RawMessage{}
	for _, q := range sv.Questions {
		vals := f.values[q.ID]
		var v any
		switch q.Kind {
		case survey.Many:
			if len(vals) > 0 {
				v = vals
			}
		case survey.Scale:
			if len(vals) > 0 && vals[0] != "" {
				if n, err := strconv.Atoi(vals[0]); err == nil {
					v = n
				} else {
					v = vals[0] // refused by the check, as the API would
				}
			}
		default:
			if len(vals) > 0 {
				v = vals[0]
			}
		}
		if v != nil {
			b, _ := json.Marshal(v)
			raw[q.ID] = b
		}
	}
	return raw
}

// view builds the page for sv with the person's choices and the errors.
func (s *Server) surveyView(sv *survey.Survey, f surveyForm, err error) *surveyPage {
	p := &surveyPage{Page: Page{Title: sv.Title}, Survey: sv, State: sv.StateAt(s.surveys().Now()),
		WhyArea: survey.WhyArea, WhyAgeBand: survey.WhyAgeBand}
	order := make([]string, 0, len(sv.Questions)+2)
	for i := range sv.Questions {
		q := &sv.Questions[i]
		field := survey.AnswerField(q.ID)
		order = append(order, field)
		v := questionView{Q: q, Field: field}
		chosen := map[string]bool{}
		for _, x := range f.values[q.ID] {
			chosen[x] = true
		}
		switch q.Kind {
		case survey.Text:
			if vals := f.values[q.ID]; len(vals) > 0 {
				v.Text = vals[0]
			}
			v.Answer = v.Text
		case survey.Scale:
			for j, label := range q.Options {
				val := strconv.Itoa(j + 1)
				v.Choices = append(v.Choices, choiceView{ID: choiceID(field, j), Value: val, Label: label, Checked: chosen[val]})
				if chosen[val] {
					v.Answer = q.AnswerText(j + 1)
				}
			}
		default:
			var picked []string
			for j, o := range q.Options {
				v.Choices = append(v.Choices, choiceView{ID: choiceID(field, j), Value: o, Label: o, Checked: chosen[o]})
				if chosen[o] {
					picked = append(picked, o)
				}
			}
			v.Answer = q.AnswerText(picked)
		}
		p.Questions = append(p.Questions, v)
	}
	if sv.AskArea {
		for j, a := range booking.Areas() {
			p.AreaChoices = append(p.AreaChoices, choiceView{ID: choiceID(areaFormField, j), Value: a.ID, Label: a.Name, Checked: f.area == a.ID})
		}
		p.Area = survey.AreaName(f.area)
		order = append(order, areaFormField)
	}
	if sv.AskAgeBand {
		for j, b := range survey.AgeBands {
			p.AgeChoices = append(p.AgeChoices, choiceView{ID: choiceID(ageFormField, j), Value: b, Label: b, Checked: f.ageBand == b})
		}
		p.AgeBand = f.ageBand
		order = append(order, ageFormField)
	}
	if err != nil {
		p.SetErrors(err, order...)
		for i := range p.Questions {
			p.Questions[i].Error = p.ErrorFor(p.Questions[i].Field)
		}
	}
	for _, q := range sv.Questions {
		for _, x := range f.values[q.ID] {
			p.Hidden = append(p.Hidden, hiddenValue{Name: survey.AnswerField(q.ID), Value: x})
		}
	}
	if f.area != "" {
		p.Hidden = append(p.Hidden, hiddenValue{Name: areaFormField, Value: f.area})
	}
	if f.ageBand != "" {
		p.Hidden = append(p.Hidden, hiddenValue{Name: ageFormField, Value: f.ageBand})
	}
	return p
}

// choiceID is the id of the j-th radio or checkbox of a field: the first
// has the field's own id, so the error summary's link lands on it.
func choiceID(field string, j int) string {
	if j == 0 {
		return field
	}
	return field + "-" + strconv.Itoa(j+1)
}

// surveyFormPage shows the questions, or says the survey is closed or not
// open yet: GET /surveys/:id.
func (s *Server) surveyFormPage(c *gin.Context) error {
	sv, err := s.pathSurvey(c)
	if err != nil {
		return err
	}
	p := s.surveyView(sv, surveyForm{}, nil)
	if p.State == survey.Open {
		s.surveyBrowser(c, true)
	}
	s.render(c, http.StatusOK, "survey", p)
	return nil
}

// surveyCheck checks the answers and shows them to check: POST /surveys/:id.
func (s *Server) surveyCheck(c *gin.Context) error {
	sv, err := s.pathSurvey(c)
	if err != nil {
		return err
	}
	if c.PostForm(honeypotField) != "" {
		c.Redirect(http.StatusSeeOther, surveyPath(sv)+"/done")
		return nil
	}
	f := readSurveyForm(c, sv)
	if !s.surveyOpen(c, sv, f) {
		return nil
	}
	if _, _, err := sv.Check(f.raw(sv), survey.About{Area: f.area, AgeBand: f.ageBand}); err != nil {
		if !booking.IsCode(err, booking.EInvalid) {
			return err
		}
		s.render(c, http.StatusUnprocessableEntity, "survey", s.surveyView(sv, f, err))
		return nil
	}
	p := s.surveyView(sv, f, nil)
	p.Title = "Check your answers before sending them"
	s.render(c, http.StatusOK, "survey_check", p)
	return nil
}

// surveyChange shows the questions again with the answers given: POST
// /surveys/:id/change, from "Change your answers" on the check page.
func (s *Server) surveyChange(c *gin.Context) error {
	sv, err := s.pathSurvey(c)
	if err != nil {
		return err
	}
	f := readSurveyForm(c, sv)
	if !s.surveyOpen(c, sv, f) {
		return nil
	}
	s.render(c, http.StatusOK, "survey", s.surveyView(sv, f, nil))
	return nil
}

// surveySubmit stores the answers: POST /surveys/:id/submit.
func (s *Server) surveySubmit(c *gin.Context) error {
	sv, err := s.pathSurvey(c)
	if err != nil {
		return err
	}
	if c.PostForm(honeypotField) != "" {
		c.Redirect(http.StatusSeeOther, surveyPath(sv)+"/done")
		return nil
	}
	f := readSurveyForm(c, sv)
	if !s.surveyOpen(c, sv, f) {
		return nil
	}
	_, err = s.surveys().Submit(c.Request.Context(), sv, f.raw(sv), survey.About{Area: f.area, AgeBand: f.ageBand}, s.surveyBrowser(c, true))
	switch {
	case booking.IsCode(err, booking.EInvalid):
		s.render(c, http.StatusUnprocessableEntity, "survey", s.surveyView(sv, f, err))
		return nil
	case booking.IsCode(err, booking.EConflict):
		s.render(c, http.StatusConflict, "survey", s.surveyView(sv, f, nil)) // closed meanwhile: it says so
		return nil
	case err != nil:
		return err
	}
	c.Redirect(http.StatusSeeOther, surveyPath(sv)+"/done")
	return nil
}

// surveyOpen shows the closed page, 409, unless sv takes answers now.
func (s *Server) surveyOpen(c *gin.Context, sv *survey.Survey, f surveyForm) bool {
	if sv.StateAt(s.surveys().Now()) == survey.Open {
		return true
	}
	s.render(c, http.StatusConflict, "survey", s.surveyView(sv, f, nil))
	return false
}

// surveyDone thanks the person: GET /surveys/:id/done.
func (s *Server) surveyDone(c *gin.Context) error {
	sv, err := s.pathSurvey(c)
	if err != nil {
		return err
	}
	s.render(c, http.StatusOK, "survey_done", &surveyPage{Page: Page{Title: "Your answers have been sent"}, Survey: sv})
	return nil
}

func surveyPath(sv *survey.Survey) string { return "/surveys/" + strconv.FormatInt(sv.ID, 10) }
