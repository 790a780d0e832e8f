package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// page fetches a page as a browser would.
func (in *instance) page(path string) response {
	return in.do("GET", path, nil, "Accept", "text/html")
}

func (r response) text() string { return string(r.body) }

// mustContain fails unless the body holds every one of want.
func (r response) mustContain(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(string(r.body), w) {
			t.Errorf("status %d: page does not contain %q:\n%s", r.status, w, r.body)
		}
	}
}

func TestCouncilPagesRender(t *testing.T) {
	in := newEnv(t).start(nil)
	for path, h1 := range map[string]string{
		"/accessibility": "Accessibility statement for Book a One Coventry Plan workshop",
		"/privacy":       "Privacy notice",
		"/cookies":       "Cookies",
	} {
		r := in.page(path)
		if r.status != http.StatusOK {
			t.Fatalf("%s: status %d", path, r.status)
		}
		r.mustContain(t, `<html lang="en"`, `id="page-heading">`+h1+`</h1>`, "Coventry City Council", `href="#main-content"`)
		if got := r.header.Get("Content-Security-Policy"); !strings.Contains(got, "script-src 'self'") {
			t.Errorf("%s: CSP %q", path, got)
		}
	}
}

// startHold takes a hold through the session page and returns the address
// of "Your details".
func (in *instance) startHold(t *testing.T, sessionID int64, mode string) string {
	t.Helper()
	return in.form("/sessions/"+itoa(sessionID), url.Values{"mode": {mode}}).location(t)
}

// holdAction is the address of a hold's page, from the "Your details" address.
func holdAction(detailsURL, page string) string {
	return "/holds/" + between(detailsURL, "/holds/", "/details") + "/" + page
}

func TestEveryPageRenders(t *testing.T) {
	in := newEnv(t).start(nil)
	w := in.workshop("public")
	sid := in.session(w, 5, 3)
	_, confirmed := in.bookThroughPages(t, sid, "in_person", "Ada Lovelace")
	ref := between(confirmed, "/bookings/", "/confirmed")
	token := between(confirmed, "token=", "&")

	pages := map[string]string{
		"/":                                    "Book a One Coventry Plan workshop",
		"/workshops/" + itoa(w):                "One Coventry Plan: have your say",
		"/sessions/" + itoa(sid):               "How would you like to take part?",
		in.startHold(t, sid, "online"):         "Your details",
		confirmed:                              "Booking confirmed",
		"/bookings/" + ref + "?token=" + token: "Your booking",
		"/bookings/" + ref + "/cancel?token=" + token: "Are you sure you want to cancel your place?",
		"/bookings/" + ref + "/switch?token=" + token: "Take part online instead",
		"/accessibility": "Accessibility statement for Book a One Coventry Plan workshop",
		"/privacy":       "Privacy notice",
		"/cookies":       "Cookies",
	}
	for path, h1 := range pages {
		r := in.page(path)
		if r.status != http.StatusOK {
			t.Errorf("%s: status %d", path, r.status)
			continue
		}
		r.mustContain(t, `<html lang="en"`, `id="page-heading">`+h1+`</h1>`, `href="#main-content"`,
			`<a href="/" class="govuk-generic-header__homepage-link" id="council-name">Coventry City Council</a>`,
			`href="/accessibility"`, `href="/privacy"`, `href="/cookies"`, "/js/supported.js", "/css/app.css")
		body := r.text()
		for _, bad := range []string{"<script>", "style=", "GDS Transport", "govuk-header__logotype", `src="http`, `href="//`, `<link rel="stylesheet" href="http`} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: page contains %q", path, bad)
			}
		}
		if got := r.header.Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", path, got)
		}
		if r.header.Get("Referrer-Policy") != "no-referrer" || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: headers %v", path, r.header)
		}
	}

	// Pages that are not there, or not for the public.
	r := in.page("/no-such-page")
	if r.status != http.StatusNotFound {
		t.Errorf("unknown page: %d", r.status)
	}
	r.mustContain(t, "Page not found")
	if r := in.do("GET", "/no-such-page", nil); r.errorCode() != "not_found" {
		t.Errorf("an API client still gets JSON: %d %s", r.status, r.body)
	}
	// "/bookings/" + ref without a token is a page of its own (pages_copy_test.go).
	for _, path := range []string{"/workshops/99999", "/sessions/99999", "/sessions/x", "/bookings/" + ref + "?token=wrong"} {
		if r := in.page(path); r.status != http.StatusNotFound || !strings.Contains(r.text(), "Page not found") {
			t.Errorf("%s: %d", path, r.status)
		}
	}
	staff := in.session(in.workshop("workforce"), 5, 5)
	r = in.page("/sessions/" + itoa(staff))
	if r.status != http.StatusForbidden {
		t.Errorf("workforce session on the public route: %d", r.status)
	}
	r.mustContain(t, "/staff")
	if r := in.form("/sessions/"+itoa(staff), url.Values{"mode": {"online"}}); r.status != http.StatusForbidden {
		t.Errorf("workforce hold on the public route: %d", r.status)
	}
}

func TestFormsShowErrorsAndKeepWhatWasTyped(t *testing.T) {
	in := newEnv(t).start(nil)
	// Two places each way: with one the page would say, not ask, the way
	// left once the hold below takes it (pages_online_test.go).
	sid := in.session(in.workshop("public"), 2, 2)

	// No choice made.
	r := in.form("/sessions/"+itoa(sid), url.Values{})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("no mode: %d", r.status)
	}
	r.mustContain(t, "<title>Error: How would you like to take part?", `class="govuk-error-summary"`,
		`<a href="#mode">Select how you would like to take part</a>`, `id="mode-error"`)

	// Details with mistakes come back with every field as typed.
	detailsURL := in.startHold(t, sid, "in_person")
	v := hidden(in.page(detailsURL).text())
	v.Set("name", "")
	v.Set("email", "ada at example")
	v.Set("organisation", "Foleshill Women's Group")
	v.Set("postcode", "not a postcode")
	v.Set("access_needs", "Step-free access")
	r = in.form(holdAction(detailsURL, "details"), v)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad details: %d %s", r.status, r.body)
	}
	r.mustContain(t, "<title>Error: Your details", `<a href="#name">`, `<a href="#email">`, `<a href="#postcode">`, `<a href="#consent">`,
		`value="ada at example"`, `value="Foleshill Women&#39;s Group"`, `value="not a postcode"`, ">Step-free access</textarea>",
		`id="email-error"`, `aria-describedby="email-hint email-error"`, "govuk-input--error")
	// The summary lists the fields in the order of the page.
	body := r.text()
	if strings.Index(body, `href="#name"`) > strings.Index(body, `href="#email"`) || strings.Index(body, `href="#postcode"`) > strings.Index(body, `href="#consent"`) {
		t.Errorf("error summary out of page order")
	}

	// "Change" on "Check your answers" shows the form filled in.
	for k, vals := range details("Ada Lovelace") {
		v[k] = vals
	}
	check := in.form(holdAction(detailsURL, "details"), v)
	back := hidden(check.text())
	back.Set("change", "email")
	r = in.form(holdAction(detailsURL, "details"), back)
	if r.status != http.StatusOK {
		t.Fatalf("change: %d", r.status)
	}
	r.mustContain(t, `id="page-heading">Your details</h1>`, `value="Ada Lovelace"`, `value="ada@example.org"`, `value="CV1 5RR"`, `id="consent" name="consent" type="checkbox" value="yes" checked`)

	// Changing how to take part from "Check your answers" keeps the details
	// and comes back to "Check your answers" with the new choice.
	change := hidden(check.text())
	change.Set("previous", between(detailsURL, "/holds/", "/details")) // the button's name and value
	r = in.form("/sessions/"+itoa(sid)+"/change", change)
	r.mustContain(t, "How would you like to take part?", `name="carry" value="yes"`, `name="name" value="Ada Lovelace"`)
	again := hidden(r.text())
	again.Set("mode", "online")
	r = in.form("/sessions/"+itoa(sid), again)
	if r.status != http.StatusOK {
		t.Fatalf("change mode: %d %s", r.status, r.body)
	}
	r.mustContain(t, "Check your answers before booking your place", `id="check-mode">Online (Microsoft Teams)`, "Ada Lovelace")
	// The in-person hold was given back at once.
	if got := in.svc.Holds.Held(context.Background(), sid, booking.InPerson, in.env.clock.Now()); got != 0 {
		t.Errorf("%d in-person holds left after changing to online", got)
	}
}

// A name with HTML in it is shown as text on every page it appears on.
func TestHTMLInNamesIsEscapedEverywhere(t *testing.T) {
	in := newEnv(t).start(nil)
	sid := in.session(in.workshop("public"), 3, 3)
	const name = `<script>alert(1)</script>`
	const escaped = `&lt;script&gt;alert(1)&lt;/script&gt;`
	mustBeEscaped := func(where string, r response) {
		t.Helper()
		if strings.Contains(r.text(), "<script>alert") {
			t.Errorf("%s: the name is not escaped", where)
		}
		if !strings.Contains(r.text(), escaped) {
			t.Errorf("%s: the name is not shown: %s", where, r.body)
		}
	}

	detailsURL := in.startHold(t, sid, "in_person")
	v := hidden(in.page(detailsURL).text())
	for k, vals := range details(name) {
		v[k] = vals
	}
	v.Set("email", "not an email")
	mustBeEscaped("details with errors", in.form(holdAction(detailsURL, "details"), v))
	v.Set("email", "ada@example.org")
	check := in.form(holdAction(detailsURL, "details"), v)
	mustBeEscaped("check your answers", check)
	confirmed := in.form(holdAction(detailsURL, "confirm"), hidden(check.text())).location(t)
	mustBeEscaped("confirmation", in.page(confirmed))
	ref := between(confirmed, "/bookings/", "/confirmed")
	token := between(confirmed, "token=", "&")
	mustBeEscaped("manage", in.page("/bookings/"+ref+"?token="+token))

	// Stored exactly as typed.
	b, err := in.db.Booking(context.Background(), ref)
	if err != nil || b.Name != name {
		t.Fatalf("stored name %q, %v", b.Name, err)
	}
}

func TestBookingWhenTheHoldHasRunOut(t *testing.T) {
	in := newEnv(t).start(nil)
	sid := in.session(in.workshop("public"), 2, 0)
	detailsURL := in.startHold(t, sid, "in_person")
	v := hidden(in.page(detailsURL).text())
	for k, vals := range details("Ada Lovelace") {
		v[k] = vals
	}
	check := in.form(holdAction(detailsURL, "details"), v)
	in.env.clock.Advance(11 * time.Minute)
	r := in.page(detailsURL)
	r.mustContain(t, "The time we held your place for ran out at")
	r.hasNot(t, "We are holding a place", "Time left")
	confirmed := in.form(holdAction(detailsURL, "confirm"), hidden(check.text())).location(t)
	in.page(confirmed).mustContain(t, "Booking confirmed")

	// The same person (name and email) again: back to the form, with the
	// email at fault.
	detailsURL = in.startHold(t, sid, "in_person")
	v = hidden(in.page(detailsURL).text())
	for k, vals := range details("Ada Lovelace") {
		v[k] = vals
	}
	check = in.form(holdAction(detailsURL, "details"), v)
	r = in.form(holdAction(detailsURL, "confirm"), hidden(check.text()))
	if r.status != http.StatusConflict {
		t.Fatalf("duplicate: %d %s", r.status, r.body)
	}
	r.mustContain(t, `<a href="#email">You have already booked`, `value="ada@example.org"`)
}

func TestFullSessionsSaySo(t *testing.T) {
	in := newEnv(t).start(nil)
	w := in.workshop("public")
	sid := in.session(w, 1, 0)
	in.bookThroughPages(t, sid, "in_person", "Ada Lovelace")

	in.page("/workshops/"+itoa(w)).mustContain(t, "Full: no places left", "This session is full.")
	in.page("/sessions/"+itoa(sid)).mustContain(t, `id="page-heading">This session is full</h1>`, `id="mode-in_person-full"`)
	r := in.form("/sessions/"+itoa(sid), url.Values{"mode": {"in_person"}})
	if r.status != http.StatusUnprocessableEntity && r.status != http.StatusConflict {
		t.Fatalf("hold on a full session: %d", r.status)
	}
	if live, _ := in.env.counts(sid); live["in_person"] != 1 {
		t.Errorf("live bookings %v", live)
	}
}
