package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestCrossOriginFormsAreRefused(t *testing.T) {
	in := newEnv(t).start(nil)
	sid := in.session(in.workshop("public"), 5, 5)
	form := url.Values{"mode": {"in_person"}}

	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "https://evil.example"},
		{"Sec-Fetch-Site", "same-site", "Origin", "https://other.example.com"},
	} {
		r := in.form("/sessions/"+itoa(sid), form, h...)
		if r.status != http.StatusForbidden {
			t.Errorf("%v: status %d, want 403", h, r.status)
		}
		r.mustContain(t, "This form was sent from another website")
	}
	if got := in.svc.Holds.Held(t.Context(), sid, "in_person", in.env.clock.Now()); got != 0 {
		t.Fatalf("a refused form took %d holds", got)
	}
	// The API answers in its own shape.
	r := in.do("POST", "/api/v1/sessions/"+itoa(sid)+"/holds", map[string]any{"mode": "online"}, "Origin", "https://evil.example")
	if r.status != http.StatusForbidden || r.errorCode() != "forbidden" {
		t.Errorf("cross-origin API call: %d %s", r.status, r.body)
	}

	// This site's own forms, and API clients that send no browser headers, pass.
	if r := in.form("/sessions/"+itoa(sid), form, "Sec-Fetch-Site", "same-origin", "Origin", "http://example.com"); r.status != http.StatusSeeOther {
		t.Errorf("same-origin form: %d %s", r.status, r.body)
	}
	if r := in.do("POST", "/api/v1/sessions/"+itoa(sid)+"/holds", map[string]any{"mode": "online"}); r.status != http.StatusCreated {
		t.Errorf("API client: %d %s", r.status, r.body)
	}
	// Reading is never refused.
	if r := in.do("GET", "/sessions/"+itoa(sid), nil, "Sec-Fetch-Site", "cross-site"); r.status != http.StatusOK {
		t.Errorf("cross-site GET: %d", r.status)
	}
}

func TestSecurityHeaders(t *testing.T) {
	in := newEnv(t).start(nil)
	for _, path := range []string{"/", "/api/v1/workshops", "/no-such-page"} {
		r := in.page(path)
		csp := r.header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
			"font-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP allows unsafe sources: %q", path, csp)
		}
		if r.header.Get("Referrer-Policy") != "no-referrer" || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", path, r.header)
		}
	}
}

func TestAssetsAreEmbeddedAndCached(t *testing.T) {
	in := newEnv(t).start(nil)
	page := in.page("/").text()
	css := between(page, `<link rel="stylesheet" href="`, `"`)
	js := between(page, `<script type="module" src="`, `"`)
	if !strings.HasPrefix(css, "/assets/") || !strings.HasSuffix(css, "/css/app.css") || !strings.HasSuffix(js, "/js/app.mjs") {
		t.Fatalf("asset links %q %q", css, js)
	}
	version := strings.TrimSuffix(strings.TrimPrefix(css, "/assets/"), "/css/app.css")

	for path, typ := range map[string]string{
		css: "text/css; charset=utf-8", js: "text/javascript; charset=utf-8",
		"/assets/" + version + "/js/govuk-frontend.min.js": "text/javascript; charset=utf-8",
		"/assets/" + version + "/js/supported.js":          "text/javascript; charset=utf-8",
		"/assets/" + version + "/images/favicon.svg":       "image/svg+xml",
	} {
		r := in.do("GET", path, nil)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != typ || len(r.body) == 0 {
			t.Errorf("%s: %d %q", path, r.status, r.header.Get("Content-Type"))
		}
		if got := r.header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", path, got)
		}
		etag := r.header.Get("ETag")
		if r := in.do("GET", path, nil, "If-None-Match", etag); etag == "" || r.status != http.StatusNotModified {
			t.Errorf("%s: revalidation with %q: %d", path, etag, r.status)
		}
	}
	r := in.do("GET", css, nil)
	if strings.Contains(string(r.body), "GDS Transport") || strings.Contains(string(r.body), "@font-face") {
		t.Error("app.css loads the GDS Transport font")
	}
	// Unversioned (CSS url()) and other builds' addresses get a short cache.
	for _, path := range []string{"/assets/css/app.css", "/assets/0123456789ab/css/app.css"} {
		r := in.do("GET", path, nil)
		if r.status != http.StatusOK || r.header.Get("Cache-Control") != "public, max-age=3600" {
			t.Errorf("%s: %d %q", path, r.status, r.header.Get("Cache-Control"))
		}
	}
	for _, path := range []string{"/assets/" + version + "/css/nope.css", "/assets/../server.go", "/assets/" + version + "/../templates/layout.html"} {
		if r := in.do("GET", path, nil); r.status != http.StatusNotFound {
			t.Errorf("%s: %d", path, r.status)
		}
	}
	if r := in.do("HEAD", css, nil); r.status != http.StatusOK {
		t.Errorf("HEAD %s: %d", css, r.status)
	}
}
