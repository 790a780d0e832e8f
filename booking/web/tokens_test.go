package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A wrong token and a reference that does not exist get the same answer,
// on the API and on the pages: the same status, the same body. Otherwise a
// guess learns which references are real.
func TestWrongTokenAndUnknownReferenceAnswerAlike(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 1, 0)
	bpath, _ := splitLink(t, in.bookEveryPlace(sid, 1, 1)[0])
	ref := strings.TrimPrefix(bpath, "/bookings/")
	j := in.joinWaitlist(sid, 2, "in_person")
	if j.status != http.StatusCreated {
		t.Fatalf("join the waiting list: %d %s", j.status, j.body)
	}
	wref := j.json(t)["reference"].(string)
	const wrong = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	unknown := "ZZZZ-9999"

	same := func(what string, real, none response) {
		t.Helper()
		if real.status != none.status || !bytes.Equal(real.body, none.body) {
			t.Errorf("%s: a wrong token answers %d %.300s\nan unknown reference %d %.300s", what, real.status, real.body, none.status, none.body)
		}
		if real.status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", what, real.status)
		}
	}
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/bookings/%s?token=" + wrong},
		{"DELETE", "/api/v1/bookings/%s?token=" + wrong},
		{"GET", "/api/v1/bookings/%s/invite.ics?token=" + wrong},
		{"GET", "/bookings/%s?token=" + wrong},
		{"GET", "/bookings/%s/cancel?token=" + wrong},
		{"GET", "/bookings/%s/switch?token=" + wrong},
		{"GET", "/bookings/%s/confirmed?token=" + wrong},
	} {
		get := func(r string) response {
			return in.do(c.method, strings.Replace(c.path, "%s", r, 1), nil, "Accept", "text/html")
		}
		same(c.method+" "+c.path, get(ref), get(unknown))
	}
	post := func(path string) response {
		return in.form(path, url.Values{"token": {wrong}, "mode": {"online"}})
	}
	same("POST /bookings/%s/cancel", post("/bookings/"+ref+"/cancel"), post("/bookings/"+unknown+"/cancel"))
	same("POST /bookings/%s/switch", post("/bookings/"+ref+"/switch"), post("/bookings/"+unknown+"/switch"))

	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/waitlist/%s?token=" + wrong},
		{"DELETE", "/api/v1/waitlist/%s?token=" + wrong},
		{"POST", "/api/v1/waitlist/%s/accept?token=" + wrong},
		{"POST", "/api/v1/waitlist/%s/decline?token=" + wrong},
		{"GET", "/waitlist/%s?token=" + wrong},
		{"GET", "/waitlist/%s/leave?token=" + wrong},
	} {
		get := func(r string) response {
			return in.do(c.method, strings.Replace(c.path, "%s", r, 1), nil, "Accept", "text/html")
		}
		same(c.method+" "+c.path, get(wref), get(unknown))
	}
	for _, action := range []string{"leave", "accept", "decline"} {
		same("POST /waitlist/%s/"+action, post("/waitlist/"+wref+"/"+action), post("/waitlist/"+unknown+"/"+action))
	}
}

// Routes that check an emailed token are rate limited: probing references
// from one connection soon gets 429 with Retry-After, on the API and on
// the pages, and another connection is not held back.
func TestRateLimitsOnTokenRoutes(t *testing.T) {
	e := newEnv(t)
	in := e.startLimited(e.rdb)
	me, other := clientAddress(), clientAddress()
	tries := 0
	var last response
	for ; tries < 40; tries++ {
		last = in.do("GET", "/api/v1/bookings/ABCD-"+itoa(int64(1000+tries))+"?token=guess", nil, "X-Forwarded-For", me)
		if last.status == http.StatusTooManyRequests {
			break
		}
		if last.status != http.StatusNotFound {
			t.Fatalf("guess %d: %d %s", tries, last.status, last.body)
		}
	}
	if tries != 30 || last.errorCode() != "rate_limited" || last.header.Get("Retry-After") == "" {
		t.Fatalf("%d guesses answered, then %d %s (Retry-After %q); want 30, then 429 rate_limited", tries, last.status, last.body, last.header.Get("Retry-After"))
	}
	page := in.do("GET", "/waitlist/ABCD-1?token=guess", nil, "X-Forwarded-For", me, "Accept", "text/html")
	if page.status != http.StatusTooManyRequests || !strings.Contains(page.text(), "You have made too many requests") {
		t.Errorf("a token page over the limit: %d %.300s", page.status, page.body)
	}
	if r := in.do("GET", "/api/v1/bookings/ABCD-1?token=guess", nil, "X-Forwarded-For", other); r.status != http.StatusNotFound {
		t.Errorf("another connection: %d %s", r.status, r.body)
	}
}

// Wrong admin tokens are counted per connection: after ten, that
// connection gets 429 with Retry-After whatever token it sends, the right
// one included, until the limit lets it try again. The right token is never
// counted, and other connections are not held back.
func TestRateLimitsOnFailedAdminTokens(t *testing.T) {
	e := newEnv(t)
	in := e.startLimited(e.rdb)
	me, other, honest := clientAddress(), clientAddress(), clientAddress()
	as := func(from, token string) response {
		return in.do("GET", "/api/v1/admin/audit", nil, "X-Forwarded-For", from, "Authorization", "Bearer "+token)
	}
	for i := 0; i < 10; i++ {
		if r := as(me, "wrong-"+itoa(int64(i))); r.status != http.StatusUnauthorized {
			t.Fatalf("wrong token %d: %d %s, want 401", i, r.status, r.body)
		}
	}
	for _, token := range []string{"wrong-again", adminToken} {
		r := as(me, token)
		if r.status != http.StatusTooManyRequests || r.errorCode() != "rate_limited" || r.header.Get("Retry-After") == "" {
			t.Errorf("after ten wrong tokens, sending %q: %d %s (Retry-After %q), want 429", token, r.status, r.body, r.header.Get("Retry-After"))
		}
	}
	page := in.do("GET", "/admin", nil, "X-Forwarded-For", me, "Authorization", "Bearer wrong", "Accept", "text/html")
	if page.status != http.StatusTooManyRequests {
		t.Errorf("an organiser page from the same connection: %d, want 429", page.status)
	}
	let := func(r response) bool {
		return r.status != http.StatusUnauthorized && r.status != http.StatusTooManyRequests
	}
	if r := as(other, adminToken); !let(r) {
		t.Errorf("the admin token from another connection: %d %s", r.status, r.body)
	}
	for i := 0; i < 30; i++ {
		if r := as(honest, adminToken); !let(r) {
			t.Fatalf("right token %d: %d %s; the right token must not count", i, r.status, r.body)
		}
	}
}
