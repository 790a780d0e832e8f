package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/web"
)

func TestSignInWithALink(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	o := in.addOrganiser("Ruth.Okafor@coventry.gov.uk", booking.RoleAdmin)

	r := in.do("GET", "/admin/sign-in", nil)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `action="/admin/sign-in"`) {
		t.Fatalf("sign-in form: %d %s", r.status, r.body)
	}
	r = in.postForm("/admin/sign-in", url.Values{"email": {"not an address"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "govuk-error-summary") {
		t.Errorf("bad address: %d, want 422 with the error summary", r.status)
	}

	// An address with an account and one without get the same page.
	known := in.postForm("/admin/sign-in", url.Values{"email": {"ruth.okafor@coventry.gov.uk"}})
	unknown := in.postForm("/admin/sign-in", url.Values{"email": {"ruth.okafor@coventry.gov.ux"}})
	if known.status != http.StatusOK || unknown.status != known.status ||
		strings.ReplaceAll(string(unknown.body), ".ux", ".uk") != string(known.body) {
		t.Errorf("known and unknown addresses answered differently: %d and %d", known.status, unknown.status)
	}
	if !strings.Contains(string(known.body), "Check your email") {
		t.Errorf("no 'Check your email': %s", known.body)
	}

	// Following the link shows a button; it does not sign in, however
	// often a mail scanner fetches it.
	token := in.requestSignInLink(o.Email)
	for range 3 {
		r = in.do("GET", "/admin/sign-in/"+token, nil)
		if r.status != http.StatusOK || signInCookie(r) != nil || !strings.Contains(string(r.body), `action="/admin/sign-in/`+token+`"`) {
			t.Fatalf("link page: %d cookie %v: %s", r.status, signInCookie(r), r.body)
		}
	}
	r = in.postForm("/admin/sign-in/"+token, nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin" {
		t.Fatalf("sign in: %d to %q", r.status, r.header.Get("Location"))
	}
	c := signInCookie(r)
	if c == nil || c.Name != "workshops_signin" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure || c.MaxAge != 0 {
		t.Fatalf("cookie = %+v, want HttpOnly, SameSite=Lax, Path=/, no expiry, not Secure on an http BASE_URL", c)
	}
	if strings.Contains(e.logs.String(), token) || strings.Contains(e.logs.String(), c.Value) || strings.Contains(strings.ToLower(e.logs.String()), "ruth") {
		t.Error("a token or an address reached the logs")
	}
	cookie := c.Name + "=" + c.Value
	if r := in.as(cookie, "GET", "/api/v1/admin/organisers", nil); r.status != http.StatusOK {
		t.Fatalf("signed-in admin: %d %s", r.status, r.body)
	}

	// Another site cannot use the cookie to change anything (SameSite=Lax
	// aside, the cross-origin check refuses the request).
	r = in.do("POST", "/api/v1/admin/organisers", map[string]any{"email": "evil@example.org", "name": "Evil", "role": "admin"},
		"Cookie", cookie, "Sec-Fetch-Site", "cross-site")
	if r.status != http.StatusForbidden {
		t.Errorf("cross-site POST with the cookie: %d %s", r.status, r.body)
	}
	if r := in.do("POST", "/admin/sign-out", nil, "Cookie", cookie, "Sec-Fetch-Site", "cross-site"); r.status != http.StatusForbidden {
		t.Errorf("cross-site sign-out: %d", r.status)
	}
	if _, err := in.db.OrganiserByEmail(context.Background(), "evil@example.org"); !booking.IsCode(err, booking.ENotFound) {
		t.Errorf("the cross-site request made an account: %v", err)
	}

	// The link works once.
	for _, method := range []string{"GET", "POST"} {
		r = in.do(method, "/admin/sign-in/"+token, nil)
		if r.status != http.StatusGone || signInCookie(r) != nil || !strings.Contains(string(r.body), "already been used") {
			t.Errorf("%s a used link: %d cookie %v", method, r.status, signInCookie(r))
		}
	}

	// Signing out ends the sign-in on the server: the old cookie is worthless.
	r = in.as(cookie, "POST", "/admin/sign-out", nil)
	if r.status != http.StatusOK || signInCookie(r) == nil || signInCookie(r).MaxAge >= 0 {
		t.Fatalf("sign out: %d, cookie %+v", r.status, signInCookie(r))
	}
	if r := in.as(cookie, "GET", "/api/v1/admin/organisers", nil); r.status != http.StatusUnauthorized {
		t.Errorf("after signing out: %d, want 401", r.status)
	}
	if r := in.do("GET", "/admin/sign-in/nonsense", nil); r.status != http.StatusNotFound || signInCookie(r) != nil {
		t.Errorf("unknown link: %d", r.status)
	}
}

func TestSignInLinkExpiresOverHTTP(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	o := in.addOrganiser("lin@coventry.gov.uk", booking.RoleFacilitator)
	token := in.requestSignInLink(o.Email)
	e.clock.Advance(15 * time.Minute)
	for _, method := range []string{"GET", "POST"} {
		r := in.do(method, "/admin/sign-in/"+token, nil)
		if r.status != http.StatusGone || signInCookie(r) != nil || !strings.Contains(string(r.body), "expired") {
			t.Errorf("%s an expired link: %d, cookie %v", method, r.status, signInCookie(r))
		}
	}
}

func TestSignInEndsAfterInactivityOverHTTP(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	o := in.addOrganiser("sol@coventry.gov.uk", booking.RoleAdmin)
	cookie := in.signIn(o)
	e.clock.Advance(29 * time.Minute)
	if r := in.as(cookie, "GET", "/api/v1/admin/audit", nil); r.status != http.StatusOK {
		t.Fatalf("after 29 minutes: %d", r.status)
	}
	e.clock.Advance(29 * time.Minute)
	if r := in.as(cookie, "GET", "/api/v1/admin/audit", nil); r.status != http.StatusOK {
		t.Fatalf("29 minutes after the last use: %d", r.status)
	}
	e.clock.Advance(30 * time.Minute)
	r := in.as(cookie, "GET", "/api/v1/admin/audit", nil)
	if r.status != http.StatusUnauthorized || signInCookie(r) == nil || signInCookie(r).MaxAge >= 0 {
		t.Fatalf("after 30 idle minutes: %d, cookie %+v; want 401 and the cookie cleared", r.status, signInCookie(r))
	}
}

func TestSignInCookieIsSecureOnHTTPS(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	o := in.addOrganiser("tam@coventry.gov.uk", booking.RoleAdmin)
	srv := web.New(web.Config{BaseURL: "https://workshops.coventry.gov.uk", AdminToken: adminToken}, web.Deps{
		Service: in.svc, Postgres: in.db, Logger: slog.New(slog.NewJSONHandler(&e.logs, nil)),
	})
	secure := &instance{env: e, db: in.db, rdb: in.rdb, svc: in.svc, handler: srv.Handler()}
	token := secure.requestSignInLink(o.Email)
	r := secure.postForm("/admin/sign-in/"+token, nil)
	c := signInCookie(r)
	if c == nil || c.Name != "__Host-workshops_signin" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Fatalf("cookie on https = %+v, want __Host-, Secure, HttpOnly, SameSite=Lax, Path=/", c)
	}
	if r := secure.as(c.Name+"="+c.Value, "GET", "/api/v1/admin/audit", nil); r.status != http.StatusOK {
		t.Errorf("with the secure cookie: %d", r.status)
	}
	// The plain cookie name means nothing on https.
	if r := secure.as("workshops_signin="+c.Value, "GET", "/api/v1/admin/audit", nil); r.status != http.StatusUnauthorized {
		t.Errorf("with the plain cookie name: %d", r.status)
	}
}
