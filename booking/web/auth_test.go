package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coventry/workshops/booking"
)

// Helpers for tests that need organisers signed in. The harness wires
// accounts, and the store writes the audit log, as cmd/workshopd does.

// addOrganiser makes an account, as the admin token would.
func (in *instance) addOrganiser(email string, role booking.Role) *booking.Organiser {
	in.env.t.Helper()
	ctx := booking.WithActor(context.Background(), booking.Actor{Kind: booking.ActorAPIToken})
	o, err := in.svc.CreateOrganiser(ctx, booking.OrganiserInput{Email: email, Name: "Test " + string(role), Role: role})
	if err != nil {
		in.env.t.Fatal(err)
	}
	return o
}

// assign makes o a facilitator of the session.
func (in *instance) assign(o *booking.Organiser, sessionID int64) {
	in.env.t.Helper()
	r := in.admin("POST", "/api/v1/admin/sessions/"+itoa(sessionID)+"/facilitators", map[string]any{"organiser_id": o.ID})
	if r.status != http.StatusCreated {
		in.env.t.Fatalf("assign facilitator: %d %s", r.status, r.body)
	}
}

// postForm posts a form as the sign-in pages' browser would.
func (in *instance) postForm(path string, values url.Values, header ...string) response {
	return in.do("POST", path, values.Encode(), append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)...)
}

// requestSignInLink asks for a sign-in link for email through the page and
// returns the token of the link emailed, or "" when none was.
func (in *instance) requestSignInLink(email string) string {
	in.env.t.Helper()
	var before int
	_ = in.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE kind = 'signin_link'`).Scan(&before)
	r := in.postForm("/admin/sign-in", url.Values{"email": {email}})
	if r.status != http.StatusOK {
		in.env.t.Fatalf("ask for a sign-in link: %d %s", r.status, r.body)
	}
	var payload []byte
	err := in.db.Pool.QueryRow(context.Background(), `
		SELECT payload FROM outbox WHERE kind = 'signin_link' ORDER BY id DESC LIMIT 1`).Scan(&payload)
	var after int
	_ = in.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE kind = 'signin_link'`).Scan(&after)
	if err != nil || after == before {
		return ""
	}
	var p struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		in.env.t.Fatal(err)
	}
	_, token, _ := strings.Cut(p.URL, "/admin/sign-in/")
	return token
}

// signIn signs o in through the pages and returns the Cookie header value
// of the sign-in.
func (in *instance) signIn(o *booking.Organiser) string {
	in.env.t.Helper()
	token := in.requestSignInLink(o.Email)
	if token == "" {
		in.env.t.Fatalf("no sign-in link was sent to %s", o.Email)
	}
	r := in.postForm("/admin/sign-in/"+token, nil)
	c := signInCookie(r)
	if r.status != http.StatusSeeOther || c == nil || c.Value == "" {
		in.env.t.Fatalf("sign in: %d, cookie %v: %s", r.status, c, r.body)
	}
	return c.Name + "=" + c.Value
}

// signInCookie returns the sign-in cookie an answer sets, or nil.
func signInCookie(r response) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if strings.Contains(c.Name, "workshops_signin") {
			return c
		}
	}
	return nil
}

// as sends a request with a sign-in cookie.
func (in *instance) as(cookie, method, path string, body any) response {
	return in.do(method, path, body, "Cookie", cookie)
}

func TestFacilitatorsReachOnlyTheirSessions(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	w := in.workshop("public")
	mine, theirs := in.session(w, 10, 0), in.session(w, 10, 0)
	fac := in.addOrganiser("facilitator@coventry.gov.uk", booking.RoleFacilitator)
	in.assign(fac, mine)
	cookie := in.signIn(fac)

	patch := map[string]any{"capacity": map[string]any{"in_person": 12}}
	// Facilitators run their sessions; changing, moving and cancelling
	// them is for admins.
	for _, tc := range []struct{ method, path string }{
		{"PATCH", "/api/v1/admin/sessions/" + itoa(mine)},
		{"POST", "/api/v1/admin/sessions/" + itoa(mine) + "/cancel"},
		{"PATCH", "/api/v1/admin/sessions/" + itoa(theirs)},
		{"PATCH", "/api/v1/admin/sessions/999999"},
		{"POST", "/api/v1/admin/workshops"},
		{"POST", "/api/v1/admin/organisers"},
		{"GET", "/api/v1/admin/audit"},
		{"POST", "/api/v1/admin/sessions/" + itoa(mine) + "/facilitators"},
	} {
		r := in.as(cookie, tc.method, tc.path, patch)
		if r.status != http.StatusForbidden || r.errorCode() != "forbidden" {
			t.Errorf("facilitator %s %s: %d %s, want 403 forbidden", tc.method, tc.path, r.status, r.body)
		}
	}

	// A wrong bearer token is refused even with a good cookie beside it.
	r := in.do("GET", "/api/v1/admin/audit", nil, "Cookie", cookie, "Authorization", "Bearer wrong")
	if r.status != http.StatusUnauthorized {
		t.Errorf("wrong bearer beside a cookie: %d", r.status)
	}
}

func TestAdminsManageAccountsAndReadTheAuditLog(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	admin := in.addOrganiser("admin@coventry.gov.uk", booking.RoleAdmin)
	cookie := in.signIn(admin)

	r := in.as(cookie, "POST", "/api/v1/admin/organisers", map[string]any{"email": "New.Person@coventry.gov.uk", "name": "New Person", "role": "facilitator"})
	if r.status != http.StatusCreated {
		t.Fatalf("create organiser: %d %s", r.status, r.body)
	}
	newID := int64(r.json(t)["id"].(float64))
	if r := in.as(cookie, "POST", "/api/v1/admin/organisers", map[string]any{"email": "new.person@COVENTRY.gov.uk", "name": "Again", "role": "admin"}); r.status != http.StatusConflict || r.errorCode() != "duplicate" {
		t.Errorf("same address again: %d %s", r.status, r.body)
	}
	if r := in.as(cookie, "POST", "/api/v1/admin/organisers", map[string]any{"email": "x@y.org", "name": "Line\nbreak", "role": "owner"}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("bad account: %d %s", r.status, r.body)
	}
	w := in.workshop("public")
	sid := in.session(w, 10, 5)
	if r := in.as(cookie, "POST", "/api/v1/admin/sessions/"+itoa(sid)+"/facilitators", map[string]any{"organiser_id": newID}); r.status != http.StatusCreated {
		t.Fatalf("assign: %d %s", r.status, r.body)
	}
	if r := in.as(cookie, "POST", "/api/v1/admin/sessions/"+itoa(sid)+"/facilitators", map[string]any{"organiser_id": newID}); r.status != http.StatusOK {
		t.Errorf("assign twice: %d %s", r.status, r.body)
	}
	if r := in.as(cookie, "PATCH", "/api/v1/admin/sessions/"+itoa(sid), map[string]any{"capacity": map[string]any{"in_person": 25}}); r.status != http.StatusOK {
		t.Fatalf("change session: %d %s", r.status, r.body)
	}
	if r := in.as(cookie, "PATCH", "/api/v1/admin/organisers/"+itoa(newID), map[string]any{"disabled": true}); r.status != http.StatusOK || r.json(t)["disabled"] != true {
		t.Errorf("disable: %d %s", r.status, r.body)
	}

	// The session's change, with who made it and the capacity before and after.
	r = in.as(cookie, "GET", "/api/v1/admin/audit?subject_type=session&subject_id="+itoa(sid), nil)
	if r.status != http.StatusOK {
		t.Fatalf("audit: %d %s", r.status, r.body)
	}
	var log struct {
		Entries []struct {
			Action string `json:"action"`
			Who    struct {
				Kind        string `json:"kind"`
				OrganiserID int64  `json:"organiser_id"`
				Email       string `json:"email"`
			} `json:"who"`
			Before map[string]any `json:"before"`
			After  map[string]any `json:"after"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(r.body, &log); err != nil {
		t.Fatal(err)
	}
	// Newest first: the capacity change, the assignment, the creation (by the token).
	if len(log.Entries) != 3 {
		t.Fatalf("%d entries for the session, want 3: %s", len(log.Entries), r.body)
	}
	update := log.Entries[0]
	if update.Action != "session.update" || update.Who.Kind != "organiser" || update.Who.OrganiserID != admin.ID || update.Who.Email != admin.Email {
		t.Errorf("update entry: %+v", update)
	}
	before, after := update.Before["capacity"].(map[string]any), update.After["capacity"].(map[string]any)
	if before["in_person"] != 10.0 || after["in_person"] != 25.0 || before["online"] != 5.0 {
		t.Errorf("capacity before %v after %v, want in_person 10 then 25", before, after)
	}
	if log.Entries[1].Action != "facilitator.assign" || log.Entries[2].Action != "session.create" || log.Entries[2].Who.Kind != "api-token" ||
		log.Entries[2].Before != nil {
		t.Errorf("older entries: %+v", log.Entries[1:])
	}
	if r := in.as(cookie, "GET", "/api/v1/admin/audit?limit=abc", nil); r.status != http.StatusUnprocessableEntity {
		t.Errorf("bad limit: %d", r.status)
	}
	if r := in.as(cookie, "GET", "/api/v1/admin/audit?limit=1", nil); r.status != http.StatusOK || r.json(t)["next_before_id"] == nil {
		t.Errorf("first page: %d %s", r.status, r.body)
	}
}
