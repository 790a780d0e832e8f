package web_test

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// guard is who a route under /api/v1/admin or /admin lets in.
type guard int

const (
	// adminOnly: ADMIN_TOKEN and signed-in admins (s.requireAdmin).
	adminOnly guard = iota + 1
	// perSession: also the facilitators of the session in :id
	// (s.requireSessionAccess).
	perSession
	// perBooking: also the facilitators of the session of the booking in
	// :reference (s.requireBookingAccess).
	perBooking
	// anyOrganiser: every signed-in organiser; the route is about no
	// session (s.requireOrganiser).
	anyOrganiser
	// signInPage: the way in itself, open to everyone.
	signInPage
)

// adminRoutes is every route under /api/v1/admin and /admin, by method and
// Gin pattern, with its guard. TestEveryAdminRouteRefusesStrangers fails
// when the router has a route this table lacks, or the other way round.
var adminRoutes = map[string]guard{
	"POST /api/v1/admin/workshops":                                 adminOnly,
	"POST /api/v1/admin/workshops/:id/sessions":                    adminOnly,
	"PATCH /api/v1/admin/sessions/:id":                             perSession,
	"POST /api/v1/admin/sessions/:id/cancel":                       perSession,
	"GET /api/v1/admin/organisers":                                 adminOnly,
	"POST /api/v1/admin/organisers":                                adminOnly,
	"PATCH /api/v1/admin/organisers/:organiser_id":                 adminOnly,
	"GET /api/v1/admin/sessions/:id/facilitators":                  adminOnly,
	"POST /api/v1/admin/sessions/:id/facilitators":                 adminOnly,
	"DELETE /api/v1/admin/sessions/:id/facilitators/:organiser_id": adminOnly,
	"GET /api/v1/admin/audit":                                      adminOnly,
	"GET /api/v1/admin/emails/failed":                              adminOnly,
	"POST /api/v1/admin/emails/:id/retry":                          adminOnly,

	// Attendance lists, check-in and personal data (attendance.go).
	"GET /api/v1/admin/sessions/:id/attendees":          perSession,
	"GET /api/v1/admin/sessions/:id/attendees.csv":      perSession,
	"GET /api/v1/admin/sessions/:id/attendees.pdf":      perSession,
	"POST /api/v1/admin/sessions/:id/no-shows":          perSession,
	"POST /api/v1/admin/bookings/:reference/attendance": perBooking,
	"GET /api/v1/admin/workshops/:id/attendance":        adminOnly,
	"GET /api/v1/admin/people":                          adminOnly,
	"DELETE /api/v1/admin/people":                       adminOnly,
	"GET /admin/sessions/:id/attendance":                perSession,
	"GET /admin/sessions/:id/check-in":                  perSession,
	"POST /admin/sessions/:id/check-in":                 perSession,
	"POST /admin/sessions/:id/no-shows":                 perSession,
	"GET /admin/workshops/:id/attendance":               adminOnly,
	"GET /admin/attendance-assets/:file":                anyOrganiser,

	// Signing in and out (signin.go).
	"GET /admin/sign-in":         signInPage,
	"POST /admin/sign-in":        signInPage,
	"GET /admin/sign-in/:token":  signInPage,
	"POST /admin/sign-in/:token": signInPage,
	"POST /admin/sign-out":       signInPage,

	// The organisers' pages (organiser*.go).
	"GET /admin":                                                 anyOrganiser,
	"GET /admin/workshops/new":                                   adminOnly,
	"POST /admin/workshops":                                      adminOnly,
	"GET /admin/workshops/:id":                                   adminOnly,
	"GET /admin/workshops/:id/sessions/new":                      adminOnly,
	"POST /admin/workshops/:id/sessions":                         adminOnly,
	"GET /admin/sessions/:id":                                    perSession,
	"GET /admin/sessions/:id/edit":                               perSession,
	"POST /admin/sessions/:id/edit":                              perSession,
	"GET /admin/sessions/:id/cancel":                             perSession,
	"POST /admin/sessions/:id/cancel":                            perSession,
	"POST /admin/sessions/:id/facilitators":                      adminOnly,
	"POST /admin/sessions/:id/facilitators/:organiser_id/remove": adminOnly,
	"GET /admin/sessions/:id/bookings/new":                       perSession,
	"POST /admin/sessions/:id/bookings":                          perSession,
	"GET /admin/bookings/:reference":                             perBooking,
	"GET /admin/bookings/:reference/cancel":                      perBooking,
	"POST /admin/bookings/:reference/cancel":                     perBooking,
	"GET /admin/organisers":                                      adminOnly,
	"POST /admin/organisers":                                     adminOnly,
	"GET /admin/organisers/:organiser_id":                        adminOnly,
	"POST /admin/organisers/:organiser_id":                       adminOnly,
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

	// The table and the router agree.
	var routes []gin.RouteInfo
	registered := map[string]bool{}
	for _, r := range in.handler.(*gin.Engine).Routes() {
		if !isAdminRoute(r.Path) {
			continue
		}
		key := r.Method + " " + r.Path
		registered[key] = true
		if _, ok := adminRoutes[key]; !ok {
			t.Errorf("route %s is not in adminRoutes in booking/web/admin_routes_test.go.\n"+
				"Guard it with s.requireAdmin, s.requireSessionAccess (:id is a session), s.requireBookingAccess (:reference)\n"+
				"or s.requireOrganiser (see booking/web/auth.go), then add the line\n\t%q: adminOnly, // or perSession, perBooking, anyOrganiser\n"+
				"so this test proves it refuses strangers and other sessions' facilitators.", key, key)
			continue
		}
		routes = append(routes, r)
	}
	for key := range adminRoutes {
		if !registered[key] {
			t.Errorf("adminRoutes lists %s, which the router does not have: remove it or fix its method and pattern", key)
		}
	}
	sort.Slice(routes, func(i, j int) bool { return routes[i].Path+routes[i].Method < routes[j].Path+routes[j].Method })

	admin := in.addOrganiser("admin@coventry.gov.uk", booking.RoleAdmin)
	fac := in.addOrganiser("facilitator@coventry.gov.uk", booking.RoleFacilitator)
	other := in.addOrganiser("other@coventry.gov.uk", booking.RoleFacilitator)
	adminCookie, facCookie := in.signIn(admin), in.signIn(fac)

	for i, route := range routes {
		g := adminRoutes[route.Method+" "+route.Path]
		if g == signInPage {
			continue
		}
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
			if g != anyOrganiser {
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
			if slices.Contains([]guard{perSession, perBooking, anyOrganiser}, g) {
				served("the session's facilitator", facCookie, f.path(t, route.Path, true))
			}
			served("a signed-in admin", adminCookie, target)
			if r := in.admin(route.Method, target, nil); r.status == http.StatusUnauthorized || r.status == http.StatusForbidden {
				t.Errorf("the admin token was refused: %d %.200s", r.status, r.body)
			}
		})
	}
}
