package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestSurveyFormAnsweredMeanwhile: the builder, opened before anyone
// answered, cannot save changed questions once someone has: the save is
// refused as the API refuses it (409, naming the questions) and nothing
// changes, not the title either, rather than the new title saved and the
// questions typed dropped without a word. Saved unchanged, it still saves.
func TestSurveyFormAnsweredMeanwhile(t *testing.T) {
	in := newEnv(t).start(nil)
	now := in.env.clock.Now()
	r := in.admin("POST", "/api/v1/admin/surveys", surveyBody(now, 7, "Did you like it?"))
	id := int64(r.json(t)["id"].(float64))
	results := fmt.Sprintf("/admin/surveys/%d", id)

	page := in.orgPage("", results+"/edit")
	if !strings.Contains(string(page.body), `name="q1-text"`) {
		t.Fatalf("edit page before any answer offers no questions: %s", page.body)
	}
	if r := in.do("POST", fmt.Sprintf("/api/v1/surveys/%d/responses", id), map[string]any{"answers": map[string]any{"liked": "Yes"}}); r.status != http.StatusCreated {
		t.Fatalf("answer: %d %s", r.status, r.body)
	}
	v := formValuesOf(t, string(page.body))
	v.Set("q1-text", "Was the workshop useful?")
	v.Set("title", "After the workshop in Foleshill")
	r = in.orgForm("", results, v)
	if r.status != http.StatusConflict || !strings.Contains(string(r.body), "its questions cannot change") {
		t.Errorf("save of changed questions after an answer: %d, want 409 saying the questions cannot change: %s", r.status, r.body)
	}
	after := in.admin("GET", "/api/v1/admin/surveys/"+itoa(id), nil).json(t)
	if q := after["questions"].([]any)[0].(map[string]any); after["title"] != "After the workshop" || q["text"] != "Did you like it?" {
		t.Errorf("after the refused save: %v", after)
	}

	// The same form with the questions as they were saves the title.
	v.Set("q1-text", "Did you like it?")
	r = in.orgForm("", results, v)
	if loc := r.location(t); loc != results+"?done=survey_changed" {
		t.Fatalf("save of the title alone: went to %s", loc)
	}
	if after := in.admin("GET", "/api/v1/admin/surveys/"+itoa(id), nil).json(t); after["title"] != "After the workshop in Foleshill" {
		t.Errorf("title not saved: %v", after)
	}
}
