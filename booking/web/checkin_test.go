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

// adminForm sends a form as a browser would, with the admin token.
func (in *instance) adminForm(path string, v url.Values) response {
	return in.do("POST", path, v.Encode(), "Content-Type", "application/x-www-form-urlencoded",
		"Authorization", "Bearer "+adminToken)
}

func TestCheckInPage(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 5, 5)
	other := in.session(in.workshop("public"), 5, 5)
	zoe := in.bookPerson(sid, booking.InPerson, "Zoë O'Neill-Łukasz", "zoe@example.org")
	in.bookPerson(sid, booking.InPerson, "<script>alert(1)</script>", "x@example.org")
	in.bookPerson(sid, booking.Online, "Omar Online", "omar@example.org")
	elsewhere := in.bookPerson(other, booking.InPerson, "Elsie Elsewhere", "elsie@example.org")
	page := "/admin/sessions/" + itoa(sid) + "/check-in"

	r := in.admin("GET", page, nil)
	if r.status != http.StatusOK {
		t.Fatalf("check-in page: %d %s", r.status, r.body)
	}
	body := string(r.body)
	if strings.Contains(body, "<script>alert(1)</script>") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("names are not escaped")
	}
	if strings.Contains(body, "<script>") && strings.Count(body, "<script") != strings.Count(body, `<script src=`)+strings.Count(body, `<script type="module" src=`) {
		t.Error("an inline script on the page")
	}
	// A week ahead: no button that would only be refused, and when
	// check-in opens, in the council's time.
	sess, err := in.db.Session(context.Background(), sid)
	if err != nil {
		t.Fatal(err)
	}
	opens := "Check-in opens at " + booking.At(sess.StartsAt.Add(-24*time.Hour)) + ", 24 hours before the session starts."
	for _, want := range []string{`id="check-in-opens"`, opens, `id="no-shows-later"`, `id="q"`, "3 people shown"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, `id="tick-`) {
		t.Error(`a "Tick in" button a week before the session`)
	}

	// Found by name, however it is typed: no accents, any case, part of it.
	r = in.admin("GET", page+"?q="+url.QueryEscape("  LUKASZ zoe "), nil)
	if !strings.Contains(string(r.body), "1 person shown") || !strings.Contains(string(r.body), "person-"+zoe.Reference) ||
		strings.Contains(string(r.body), "Omar Online") {
		t.Errorf("search for lukasz zoe: %d %s", r.status, r.body)
	}
	if r := in.admin("GET", page+"?q="+strings.Repeat("a", 101), nil); r.status != http.StatusUnprocessableEntity {
		t.Errorf("a search too long: %d", r.status)
	}

	// Too early to tick in: the page says why.
	tick := url.Values{"reference": {zoe.Reference}, "attended": {"yes"}, "q": {"zoe"}}
	r = in.adminForm(page, tick)
	if r.status != http.StatusConflict || !strings.Contains(string(r.body), "24 hours before the session") {
		t.Errorf("tick a week early: %d %s", r.status, r.body)
	}

	e.clock.Advance(7 * 24 * time.Hour)
	if r := in.admin("GET", page, nil); !strings.Contains(string(r.body), `id="tick-`+zoe.Reference+`"`) ||
		strings.Contains(string(r.body), `id="check-in-opens"`) {
		t.Errorf(`once check-in opens, no "Tick in" for %s: %s`, zoe.Reference, r.body)
	}
	r = in.adminForm(page, tick)
	if r.status != http.StatusSeeOther {
		t.Fatalf("tick in: %d %s", r.status, r.body)
	}
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, page+"?") || !strings.Contains(loc, "q=zoe") || !strings.HasSuffix(loc, "#person-"+zoe.Reference) {
		t.Errorf("back to %q", loc)
	}
	r = in.admin("GET", strings.Split(loc, "#")[0], nil)
	if !strings.Contains(string(r.body), "is ticked in") || !strings.Contains(string(r.body), `id="undo-`+zoe.Reference+`"`) {
		t.Errorf("after ticking in, the page shows no banner or undo: %s", r.body)
	}
	if b, _ := in.db.Booking(context.Background(), zoe.Reference); b.Attended == nil || !*b.Attended {
		t.Error("not recorded as attended")
	}

	for name, c := range map[string]struct {
		form   url.Values
		status int
	}{
		"another session's booking": {url.Values{"reference": {elsewhere.Reference}, "attended": {"yes"}}, http.StatusNotFound},
		"unknown reference":         {url.Values{"reference": {"ZZZZ-ZZZZ"}, "attended": {"yes"}}, http.StatusNotFound},
		"no reference":              {url.Values{"attended": {"yes"}}, http.StatusNotFound},
		"odd attended":              {url.Values{"reference": {zoe.Reference}, "attended": {"maybe"}}, http.StatusUnprocessableEntity},
		"control character search":  {url.Values{"reference": {zoe.Reference}, "attended": {"yes"}, "q": {"a\x00b"}}, http.StatusUnprocessableEntity},
	} {
		if r := in.adminForm(page, c.form); r.status != c.status {
			t.Errorf("%s: %d, want %d", name, r.status, c.status)
		}
	}
	if b, _ := in.db.Booking(context.Background(), elsewhere.Reference); b.Attended != nil {
		t.Error("a booking of another session was ticked through this one")
	}

	// Undo, then after the session mark the no-shows.
	if r := in.adminForm(page, url.Values{"reference": {zoe.Reference}, "attended": {"clear"}}); r.status != http.StatusSeeOther {
		t.Errorf("undo: %d", r.status)
	}
	noShows := "/admin/sessions/" + itoa(sid) + "/no-shows"
	if r := in.adminForm(noShows, url.Values{}); r.status != http.StatusConflict {
		t.Errorf("no-shows before the end: %d", r.status)
	}
	e.clock.Advance(2 * time.Hour)
	if r := in.adminForm(page, tick); r.status != http.StatusSeeOther {
		t.Errorf("tick in after the end: %d", r.status)
	}
	r = in.adminForm(noShows, url.Values{})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != page+"?marked=2" {
		t.Fatalf("no-shows: %d %q", r.status, r.header.Get("Location"))
	}
	r = in.admin("GET", page+"?marked=2", nil)
	body = string(r.body)
	if !strings.Contains(body, "2 people were marked as not having come") || !strings.Contains(body, `id="no-shows-button"`) {
		t.Errorf("after marking no-shows: %s", body)
	}
	if !strings.Contains(body, `<tr class="govuk-table__row" id="counts-total">`) {
		t.Error("no counts")
	}
	if r := in.do("GET", page, nil); r.status == http.StatusOK {
		t.Error("the check-in page answered a stranger")
	}
}

// TestFacilitatorChecksPeopleIn: a facilitator signed in on a tablet ticks
// people in at their own session, and only there.
func TestFacilitatorChecksPeopleIn(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	mine := in.session(in.workshop("public"), 5, 5)
	theirs := in.session(in.workshop("public"), 5, 5)
	b := in.bookPerson(mine, booking.InPerson, "Ada Lovelace", "ada@example.org")
	other := in.bookPerson(theirs, booking.InPerson, "Bo Other", "bo@example.org")
	f := in.addOrganiser("facilitator@coventry.gov.uk", booking.RoleFacilitator)
	in.assign(f, mine)
	e.clock.Advance(7 * 24 * time.Hour) // the day: sign-ins last hours, not a week
	cookie := in.signIn(f)

	page := "/admin/sessions/" + itoa(mine) + "/check-in"
	if r := in.as(cookie, "GET", page, nil); r.status != http.StatusOK || !strings.Contains(string(r.body), "Ada Lovelace") {
		t.Fatalf("own check-in page: %d", r.status)
	}
	tick := url.Values{"reference": {b.Reference}, "attended": {"yes"}}
	r := in.do("POST", page, tick.Encode(), "Content-Type", "application/x-www-form-urlencoded", "Cookie", cookie)
	if r.status != http.StatusSeeOther {
		t.Fatalf("tick in: %d %s", r.status, r.body)
	}
	if got, _ := in.db.Booking(context.Background(), b.Reference); got.Attended == nil || !*got.Attended {
		t.Error("not ticked in")
	}
	// Another session's page, and its booking through this session's page.
	if r := in.as(cookie, "GET", "/admin/sessions/"+itoa(theirs)+"/check-in", nil); r.status != http.StatusForbidden {
		t.Errorf("another session's check-in page: %d", r.status)
	}
	sneak := url.Values{"reference": {other.Reference}, "attended": {"yes"}}
	if r := in.do("POST", page, sneak.Encode(), "Content-Type", "application/x-www-form-urlencoded", "Cookie", cookie); r.status != http.StatusNotFound {
		t.Errorf("another session's booking through this page: %d", r.status)
	}
	if r := in.as(cookie, "GET", "/api/v1/admin/people?email=ada@example.org", nil); r.status != http.StatusForbidden {
		t.Errorf("a facilitator exporting personal data: %d", r.status)
	}
	// A form posted from another site is refused.
	r = in.do("POST", page, tick.Encode(), "Content-Type", "application/x-www-form-urlencoded", "Cookie", cookie,
		"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if r.status != http.StatusForbidden {
		t.Errorf("a cross-site form: %d", r.status)
	}
	if got, _ := in.db.Booking(context.Background(), other.Reference); got.Attended != nil {
		t.Error("another session's booking was ticked in")
	}
}
