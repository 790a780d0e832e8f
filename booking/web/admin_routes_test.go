package web_test

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// signInRoutes are the only routes under /admin and /api/v1/admin open to
// everyone: the way in itself. Every other one must have a guard in the
// route table (routes.go); TestRouteTable fails otherwise.
var signInRoutes = map[string]bool{
	"GET /admin/sign-in":         true,
	"POST /admin/sign-in":        true,
	"GET /admin/sign-in/:token":  true,
	"POST /admin/sign-in/:token": true,
	"POST /admin/sign-out":       true,
}

func isAdminRoute(path string) bool {
	return path == "/admin" || strings.HasPrefix(path, "/admin/") ||
		path == "/api/v1/admin" || strings.HasPrefix(path, "/api/v1/admin/")
}

// routeFixture is what one route's checks run against: a session the
// facilitator runs and one they do not, each with a booking.
type routeFixture struct {
	workshop        int64
	mine, theirs    int64
	myRef, theirRef string
	other           *booking.Organiser
}

// path fills the route's parameters, aiming at the facilitator's session
// when own is set and at another otherwise.
func (f routeFixture) path(t *testing.T, pattern string, own bool) string {
	t.Helper()
	session, ref := f.theirs, f.theirRef
	if own {
		session, ref = f.mine, f.myRef
	}
	segs := strings.Split(pattern, "/")
	for i, seg := range segs {
		if !strings.HasPrefix(seg, ":") && !strings.HasPrefix(seg, "*") {
			continue
		}
		prev := segs[i-1]
		switch name := seg[1:]; {
		case name == "id" && prev == "sessions":
			segs[i] = itoa(session)
		case name == "id" && prev == "workshops":
			segs[i] = itoa(f.workshop)
		case name == "id" && prev == "emails":
			segs[i] = "1"
		case name == "id" && prev == "surveys":
			segs[i] = "1"
		case name == "question_id":
			segs[i] = "ideas"
		case name == "reference":
			segs[i] = ref
		case name == "organiser_id":
			segs[i] = itoa(f.other.ID)
		case name == "file":
			segs[i] = "attendance.css"
		default:
			t.Fatalf("%s: admin_routes_test.go does not know what to put for %s after /%s/: add a case to routeFixture.path", pattern, seg, prev)
		}
	}
	return strings.Join(segs, "/")
}

// newLink makes a sign-in link for o at the test clock's now, straight in
// the store (the page caps how many an account is sent).
func (in *instance) newLink(o *booking.Organiser) string {
	in.env.t.Helper()
	token, hash, err := booking.NewToken()
	if err != nil {
		in.env.t.Fatal(err)
	}
	now := in.env.clock.Now()
	l := &booking.SignInLink{OrganiserID: o.ID, TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(booking.SignInLinkLifetime)}
	if err := in.db.CreateSignInLink(context.Background(), l, booking.EmailPayload{To: o.Email}); err != nil {
		in.env.t.Fatal(err)
	}
	return token
}

func (in *instance) signInCount() int {
	in.env.t.Helper()
	var n int
	if err := in.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM organiser_sessions`).Scan(&n); err != nil {
		in.env.t.Fatal(err)
	}
	return n
}

// book makes a booking in a session through the public API.
func (in *instance) book(sessionID int64, i int) string {
	in.env.t.Helper()
	body := person(i)
	body["mode"] = "in_person"
	r := in.do("POST", "/api/v1/sessions/"+itoa(sessionID)+"/bookings", body)
	if r.status != http.StatusCreated {
		in.env.t.Fatalf("book: %d %s", r.status, r.body)
	}
	return r.json(in.env.t)["reference"].(string)
}

func TestEveryAdminRouteRefusesStrangers(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)

	table, _ := routeTable(t)
	guards := map[string]string{}
	for _, r := range table {
		guards[r.Method+" "+r.Path] = r.Guard
	}
	var routes []gin.RouteInfo
	for _, r := range in.handler.(*gin.Engine).Routes() {
		if isAdminRoute(r.Path) && guards[r.Method+" "+r.Path] != "public" {
			routes = append(routes, r)
		}
	}
	sort.Slice(routes, func(i, j int) bool { return routes[i].Path+routes[i].Method < routes[j].Path+routes[j].Method })

	admin := in.addOrganiser("admin@coventry.gov.uk", booking.RoleAdmin)
	fac := in.addOrganiser("facilitator@coventry.gov.uk", booking.RoleFacilitator)
	other := in.addOrganiser("other@coventry.gov.uk", booking.RoleFacilitator)
	adminCookie, facCookie := in.signIn(admin), in.signIn(fac)

	for i, route := range routes {
		g := guards[route.Method+" "+route.Path]
		t.Run(route.Method+" "+route.Path, func(t *testing.T) {
			w := in.workshop("public")
			f := routeFixture{workshop: w, mine: in.session(w, 10, 0), theirs: in.session(w, 10, 0), other: other}
			f.myRef, f.theirRef = in.book(f.mine, 2*i), in.book(f.theirs, 2*i+1)
			in.assign(fac, f.mine)
			page := !strings.HasPrefix(route.Path, "/api/")
			target := f.path(t, route.Path, false)

			refusedAsStranger := func(why string, r response) {
				t.Helper()
				if page {
					if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/sign-in" {
						t.Errorf("%s: %d to %q, want 303 to /admin/sign-in", why, r.status, r.header.Get("Location"))
					}
				} else if r.status != http.StatusUnauthorized || r.errorCode() != "unauthorized" {
					t.Errorf("%s: %d %.200s, want 401 unauthorized", why, r.status, r.body)
				}
			}
			refusedAsStranger("no credentials", in.do(route.Method, target, nil))
			refusedAsStranger("a made-up cookie", in.do(route.Method, target, nil, "Cookie", "workshops_signin=made-up"))
			refusedAsStranger("a wrong bearer token", in.do(route.Method, target, nil, "Authorization", "Bearer wrong"))

			// Expired and used links sign nobody in, and their tokens are
			// no credential anywhere.
			spentLink := func(why string, token string, wantStatus int) {
				t.Helper()
				before := in.signInCount()
				for _, method := range []string{"GET", "POST"} {
					r := in.do(method, "/admin/sign-in/"+token, nil)
					if r.status != wantStatus || signInCookie(r) != nil {
						t.Errorf("%s %s link: %d (cookie %v), want %d and no cookie", method, why, r.status, signInCookie(r), wantStatus)
					}
				}
				if after := in.signInCount(); after != before {
					t.Errorf("%s link: %d sign-ins became %d", why, before, after)
				}
				refusedAsStranger(why+" link's token as the cookie", in.do(route.Method, target, nil, "Cookie", "workshops_signin="+token))
				refusedAsStranger(why+" link's token as a bearer", in.do(route.Method, target, nil, "Authorization", "Bearer "+token))
			}
			expired := in.newLink(fac)
			e.clock.Advance(booking.SignInLinkLifetime)
			spentLink("an expired", expired, http.StatusGone)
			e.clock.Advance(-booking.SignInLinkLifetime)
			used := in.newLink(fac)
			if r := in.postForm("/admin/sign-in/"+used, nil); r.status != http.StatusSeeOther {
				t.Fatalf("first use of a link: %d", r.status)
			}
			spentLink("a used", used, http.StatusGone)

			// A facilitator, on a session not theirs (or on any admin-only route).
			if g != "anyOrganiser" {
				r := in.as(facCookie, route.Method, target, nil)
				if r.status != http.StatusForbidden || (!page && r.errorCode() != "forbidden") {
					t.Errorf("facilitator of another session: %d %.200s, want 403", r.status, r.body)
				}
			}

			// And the guard is not refusing everyone: the people it serves get past it.
			served := func(who, cookie, path string) {
				t.Helper()
				r := in.as(cookie, route.Method, path, nil)
				if r.status == http.StatusUnauthorized || r.status == http.StatusForbidden ||
					(r.status == http.StatusSeeOther && r.header.Get("Location") == "/admin/sign-in") {
					t.Errorf("%s was refused: %d %.200s", who, r.status, r.body)
				}
			}
			if g != "adminOnly" {
				served("the session's facilitator", facCookie, f.path(t, route.Path, true))
			}
			served("a signed-in admin", adminCookie, target)
			if r := in.admin(route.Method, target, nil); r.status == http.StatusUnauthorized || r.status == http.StatusForbidden {
				t.Errorf("the admin token was refused: %d %.200s", r.status, r.body)
			}
		})
	}
}
