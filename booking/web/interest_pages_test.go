package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// The pages: the form takes a registration, with errors next to each field
// and what was typed kept; "Check your email" is the same page for a known
// and an unknown address; following the emailed links changes nothing until
// the button is pressed.
func TestInterestPages(t *testing.T) {
	in := newEnv(t).start(nil)
	ctx := context.Background()
	in.page("/").mustContain(t, `href="/interest"`)
	in.page("/interest").mustContain(t, `id="page-heading">Register your interest`, `name="modes"`, `<option value="foleshill">Foleshill</option>`,
		`name="times" type="checkbox" value="weekday_daytime"`)

	bad := in.form("/interest", url.Values{"name": {"<script>x</script>"}, "email": {"nope"}, "area": {"atlantis"},
		"times": {"weekends"}})
	if bad.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d", bad.status)
	}
	bad.mustContain(t, "<title>Error: ", `<a href="#email">`, `<a href="#modes">`, `<a href="#area">`,
		`value="&lt;script&gt;x&lt;/script&gt;"`, `value="weekends" aria-describedby="times-weekends-hint" checked`)
	if strings.Contains(bad.text(), "<script>x") {
		t.Error("the name reached the page unescaped")
	}

	form := url.Values{"name": {"Asha Patel"}, "email": {"asha@example.org"}, "modes": {"either"}, "area": {"foleshill"},
		"times": {"evenings", "weekends"}}
	first := in.form("/interest", form)
	first.mustContain(t, `id="page-heading">Check your email</h1>`, "asha@example.org")
	tok := in.env.interestToken("asha@example.org")
	again := in.form("/interest", form)
	if again.status != first.status || again.text() != first.text() {
		t.Error("a known address gets another answer")
	}

	// Following the link shows a button; only the button confirms.
	link := "/interest/confirm?token=" + url.QueryEscape(tok)
	in.page(link).mustContain(t, `id="page-heading">Confirm your email address</h1>`, "Either", "Foleshill",
		"Weekday evenings (from 5pm), Weekends", `action="`+strings.ReplaceAll(link, "&", "&amp;")+`"`)
	var confirmed bool
	_ = in.db.Pool.QueryRow(ctx, `SELECT confirmed_at IS NOT NULL FROM interests WHERE id = (SELECT interest_id FROM outbox WHERE payload->>'token' = $1)`, tok).Scan(&confirmed)
	if confirmed {
		t.Fatal("following the link confirmed the address")
	}
	in.form(link, url.Values{}).mustContain(t, `id="page-heading">You have confirmed your email address</h1>`)
	_ = in.db.Pool.QueryRow(ctx, `SELECT confirmed_at IS NOT NULL FROM interests WHERE id = (SELECT interest_id FROM outbox WHERE payload->>'token' = $1)`, tok).Scan(&confirmed)
	if !confirmed {
		t.Fatal("the button did not confirm the address")
	}

	// The stop link: GET asks, a mail program's one-click POST (no cookie,
	// no Origin) stops.
	stop := "/interest/stop?token=" + url.QueryEscape(tok)
	in.page(stop).mustContain(t, `id="page-heading">Stop emails about workshops</h1>`, `id="stop"`)
	req := httptest.NewRequest("POST", stop, strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	in.handler.ServeHTTP(w, req)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "You will not get any more emails") {
		t.Fatalf("one-click stop: %d %s", w.Code, w.Body)
	}
	var left int
	_ = in.db.Pool.QueryRow(ctx, `SELECT count(*) FROM interests`).Scan(&left)
	if left != 0 {
		t.Errorf("%d registrations left after the one-click stop", left)
	}
	if r := in.page(stop); r.status != http.StatusNotFound {
		t.Errorf("the stop link after stopping: %d, want 404", r.status)
	}
}

// The staff route takes work addresses only, and registers for workforce
// sessions.
func TestInterestStaffPages(t *testing.T) {
	in := newEnv(t).start(nil)
	if r := in.page("/staff/interest"); r.status != http.StatusServiceUnavailable {
		t.Errorf("staff form with no staff domains: %d", r.status)
	}
	in.svc.StaffEmailDomains = []string{"coventry.gov.uk"}
	in.page("/staff").mustContain(t, `href="/staff/interest"`)
	in.page("/staff/interest").mustContain(t, "Work email address", "@coventry.gov.uk")
	form := url.Values{"name": {"Sam"}, "email": {"sam@example.org"}, "modes": {"online"}, "area": {"earlsdon"}}
	r := in.form("/staff/interest", form)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("home address on the staff route: %d", r.status)
	}
	r.mustContain(t, "Enter your work email address, ending @coventry.gov.uk")
	form.Set("email", "sam@coventry.gov.uk")
	in.form("/staff/interest", form).mustContain(t, `id="page-heading">Check your email</h1>`)
	var audience string
	_ = in.db.Pool.QueryRow(context.Background(), `SELECT audience FROM interests WHERE email = 'sam@coventry.gov.uk'`).Scan(&audience)
	if audience != "workforce" {
		t.Errorf("staff registration audience %q", audience)
	}
}

// Organisers see counts by area and way of taking part, never the people.
func TestInterestOrganiserPage(t *testing.T) {
	in := newEnv(t).start(nil)
	in.registerConfirmed(interest("asha@example.org", []string{"in_person", "online"}, nil))
	in.register(interest("unconfirmed@example.org", []string{"online"}, nil))
	r := in.do("GET", "/admin/interest", nil, "Accept", "text/html", "Authorization", "Bearer "+adminToken)
	if r.status != http.StatusOK {
		t.Fatalf("organiser page: %d %s", r.status, r.body)
	}
	r.mustContain(t, `id="page-heading">Registered interest</h1>`, `id="public-heading">Residents and organisations: 1 person</h2>`,
		`<th scope="row" class="govuk-table__header">Either</th><td class="govuk-table__cell govuk-table__cell--numeric">1</td>`,
		`<th scope="row" class="govuk-table__header">Foleshill</th><td class="govuk-table__cell govuk-table__cell--numeric">1</td>`)
	for _, personal := range []string{"asha@example.org", "Asha Patel", "unconfirmed@"} {
		if strings.Contains(r.text(), personal) {
			t.Errorf("the organiser page shows %q", personal)
		}
	}
	if r := in.page("/admin/interest"); r.status == http.StatusOK {
		t.Error("the organiser page is open to strangers")
	}
}
