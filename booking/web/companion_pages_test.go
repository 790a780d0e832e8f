package web_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestCompanionPages walks a pair through the pages without a browser: two
// places held from the session page, the companion's name asked for, the
// way of taking part changed from "Check your answers" with the companion
// kept, and both places booked in the new way.
func TestCompanionPages(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 3, 3)

	// A staff-style answer the public question does not have is refused.
	if r := in.form("/sessions/"+itoa(sid), url.Values{"mode": {"in_person"}, "places": {"3"}}); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("places 3: %d", r.status)
	}
	detailsURL := in.form("/sessions/"+itoa(sid), url.Values{"mode": {"in_person"}, "places": {"2"}}).location(t)
	in.page(detailsURL).mustContain(t, "holding 2 places, for you and your companion or carer", `name="companion" value="yes"`)

	v := details("Ada Lovelace")
	v.Set("companion", "yes")
	r := in.form(holdAction(detailsURL, "details"), v)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("no companion's name: %d", r.status)
	}
	r.mustContain(t, `href="#companion.name"`, "Enter the full name of your companion or carer")

	v.Set("companion.name", "Charles Babbage")
	check := in.form(holdAction(detailsURL, "details"), v)
	check.mustContain(t, `id="check-companion"`, "Charles Babbage", "Book both places")

	// Change how to take part: the companion is still coming.
	change := hidden(check.text())
	change.Set("previous", between(detailsURL, "/holds/", "/details"))
	r = in.form("/sessions/"+itoa(sid)+"/change", change)
	r.mustContain(t, `id="places-2" name="places" type="radio" value="2" checked`)
	again := hidden(r.text())
	again.Set("mode", "online")
	again.Set("places", "2")
	r = in.form("/sessions/"+itoa(sid), again)
	r.mustContain(t, "Check your answers before booking your place", `id="check-mode">Online (Microsoft Teams)`, "Charles Babbage")

	// Booked under the new hold, the one the page's form names.
	confirmed := in.form("/holds/"+between(r.text(), `action="/holds/`, `/confirm"`)+"/confirm", hidden(r.text())).location(t)
	in.page(confirmed).mustContain(t, `id="pair-name">Charles Babbage`)
	if live, booked := e.counts(sid); live["online"] != 2 || booked["online"] != 2 || live["in_person"] != 0 {
		t.Errorf("live %v, booked %v; want the pair online", live, booked)
	}
}
