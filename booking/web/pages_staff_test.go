package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestStaffRouteNotSetUp(t *testing.T) {
	in := newEnv(t).start(nil) // no STAFF_EMAIL_DOMAINS
	sid := in.session(in.workshop("workforce"), 5, 0)
	r := in.page("/staff")
	if r.status != http.StatusOK {
		t.Fatalf("/staff: %d", r.status)
	}
	r.mustContain(t, `id="staff-not-set-up"`, "not set up")
	if strings.Contains(r.text(), "/staff/sessions/") {
		t.Error("a staff route that is not set up lists sessions")
	}
	for _, path := range []string{"/staff/sessions/" + itoa(sid)} {
		if r := in.form(path, url.Values{"mode": {"in_person"}}); r.status != http.StatusServiceUnavailable ||
			!strings.Contains(r.text(), "not set up") {
			t.Errorf("POST %s: %d", path, r.status)
		}
	}
	if live, booked := in.env.counts(sid); live["in_person"] != 0 || booked["in_person"] != 0 {
		t.Fatalf("booked while not set up: %v %v", live, booked)
	}
}

func TestStaffPagesRenderAndKeepWhatWasTyped(t *testing.T) {
	in := startStaff(t)
	sid := in.session(in.workshop("workforce"), 2, 2)
	r := in.page("/staff/sessions/" + itoa(sid))
	r.mustContain(t, "How would you like to take part?", `value="in_person"`, `value="online"`, `action="/staff/sessions/`+itoa(sid)+`"`)
	if r = in.form("/staff/sessions/"+itoa(sid), url.Values{}); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("no mode: %d", r.status)
	}
	r.mustContain(t, `<a href="#mode">Select how you would like to take part</a>`)

	detailsURL := in.staffHold(t, sid, "in_person")
	v := hidden(in.page(detailsURL).text())
	v.Set("name", "")
	v.Set("email", "ada@coventry.gov.uk")
	v.Set("access_needs", "Step-free <access>")
	r = in.form(staffAction(detailsURL, "details"), v)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("no name: %d", r.status)
	}
	r.mustContain(t, `<a href="#name">Enter your full name</a>`, `<a href="#consent">`, `value="ada@coventry.gov.uk"`, "Step-free &lt;access&gt;")

	// Changing the way of taking part from "Check your answers" comes back
	// there with the new place and the same answers.
	for k, vals := range staffDetails("Ada Lovelace", "ada@coventry.gov.uk") {
		v[k] = vals
	}
	r = in.form(staffAction(detailsURL, "details"), v)
	check := hidden(r.text())
	check.Set("previous", between(detailsURL, "/staff/holds/", "/details"))
	r = in.form("/staff/sessions/"+itoa(sid)+"/change", check)
	r.mustContain(t, "How would you like to take part?", `name="carry" value="yes"`)
	again := hidden(r.text())
	again.Set("mode", "online")
	r = in.form("/staff/sessions/"+itoa(sid), again)
	if r.status != http.StatusOK {
		t.Fatalf("change of mode: %d %s", r.status, r.body)
	}
	r.mustContain(t, "Check your answers before booking your place", "Online (Microsoft Teams)", `id="check-email">`)
	r = in.form(between(r.text(), `<form method="post" action="`, `"`), hidden(r.text()))
	if sent := r.location(t); !strings.HasPrefix(sent, "/staff/bookings/") {
		t.Fatalf("booking after the change: %q", sent)
	}
	if live, _ := in.env.counts(sid); live["online"] != 1 || live["in_person"] != 0 {
		t.Errorf("bookings %v, want one online", live)
	}
}
