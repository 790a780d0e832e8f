package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/web"
)

// routeTable is the route table and the router built from it, over a
// service with no stores: enough for what the guards do before any store
// is asked.
func routeTable(t *testing.T) ([]web.TableRoute, *gin.Engine) {
	t.Helper()
	srv := web.New(web.Config{BaseURL: "http://test.example", AdminToken: adminToken}, web.Deps{Service: &booking.Service{}})
	return web.RouteTable(srv), srv.Handler().(*gin.Engine)
}

// TestRouteTable checks the route table against the router and against
// rules that do not trust the table: every route served is in it, every
// route under /admin and /api/v1/admin but the way in is guarded and
// refuses a stranger, and every public route that checks an emailed token
// (a :reference or :token in its path) has a rate limit.
func TestRouteTable(t *testing.T) {
	table, router := routeTable(t)
	inTable := map[string]web.TableRoute{}
	for _, r := range table {
		key := r.Method + " " + r.Path
		if _, dup := inTable[key]; dup {
			t.Errorf("%s is in the route table twice", key)
		}
		inTable[key] = r
	}
	served := map[string]bool{}
	for _, r := range router.Routes() {
		key := r.Method + " " + r.Path
		served[key] = true
		if _, ok := inTable[key]; !ok {
			t.Errorf("the router serves %s, which is not in the route table (booking/web/routes.go): register routes only there", key)
		}
	}
	for key := range inTable {
		if !served[key] {
			t.Errorf("the route table lists %s, which the router does not serve", key)
		}
	}
	t.Logf("%d routes", len(table))

	for _, r := range table {
		key := r.Method + " " + r.Path
		switch {
		case signInRoutes[key] && r.Guard != "public":
			t.Errorf("%s is the way in, yet guarded %s", key, r.Guard)
		case isAdminRoute(r.Path) && !signInRoutes[key] && r.Guard == "public":
			t.Errorf("%s is an organisers' route open to everyone: give it a guard in routes.go", key)
		case r.Guard == "public" && (strings.Contains(r.Path, ":reference") || strings.Contains(r.Path, ":token")) && r.Limit == "":
			t.Errorf("%s checks an emailed token and has no rate limit", key)
		}
		if r.Guard == "public" {
			continue
		}
		path := strings.NewReplacer(":id", "1", ":reference", "ABC-123", ":organiser_id", "1", ":file", "attendance.css").Replace(r.Path)
		for _, header := range [][2]string{{}, {"Authorization", "Bearer wrong"}, {"Cookie", "workshops_signin=made-up"}} {
			req := httptest.NewRequest(r.Method, path, nil)
			if header[0] != "" {
				req.Header.Set(header[0], header[1])
			}
			w := httptest.NewRecorder()
			router.ServeHTTP(w, req)
			if strings.HasPrefix(r.Path, "/api/") {
				if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), `"unauthorized"`) {
					t.Errorf("%s as a stranger (%s): %d %.200s, want 401 unauthorized", key, header[0], w.Code, w.Body)
				}
			} else if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/sign-in" {
				t.Errorf("%s as a stranger (%s): %d to %q, want 303 to /admin/sign-in", key, header[0], w.Code, w.Header().Get("Location"))
			}
		}
	}
}
