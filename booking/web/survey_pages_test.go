package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestSurveyPagesJourney: a person answers through the pages: a missing
// required answer is named in the error summary and nothing is stored;
// "Check your answers" shows the answers and stores nothing; sending
// stores one response; the results page counts it.
func TestSurveyPagesJourney(t *testing.T) {
	in := newEnv(t).start(nil)
	id := in.everyKindSurvey(t)
	path := fmt.Sprintf("/surveys/%d", id)

	r := in.do("GET", path, nil, "Accept", "text/html")
	body := string(r.body)
	if r.status != http.StatusOK || !strings.Contains(body, "What matters most to you?") ||
		!strings.Contains(body, `name="website"`) || !strings.Contains(body, "Which area of the city") {
		t.Fatalf("survey page: %d %s", r.status, body)
	}
	if !strings.Contains(r.header.Get("Set-Cookie"), "workshops_survey=") {
		t.Errorf("no survey cookie given: %q", r.header.Get("Set-Cookie"))
	}
	cookie := strings.Split(r.header.Get("Set-Cookie"), ";")[0]

	answers := url.Values{"answers.ways": {"Walk", "Bus"}, "answers.importance": {"3"},
		"answers.ideas": {"More trees <script>"}, "about_you.area": {"earlsdon"}}
	r = in.form(path, answers, "Cookie", cookie)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), `href="#answers.priority"`) {
		t.Fatalf("without the required answer: %d, want 422 linking to it: %s", r.status, r.body)
	}
	if !strings.Contains(string(r.body), `value="Bus" checked`) {
		t.Error("the answers given are not kept when the page is shown again")
	}

	answers.Set("answers.priority", "Housing")
	r = in.form(path, answers, "Cookie", cookie)
	check := string(r.body)
	if r.status != http.StatusOK || !strings.Contains(check, "Check your answers") ||
		!strings.Contains(check, "Walk; Bus") || !strings.Contains(check, "3 – Quite") ||
		!strings.Contains(check, "More trees &lt;script&gt;") || !strings.Contains(check, "Earlsdon") {
		t.Fatalf("check page: %d %s", r.status, check)
	}
	if n := in.surveyResults(t, id, "")["responses"].(float64); n != 0 {
		t.Fatalf("%v responses stored before sending", n)
	}

	r = in.form(path+"/submit", hidden(check), "Cookie", cookie)
	if loc := r.location(t); loc != path+"/done" {
		t.Fatalf("sent to %s", loc)
	}
	if r := in.do("GET", path+"/done", nil, "Accept", "text/html"); !strings.Contains(string(r.body), "Your answers have been sent") {
		t.Errorf("confirmation: %s", r.body)
	}
	res := in.surveyResults(t, id, "")
	counts, _ := countsOf(res)
	if res["responses"].(float64) != 1 || counts["priority"]["Housing"] != 1 || counts["ways"]["Bus"] != 1 || counts["importance"]["3"] != 1 {
		t.Fatalf("results after sending: %v", res)
	}

	// Sending the same answers again from the same browser is kept and
	// shown to organisers as a repeat.
	in.form(path+"/submit", hidden(check), "Cookie", cookie)
	page := in.orgPage("", fmt.Sprintf("/admin/surveys/%d", id))
	results := string(page.body)
	if page.status != http.StatusOK || !strings.Contains(results, `<span id="repeats">1</span>`) ||
		!strings.Contains(results, `<dd class="govuk-summary-list__value" id="responses">2</dd>`) ||
		!strings.Contains(results, "<svg") || !strings.Contains(results, "2 (100%)") {
		t.Fatalf("results page: %d %s", page.status, results)
	}
	text := in.orgPage("", fmt.Sprintf("/admin/surveys/%d/questions/ideas?search=trees", id))
	if !strings.Contains(string(text.body), "More trees &lt;script&gt;") || !strings.Contains(string(text.body), "Showing 1 to 2 of 2") {
		t.Errorf("written answers page: %s", text.body)
	}
}

// TestSurveyPagesHoneypot: a form with the hidden field filled in is
// thanked and stores nothing.
func TestSurveyPagesHoneypot(t *testing.T) {
	in := newEnv(t).start(nil)
	id := in.everyKindSurvey(t)
	v := url.Values{"answers.priority": {"Jobs"}, "answers.importance": {"1"}, "website": {"http://spam.example"}}
	for _, p := range []string{"", "/submit"} {
		r := in.form(fmt.Sprintf("/surveys/%d%s", id, p), v)
		if loc := r.location(t); loc != fmt.Sprintf("/surveys/%d/done", id) {
			t.Errorf("honeypot %q: sent to %s", p, loc)
		}
	}
	if n := in.surveyResults(t, id, "")["responses"].(float64); n != 0 {
		t.Errorf("%v responses stored from the honeypot", n)
	}
}

// TestSurveyPagesClosed: after its closing time the survey's page says it
// has closed, and answers sent are refused with 409 and not stored.
func TestSurveyPagesClosed(t *testing.T) {
	in := newEnv(t).start(nil)
	id := in.everyKindSurvey(t)
	in.env.clock.Advance(8 * 24 * time.Hour)
	r := in.do("GET", fmt.Sprintf("/surveys/%d", id), nil, "Accept", "text/html")
	if r.status != http.StatusOK || !strings.Contains(string(r.body), "This survey has closed") || strings.Contains(string(r.body), "<textarea") {
		t.Fatalf("closed survey page: %d %s", r.status, r.body)
	}
	r = in.form(fmt.Sprintf("/surveys/%d/submit", id), url.Values{"answers.priority": {"Jobs"}, "answers.importance": {"1"}})
	if r.status != http.StatusConflict || !strings.Contains(string(r.body), "This survey has closed") {
		t.Fatalf("answers sent after closing: %d %s", r.status, r.body)
	}
	if n := in.surveyResults(t, id, "")["responses"].(float64); n != 0 {
		t.Errorf("%v responses stored after closing", n)
	}
}

// TestSurveyBuilderPage: an organiser builds a survey on the page; a slot
// left empty is not a question, and mistakes are named by slot.
func TestSurveyBuilderPage(t *testing.T) {
	in := newEnv(t).start(nil)
	opens := in.env.clock.Now().In(london)
	v := url.Values{
		"slots": {"5"}, "title": {"After the workshop"},
		"opens-day": {fmt.Sprint(opens.Day())}, "opens-month": {fmt.Sprint(int(opens.Month()))}, "opens-year": {fmt.Sprint(opens.Year())},
		"closes-day": {fmt.Sprint(opens.Day())}, "closes-month": {fmt.Sprint(int(opens.Month()))}, "closes-year": {fmt.Sprint(opens.Year())},
		"q1-text": {"Was it useful?"}, "q1-type": {"one"}, "q1-options": {"Yes\r\nNo\r\n"}, "q1-required": {"yes"},
		"q3-text": {"How could it be better?"}, "q3-type": {"text"}, "q3-max_length": {"300"},
		"q4-text": {"Only one option"}, "q4-type": {"many"}, "q4-options": {"Alone"},
		"ask_area": {"yes"},
	}
	r := in.orgForm("", "/admin/surveys", v)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), `href="#q4-options"`) {
		t.Fatalf("a question with one option: %d, want 422 naming q4-options: %s", r.status, r.body)
	}
	v.Del("q4-text")
	r = in.orgForm("", "/admin/surveys", v)
	loc := r.location(t)
	list := in.admin("GET", "/api/v1/admin/surveys", nil).json(t)["surveys"].([]any)
	if len(list) != 1 {
		t.Fatalf("surveys %v", list)
	}
	sv := list[0].(map[string]any)
	qs := sv["questions"].([]any)
	if len(qs) != 2 || qs[0].(map[string]any)["id"] != "q1" || qs[1].(map[string]any)["max_length"].(float64) != 300 || sv["ask_area"] != true {
		t.Errorf("survey built: %v", sv)
	}
	closes, _ := time.Parse(time.RFC3339, sv["closes_at"].(string))
	if c := closes.In(london); c.Hour() != 0 || c.Day() != opens.AddDate(0, 0, 1).Day() {
		t.Errorf("closes %v, want midnight at the end of the last day", c)
	}
	if page := in.orgPage("", loc); page.status != http.StatusOK || !strings.Contains(string(page.body), "The survey has been created") {
		t.Errorf("after creating: %d %s", page.status, page.body)
	}
	audit := in.admin("GET", "/api/v1/admin/audit", nil)
	if !strings.Contains(string(audit.body), `"survey.create"`) {
		t.Errorf("the audit log has no survey.create: %s", audit.body)
	}
}
