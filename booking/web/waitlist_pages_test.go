package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// wlPage GETs a page as a browser does.
func (in *instance) wlPage(path string) response {
	return in.do("GET", path, nil, "Accept", "text/html")
}

// wlSubmit posts a form as a browser does.
func (in *instance) wlSubmit(path string, form url.Values) response {
	return in.do("POST", path, form.Encode(), "Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html")
}

func wantWaitlistPage(t *testing.T, r response, status int, texts ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	body := html.UnescapeString(string(r.body))
	for _, s := range texts {
		if !strings.Contains(body, s) {
			t.Errorf("page does not say %q:\n%s", s, r.body)
		}
	}
}

func waitlistForm(name, email string) url.Values {
	return url.Values{"mode": {"in_person"}, "name": {name}, "email": {email}, "postcode": {"cv1 5rr"}, "consent": {"yes"}}
}

func TestWaitlistPagesJoinAndLeave(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 1, 0)
	joinPath := "/sessions/" + itoa(sid) + "/waitlist"

	// With places left, there is nothing to wait for: book instead.
	if r := in.wlPage(joinPath + "?mode=in_person"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/sessions/"+itoa(sid) {
		t.Fatalf("join page with places left: %d %v", r.status, r.header)
	}
	in.bookEveryPlace(sid, 1, 0)
	wantWaitlistPage(t, in.wlPage("/sessions/"+itoa(sid)), http.StatusOK, `href="`+joinPath+`?mode=in_person"`, "Join the waiting list")
	wantWaitlistPage(t, in.wlPage(joinPath+"?mode=in_person"), http.StatusOK, "Join the waiting list", `name="mode" value="in_person"`)
	if r := in.wlPage(joinPath + "?mode=by_post"); r.status != http.StatusSeeOther {
		t.Errorf("join page for an unknown mode: %d", r.status)
	}

	// Errors are shown in the summary and by each field, keeping what was typed.
	bad := waitlistForm(`<b>Ada</b>`, "not-an-email")
	delete(bad, "consent")
	r := in.wlSubmit(joinPath, bad)
	wantWaitlistPage(t, r, http.StatusUnprocessableEntity, "There is a problem", `href="#email"`, `href="#consent"`,
		"Enter an email address in the correct format")
	if !strings.Contains(string(r.body), `value="&lt;b&gt;Ada&lt;/b&gt;"`) || strings.Contains(string(r.body), "<b>Ada") {
		t.Errorf("the name typed is not kept, escaped: %s", r.body)
	}

	name := `<script>alert("x")</script> Seacole`
	r = in.wlSubmit(joinPath, waitlistForm(name, "mary@example.org"))
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/waitlist/") {
		t.Fatalf("join: %d %s", r.status, r.body)
	}
	entryURL := r.header.Get("Location")
	r = in.wlPage(entryURL)
	wantWaitlistPage(t, r, http.StatusOK, "You have joined the waiting list", "You are number 1 on the waiting list to take part in person", "Leave the waiting list")
	if strings.Contains(string(r.body), "<script>alert") || !strings.Contains(string(r.body), "&lt;script&gt;") {
		t.Errorf("the name is not escaped on the entry page")
	}

	// Joining twice is refused by the email field.
	wantWaitlistPage(t, in.wlSubmit(joinPath, waitlistForm(name, "MARY@example.org")), http.StatusConflict, "already on the waiting list", `href="#email"`)

	u, _ := url.Parse(entryURL)
	ref, token := strings.TrimPrefix(u.Path, "/waitlist/"), u.Query().Get("token")
	wantWaitlistPage(t, in.wlPage("/waitlist/"+ref+"/leave?token="+url.QueryEscape(token)), http.StatusOK,
		"Are you sure you want to leave the waiting list?", "Yes, leave the waiting list")
	wantWaitlistPage(t, in.wlSubmit("/waitlist/"+ref+"/leave", url.Values{"token": {token}}), http.StatusOK, "You have left the waiting list")
	wantWaitlistPage(t, in.wlPage("/waitlist/"+ref+"?token="+url.QueryEscape(token)), http.StatusOK, "You have left the waiting list", "See the sessions of this workshop")
	if r := in.wlSubmit("/waitlist/"+ref+"/leave", url.Values{"token": {token}}); r.status != http.StatusConflict {
		t.Errorf("leaving twice: %d", r.status)
	}
	if r := in.wlPage("/waitlist/" + ref + "?token=wrong"); r.status != http.StatusNotFound {
		t.Errorf("a wrong token: %d", r.status)
	}

	// A workforce session's list is not joined here.
	staff := in.session(in.workshop("workforce"), 1, 0)
	wantWaitlistPage(t, in.wlPage("/sessions/"+itoa(staff)+"/waitlist?mode=in_person"), http.StatusForbidden, "/staff")
}

func TestWaitlistPagesOffer(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 1, 0)
	manage := in.bookEveryPlace(sid, 1, 0)[0]
	joinPath := "/sessions/" + itoa(sid) + "/waitlist"
	for _, email := range []string{"first@example.org", "second@example.org"} {
		if r := in.wlSubmit(joinPath, waitlistForm("Olaudah Equiano", email)); r.status != http.StatusSeeOther {
			t.Fatalf("join: %d %s", r.status, r.body)
		}
	}
	mpath, mtoken := splitLink(t, manage)
	if r := in.do("DELETE", "/api/v1"+mpath+"?token="+mtoken, nil); r.status != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	offers, last := e.offerLinks(0)
	if len(offers) != 1 {
		t.Fatalf("offers = %v", offers)
	}
	ref, token := offers[0][0], offers[0][1]
	r := in.wlPage("/waitlist/" + ref + "?token=" + url.QueryEscape(token))
	wantWaitlistPage(t, r, http.StatusOK, "A place is available for you", "We are keeping a place for you to take part in person until",
		"Accept the place", "Decline the place", `action="/waitlist/`+ref+`/accept"`)

	// The first person declines: the place goes to the second, who accepts.
	wantWaitlistPage(t, in.wlSubmit("/waitlist/"+ref+"/decline", url.Values{"token": {token}}), http.StatusOK, "You declined this place",
		"We have offered the place to the next person")
	offers, _ = e.offerLinks(last)
	if len(offers) != 1 || offers[0][0] == ref {
		t.Fatalf("offers after the decline = %v", offers)
	}
	ref, token = offers[0][0], offers[0][1]
	r = in.wlSubmit("/waitlist/"+ref+"/accept", url.Values{"token": {token}})
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/bookings/") || !strings.Contains(loc, "/confirmed?token=") {
		t.Fatalf("accept: %d %s %s", r.status, loc, r.body)
	}
	wantWaitlistPage(t, in.wlPage(loc), http.StatusOK, "Booking confirmed", "second@example.org")
	wantWaitlistPage(t, in.wlPage("/waitlist/"+ref+"?token="+url.QueryEscape(token)), http.StatusOK, "You have accepted this place")
	// Accepting again shows why not, on a page.
	wantWaitlistPage(t, in.wlSubmit("/waitlist/"+ref+"/accept", url.Values{"token": {token}}), http.StatusConflict, "You have already accepted this place")
}
