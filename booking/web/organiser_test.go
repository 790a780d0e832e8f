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

// orgForm posts a form from an organiser's browser: same-origin, with the
// sign-in cookie (or the admin token when cookie is "").
func (in *instance) orgForm(cookie, path string, v url.Values) response {
	auth := []string{"Cookie", cookie}
	if cookie == "" {
		auth = []string{"Authorization", "Bearer " + adminToken}
	}
	return in.do("POST", path, v.Encode(), append([]string{
		"Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html", "Sec-Fetch-Site", "same-origin",
	}, auth...)...)
}

// orgPage gets a page as an organiser (the admin token when cookie is "").
func (in *instance) orgPage(cookie, path string) response {
	if cookie == "" {
		return in.do("GET", path, nil, "Accept", "text/html", "Authorization", "Bearer "+adminToken)
	}
	return in.do("GET", path, nil, "Accept", "text/html", "Cookie", cookie)
}

// sessionAt creates a session through the admin API at start (London
// wall-clock time given as a time in any zone), two hours long.
func (in *instance) sessionAt(workshopID int64, start time.Time, inPerson, online int) int64 {
	in.env.t.Helper()
	body := map[string]any{
		"starts_at": start.UTC().Format(time.RFC3339),
		"ends_at":   start.Add(2 * time.Hour).UTC().Format(time.RFC3339),
		"venue":     map[string]any{"name": "Council House", "address": "Earl Street, Coventry CV1 5RR"},
		"capacity":  map[string]any{"in_person": inPerson, "online": online},
	}
	if online > 0 {
		body["online_url"] = "https://teams.microsoft.com/l/meetup-join/test"
	}
	r := in.admin("POST", "/api/v1/admin/workshops/"+itoa(workshopID)+"/sessions", body)
	if r.status != http.StatusCreated {
		in.env.t.Fatalf("create session: %d %s", r.status, r.body)
	}
	return int64(r.json(in.env.t)["id"].(float64))
}

var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return l
}()

// tenAM is 10am in London days after the test clock's day.
func (e *env) tenAM(days int) time.Time {
	d := e.clock.Now().In(london).AddDate(0, 0, days)
	return time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, london)
}

func (r response) has(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(string(r.body), w) {
			t.Errorf("status %d: the page lacks %q", r.status, w)
		}
	}
}

func (r response) hasNot(t *testing.T, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(string(r.body), w) {
			t.Errorf("status %d: the page has %q", r.status, w)
		}
	}
}

func TestOrganiserHomeShowsEachWhatIsTheirs(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	admin := in.addOrganiser("admin@coventry.gov.uk", booking.RoleAdmin)
	fac := in.addOrganiser("facilitator@coventry.gov.uk", booking.RoleFacilitator)
	w := in.workshop("public")
	mine, theirs := in.session(w, 10, 0), in.session(w, 10, 5)
	in.assign(fac, mine)
	adminCookie, facCookie := in.signIn(admin), in.signIn(fac)
	// A workshop with no sessions yet, and one whose only session is long past.
	empty := in.workshop("workforce")
	past := in.workshop("public")
	e.clock.Advance(-30 * 24 * time.Hour)
	old := in.session(past, 5, 0)
	e.clock.Advance(30 * 24 * time.Hour)

	r := in.do("GET", "/admin", nil, "Accept", "text/html")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/sign-in" {
		t.Fatalf("no sign-in: %d to %q, want 303 to the sign-in page", r.status, r.header.Get("Location"))
	}

	r = in.orgPage(adminCookie, "/admin")
	if r.status != http.StatusOK {
		t.Fatalf("admin home: %d %s", r.status, r.body)
	}
	r.has(t, `href="/admin/sessions/`+itoa(mine)+`"`, `href="/admin/sessions/`+itoa(theirs)+`"`,
		`id="new-workshop"`, `action="/admin/sign-out"`, `id="organiser-accounts"`,
		`/admin/sessions/`+itoa(mine)+`/attendance`, `/admin/sessions/`+itoa(mine)+`/check-in`,
		`id="add-session-`+itoa(empty)+`"`, `id="add-session-`+itoa(past)+`"`, "Council staff only")
	r.hasNot(t, `href="/admin/sessions/`+itoa(old)+`"`)
	if body := string(r.body); strings.Index(body, `id="workshop-`+itoa(w)+`"`) > strings.Index(body, `id="workshop-`+itoa(empty)+`"`) {
		t.Error("workshops with sessions coming up are not listed first")
	}
	in.orgPage(adminCookie, "/admin/workshops/"+itoa(past)).has(t, `href="/admin/sessions/`+itoa(old)+`"`, "Finished")

	r = in.orgPage(facCookie, "/admin")
	if r.status != http.StatusOK {
		t.Fatalf("facilitator home: %d %s", r.status, r.body)
	}
	r.has(t, `href="/admin/sessions/`+itoa(mine)+`"`, `action="/admin/sign-out"`, "Test facilitator (facilitator)")
	r.hasNot(t, `href="/admin/sessions/`+itoa(theirs)+`"`, `id="new-workshop"`, `id="organiser-accounts"`,
		`id="workshop-`+itoa(empty)+`"`)

	// A facilitator with no sessions is told so.
	idle := in.addOrganiser("idle@coventry.gov.uk", booking.RoleFacilitator)
	in.orgPage(in.signIn(idle), "/admin").has(t, "You are not running any sessions")

	// The admin token sees everything too, and has nothing to sign out of.
	r = in.orgPage("", "/admin")
	r.has(t, `href="/admin/sessions/`+itoa(theirs)+`"`)
	r.hasNot(t, `action="/admin/sign-out"`)

	// The pages a facilitator reaches, and those they do not.
	for path, want := range map[string]int{
		"/admin/sessions/" + itoa(mine):                     http.StatusOK,
		"/admin/sessions/" + itoa(mine) + "/edit":           http.StatusForbidden,
		"/admin/sessions/" + itoa(mine) + "/cancel":         http.StatusForbidden,
		"/admin/sessions/" + itoa(mine) + "/bookings/new":   http.StatusOK,
		"/admin/sessions/" + itoa(theirs):                   http.StatusForbidden,
		"/admin/sessions/" + itoa(theirs) + "/edit":         http.StatusForbidden,
		"/admin/workshops/new":                              http.StatusForbidden,
		"/admin/workshops/" + itoa(w):                       http.StatusForbidden,
		"/admin/organisers":                                 http.StatusForbidden,
		"/admin/sessions/999999":                            http.StatusForbidden,
		"/admin/workshops/" + itoa(w) + "/sessions/new":     http.StatusForbidden,
		"/admin/sessions/" + itoa(theirs) + "/bookings/new": http.StatusForbidden,
	} {
		if r := in.orgPage(facCookie, path); r.status != want {
			t.Errorf("facilitator GET %s: %d, want %d", path, r.status, want)
		}
	}
	for _, path := range []string{"/admin/workshops/new", "/admin/workshops/" + itoa(w), "/admin/organisers",
		"/admin/sessions/" + itoa(theirs), "/admin/workshops/" + itoa(w) + "/sessions/new"} {
		if r := in.orgPage(adminCookie, path); r.status != http.StatusOK {
			t.Errorf("admin GET %s: %d %.300s", path, r.status, r.body)
		}
	}
	for _, path := range []string{"/admin/sessions/999999", "/admin/workshops/999999", "/admin/sessions/x"} {
		if r := in.orgPage(adminCookie, path); r.status != http.StatusNotFound {
			t.Errorf("admin GET %s: %d, want 404", path, r.status)
		}
	}
}

func TestOrganiserCreatesAWorkshopAndItsSession(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	admin := in.addOrganiser("admin@coventry.gov.uk", booking.RoleAdmin)
	cookie := in.signIn(admin)

	// Bad input: the form again, with the error summary, keeping what was typed.
	r := in.orgForm(cookie, "/admin/workshops", url.Values{"title": {""}, "summary": {"Tell us <b>what</b> matters"}, "audience": {"everyone"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad workshop: %d %s", r.status, r.body)
	}
	r.has(t, `id="error-summary"`, `href="#title"`, `href="#audience"`, "Tell us &lt;b&gt;what&lt;/b&gt; matters", "<title>Error: ")
	r = in.orgForm(cookie, "/admin/workshops", url.Values{"title": {"Shaping Foleshill"}, "summary": {"Your area, your say"}, "audience": {"public"}})
	next := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasSuffix(next, "/sessions/new?done=workshop") {
		t.Fatalf("create workshop: %d to %q %s", r.status, next, r.body)
	}
	form := strings.TrimSuffix(next, "/new?done=workshop")
	in.orgPage(cookie, next).has(t, "The workshop has been created", `action="`+form+`"`)

	// A date that does not exist and a time that is not one.
	day := e.tenAM(10)
	r = in.orgForm(cookie, form, url.Values{
		"date-day": {"31"}, "date-month": {"2"}, "date-year": {itoa(int64(day.Year() + 1))},
		"start_time": {"25:00"}, "end_time": {"12pm"}, "venue_name": {"Foleshill Library"},
		"capacity_in_person": {"twenty"}, "capacity_online": {"0"},
	})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad session: %d %s", r.status, r.body)
	}
	r.has(t, `href="#date"`, "must be a real date", `href="#start_time"`, `href="#capacity_in_person"`,
		`value="31"`, `value="25:00"`, `value="Foleshill Library"`, `value="twenty"`, `value="12pm"`)
	if strings.Index(string(r.body), `href="#date"`) > strings.Index(string(r.body), `href="#start_time"`) {
		t.Error("the error summary is not in the order of the fields")
	}

	// A good one, in London time.
	r = in.orgForm(cookie, form, url.Values{
		"date-day": {itoa(int64(day.Day()))}, "date-month": {itoa(int64(day.Month()))}, "date-year": {itoa(int64(day.Year()))},
		"start_time": {"10:00"}, "end_time": {"12:30pm"}, "venue_name": {"Foleshill Library"},
		"venue_address": {"Broad Street\nCoventry CV6 5BG"}, "capacity_in_person": {"20"}, "capacity_online": {"0"},
	})
	if r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "?done=session") {
		t.Fatalf("create session: %d to %q %s", r.status, r.header.Get("Location"), r.body)
	}
	var sid int64
	var starts, ends time.Time
	var address string
	if err := in.db.Pool.QueryRow(context.Background(),
		`SELECT id, starts_at, ends_at, venue_address FROM sessions ORDER BY id DESC LIMIT 1`).Scan(&sid, &starts, &ends, &address); err != nil {
		t.Fatal(err)
	}
	if !starts.Equal(day) || !ends.Equal(day.Add(150*time.Minute)) || address != "Broad Street\nCoventry CV6 5BG" {
		t.Errorf("stored %v to %v at %q, want %v to 12:30 at the address typed", starts, ends, address, day)
	}
	if got := r.header.Get("Location"); got != "/admin/sessions/"+itoa(sid)+"?done=session" {
		t.Errorf("sent to %q", got)
	}

	// On the day the clocks change, times are still London's, and the hour
	// skipped or repeated is refused by name.
	change := nextClockChange(e.clock.Now())
	date := url.Values{"date-day": {itoa(int64(change.Day()))}, "date-month": {itoa(int64(change.Month()))},
		"date-year": {itoa(int64(change.Year()))}, "venue_name": {"Council House"}, "capacity_in_person": {"5"}, "capacity_online": {"0"}}
	date.Set("start_time", "1:30am")
	date.Set("end_time", "3:30am")
	r = in.orgForm(cookie, form, date)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("1:30am on %v: %d %s", change, r.status, r.body)
	}
	r.has(t, `href="#start_time"`, "the clocks go")
	date.Set("start_time", "10:00")
	date.Set("end_time", "12:00")
	if r := in.orgForm(cookie, form, date); r.status != http.StatusSeeOther {
		t.Fatalf("10am on %v: %d %s", change, r.status, r.body)
	}
	if err := in.db.Pool.QueryRow(context.Background(), `SELECT starts_at FROM sessions ORDER BY id DESC LIMIT 1`).Scan(&starts); err != nil {
		t.Fatal(err)
	}
	want := time.Date(change.Year(), change.Month(), change.Day(), 10, 0, 0, 0, time.UTC) // October: GMT by 10am
	if change.Month() == time.March {
		want = want.Add(-time.Hour) // BST by 10am
	}
	if !starts.Equal(want) {
		t.Errorf("10am on %s stored as %v, want %v", change.Format("2 January 2006"), starts.UTC(), want)
	}

	// Both are in the audit log under the admin's name.
	var n int
	if err := in.db.Pool.QueryRow(context.Background(), `
		SELECT count(*) FROM audit_log WHERE organiser_id = $1 AND action IN ('workshop.create', 'session.create')`,
		admin.ID).Scan(&n); err != nil || n != 3 {
		t.Errorf("%d audit entries by the admin (%v), want 3", n, err)
	}
}

// nextClockChange is the next Sunday after now on which UK clocks change:
// the last Sunday of March or of October.
func nextClockChange(now time.Time) time.Time {
	for d := now.In(london).AddDate(0, 0, 1); ; d = d.AddDate(0, 0, 1) {
		if (d.Month() == time.March || d.Month() == time.October) && d.Weekday() == time.Sunday && d.AddDate(0, 0, 7).Month() != d.Month() {
			return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, london)
		}
	}
}
