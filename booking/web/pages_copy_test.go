package web_test

import (
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/web"
)

// withConfig is the instance served with cfg (its base URL and admin token
// as start's), over the same service.
func (in *instance) withConfig(cfg web.Config) *instance {
	cfg.BaseURL, cfg.AdminToken = "http://test.example", adminToken
	srv := web.New(cfg, web.Deps{Service: in.svc, Postgres: in.db, Redis: pinger{in.rdb},
		Logger: slog.New(slog.NewJSONHandler(&in.env.logs, nil))})
	out := *in
	out.handler = srv.Handler()
	return &out
}

// Emails and calendar invites link to /bookings/REF without the token: the
// page says where the link is, the same for every reference, and shows
// nothing of the booking.
func TestBookingAddressWithoutTokenSaysWhereTheLinkIs(t *testing.T) {
	in := newEnv(t).start(nil).withConfig(web.Config{OrganiserEmail: "engagement@coventry.gov.uk"})
	sid := in.session(in.workshop("public"), 5, 3)
	_, confirmed := in.bookThroughPages(t, sid, "in_person", "Ada Lovelace")
	ref := between(confirmed, "/bookings/", "/confirmed")

	r := in.page("/bookings/" + ref)
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", r.status, r.body)
	}
	r.mustContain(t, `id="page-heading">Your booking</h1>`, "Booking reference: <strong>"+ref+"</strong>",
		"To see, change or cancel your booking, use the link in the confirmation email we sent you.",
		`If you cannot find it, <a class="govuk-link" href="/booking-link" id="booking-link">get the link to your booking again</a>.`,
		"If that does not work, contact us at", `href="mailto:engagement@coventry.gov.uk"`)
	for _, secret := range []string{"Ada Lovelace", "ada@example.org", "One Coventry Plan: have your say", "Council House", "token="} {
		if strings.Contains(r.text(), secret) {
			t.Errorf("the page without the token shows %q", secret)
		}
	}
	// A reference that does not exist gets the very same page.
	other := "ZZZZ-ZZZZ"
	if ref == other {
		other = "YYYY-YYYY"
	}
	unknown := in.page("/bookings/" + other)
	if unknown.status != http.StatusOK || strings.ReplaceAll(unknown.text(), other, ref) != r.text() {
		t.Errorf("an unknown reference gets another page: %d\n%s", unknown.status, unknown.body)
	}
	// Words put in the address are not shown as a reference.
	crafted := in.page("/bookings/" + url.PathEscape("Call 0800 000 000 to pay"))
	if crafted.status != http.StatusOK || strings.Contains(crafted.text(), "0800") || strings.Contains(crafted.text(), "Booking reference") {
		t.Errorf("crafted reference: %d\n%s", crafted.status, crafted.body)
	}
	// With the token it is still the booking's own page.
	token := between(confirmed, "token=", "&")
	in.page("/bookings/"+ref+"?token="+token).mustContain(t, "Ada Lovelace", `id="cancel-booking"`)
	if r := in.page("/bookings/" + ref + "?token=wrong"); r.status != http.StatusNotFound {
		t.Errorf("a wrong token: %d", r.status)
	}
	// Without a configured address the pages give the council's.
	newEnv(t).start(nil).page("/bookings/"+ref).mustContain(t, `href="mailto:consultation@coventry.gov.uk"`)
}

// A form post over the body limit is refused with 413 and a page saying
// what was too long, before the page can read a cut-off form.
func TestLongFormIsRefusedWithAClearPage(t *testing.T) {
	in := newEnv(t).start(nil)
	sid := in.session(in.workshop("public"), 5, 3)
	detailsURL := in.startHold(t, sid, "in_person")
	v := hidden(in.page(detailsURL).text())
	for k, vals := range details("Ada Lovelace") {
		v[k] = vals
	}
	v.Set("access_needs", strings.Repeat("a", 70000))
	for name, body := range map[string]func() io.Reader{
		"with a length": func() io.Reader { return strings.NewReader(v.Encode()) },
		"chunked":       func() io.Reader { return io.MultiReader(strings.NewReader(v.Encode())) },
	} {
		req := httptest.NewRequest("POST", holdAction(detailsURL, "details"), body())
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "text/html")
		w := httptest.NewRecorder()
		in.handler.ServeHTTP(w, req)
		r := response{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
		if r.status != http.StatusRequestEntityTooLarge {
			t.Fatalf("%s: status %d, want 413: %s", name, r.status, r.body)
		}
		r.mustContain(t, `id="page-heading">What you sent was too long</h1>`, "Access needs must be 2000 characters or fewer",
			"We have not kept anything from this form.")
	}
	// The hold is still there to finish the booking, and nothing was booked.
	if r := in.page(detailsURL); r.status != http.StatusOK {
		t.Errorf("the hold went with the long form: %d", r.status)
	}
	if live, _ := in.env.counts(sid); live["in_person"] != 0 {
		t.Errorf("booked from a long form: %v", live)
	}
	// The waiting list's form too.
	full := in.session(in.workshop("public"), 1, 0)
	in.bookPerson(full, booking.InPerson, "Grace Hopper", "grace@example.org")
	w := details("Bo Diddley")
	w.Set("mode", "in_person")
	w.Set("access_needs", strings.Repeat("b", 70000))
	if r := in.form("/sessions/"+itoa(full)+"/waitlist", w); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("waiting list: %d, want 413", r.status)
	}
	// The JSON API keeps its own answer.
	if r := in.do("POST", "/api/v1/sessions/"+itoa(sid)+"/bookings", `{"name":"`+strings.Repeat("x", 70<<10)+`"}`); r.errorCode() != "too_large" {
		t.Errorf("API: %d %s", r.status, r.body)
	}
}

// The fields stop typing where validation would refuse.
func TestFieldsHaveMaxLengths(t *testing.T) {
	in := newEnv(t).start(nil)
	sid := in.session(in.workshop("public"), 5, 3)
	r := in.page(in.startHold(t, sid, "online"))
	r.mustContain(t, `id="name" name="name" type="text" value="" autocomplete="name" maxlength="100"`,
		`id="email" name="email" type="email" value="" autocomplete="email" maxlength="254"`,
		`id="organisation" name="organisation" type="text" value="" autocomplete="organization" maxlength="200"`,
		`id="postcode" name="postcode" type="text" value="" autocomplete="postal-code" maxlength="10"`,
		`id="access_needs" name="access_needs" rows="5" maxlength="2000"`)
	// What a browser lets through is accepted: each field at its limit
	// (access needs with CRLF line breaks, each counted as one).
	v := hidden(r.text())
	for k, vals := range details(strings.Repeat("A", 100)) {
		v[k] = vals
	}
	v.Set("email", strings.Repeat("a", 64)+"@"+strings.Repeat("b", 63)+"."+strings.Repeat("c", 63)+"."+strings.Repeat("d", 61))
	v.Set("organisation", strings.Repeat("O", 200))
	v.Set("postcode", "CV1 5RR")
	v.Set("access_needs", strings.Repeat("x\r\n", 999)+"xy")
	if len(v.Get("email")) != 254 || len(strings.ReplaceAll(v.Get("access_needs"), "\r\n", "\n")) != 2000 {
		t.Fatal("the test's values are not at the limits")
	}
	if r := in.form(holdAction(in.startHold(t, sid, "online"), "details"), v); r.status != http.StatusOK {
		t.Fatalf("values at the limits refused: %d %s", r.status, r.body)
	}
}

// The waiting-list pages say how long an offered place is kept.
func TestWaitlistPagesSayHowLongAPlaceIsKept(t *testing.T) {
	e := newEnv(t)
	base := e.start(nil)
	sid := base.session(base.workshop("public"), 1, 0)
	base.bookPerson(sid, booking.InPerson, "Grace Hopper", "grace@example.org")
	join := "/sessions/" + itoa(sid) + "/waitlist?mode=in_person"
	wantWaitlistPage(t, base.wlPage(join), http.StatusOK,
		"keep the place for them for 24 hours, or until 2 hours before the session starts if that is sooner.")
	in := base.withConfig(web.Config{OfferTTL: 90 * time.Minute})
	wantWaitlistPage(t, in.wlPage(join), http.StatusOK, "for 1 hour 30 minutes, or until 2 hours before the session starts if that is sooner")
	v := details("Bo Diddley")
	v.Set("mode", "in_person")
	r := in.wlSubmit("/sessions/"+itoa(sid)+"/waitlist", v)
	entry := r.location(t)
	wantWaitlistPage(t, in.wlPage(entry), http.StatusOK,
		"We will keep the place for you for 1 hour 30 minutes, or until 2 hours before the session starts if that is sooner, and the email will say until when.")
	if strings.Contains(in.wlPage(entry).text(), "for a while") {
		t.Error("the entry page still says for a while")
	}
}

// Copy a newcomer tripped over: the workshop caption, the waiting-list
// links of a full session, the start page, and the staff route's contact.
func TestPagesSayWhatTheyMean(t *testing.T) {
	in := newEnv(t).start(nil).withConfig(web.Config{OrganiserEmail: "engagement@coventry.gov.uk"})
	w := in.workshop("public")
	sid := in.session(w, 1, 1)
	in.bookPerson(sid, booking.InPerson, "Grace Hopper", "grace@example.org")
	in.bookPerson(sid, booking.Online, "Alan Turing", "alan@example.org")

	r := in.page("/workshops/" + itoa(w))
	r.mustContain(t, `<span class="govuk-caption-l">Workshop</span>`)
	if strings.Contains(r.text(), `caption-l">One Coventry Plan workshop`) {
		t.Error("the workshop page is captioned as a One Coventry Plan workshop")
	}

	r = in.page("/sessions/" + itoa(sid))
	text := html.UnescapeString(r.text())
	for _, link := range []string{">Join the waiting list to take part in person</a>", ">Join the waiting list to take part online</a>"} {
		if strings.Count(text, link) != 1 {
			t.Errorf("full session page: %q appears %d times:\n%s", link, strings.Count(text, link), r.body)
		}
	}
	if strings.Contains(text, ">Join the waiting list<") {
		t.Error("a waiting-list link reads only Join the waiting list")
	}

	r = in.page("/")
	r.mustContain(t, "We are refreshing our plan for the decade ahead", "more than a council plan")
	if strings.Contains(r.text(), "We are writing") {
		t.Error("the start page says the plan is being written")
	}

	r = in.page("/staff") // no STAFF_EMAIL_DOMAINS
	r.mustContain(t, `id="staff-not-set-up"`, `href="mailto:engagement@coventry.gov.uk"`)
	staff := in.session(in.workshop("workforce"), 5, 5)
	r = in.form("/staff/sessions/"+itoa(staff), url.Values{"mode": {"online"}})
	if r.status != http.StatusServiceUnavailable || !strings.Contains(r.text(), "engagement@coventry.gov.uk") {
		t.Errorf("staff session while not set up: %d\n%s", r.status, r.body)
	}
}

// The attendance sheet's header reads as a sentence for a hybrid session.
func TestAttendanceHeaderSaysOnlineMidSentence(t *testing.T) {
	in := newEnv(t).start(nil)
	sid := in.session(in.workshop("public"), 5, 5)
	r := in.admin("GET", "/admin/sessions/"+itoa(sid)+"/attendance", nil)
	if r.status != http.StatusOK {
		t.Fatalf("attendance: %d", r.status)
	}
	r.mustContain(t, `id="venue">Council House, Earl Street, Coventry CV1 5RR and online (Microsoft Teams)</p>`)
}

// The lawful basis is public task, not consent: the forms ask people to
// say they have read the privacy notice, not to agree, and the notice says
// why. The JSON API keeps its consent field.
func TestPrivacyStepIsAnAcknowledgement(t *testing.T) {
	in := newEnv(t).start(nil)
	sid := in.session(in.workshop("public"), 1, 3)
	in.bookPerson(sid, booking.InPerson, "Grace Hopper", "grace@example.org")
	for name, r := range map[string]response{
		"your details":      in.page(in.startHold(t, sid, "online")),
		"join waiting list": in.wlPage("/sessions/" + itoa(sid) + "/waitlist?mode=in_person"),
	} {
		r.mustContain(t, `<label class="govuk-label govuk-checkboxes__label" for="consent">I have read the privacy notice</label>`,
			"a task in the public interest, so we do not ask for your consent.", `id="privacy-link">Read the privacy notice (opens in new tab)</a>`)
		if text := r.text(); strings.Contains(text, "agree") || strings.Contains(text, "consent to") {
			t.Errorf("%s asks people to agree:\n%s", name, r.body)
		}
	}
	in.page("/privacy").mustContain(t, "(UK GDPR Article 6(1)(e))",
		`id="not-consent">Because the consultation is a public task, we do not ask for your consent`)
	// Without the box ticked, the form says what is missing, in the same words.
	v := hidden(in.page(in.startHold(t, sid, "online")).text())
	for k, vals := range details("Ada Lovelace") {
		v[k] = vals
	}
	v.Del("consent")
	r := in.form(holdAction(in.startHold(t, sid, "online"), "details"), v)
	r.mustContain(t, `<a href="#consent">Confirm that you have read the privacy notice</a>`)
}

// The accessibility statement says when it was prepared, when the service
// was last tested and how; the council's contact address is the configured
// one on every page that gives it.
func TestAccessibilityStatementSaysWhenAndHowItWasTested(t *testing.T) {
	in := newEnv(t).start(nil).withConfig(web.Config{OrganiserEmail: "engagement@coventry.gov.uk"})
	r := in.page("/accessibility")
	r.mustContain(t, "This statement was prepared on 26 November 2026.", "This service was last tested on 4 December 2026",
		"automated checks (axe-core) for the WCAG 2.2 A and AA success criteria, in the Chromium browser",
		"with a keyboard only", "on a screen 375 pixels wide")
	for _, path := range []string{"/accessibility", "/privacy"} {
		r := in.page(path)
		r.mustContain(t, `href="mailto:engagement@coventry.gov.uk"`)
		if strings.Contains(r.text(), "consultation@coventry.gov.uk") || strings.Contains(r.text(), "@localhost") {
			t.Errorf("%s gives another contact address", path)
		}
	}
}
