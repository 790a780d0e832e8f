package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// surveyBody is a survey with one question as the admin API takes it,
// open from an hour ago for days days.
func surveyBody(now time.Time, days int, question string) map[string]any {
	return map[string]any{
		"title": "After the workshop", "opens_at": now.Add(-time.Hour).Format(time.RFC3339),
		"closes_at": now.Add(time.Duration(days) * 24 * time.Hour).Format(time.RFC3339),
		"questions": []map[string]any{{"id": "liked", "type": "one", "text": question, "options": []string{"Yes", "No"}}},
	}
}

// TestSurveyChangeAndClose: a survey's wording can change until someone
// answers; after that its title, introduction and dates still can, but
// not its questions. Closing it early stops answers at once, and changing
// its last day opens it again. Every change is in the audit log.
func TestSurveyChangeAndClose(t *testing.T) {
	in := newEnv(t).start(nil)
	now := in.env.clock.Now()
	r := in.admin("POST", "/api/v1/admin/surveys", surveyBody(now, 7, "Did you like it?"))
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	id := int64(r.json(t)["id"].(float64))
	path := fmt.Sprintf("/api/v1/admin/surveys/%d", id)

	if r := in.admin("PUT", path, surveyBody(now, 7, "Was the workshop useful?")); r.status != http.StatusOK {
		t.Fatalf("change before any answer: %d %s", r.status, r.body)
	}
	if r := in.admin("PUT", path, map[string]any{"title": ""}); r.status != http.StatusUnprocessableEntity || r.errorCode() != "invalid" {
		t.Errorf("change to no title: %d %s, want 422", r.status, r.body)
	}
	if r := in.admin("PUT", "/api/v1/admin/surveys/999999", surveyBody(now, 7, "Lost?")); r.status != http.StatusNotFound {
		t.Errorf("change of no survey: %d %s, want 404", r.status, r.body)
	}
	answer := map[string]any{"answers": map[string]any{"liked": "Yes"}}
	respond := fmt.Sprintf("/api/v1/surveys/%d/responses", id)
	if r := in.do("POST", respond, answer); r.status != http.StatusCreated {
		t.Fatalf("answer: %d %s", r.status, r.body)
	}

	r = in.admin("PUT", path, surveyBody(now, 7, "Something else?"))
	if r.status != http.StatusConflict || r.errorCode() != "conflict" {
		t.Errorf("change of the questions after an answer: %d %s, want 409 conflict", r.status, r.body)
	}
	later := surveyBody(now, 14, "Was the workshop useful?")
	later["title"] = "After the workshop: two weeks to answer"
	if r := in.admin("PUT", path, later); r.status != http.StatusOK || r.json(t)["title"] != later["title"] {
		t.Errorf("change of title and dates after an answer: %d %s", r.status, r.body)
	}
	got := in.admin("GET", path, nil).json(t)
	if q := got["questions"].([]any)[0].(map[string]any)["text"]; q != "Was the workshop useful?" {
		t.Errorf("question %v, want the one answered", q)
	}

	if r := in.admin("POST", path+"/close", nil); r.status != http.StatusOK {
		t.Fatalf("close: %d %s", r.status, r.body)
	}
	if r := in.do("POST", respond, answer); r.status != http.StatusConflict {
		t.Errorf("answer after closing: %d %s, want 409", r.status, r.body)
	}
	if r := in.admin("POST", path+"/close", nil); r.status != http.StatusConflict || r.errorCode() != "conflict" {
		t.Errorf("close again: %d %s, want 409 conflict", r.status, r.body)
	}
	if r := in.admin("PUT", path, later); r.status != http.StatusOK {
		t.Fatalf("open again: %d %s", r.status, r.body)
	}
	if r := in.do("POST", respond, answer); r.status != http.StatusCreated {
		t.Errorf("answer after opening again: %d %s", r.status, r.body)
	}
	if got := in.surveyResults(t, id, "")["responses"].(float64); got != 2 {
		t.Errorf("responses %v, want 2", got)
	}
	audit := string(in.admin("GET", "/api/v1/admin/audit", nil).body)
	for _, action := range []string{`"survey.update"`, `"survey.close"`} {
		if !strings.Contains(audit, action) {
			t.Errorf("the audit log has no %s", action)
		}
	}
}

// TestSurveyAnswersNeverMeetChangedQuestions: answers and a change of the
// questions racing on a survey nobody has answered either land before the
// change, which is then refused, or are refused as answering questions no
// longer asked. No answer is ever stored against questions it was not
// checked against.
func TestSurveyAnswersNeverMeetChangedQuestions(t *testing.T) {
	in := newEnv(t).start(nil)
	now := in.env.clock.Now()
	for round := 0; round < 10; round++ {
		r := in.admin("POST", "/api/v1/admin/surveys", surveyBody(now, 7, "Did you like it?"))
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		id := int64(r.json(t)["id"].(float64))
		changed := surveyBody(now, 7, "Did you like it?")
		changed["questions"] = []map[string]any{{"id": "liked", "type": "one", "text": "Did you like it?", "options": []string{"Very much", "Not at all"}}}
		var wg sync.WaitGroup
		answers := make([]int, 8)
		var changeStatus int
		for i := range answers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				answers[i] = in.do("POST", fmt.Sprintf("/api/v1/surveys/%d/responses", id),
					map[string]any{"answers": map[string]any{"liked": "Yes"}}).status
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			changeStatus = in.admin("PUT", fmt.Sprintf("/api/v1/admin/surveys/%d", id), changed).status
		}()
		wg.Wait()
		stored := 0
		for _, st := range answers {
			switch st {
			case http.StatusCreated:
				stored++
			case http.StatusConflict, http.StatusUnprocessableEntity:
			default:
				t.Fatalf("round %d: an answer got %d", round, st)
			}
		}
		var mismatched int
		if err := in.db.Pool.QueryRow(context.Background(), `
			SELECT count(*) FROM survey_responses r JOIN surveys s ON s.id = r.survey_id
			WHERE s.id = $1 AND NOT (s.questions->0->'options') ? (r.answers->>'liked')`, id).Scan(&mismatched); err != nil {
			t.Fatal(err)
		}
		if mismatched != 0 {
			t.Fatalf("round %d: %d answers stored against questions they do not answer (change %d, %d stored)",
				round, mismatched, changeStatus, stored)
		}
		if changeStatus == http.StatusOK && stored > 0 {
			t.Fatalf("round %d: the questions changed though %d had answered", round, stored)
		}
	}
}

// TestSurveyChangePages: the organiser changes a survey on its pages
// without JavaScript: the form comes filled in, a date left as shown keeps
// its time, the questions are locked once answered, and "Close the survey
// now" closes it.
func TestSurveyChangePages(t *testing.T) {
	in := newEnv(t).start(nil)
	now := in.env.clock.Now()
	r := in.admin("POST", "/api/v1/admin/surveys", surveyBody(now, 7, "Did you like it?"))
	id := int64(r.json(t)["id"].(float64))
	results := fmt.Sprintf("/admin/surveys/%d", id)

	page := in.orgPage("", results+"/edit")
	if page.status != http.StatusOK || !strings.Contains(string(page.body), `value="Did you like it?"`) ||
		!strings.Contains(string(page.body), `name="q1-id" value="liked"`) {
		t.Fatalf("edit page: %d %s", page.status, page.body)
	}
	before := in.admin("GET", "/api/v1/admin/surveys/"+itoa(id), nil).json(t)
	v := formValuesOf(t, string(page.body))
	v.Set("q1-text", "Was the workshop useful?")
	v.Set("title", "After the workshop in Foleshill")
	r = in.orgForm("", results, v)
	if loc := r.location(t); loc != results+"?done=survey_changed" {
		t.Fatalf("save: went to %s", loc)
	}
	after := in.admin("GET", "/api/v1/admin/surveys/"+itoa(id), nil).json(t)
	q := after["questions"].([]any)[0].(map[string]any)
	if after["title"] != "After the workshop in Foleshill" || q["text"] != "Was the workshop useful?" || q["id"] != "liked" {
		t.Errorf("after saving: %v", after)
	}
	if after["opens_at"] != before["opens_at"] || after["closes_at"] != before["closes_at"] {
		t.Errorf("dates moved: %v to %v, %v to %v", before["opens_at"], after["opens_at"], before["closes_at"], after["closes_at"])
	}

	if r := in.do("POST", fmt.Sprintf("/api/v1/surveys/%d/responses", id), map[string]any{"answers": map[string]any{"liked": "Yes"}}); r.status != http.StatusCreated {
		t.Fatalf("answer: %d %s", r.status, r.body)
	}
	page = in.orgPage("", results+"/edit")
	if body := string(page.body); !strings.Contains(body, `id="questions-kept"`) || strings.Contains(body, `name="q1-text"`) {
		t.Errorf("the edit page after an answer offers the questions for change: %s", body)
	}
	page = in.orgPage("", results)
	if !strings.Contains(string(page.body), `id="close-survey"`) {
		t.Fatalf("no close button on an open survey: %s", page.body)
	}
	r = in.orgForm("", results+"/close", url.Values{})
	loc := r.location(t)
	if loc != results+"?done=survey_closed" {
		t.Fatalf("close: went to %s", loc)
	}
	page = in.orgPage("", loc)
	if body := string(page.body); !strings.Contains(body, "The survey is closed") || strings.Contains(body, `id="close-survey"`) {
		t.Errorf("after closing: %s", body)
	}
	if r := in.do("GET", fmt.Sprintf("/api/v1/surveys/%d", id), nil); r.json(t)["state"] != "closed" {
		t.Errorf("state %s, want closed", r.body)
	}
}

// formValuesOf is what a browser sends back from the page's first form as
// it stands: inputs (radios and checkboxes only when checked), textareas
// and the selected option of each select.
func formValuesOf(t *testing.T, page string) url.Values {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	attr := func(n *html.Node, key string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == key {
				return a.Val, true
			}
		}
		return "", false
	}
	text := func(n *html.Node) string {
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode {
				b.WriteString(c.Data)
			}
		}
		return b.String()
	}
	v := url.Values{}
	var form *html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if n.Data == "form" && form == nil {
				form = n
			}
			name, named := attr(n, "name")
			switch {
			case form == nil || !named:
			case n.Data == "input":
				kind, _ := attr(n, "type")
				_, checked := attr(n, "checked")
				value, _ := attr(n, "value")
				if (kind != "radio" && kind != "checkbox" && kind != "submit") || checked {
					v.Add(name, value)
				}
			case n.Data == "textarea":
				v.Add(name, strings.TrimPrefix(text(n), "\n"))
			case n.Data == "select":
				for o := n.FirstChild; o != nil; o = o.NextSibling {
					if _, selected := attr(o, "selected"); o.Type == html.ElementNode && selected {
						value, _ := attr(o, "value")
						v.Add(name, value)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n == form {
			form = &html.Node{} // the first form is done: read no other
		}
	}
	walk(doc)
	return v
}

// TestStartPageOffersOpenSurveys: the start page links the consultation's
// open survey, and not one closed, not yet open or asked only of a
// workshop's bookings.
func TestStartPageOffersOpenSurveys(t *testing.T) {
	in := newEnv(t).start(nil)
	now := in.env.clock.Now()
	create := func(body map[string]any) int64 {
		r := in.admin("POST", "/api/v1/admin/surveys", body)
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		return int64(r.json(t)["id"].(float64))
	}
	open := create(surveyBody(now, 7, "What matters to you?"))
	linked := surveyBody(now, 7, "Was the workshop useful?")
	linked["workshop_id"] = in.workshop("public")
	others := []int64{create(linked)}
	later := surveyBody(now, 7, "Later?")
	later["opens_at"] = now.Add(24 * time.Hour).Format(time.RFC3339)
	others = append(others, create(later))
	closed := create(surveyBody(now, 7, "Closed?"))
	if r := in.admin("POST", fmt.Sprintf("/api/v1/admin/surveys/%d/close", closed), nil); r.status != http.StatusOK {
		t.Fatalf("close: %d %s", r.status, r.body)
	}
	others = append(others, closed)

	body := in.page("/").text()
	if !strings.Contains(body, fmt.Sprintf(`href="/surveys/%d" id="survey-%d-link"`, open, open)) {
		t.Errorf("the start page does not link the open survey: %s", body)
	}
	for _, id := range others {
		if strings.Contains(body, fmt.Sprintf(`href="/surveys/%d"`, id)) {
			t.Errorf("the start page links survey %d", id)
		}
	}
}
