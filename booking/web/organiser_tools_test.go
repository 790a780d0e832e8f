package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/coventry/workshops/booking"
)

// The officer's tools: finding a booking across sessions, and the audit
// log page. Both are admins' (the route walk refuses everyone else).

func TestFindingABookingAcrossSessions(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	w := in.workshop("public")
	first, second := in.session(w, 5, 5), in.session(w, 5, 5)
	zoe := in.bookPerson(first, booking.InPerson, "Zoë O'Neill", "zoe.oneill@example.org")
	zoe2 := in.bookPerson(second, booking.Online, "Zoë O'Neill", "zoe.oneill@example.org")
	omar := in.bookPerson(second, booking.InPerson, "Omar Farouk", "omar@example.org")
	mary := referenceIn(t, in.orgForm("", "/admin/sessions/"+itoa(first)+"/bookings", phoned("Mary O'Brien", "", "in_person")))
	admin := in.addOrganiser("organiser@coventry.gov.uk", booking.RoleAdmin)
	cookie := in.signIn(admin)

	r := in.orgPage(cookie, "/admin/bookings")
	if r.status != http.StatusOK {
		t.Fatalf("search form: %d %s", r.status, r.body)
	}
	r.has(t, `id="q"`, `action="/admin/bookings"`)
	r.hasNot(t, `id="results"`)

	search := func(q string) response {
		t.Helper()
		return in.orgPage(cookie, "/admin/bookings?q="+url.QueryEscape(q))
	}
	for q, want := range map[string][]string{
		"o'neill":                {zoe.Reference, zoe2.Reference},
		"zoe o'neill":            {zoe.Reference, zoe2.Reference}, // accents are ignored, either way round
		"ZOË":                    {zoe.Reference, zoe2.Reference},
		"omår":                   {omar.Reference},
		"ZOE.ONEILL@example.org": {zoe.Reference, zoe2.Reference},
		"example.org":            {zoe.Reference, zoe2.Reference, omar.Reference},
		strings.ToLower(strings.ReplaceAll(omar.Reference, "-", "")): {omar.Reference},
		"024 7683 3333": {mary},
		"+442476833333": {mary},
		"nobody here":   nil,
	} {
		r := search(q)
		if r.status != http.StatusOK {
			t.Errorf("search %q: %d", q, r.status)
			continue
		}
		got := strings.Count(string(r.body), `id="hit-`)
		if got != len(want) {
			t.Errorf("search %q: %d found, want %d", q, got, len(want))
		}
		for _, ref := range want {
			r.has(t, `id="hit-`+ref+`"`, `href="/admin/bookings/`+ref+`"`)
		}
	}
	search("mary").has(t, "024 7683 3333")

	for _, q := range []string{"a", strings.Repeat("x", 101), "a\x00b"} {
		if r := search(q); r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), `href="#q"`) {
			t.Errorf("search %q: %d, want 422 with the error on q", q, r.status)
		}
	}

	// Each search is audited under the admin's name, without what was typed.
	var n int
	var after string
	if err := in.db.Pool.QueryRow(context.Background(), `
		SELECT count(*), max(after::text) FROM audit_log WHERE action = 'booking.search' AND organiser_id = $1`,
		admin.ID).Scan(&n, &after); err != nil || n != 11 {
		t.Errorf("%d searches audited (%v), want 11", n, err)
	}
	var all string
	if err := in.db.Pool.QueryRow(context.Background(), `SELECT string_agg(after::text, ' ') FROM audit_log WHERE action = 'booking.search'`).Scan(&all); err != nil ||
		strings.Contains(strings.ToLower(all), "neill") || strings.Contains(all, "7683") || !strings.Contains(all, `"results"`) {
		t.Errorf("the audit of searches: %q (%v)", all, err)
	}

	// Anonymised bookings are not found.
	if _, err := in.db.Pool.Exec(context.Background(), `UPDATE bookings SET name = '', email = '', phone = '', anonymised_at = now() WHERE reference = $1`, omar.Reference); err != nil {
		t.Fatal(err)
	}
	if r := search(omar.Reference); strings.Contains(string(r.body), `id="hit-`) {
		t.Error("an anonymised booking was found by its reference")
	}
}

func TestTheAuditLogPage(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	admin := in.addOrganiser("organiser@coventry.gov.uk", booking.RoleAdmin)
	fac := in.addOrganiser("facilitator@coventry.gov.uk", booking.RoleFacilitator)
	cookie := in.signIn(admin)
	sid := in.session(in.workshop("public"), 5, 0) // by the admin token
	in.assign(fac, sid)
	ref := referenceIn(t, in.orgForm(in.signIn(fac), "/admin/sessions/"+itoa(sid)+"/bookings", phoned("Mary O'Brien", "", "in_person")))

	r := in.orgPage(cookie, "/admin/audit")
	if r.status != http.StatusOK {
		t.Fatalf("audit page: %d %s", r.status, r.body)
	}
	r.has(t, "Created a workshop", "Added a session", "Assigned a facilitator", "Booked a place for someone who phoned",
		"The admin API token", "Test facilitator", `href="/admin/bookings/`+ref+`"`, `href="/admin/sessions/`+itoa(sid)+`"`)
	r.hasNot(t, "Mary", "7683")

	// Who: the facilitator only.
	r = in.orgPage(cookie, "/admin/audit?who="+itoa(fac.ID))
	r.has(t, `<option value="`+itoa(fac.ID)+`" selected>`)
	entries(r).has(t, "Booked a place for someone who phoned")
	entries(r).hasNot(t, "Created a workshop")
	// Who: the admin token; what: sessions added.
	r = in.orgPage(cookie, "/admin/audit?who=api-token&what=session.create")
	r.has(t, `<option value="session.create" selected>`)
	entries(r).has(t, "Added a session")
	entries(r).hasNot(t, "Created a workshop", "Booked a place for someone who phoned")
	// Nothing matches.
	in.orgPage(cookie, "/admin/audit?what=person.erase").has(t, "No changes match.")

	// A No from a person's calendar cancels as they would: said in words.
	if _, err := in.db.Pool.Exec(context.Background(), `INSERT INTO audit_log (at, actor, action, subject_type, subject_id)
		VALUES (now(), 'calendar-reply', 'booking.cancel', 'booking', $1)`, ref); err != nil {
		t.Fatal(err)
	}
	entries(in.orgPage(cookie, "/admin/audit")).has(t, "A calendar reply")

	// A page at a time, newest first.
	for i := range 60 {
		if r := in.admin("PATCH", "/api/v1/admin/sessions/"+itoa(sid), map[string]any{"capacity": map[string]any{"in_person": 6 + i%2}}); r.status != http.StatusOK {
			t.Fatalf("change %d: %d %s", i, r.status, r.body)
		}
	}
	r = in.orgPage(cookie, "/admin/audit?what=session.update")
	if n := strings.Count(string(r.body), `id="entry-`); n != 50 {
		t.Errorf("first page: %d entries, want 50", n)
	}
	older := regexp.MustCompile(`href="(/admin/audit\?[^"]+)" id="older"`).FindStringSubmatch(string(r.body))
	if older == nil {
		t.Fatal("no link to older changes")
	}
	r = in.orgPage(cookie, strings.ReplaceAll(older[1], "&amp;", "&"))
	if n := strings.Count(string(r.body), `id="entry-`); n != 10 || strings.Contains(string(r.body), `id="older"`) {
		t.Errorf("second page: %d entries, want the last 10 and no further link", n)
	}

	for _, q := range []string{"?what=drop.table", "?who=someone", "?who=-1"} {
		if r := in.orgPage(cookie, "/admin/audit"+q); r.status != http.StatusUnprocessableEntity {
			t.Errorf("audit %s: %d, want 422", q, r.status)
		}
	}
	if r := in.orgPage(cookie, "/admin/audit?before=x"); r.status != http.StatusNotFound {
		t.Errorf("audit ?before=x: %d, want 404", r.status)
	}
}

// entries is the audit page's table alone, without the filter's options.
func entries(r response) response {
	body := string(r.body)
	if i := strings.Index(body, `id="entries"`); i >= 0 {
		body = body[i:]
	} else {
		body = ""
	}
	r.body = []byte(body)
	return r
}
