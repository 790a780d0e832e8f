package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A ballot session's public page asks people to apply, with the closing
// time and a link to how the draw works; the form names each field at
// fault, then takes the application and gives its reference.
func TestBallotApplyPage(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	id := in.ballotSession(10, 5)
	sid := itoa(id)

	r := in.page("/sessions/" + sid)
	if r.status != http.StatusOK {
		t.Fatalf("session page: %d", r.status)
	}
	r.mustContain(t, "Apply for a place", "given out by a ballot", `href="/ballots/how-the-draw-works"`,
		`action="/sessions/`+sid+`/apply"`, "Which area of the city do you live or work in?", "Foleshill", "Prefer not to say")
	if strings.Contains(r.text(), "places left") {
		t.Error("the ballot's page counts places left, as if first come, first served")
	}
	w := in.page("/workshops/" + itoa(int64(in.do("GET", "/api/v1/sessions/"+sid, nil).json(t)["workshop"].(map[string]any)["id"].(float64))))
	w.mustContain(t, "Apply for a place", "10 places, given by ballot", "Places are given by a ballot, not first come, first served. Apply by ")
	if strings.Contains(w.text(), "places left") || strings.Contains(w.text(), "Book a place") {
		t.Error("the workshop page offers the ballot's places first come, first served")
	}

	r = in.form("/sessions/"+sid+"/apply", url.Values{})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("empty form: %d", r.status)
	}
	r.mustContain(t, "govuk-error-summary", `href="#mode"`, `href="#area"`, `href="#name"`, `href="#email"`, `href="#consent"`)

	form := url.Values{"mode": {"online"}, "area": {"foleshill"}, "name": {"Asha <b>Patel</b>"},
		"email": {"asha@example.org"}, "consent": {"yes"}}
	r = in.form("/sessions/"+sid+"/apply", form)
	if r.status != http.StatusOK {
		t.Fatalf("apply: %d %s", r.status, r.body)
	}
	r.mustContain(t, "Application received", `id="application-reference"`, "online")
	r = in.form("/sessions/"+sid+"/apply", form)
	if r.status != http.StatusConflict {
		t.Fatalf("applying twice: %d", r.status)
	}
	r.mustContain(t, "govuk-error-summary", "already applied")

	in.page("/ballots/how-the-draw-works").mustContain(t, "How the ballot draw works", "largest fractions", "ChaCha8", "Fisher–Yates")

	e.clock.Advance(24*time.Hour + time.Minute)
	r = in.page("/sessions/" + sid)
	r.mustContain(t, "Applications for this session have closed")
	if strings.Contains(r.text(), `id="apply-form"`) {
		t.Error("the closed ballot still offers its form")
	}
}

// The organisers' draw page: counts before, the seed form once closed (the
// error summary for an empty seed), the results after; the session page
// links to it.
func TestOrganiserDrawPage(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	id := in.ballotSession(3, 2)
	sid := itoa(id)
	in.applyMany(id, 12)
	auth := []string{"Authorization", "Bearer " + adminToken, "Accept", "text/html"}

	in.do("GET", "/admin/sessions/"+sid, nil, auth...).mustContain(t, `href="/admin/sessions/`+sid+`/draw"`)
	r := in.do("GET", "/admin/sessions/"+sid+"/draw", nil, auth...)
	r.mustContain(t, "Ballot draw", "In person: 8 applications", "You can draw the places once applications have closed")
	if strings.Contains(r.text(), `id="draw-form"`) {
		t.Error("the draw is offered before applications close")
	}

	e.clock.Advance(24*time.Hour + time.Minute)
	in.do("GET", "/admin/sessions/"+sid+"/draw", nil, auth...).mustContain(t, `id="draw-form"`)
	r = in.form("/admin/sessions/"+sid+"/draw", url.Values{"seed": {""}}, auth...)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("draw without a seed: %d", r.status)
	}
	r.mustContain(t, "govuk-error-summary", `href="#seed"`)

	r = in.form("/admin/sessions/"+sid+"/draw", url.Values{"seed": {"<i>4 11 19</i>"}}, auth...)
	if loc := r.location(t); loc != "/admin/sessions/"+sid+"/draw?done=drawn" {
		t.Fatalf("after the draw: %s", loc)
	}
	r = in.do("GET", "/admin/sessions/"+sid+"/draw?done=drawn", nil, auth...)
	r.mustContain(t, "The places have been drawn", "&lt;i&gt;4 11 19&lt;/i&gt;", `id="results-in_person"`, "3 of 3 places given, 5 on the waiting list")
}
