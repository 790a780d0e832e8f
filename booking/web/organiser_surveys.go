package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/survey"
)

// The organisers' survey pages (admins): the list, building a survey
// without JavaScript (a fixed number of question slots, more on asking),
// and the results as they come: counts and percentages as a table and a
// bar chart drawn on the server, the answers by area, free text a page at
// a time with a search, and the CSV (the admin API's, which a signed-in
// organiser may fetch).

type surveyListPage struct {
	organiserPage
	Surveys []surveyRow
}

type surveyRow struct {
	ID        int64
	Title     string
	State     string
	Opens     string
	Closes    string
	Responses int
}

// surveyStateText says where a survey is, as organisers read it.
func surveyStateText(st survey.State) string {
	switch st {
	case survey.NotOpen:
		return "Not open yet"
	case survey.Open:
		return "Open"
	}
	return "Closed"
}

// closingText says when a survey closes: "midnight at the end of Friday
// 2 September 2022" for one closing at the end of a day.
func closingText(t time.Time) string {
	l := t.In(london)
	if l.Hour() == 0 && l.Minute() == 0 {
		return "midnight at the end of " + booking.Day(l.Add(-time.Minute))
	}
	return booking.TimeOfDay(l) + " on " + booking.Day(l)
}

// openingText says when a survey opens.
func openingText(t time.Time) string {
	l := t.In(london)
	if l.Hour() == 0 && l.Minute() == 0 {
		return booking.Day(l)
	}
	return booking.TimeOfDay(l) + " on " + booking.Day(l)
}

// organiserSurveys lists the surveys: GET /admin/surveys.
func (s *Server) organiserSurveys(c *gin.Context) error {
	list, err := s.surveys().List(c.Request.Context())
	if err != nil {
		return err
	}
	p := &surveyListPage{organiserPage: s.organiser(c, "Surveys")}
	p.BackLink = "/admin"
	now := s.surveys().Now()
	for _, l := range list {
		p.Surveys = append(p.Surveys, surveyRow{ID: l.ID, Title: l.Title, State: surveyStateText(l.StateAt(now)),
			Opens: openingText(l.OpensAt), Closes: closingText(l.ClosesAt), Responses: l.Responses})
	}
	s.render(c, http.StatusOK, "organiser_surveys", p)
	return nil
}

// The builder's question slots.
const (
	surveySlots     = 5
	surveySlotsMore = 3
)

type surveyFormPage struct {
	organiserPage
	Slots     []surveySlot
	SlotCount int
	Workshops []workshopChoice
	Kinds     []kindChoice
	// Action is where the form goes and Button what its button says:
	// creating a survey, or changing the one with SurveyID.
	Action, Button string
	SurveyID       int64
	// Answered is how many have answered the survey being changed; when
	// any have, its questions are shown, not offered for change.
	Answered  int
	Questions []survey.Question
}

type surveySlot struct {
	N     int    // from 1
	Name  string // the form names' prefix: q1
	Error map[string]string
}

type workshopChoice struct {
	ID    int64
	Title string
}

type kindChoice struct{ Value, Label, Hint string }

var surveyKinds = []kindChoice{
	{string(survey.One), "One answer from a list", "Shown as radio buttons"},
	{string(survey.Many), "Any answers from a list", "Shown as checkboxes"},
	{string(survey.Scale), "A scale", "Give the points in order, lowest first, like: Not important, A little, Quite, Very important"},
	{string(survey.Text), "Written answer", "People write their own answer"},
}

// organiserSurveyForm shows the empty builder: GET /admin/surveys/new.
func (s *Server) organiserSurveyForm(c *gin.Context) error {
	return s.renderSurveyForm(c, http.StatusOK, nil, map[string]string{}, surveySlots, nil)
}

// renderSurveyForm shows the builder for a new survey (old nil) or for
// changing old, which answered people have answered.
func (s *Server) renderSurveyForm(c *gin.Context, status int, old *survey.Listed, values map[string]string, slots int, errs map[string]string) error {
	title, action, button := "Create a survey", "/admin/surveys", "Create the survey"
	if old != nil {
		title, action, button = "Change the survey", fmt.Sprintf("/admin/surveys/%d", old.ID), "Save the changes"
	}
	p := &surveyFormPage{organiserPage: s.organiser(c, title), SlotCount: slots, Kinds: surveyKinds,
		Action: action, Button: button}
	p.BackLink = "/admin/surveys"
	if old != nil {
		p.BackLink = fmt.Sprintf("/admin/surveys/%d", old.ID)
		p.SurveyID, p.Answered = old.ID, old.Responses
		if old.Responses > 0 {
			p.Questions, slots = old.Questions, 0
		}
	}
	p.Values = values
	ws, err := s.svc.Store.Workshops(c.Request.Context(), booking.Public, s.now())
	if err != nil {
		return err
	}
	for _, w := range ws {
		p.Workshops = append(p.Workshops, workshopChoice{ID: w.ID, Title: w.Title})
	}
	for i := 1; i <= slots; i++ {
		p.Slots = append(p.Slots, surveySlot{N: i, Name: "q" + strconv.Itoa(i)})
	}
	if len(errs) > 0 {
		order := []string{"title", "intro", "opens", "closes"}
		for i := 1; i <= slots; i++ {
			for _, f := range []string{"text", "type", "options", "max_length"} {
				order = append(order, "q"+strconv.Itoa(i)+"-"+f)
			}
		}
		p.SetErrors(booking.FieldErrors(errs), order...)
	}
	s.render(c, status, "organiser_survey_new", p)
	return nil
}

// organiserSurveyCreate builds the survey from the form: POST /admin/surveys.
// "Add more questions" shows the form again with more slots.
func (s *Server) organiserSurveyCreate(c *gin.Context) error {
	return s.saveSurveyForm(c, nil)
}

// organiserSurveyEdit shows the builder filled in with a survey: GET
// /admin/surveys/:id/edit. Once anyone has answered, only the title,
// introduction, dates, "about you" questions and workshop can change.
func (s *Server) organiserSurveyEdit(c *gin.Context) error {
	old, err := s.listedSurvey(c)
	if err != nil {
		return err
	}
	values := surveyFormValues(&old.Survey)
	return s.renderSurveyForm(c, http.StatusOK, old, values, max(len(old.Questions), surveySlots), nil)
}

// organiserSurveyUpdate saves the changed survey: POST /admin/surveys/:id.
func (s *Server) organiserSurveyUpdate(c *gin.Context) error {
	old, err := s.listedSurvey(c)
	if err != nil {
		return err
	}
	return s.saveSurveyForm(c, old)
}

// organiserSurveyClose stops an open survey taking answers now: POST
// /admin/surveys/:id/close. Changing its dates opens it again.
func (s *Server) organiserSurveyClose(c *gin.Context) error {
	sv, err := s.pathSurvey(c)
	if err != nil {
		return err
	}
	if _, err := s.surveys().Close(c.Request.Context(), sv.ID); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, withDone(fmt.Sprintf("/admin/surveys/%d", sv.ID), "survey_closed"))
	return nil
}

// listedSurvey reads the survey named by :id with its number of responses.
func (s *Server) listedSurvey(c *gin.Context) (*survey.Listed, error) {
	sv, err := s.pathSurvey(c)
	if err != nil {
		return nil, err
	}
	list, err := s.surveys().List(c.Request.Context())
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].ID == sv.ID {
			return &list[i], nil
		}
	}
	return &survey.Listed{Survey: *sv}, nil
}

// surveyFormValues fills the builder's fields from sv.
func surveyFormValues(sv *survey.Survey) map[string]string {
	v := map[string]string{"title": sv.Title, "intro": sv.Intro}
	setDate := func(name string, t time.Time) {
		l := t.In(london)
		v[name+"-day"], v[name+"-month"], v[name+"-year"] = strconv.Itoa(l.Day()), strconv.Itoa(int(l.Month())), strconv.Itoa(l.Year())
	}
	setDate("opens", sv.OpensAt)
	setDate("closes", sv.ClosesAt.Add(-time.Minute)) // the last day
	if sv.AskArea {
		v["ask_area"] = "yes"
	}
	if sv.AskAgeBand {
		v["ask_age_band"] = "yes"
	}
	if sv.WorkshopID != 0 {
		v["workshop"] = strconv.FormatInt(sv.WorkshopID, 10)
	}
	for i, q := range sv.Questions {
		n := "q" + strconv.Itoa(i+1)
		v[n+"-id"], v[n+"-text"], v[n+"-type"] = q.ID, q.Text, string(q.Kind)
		v[n+"-options"] = strings.Join(q.Options, "\n")
		if q.Required {
			v[n+"-required"] = "yes"
		}
		if q.Kind == survey.Text && q.MaxLength != survey.DefaultTextLength {
			v[n+"-max_length"] = strconv.Itoa(q.MaxLength)
		}
	}
	return v
}

// saveSurveyForm reads the builder and creates the survey (old nil) or
// changes old. A date left as the form showed it keeps its exact time,
// so saving does not move a survey closed early to the end of that day.
func (s *Server) saveSurveyForm(c *gin.Context, old *survey.Listed) error {
	_ = c.Request.ParseForm()
	values := map[string]string{}
	for k, v := range c.Request.PostForm {
		if len(v) > 0 {
			values[k] = v[0]
		}
	}
	slots, err := strconv.Atoi(c.PostForm("slots"))
	if err != nil || slots < 1 {
		slots = surveySlots
	}
	slots = min(slots, survey.MaxQuestions)
	if c.PostForm("more") != "" {
		return s.renderSurveyForm(c, http.StatusOK, old, values, min(slots+surveySlotsMore, survey.MaxQuestions), nil)
	}
	errs := map[string]string{}
	sv := &survey.Survey{Title: values["title"], Intro: values["intro"],
		AskArea: values["ask_area"] != "", AskAgeBand: values["ask_age_band"] != ""}
	opens, okOpens := formDate(values, "opens", "the date the survey opens", errs)
	closes, okCloses := formDate(values, "closes", "the last day of the survey", errs)
	if okOpens {
		sv.OpensAt = opens
	}
	if okCloses {
		sv.ClosesAt = closes.AddDate(0, 0, 1) // the end of the last day
		if okOpens && !sv.ClosesAt.After(sv.OpensAt) {
			errs["closes"] = "The last day must be on or after the day the survey opens"
		}
	}
	if old != nil {
		was := surveyFormValues(&old.Survey)
		sameDate := func(name string) bool {
			return values[name+"-day"] == was[name+"-day"] && values[name+"-month"] == was[name+"-month"] &&
				values[name+"-year"] == was[name+"-year"]
		}
		if okOpens && sameDate("opens") {
			sv.OpensAt = old.OpensAt
		}
		if okCloses && sameDate("closes") {
			sv.ClosesAt = old.ClosesAt
		}
	}
	if w := values["workshop"]; w != "" {
		id, err := strconv.ParseInt(w, 10, 64)
		if err != nil || id <= 0 {
			errs["workshop"] = "Choose a workshop from the list"
		}
		sv.WorkshopID = id
	}
	// The slots filled in become the questions, in order; slot i's errors
	// are found again from the question's index. Once anyone has answered,
	// the form has no slots and the questions stay; a form opened before
	// then still sends its slots, and the store refuses them if they
	// changed (409), rather than the rest saved and the questions dropped.
	var slotOf []int
	if _, sent := values["q1-text"]; old != nil && old.Responses > 0 && !sent {
		sv.Questions = old.Questions
		slots = 0
	}
	for i := 1; i <= slots; i++ {
		name := "q" + strconv.Itoa(i)
		text := strings.TrimSpace(values[name+"-text"])
		if text == "" {
			continue
		}
		id := name
		if was := values[name+"-id"]; was != "" && old != nil {
			id = was // a question changed keeps its id, and its column in the CSV
		}
		q := survey.Question{ID: id, Kind: survey.Kind(values[name+"-type"]), Text: text, Required: values[name+"-required"] != ""}
		if q.Kind != survey.Text {
			for _, line := range lines(values[name+"-options"]) {
				if line = strings.TrimSpace(line); line != "" {
					q.Options = append(q.Options, line)
				}
			}
		} else if ml := strings.TrimSpace(values[name+"-max_length"]); ml != "" {
			n, err := strconv.Atoi(ml)
			if err != nil {
				errs[name+"-max_length"] = "Enter the longest answer as a number of characters, like 500"
			}
			q.MaxLength = n
		}
		sv.Questions = append(sv.Questions, q)
		slotOf = append(slotOf, i)
	}
	sv.Normalize()
	if err := sv.Validate(); err != nil {
		for f, msg := range booking.ErrorFields(err) {
			switch {
			case f == "opens_at" || f == "closes_at":
				if !okOpens || !okCloses {
					continue // the date's own message says it
				}
				errs[strings.TrimSuffix(f, "_at")] = msg
			case strings.HasPrefix(f, "questions."):
				parts := strings.SplitN(f, ".", 4)
				k, _ := strconv.Atoi(parts[1])
				if len(parts) < 3 || k >= len(slotOf) {
					errs["q1-text"] = msg
					continue
				}
				what := parts[2]
				if what == "id" {
					what = "text"
				}
				if what == "type" && values["q"+strconv.Itoa(slotOf[k])+"-type"] == "" {
					msg = "Choose what kind of question it is"
				}
				errs["q"+strconv.Itoa(slotOf[k])+"-"+what] = msg
			case f == "questions":
				errs["q1-text"] = "Write at least one question"
			default:
				errs[f] = msg
			}
		}
	}
	if len(errs) > 0 {
		return s.renderSurveyForm(c, http.StatusUnprocessableEntity, old, values, slots, errs)
	}
	done := "survey"
	if old == nil {
		err = s.surveys().Create(c.Request.Context(), sv)
	} else {
		sv.ID, done = old.ID, "survey_changed"
		err = s.surveys().Update(c.Request.Context(), sv)
	}
	if booking.IsCode(err, booking.EInvalid) {
		return s.renderSurveyForm(c, http.StatusUnprocessableEntity, old, values, slots, booking.ErrorFields(err))
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, withDone(fmt.Sprintf("/admin/surveys/%d", sv.ID), done))
	return nil
}

// formDate reads a GOV.UK date input (name-day, name-month, name-year) as
// the start of that day in London.
func formDate(values map[string]string, name, what string, errs map[string]string) (time.Time, bool) {
	d, m, y := strings.TrimSpace(values[name+"-day"]), strings.TrimSpace(values[name+"-month"]), strings.TrimSpace(values[name+"-year"])
	if d == "" && m == "" && y == "" {
		errs[name] = "Enter " + what
		return time.Time{}, false
	}
	day, errD := strconv.Atoi(d)
	month, errM := strconv.Atoi(m)
	year, errY := strconv.Atoi(y)
	if errD != nil || errM != nil || errY != nil || len(y) != 4 || month < 1 || month > 12 || day < 1 ||
		day > daysIn(time.Month(month), year) {
		errs[name] = "Enter " + what + " as a real date, like 2 9 2028"
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, london), true
}

type surveyResultsPage struct {
	organiserPage
	Survey     *survey.Survey
	State      string
	Opens      string
	Closes     string
	Results    *survey.Results
	Area       string // the area shown, by name; "" for the whole city
	AreaID     string
	AreaRows   []areaRow
	Areas      []booking.Area
	Questions  []resultView
	CSV        string
	PublicLink string
}

type areaRow struct {
	Name      string
	Responses int
	Percent   string
}

type resultView struct {
	ID, Text   string
	Kind       survey.Kind
	Answered   int
	Rows       []resultRow
	Chart      barChart
	AnswersURL string // a text question's answers
}

type resultRow struct {
	Label   string
	Count   int
	Percent string
}

// percent is n of total as people read it: "42%", "0%" of none.
func percent(n, total int) string {
	if total == 0 {
		return "0%"
	}
	return strconv.Itoa(int(float64(n)*100/float64(total)+0.5)) + "%"
}

// organiserSurveyResults is the results page: GET /admin/surveys/:id?area=.
func (s *Server) organiserSurveyResults(c *gin.Context) error {
	sv, err := s.pathSurvey(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	p := &surveyResultsPage{organiserPage: s.organiser(c, sv.Title), Survey: sv,
		State: surveyStateText(sv.StateAt(s.surveys().Now())), Opens: openingText(sv.OpensAt), Closes: closingText(sv.ClosesAt),
		CSV:        fmt.Sprintf("/api/v1/admin/surveys/%d/responses.csv", sv.ID),
		PublicLink: strings.TrimSuffix(s.cfg.BaseURL, "/") + surveyPath(sv)}
	p.BackLink = "/admin/surveys"
	if id := c.Query("area"); id != "" {
		a, ok := booking.AreaByID(id)
		if !ok {
			return booking.Errorf(booking.ENotFound, "There is no such area.")
		}
		p.Area, p.AreaID = a.Name, a.ID
	}
	if p.Results, err = s.surveys().Results(ctx, sv, p.AreaID); err != nil {
		return err
	}
	counts, err := s.surveys().Store.AreaCounts(ctx, sv.ID)
	if err != nil {
		return err
	}
	all := 0
	for _, a := range counts {
		all += a.Responses
	}
	for _, a := range counts {
		name := a.Name
		if a.Area == "" {
			name = "Did not say"
		}
		p.AreaRows = append(p.AreaRows, areaRow{Name: name, Responses: a.Responses, Percent: percent(a.Responses, all)})
	}
	if sv.AskArea {
		p.Areas = booking.Areas()
	}
	for _, r := range p.Results.Questions {
		v := resultView{ID: r.ID, Text: r.Text, Kind: r.Kind, Answered: r.Answered}
		if r.Kind == survey.Text {
			v.AnswersURL = fmt.Sprintf("/admin/surveys/%d/questions/%s", sv.ID, url.PathEscape(r.ID))
		} else {
			for i, k := range r.Question.ChoiceKeys() {
				label := k
				if r.Kind == survey.Scale {
					label = k + " – " + r.Question.Options[i]
				}
				v.Rows = append(v.Rows, resultRow{Label: label, Count: r.Counts[k], Percent: percent(r.Counts[k], r.Answered)})
			}
			v.Chart = newBarChart(r.ID, "Bar chart of the answers to: "+r.Text+". The table above gives the same numbers.", v.Rows)
		}
		p.Questions = append(p.Questions, v)
	}
	s.render(c, http.StatusOK, "organiser_survey", p)
	return nil
}

// barChart is counts drawn as horizontal bars, in SVG made here
// (partials/chart.html): each bar has its label above it and its count
// and percentage at its end, so it reads without colour and at any width.
// A survey question's answers and participation by area use it.
type barChart struct {
	ID, Title string
	Height    int
	Bars      []bar
}

type bar struct {
	Label        string
	Value        string // "12 (40%)"
	LabelY, BarY int
	Width        int
	ValueX       int
}

const (
	chartWidth    = 640
	chartBarSpace = 480 // the longest bar; the rest is for its value
	chartRow      = 64
)

func newBarChart(id, title string, rows []resultRow) barChart {
	ch := barChart{ID: "chart-" + id, Title: title, Height: len(rows)*chartRow + 8}
	most := 0
	for _, r := range rows {
		most = max(most, r.Count)
	}
	for i, r := range rows {
		w := 0
		if most > 0 {
			w = r.Count * chartBarSpace / most
		}
		if r.Count > 0 {
			w = max(w, 2)
		}
		y := i * chartRow
		ch.Bars = append(ch.Bars, bar{Label: r.Label, Value: fmt.Sprintf("%d (%s)", r.Count, r.Percent),
			LabelY: y + 22, BarY: y + 30, Width: w, ValueX: w + 10})
	}
	return ch
}

type textAnswersPage struct {
	organiserPage
	Survey   *survey.Survey
	Question *survey.Question
	Search   string
	Answers  []textAnswerRow
	Total    int
	From, To int
	Prev     string
	Next     string
}

type textAnswerRow struct {
	When  string
	Lines []string
}

// organiserSurveyAnswers pages through a text question's answers:
// GET /admin/surveys/:id/questions/:question_id?search=&page=.
func (s *Server) organiserSurveyAnswers(c *gin.Context) error {
	sv, err := s.pathSurvey(c)
	if err != nil {
		return err
	}
	page, err := strconv.Atoi(c.DefaultQuery("page", "1"))
	if err != nil || page < 1 {
		page = 1
	}
	search := strings.TrimSpace(c.Query("search"))
	answers, total, err := s.surveys().TextAnswers(c.Request.Context(), sv, c.Param("question_id"), search, page)
	if err != nil {
		return err
	}
	q := sv.Question(c.Param("question_id"))
	p := &textAnswersPage{organiserPage: s.organiser(c, q.Text), Survey: sv, Question: q, Search: search, Total: total}
	p.BackLink = fmt.Sprintf("/admin/surveys/%d", sv.ID)
	for _, a := range answers {
		p.Answers = append(p.Answers, textAnswerRow{When: whenShort(a.SubmittedAt), Lines: lines(a.Text)})
	}
	if len(answers) > 0 {
		p.From = (page-1)*survey.TextPage + 1
		p.To = p.From + len(answers) - 1
	}
	link := func(n int) string {
		v := url.Values{"page": {strconv.Itoa(n)}}
		if search != "" {
			v.Set("search", search)
		}
		return fmt.Sprintf("/admin/surveys/%d/questions/%s?%s", sv.ID, url.PathEscape(q.ID), v.Encode())
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page*survey.TextPage < total {
		p.Next = link(page + 1)
	}
	s.render(c, http.StatusOK, "organiser_survey_answers", p)
	return nil
}

// whenShort is a time as a list of answers shows it: "2 September 2022, 3:15pm".
func whenShort(t time.Time) string {
	l := t.In(london)
	return l.Format("2 January 2006") + ", " + booking.TimeOfDay(l)
}
