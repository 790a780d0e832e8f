package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/web"
)

// The OpenAPI document (openapi.json, served at /api/v1/openapi.json) is
// kept true here: every exchange the API tests make through instance.do is
// validated against it (checkOpenAPILater, checkOpenAPI), and the routes of the router and of
// the document are the same (TestOpenAPIDocumentHasEveryRoute).

func init() {
	// Bodies the document describes that kin-openapi has no decoder for.
	openapi3filter.RegisterBodyDecoder("text/calendar", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/pdf", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("image/jpeg", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("image/png", openapi3filter.FileBodyDecoder)
}

type openAPISpec struct {
	doc    *openapi3.T
	router routers.Router
	err    error
}

var (
	specOnce sync.Once
	spec     openAPISpec
)

// bareServer is a router with no backing services: enough to list its
// routes and serve the document.
func bareServer() *gin.Engine {
	return web.New(web.Config{BaseURL: "http://test.example"}, web.Deps{Service: &booking.Service{}}).Handler().(*gin.Engine)
}

// openAPI loads the document as the service serves it, once per test binary.
func openAPI(t testing.TB) openAPISpec {
	t.Helper()
	specOnce.Do(func() {
		w := httptest.NewRecorder()
		bareServer().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			spec.err = fmt.Errorf("GET /api/v1/openapi.json: %d %s", w.Code, w.Header().Get("Content-Type"))
			return
		}
		loader := openapi3.NewLoader()
		spec.doc, spec.err = loader.LoadFromData(w.Body.Bytes())
		if spec.err != nil {
			return
		}
		if spec.err = spec.doc.Validate(loader.Context); spec.err != nil {
			return
		}
		spec.router, spec.err = gorillamux.NewRouter(spec.doc)
	})
	if spec.err != nil {
		t.Fatalf("openapi.json: %v", spec.err)
	}
	return spec
}

// documented says whether the document is meant to describe path: the
// JSON API, health and the calendar feed. Pages are not in it.
func documented(path string) bool {
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/calendar/") ||
		path == "/healthz" || path == "/readyz"
}

var validationOptions = &openapi3filter.Options{
	IncludeResponseStatus: true, // a status the document does not list is a mismatch
	MultiError:            true,
	SkipSettingDefaults:   true,
	AuthenticationFunc:    credentialsSent,
}

// credentialsSent accepts a request that carries the credential of the
// security scheme; whether it is right is the service's to say, and only
// requests it accepted are checked.
func credentialsSent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	r, s := in.RequestValidationInput.Request, in.SecurityScheme
	switch {
	case s.Type == "http" && s.Scheme == "bearer":
		if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			return nil
		}
	case s.Type == "apiKey" && s.In == "query":
		if r.URL.Query().Get(s.Name) != "" {
			return nil
		}
	case s.Type == "apiKey" && s.In == "cookie":
		for _, name := range []string{s.Name, "__Host-" + s.Name} {
			if _, err := r.Cookie(name); err == nil {
				return nil
			}
		}
	}
	return fmt.Errorf("no %s credential", in.SecuritySchemeName)
}

// exchanges are the API requests of one test and their answers, checked
// against the document when the test ends, so that validating does not
// compete for the CPU with the rushes the tests make. Identical exchanges
// (the same answer to the same request) are checked once.
type exchanges struct {
	mu   sync.Mutex
	seen map[string]bool
	list []exchange
}

type exchange struct {
	req  *http.Request
	body []byte
	res  response
}

var pendingExchanges sync.Map // testing.TB → *exchanges

// checkOpenAPILater queues an exchange for checkOpenAPI at the end of t.
func checkOpenAPILater(t testing.TB, req *http.Request, body []byte, res response) {
	if !documented(req.URL.Path) {
		return
	}
	v, loaded := pendingExchanges.LoadOrStore(t, &exchanges{seen: map[string]bool{}})
	x := v.(*exchanges)
	if !loaded {
		t.Cleanup(func() {
			pendingExchanges.Delete(t)
			for _, e := range x.list {
				checkOpenAPI(t, e.req, e.body, e.res)
			}
		})
	}
	key := fmt.Sprintf("%s %s %q %q %d %q %q", req.Method, req.URL, req.Header, body, res.status, res.header.Get("Content-Type"), res.body)
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.seen[key] {
		x.seen[key] = true
		x.list = append(x.list, exchange{req: req, body: body, res: res})
	}
}

// checkOpenAPI validates one exchange against the document: the answer
// always, the request when the service accepted it (a request it took must
// be one the document allows). A request the document has no operation for
// must have been answered as the router answers an unknown address.
func checkOpenAPI(t testing.TB, req *http.Request, body []byte, res response) {
	t.Helper()
	if !documented(req.URL.Path) {
		return
	}
	sp := openAPI(t)
	ctx := context.Background()
	vreq := req.Clone(ctx)
	vreq.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := sp.router.FindRoute(vreq)
	if err != nil {
		code := res.errorCode()
		if (res.status == http.StatusNotFound && code == "not_found") ||
			(res.status == http.StatusMethodNotAllowed && code == "method_not_allowed") {
			return
		}
		t.Errorf("openapi: %s %s answered %d, but the document has no such operation: %v", req.Method, req.URL.Path, res.status, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: validationOptions}
	if res.status < 300 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("openapi: %s %s was accepted (%d) but the document refuses the request:\n%v", req.Method, route.Path, res.status, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: res.status, Header: res.header, Options: validationOptions,
	}
	out.SetBodyBytes(res.body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("openapi: %s %s answered %d %s, which the document does not allow:\n%v", req.Method, route.Path, res.status, res.body, err)
	}
}

var ginParam = regexp.MustCompile(`:([a-z_]+)`)

// docPath is the document's form of a Gin route: ":id" is "{id}". The
// session feed takes its file name whole (":file") and the document names
// its parts.
func docPath(ginPath string) string {
	if ginPath == "/calendar/sessions/:file" {
		return "/calendar/sessions/{id}.ics"
	}
	return ginParam.ReplaceAllString(ginPath, "{$1}")
}

func TestOpenAPIDocumentHasEveryRoute(t *testing.T) {
	sp := openAPI(t)
	if sp.doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", sp.doc.OpenAPI)
	}
	var inRouter, inDoc []string
	for _, r := range bareServer().Routes() {
		if documented(r.Path) {
			inRouter = append(inRouter, r.Method+" "+docPath(r.Path))
		}
	}
	for path, item := range sp.doc.Paths.Map() {
		for method := range item.Operations() {
			inDoc = append(inDoc, method+" "+path)
		}
	}
	slices.Sort(inRouter)
	slices.Sort(inDoc)
	for _, r := range inRouter {
		if _, found := slices.BinarySearch(inDoc, r); !found {
			t.Errorf("%s is served but not in openapi.json", r)
		}
	}
	for _, d := range inDoc {
		if _, found := slices.BinarySearch(inRouter, d); !found {
			t.Errorf("%s is in openapi.json but not served", d)
		}
	}
	if len(inRouter) < 30 {
		t.Errorf("only %d routes found: %v", len(inRouter), inRouter)
	}
}

// The document refuses what the service refuses: a check that the
// validation in checkOpenAPI has teeth.
func TestOpenAPIValidationCatchesMismatches(t *testing.T) {
	cases := []struct {
		name   string
		method string
		path   string
		status int
		body   string
	}{
		{"a field the document lacks", "GET", "/healthz", 200, `{"status":"ok","extra":1}`},
		{"a status the route does not answer", "GET", "/api/v1/workshops", 404, `{"error":{"code":"not_found","message":"x"}}`},
		{"an error code for another status", "GET", "/api/v1/sessions/1", 404, `{"error":{"code":"conflict","message":"x"}}`},
		{"a route the document lacks", "GET", "/api/v1/nowhere", 200, `{}`},
		{"an error outside the error shape", "GET", "/api/v1/sessions/1", 404, `{"message":"x"}`},
		{"a field left out of a composed schema", "POST", "/api/v1/admin/workshops", 201,
			`{"id":1,"title":"t","summary":"","audience":"public","created_at":"2028-01-01T00:00:00Z"}`},
		{"null where the document has none", "POST", "/api/v1/admin/bookings/ABCD-2345/attendance", 200,
			`{"reference":"ABCD-2345","session_id":null,"mode":"online","status":"confirmed","attended":true}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recordingTB{TB: t}
			req := httptest.NewRequest(tc.method, tc.path, nil)
			checkOpenAPI(rec, req, nil, response{status: tc.status, header: http.Header{"Content-Type": {"application/json"}}, body: []byte(tc.body)})
			if rec.failure == "" {
				t.Errorf("%s %s %d %s passed validation", tc.method, tc.path, tc.status, tc.body)
			}
			t.Log(rec.failure)
		})
	}
}

// recordingTB notes a failure instead of failing the test.
type recordingTB struct {
	testing.TB
	failure string
}

func (r *recordingTB) Errorf(format string, args ...any) { r.failure = fmt.Sprintf(format, args...) }

// The calendar feed and the document itself go through instance.do like
// the rest of the API, so their answers are checked against the document
// too: a public session's feed is an iCalendar file, a workforce session's
// is not published, and a name that is not a session's file is not found.
func TestSessionFeedAndDocumentAnswerAsDocumented(t *testing.T) {
	in := newEnv(t).start(nil)
	in.withInvites(t)
	public := in.session(in.workshop("public"), 10, 0)
	workforce := in.session(in.workshop("workforce"), 10, 0)

	r := in.do("GET", "/calendar/sessions/"+itoa(public)+".ics", nil)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/calendar") ||
		!bytes.Contains(r.body, []byte("BEGIN:VEVENT")) {
		t.Errorf("public feed: %d %s\n%s", r.status, r.header.Get("Content-Type"), r.body)
	}
	for _, path := range []string{"/calendar/sessions/" + itoa(workforce) + ".ics", "/calendar/sessions/" + itoa(public), "/calendar/sessions/x.ics"} {
		if r := in.do("GET", path, nil); r.status != http.StatusNotFound || r.errorCode() != "not_found" {
			t.Errorf("GET %s: %d %s", path, r.status, r.body)
		}
	}
	if r := in.do("GET", "/api/v1/openapi.json", nil); r.status != http.StatusOK {
		t.Errorf("GET /api/v1/openapi.json: %d", r.status)
	}
}
