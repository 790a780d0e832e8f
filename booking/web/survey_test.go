package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coventry/workshops/survey"
)

var surveyAreas = []string{"earlsdon", "foleshill", "radford", "whoberley"}

// everyKindSurvey creates, through the admin API, a survey with one
// question of every kind, open from now for a week, and returns its id.
func (in *instance) everyKindSurvey(t *testing.T) int64 {
	t.Helper()
	now := in.env.clock.Now()
	r := in.admin("POST", "/api/v1/admin/surveys", map[string]any{
		"title":     "Have your say on Coventry in 2030",
		"opens_at":  now.Add(-time.Minute).Format(time.RFC3339),
		"closes_at": now.Add(7 * 24 * time.Hour).Format(time.RFC3339),
		"questions": []map[string]any{
			{"id": "priority", "type": "one", "text": "What matters most to you?", "options": []string{"Jobs", "Housing", "Green spaces", "Transport"}, "required": true},
			{"id": "ways", "type": "many", "text": "How do you get around?", "options": []string{"Walk", "Cycle", "Bus", "Car"}},
			{"id": "importance", "type": "scale", "text": "How important is the city centre to you?", "options": []string{"Not important", "A little", "Quite", "Very important"}, "required": true},
			{"id": "ideas", "type": "text", "text": "Anything else?", "max_length": 200},
		},
		"ask_area":     true,
		"ask_age_band": true,
	})
	if r.status != http.StatusCreated {
		t.Fatalf("create survey: %d %s", r.status, r.body)
	}
	return int64(r.json(t)["id"].(float64))
}

// answerOf is the i-th person's answers: every option, point and blank
// is chosen by someone.
func answerOf(i int) (answers map[string]any, about map[string]string) {
	priority := []string{"Jobs", "Housing", "Green spaces", "Transport"}
	ways := []string{"Walk", "Cycle", "Bus", "Car"}
	answers = map[string]any{
		"priority":   priority[i%4],
		"importance": 1 + i%4,
	}
	var chosen []string
	for j, w := range ways {
		if (i>>j)&1 == 1 {
			chosen = append(chosen, w)
		}
	}
	if len(chosen) > 0 {
		answers["ways"] = chosen
	}
	if i%3 == 0 {
		answers["ideas"] = fmt.Sprintf("More trees on street %d", i)
	}
	about = map[string]string{}
	if i%5 != 0 {
		about["area"] = surveyAreas[i%len(surveyAreas)]
	}
	if i%2 == 0 {
		about["age_band"] = survey.AgeBands[i%len(survey.AgeBands)]
	}
	return answers, about
}

func (in *instance) surveyResults(t *testing.T, id int64, area string) map[string]any {
	t.Helper()
	path := fmt.Sprintf("/api/v1/admin/surveys/%d/results", id)
	if area != "" {
		path += "?area=" + area
	}
	r := in.admin("GET", path, nil)
	if r.status != http.StatusOK {
		t.Fatalf("results: %d %s", r.status, r.body)
	}
	return r.json(t)
}

// countsOf returns the results' counts and answered numbers by question id.
func countsOf(res map[string]any) (map[string]map[string]int, map[string]int) {
	counts, answered := map[string]map[string]int{}, map[string]int{}
	for _, q := range res["questions"].([]any) {
		q := q.(map[string]any)
		id := q["id"].(string)
		counts[id] = map[string]int{}
		for k, v := range q["counts"].(map[string]any) {
			counts[id][k] = int(v.(float64))
		}
		answered[id] = int(q["answered"].(float64))
	}
	return counts, answered
}

// TestSurveyFiveHundredPeople: 500 people answer a survey with every kind
// of question at once, and the results are exactly their answers, for the
// whole city and for one area; the CSV has every response.
func TestSurveyFiveHundredPeople(t *testing.T) {
	in := newEnv(t).start(nil)
	id := in.everyKindSurvey(t)
	const people = 500

	want := map[string]map[string]int{"priority": {}, "ways": {}, "importance": {}, "ideas": {}}
	wantAnswered := map[string]int{}
	wantEarlsdon := map[string]int{}
	earlsdon := 0
	for _, k := range []string{"Jobs", "Housing", "Green spaces", "Transport"} {
		want["priority"][k] = 0
	}
	for _, k := range []string{"Walk", "Cycle", "Bus", "Car"} {
		want["ways"][k] = 0
	}
	for k := 1; k <= 4; k++ {
		want["importance"][strconv.Itoa(k)] = 0
	}
	for i := range people {
		answers, about := answerOf(i)
		for q, v := range answers {
			wantAnswered[q]++
			switch v := v.(type) {
			case string:
				if q != "ideas" {
					want[q][v]++
				}
			case int:
				want[q][strconv.Itoa(v)]++
			case []string:
				for _, o := range v {
					want[q][o]++
				}
			}
		}
		if about["area"] == "earlsdon" {
			earlsdon++
			wantEarlsdon[answers["priority"].(string)]++
		}
	}

	var wg sync.WaitGroup
	errs := make(chan string, people)
	for w := range 10 {
		wg.Go(func() {
			for i := w; i < people; i += 10 {
				answers, about := answerOf(i)
				r := in.do("POST", fmt.Sprintf("/api/v1/surveys/%d/responses", id), map[string]any{"answers": answers, "about_you": about})
				if r.status != http.StatusCreated {
					errs <- fmt.Sprintf("person %d: %d %s", i, r.status, r.body)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}

	res := in.surveyResults(t, id, "")
	if got := int(res["responses"].(float64)); got != people {
		t.Fatalf("responses = %d, want %d", got, people)
	}
	if got := int(res["repeats"].(float64)); got != 0 {
		t.Errorf("repeats = %d, want 0: no browser answered twice", got)
	}
	counts, answered := countsOf(res)
	for q, w := range want {
		for k, n := range w {
			if counts[q][k] != n {
				t.Errorf("%s %q: counted %d, answered %d", q, k, counts[q][k], n)
			}
		}
		if len(counts[q]) != len(w) {
			t.Errorf("%s: counts %v, want the keys of %v", q, counts[q], w)
		}
		if answered[q] != wantAnswered[q] {
			t.Errorf("%s: answered %d, want %d", q, answered[q], wantAnswered[q])
		}
	}

	total := 0
	for _, a := range res["areas"].([]any) {
		a := a.(map[string]any)
		total += int(a["responses"].(float64))
		if a["area"] == "earlsdon" && (a["name"] != "Earlsdon" || int(a["responses"].(float64)) != earlsdon) {
			t.Errorf("area %v, want Earlsdon's %d responses by its name", a, earlsdon)
		}
	}
	if total != people {
		t.Errorf("responses by area add up to %d, want %d", total, people)
	}
	byArea := in.surveyResults(t, id, "earlsdon")
	if got := int(byArea["responses"].(float64)); got != earlsdon {
		t.Errorf("Earlsdon responses = %d, want %d", got, earlsdon)
	}
	areaCounts, _ := countsOf(byArea)
	for k, n := range wantEarlsdon {
		if areaCounts["priority"][k] != n {
			t.Errorf("Earlsdon priority %q: counted %d, answered %d", k, areaCounts["priority"][k], n)
		}
	}

	r := in.admin("GET", fmt.Sprintf("/api/v1/admin/surveys/%d/responses.csv", id), nil)
	if r.status != http.StatusOK {
		t.Fatalf("csv: %d %s", r.status, r.body)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.body, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != people+1 {
		t.Fatalf("csv has %d rows, want a header and %d", len(rows), people)
	}
	foleshill := 0
	for _, row := range rows[1:] {
		if row[2] == "Foleshill" { // areas by their names
			foleshill++
		}
	}
	if want := people / 4 * 4 / 5; foleshill != want { // i%4 == 1 and i%5 != 0
		t.Errorf("%d rows from Foleshill, want %d", foleshill, want)
	}

	text := in.admin("GET", fmt.Sprintf("/api/v1/admin/surveys/%d/questions/ideas/answers?search=street+12", id), nil)
	if text.status != http.StatusOK {
		t.Fatalf("text answers: %d %s", text.status, text.body)
	}
	// Streets 12, 120, 123, 126 and 129 (every third person wrote one).
	if got := int(text.json(t)["total"].(float64)); got != 5 {
		t.Errorf("answers containing %q: %d, want 5", "street 12", got)
	}
}

// TestSurveyClosed: before it opens and from its closing time, a survey
// refuses responses with 409 conflict and stores nothing.
func TestSurveyClosed(t *testing.T) {
	in := newEnv(t).start(nil)
	now := in.env.clock.Now()
	r := in.admin("POST", "/api/v1/admin/surveys", map[string]any{
		"title": "After the workshop", "opens_at": now.Add(time.Hour).Format(time.RFC3339),
		"closes_at": now.Add(2 * time.Hour).Format(time.RFC3339),
		"questions": []map[string]any{{"id": "liked", "type": "one", "text": "Did you like it?", "options": []string{"Yes", "No"}}},
	})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	id := int64(r.json(t)["id"].(float64))
	path := fmt.Sprintf("/api/v1/surveys/%d/responses", id)
	answer := map[string]any{"answers": map[string]any{"liked": "Yes"}}

	if r := in.do("POST", path, answer); r.status != http.StatusConflict || r.errorCode() != "conflict" {
		t.Fatalf("before opening: %d %s, want 409 conflict", r.status, r.body)
	}
	in.env.clock.Advance(time.Hour)
	if r := in.do("POST", path, answer); r.status != http.StatusCreated {
		t.Fatalf("open: %d %s", r.status, r.body)
	}
	in.env.clock.Advance(time.Hour) // exactly the closing time
	r = in.do("POST", path, answer)
	if r.status != http.StatusConflict || r.errorCode() != "conflict" || !strings.Contains(string(r.body), "closed") {
		t.Fatalf("at closing: %d %s, want 409 conflict saying it has closed", r.status, r.body)
	}
	if got := in.surveyResults(t, id, "")["responses"].(float64); got != 1 {
		t.Errorf("responses = %v, want only the one sent while open", got)
	}
	if r := in.do("GET", fmt.Sprintf("/api/v1/surveys/%d", id), nil); r.json(t)["state"] != "closed" {
		t.Errorf("state %s, want closed", r.body)
	}
}

// TestSurveyBadAnswers: every kind of wrong answer is 422 invalid naming
// the answer, and nothing is stored.
func TestSurveyBadAnswers(t *testing.T) {
	in := newEnv(t).start(nil)
	id := in.everyKindSurvey(t)
	path := fmt.Sprintf("/api/v1/surveys/%d/responses", id)
	good := func() map[string]any { return map[string]any{"priority": "Jobs", "importance": 2} }
	for _, c := range []struct {
		name  string
		edit  func(a map[string]any)
		about map[string]string
		field string
	}{
		{"unknown question", func(a map[string]any) { a["nope"] = "x" }, nil, "answers.nope"},
		{"not an option", func(a map[string]any) { a["priority"] = "Parking" }, nil, "answers.priority"},
		{"one as a list", func(a map[string]any) { a["priority"] = []string{"Jobs"} }, nil, "answers.priority"},
		{"required missing", func(a map[string]any) { delete(a, "priority") }, nil, "answers.priority"},
		{"required blank", func(a map[string]any) { a["importance"] = nil }, nil, "answers.importance"},
		{"scale too low", func(a map[string]any) { a["importance"] = 0 }, nil, "answers.importance"},
		{"scale too high", func(a map[string]any) { a["importance"] = 5 }, nil, "answers.importance"},
		{"scale not whole", func(a map[string]any) { a["importance"] = 2.5 }, nil, "answers.importance"},
		{"scale as text", func(a map[string]any) { a["importance"] = "2" }, nil, "answers.importance"},
		{"many twice", func(a map[string]any) { a["ways"] = []string{"Bus", "Bus"} }, nil, "answers.ways"},
		{"many not an option", func(a map[string]any) { a["ways"] = []string{"Tram"} }, nil, "answers.ways"},
		{"text too long", func(a map[string]any) { a["ideas"] = strings.Repeat("é", 201) }, nil, "answers.ideas"},
		{"text with control characters", func(a map[string]any) { a["ideas"] = "a\x00b" }, nil, "answers.ideas"},
		{"unknown area", func(map[string]any) {}, map[string]string{"area": "Atlantis"}, "about_you.area"},
		{"unknown age group", func(map[string]any) {}, map[string]string{"age_band": "Teenager"}, "about_you.age_band"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := good()
			c.edit(a)
			body := map[string]any{"answers": a}
			if c.about != nil {
				body["about_you"] = c.about
			}
			r := in.do("POST", path, body)
			if r.status != http.StatusUnprocessableEntity || r.errorCode() != "invalid" {
				t.Fatalf("%d %s, want 422 invalid", r.status, r.body)
			}
			fields, _ := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)
			if _, ok := fields[c.field]; !ok {
				t.Errorf("fields %v, want %s named", fields, c.field)
			}
		})
	}
	if r := in.do("POST", path, `{"answers": `); r.status != http.StatusBadRequest {
		t.Errorf("not JSON: %d, want 400", r.status)
	}
	if got := in.surveyResults(t, id, "")["responses"].(float64); got != 0 {
		t.Errorf("responses = %v after only bad answers, want 0", got)
	}
	if r := in.do("POST", path, map[string]any{"answers": good()}); r.status != http.StatusCreated {
		t.Errorf("the good answers: %d %s", r.status, r.body)
	}
}

// TestSurveyCSVFormulaSafe: answers a spreadsheet would run as formulas
// come out of the CSV as text, in UTF-8.
func TestSurveyCSVFormulaSafe(t *testing.T) {
	in := newEnv(t).start(nil)
	id := in.everyKindSurvey(t)
	path := fmt.Sprintf("/api/v1/surveys/%d/responses", id)
	dangerous := []string{`=HYPERLINK("http://evil.example","Click")`, "+44 7700 900123", "-1+1", "@SUM(A1:A9)", "＝1+1", "Zoë's café: more benches"}
	for _, text := range dangerous {
		r := in.do("POST", path, map[string]any{"answers": map[string]any{"priority": "Jobs", "importance": 1, "ideas": text}})
		if r.status != http.StatusCreated {
			t.Fatalf("%q: %d %s", text, r.status, r.body)
		}
	}
	r := in.admin("GET", fmt.Sprintf("/api/v1/admin/surveys/%d/responses.csv", id), nil)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv; charset=utf-8") {
		t.Fatalf("csv: %d %s", r.status, r.header.Get("Content-Type"))
	}
	if !bytes.HasPrefix(r.body, []byte("\uFEFF")) {
		t.Error("the CSV does not start with a UTF-8 byte order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.body, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := len(rows[0]) - 1 // ideas is the last question
	if !strings.HasPrefix(rows[0][col], "ideas") {
		t.Fatalf("last column %q, want the ideas question", rows[0][col])
	}
	for i, text := range dangerous {
		got := rows[i+1][col]
		want := text
		if !strings.HasPrefix(text, "Zoë") {
			want = "'" + text
		}
		if got != want {
			t.Errorf("cell %q, want %q", got, want)
		}
	}
	if rows[1][len(survey.CSVHeader)+2] != "1 – Not important" {
		t.Errorf("scale cell %q, want the point with its name", rows[1][len(survey.CSVHeader)+2])
	}
}

// TestSurveyRepeatsShown: a browser answering twice is counted twice and
// shown as one repeat; the token is per browser, not per address.
func TestSurveyRepeatsShown(t *testing.T) {
	in := newEnv(t).start(nil)
	id := in.everyKindSurvey(t)
	path := fmt.Sprintf("/api/v1/surveys/%d/responses", id)
	body := map[string]any{"answers": map[string]any{"priority": "Transport", "importance": 4}}
	same := "workshops_survey=" + strings.Repeat("ab", 16)
	other := "workshops_survey=" + strings.Repeat("cd", 16)
	for _, cookie := range []string{same, same, same, other, ""} {
		var r response
		if cookie == "" {
			r = in.do("POST", path, body)
		} else {
			r = in.do("POST", path, body, "Cookie", cookie)
		}
		if r.status != http.StatusCreated {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
	res := in.surveyResults(t, id, "")
	counts, _ := countsOf(res)
	if res["responses"].(float64) != 5 || res["repeats"].(float64) != 2 || counts["priority"]["Transport"] != 5 {
		t.Errorf("responses %v, repeats %v, Transport %d: want 5, 2 (the same browser's second and third), 5",
			res["responses"], res["repeats"], counts["priority"]["Transport"])
	}
	r := in.admin("GET", fmt.Sprintf("/api/v1/admin/surveys/%d/responses.csv", id), nil)
	rows, _ := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.body, []byte("\uFEFF")))).ReadAll()
	var marks []string
	for _, row := range rows[1:] {
		marks = append(marks, row[4])
	}
	if strings.Join(marks, ",") != "No,Yes,Yes,No,No" {
		t.Errorf("repeat column %v, want No,Yes,Yes,No,No", marks)
	}
}

// TestSurveyBuildRefused: a survey that cannot be answered is refused,
// naming what is wrong, and the admin API needs its token.
func TestSurveyBuildRefused(t *testing.T) {
	in := newEnv(t).start(nil)
	now := in.env.clock.Now()
	r := in.admin("POST", "/api/v1/admin/surveys", map[string]any{
		"title": "Bad", "opens_at": now.Format(time.RFC3339), "closes_at": now.Add(-time.Hour).Format(time.RFC3339),
		"questions": []map[string]any{
			{"id": "a", "type": "one", "text": "Only one option", "options": []string{"Yes"}},
			{"id": "a", "type": "text", "text": "Same id"},
			{"id": "b", "type": "slider", "text": "Unknown kind"},
			{"id": "c", "type": "scale", "text": "Scale", "options": []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"}},
		},
		"workshop_id": 999,
	})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("%d %s, want 422", r.status, r.body)
	}
	fields := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)
	for _, f := range []string{"closes_at", "questions.0.options", "questions.1.id", "questions.2.type", "questions.3.options"} {
		if _, ok := fields[f]; !ok {
			t.Errorf("fields %v, want %s named", fields, f)
		}
	}
	if r := in.do("POST", "/api/v1/admin/surveys", map[string]any{"title": "x"}); r.status != http.StatusUnauthorized {
		t.Errorf("without the token: %d, want 401", r.status)
	}
	if list := in.admin("GET", "/api/v1/admin/surveys", nil).json(t)["surveys"].([]any); len(list) != 0 {
		t.Errorf("surveys %v, want none stored", list)
	}
}

// TestSurveyRetention: once a survey has been closed for the retention
// time, its free text and browser marks go; the counts stay.
func TestSurveyRetention(t *testing.T) {
	in := newEnv(t).start(nil)
	id := in.everyKindSurvey(t)
	path := fmt.Sprintf("/api/v1/surveys/%d/responses", id)
	body := map[string]any{"answers": map[string]any{"priority": "Jobs", "importance": 3, "ideas": "Call me, Jo Bloggs, 07700 900123"}}
	in.do("POST", path, body, "Cookie", "workshops_survey="+strings.Repeat("ab", 16))
	in.do("POST", path, body, "Cookie", "workshops_survey="+strings.Repeat("ab", 16))
	keep := 90 * 24 * time.Hour
	svc := &survey.Service{Store: in.db, Clock: in.env.clock, Keep: keep}
	ctx := context.Background()

	in.env.clock.Advance(7*24*time.Hour + keep - time.Hour) // closed, not yet for the whole time
	if n, err := svc.RunRetention(ctx, in.env.clock.Now()); err != nil || n != 0 {
		t.Fatalf("before its time: removed %d, %v", n, err)
	}
	in.env.clock.Advance(time.Hour)
	if n, err := svc.RunRetention(ctx, in.env.clock.Now()); err != nil || n != 2 {
		t.Fatalf("at its time: removed %d, %v; want 2", n, err)
	}
	res := in.surveyResults(t, id, "")
	counts, answered := countsOf(res)
	if res["responses"].(float64) != 2 || counts["priority"]["Jobs"] != 2 || answered["ideas"] != 0 || res["repeats"].(float64) != 0 {
		t.Errorf("after retention: %v", res)
	}
	if n, err := svc.RunRetention(ctx, in.env.clock.Now()); err != nil || n != 0 {
		t.Errorf("again: removed %d, %v; want 0", n, err)
	}
}
