package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// page fetches a page as a browser would.
func (in *instance) page(path string) response {
	return in.do("GET", path, nil, "Accept", "text/html")
}

// mustContain fails unless the body holds every one of want.
func (r response) mustContain(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(string(r.body), w) {
			t.Errorf("status %d: page does not contain %q:\n%s", r.status, w, r.body)
		}
	}
}

func TestCouncilPagesRender(t *testing.T) {
	in := newEnv(t).start(nil)
	for path, h1 := range map[string]string{
		"/accessibility": "Accessibility statement for Book a One Coventry Plan workshop",
		"/privacy":       "Privacy notice",
		"/cookies":       "Cookies",
	} {
		r := in.page(path)
		if r.status != http.StatusOK {
			t.Fatalf("%s: status %d", path, r.status)
		}
		r.mustContain(t, `<html lang="en"`, `id="page-heading">`+h1+`</h1>`, "Coventry City Council", `href="#main-content"`)
		if got := r.header.Get("Content-Security-Policy"); !strings.Contains(got, "script-src 'self'") {
			t.Errorf("%s: CSP %q", path, got)
		}
	}
}
