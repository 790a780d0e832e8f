package msgraph_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/calendar/msgraph"
	"github.com/coventry/workshops/internal/testenv"
)

// fakeGraph plays both the Microsoft identity platform's token endpoint and
// Graph's onlineMeetings endpoints, and checks what it is sent.
type fakeGraph struct {
	t  *testing.T
	mu sync.Mutex

	tokens     int // tokens issued
	tokenTTL   int // expires_in, seconds
	valid      map[string]bool
	meetings   map[string]map[string]string // id -> startDateTime, endDateTime, subject
	failCreate int                          // status to answer creates with, 0 for success
	revokeNext bool                         // answer the next Graph call 401 as if the token were revoked
}

const (
	tenant    = "tenant-1"
	clientID  = "client-1"
	secret    = "s3cret"
	organizer = "engagement@coventry.gov.uk"
)

func newFakeGraph(t *testing.T) (*fakeGraph, *httptest.Server) {
	f := &fakeGraph{t: t, tokenTTL: 3600, valid: map[string]bool{}, meetings: map[string]map[string]string{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeGraph) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.t
	switch {
	case r.URL.Path == "/login/"+tenant+"/oauth2/v2.0/token":
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Errorf("token: %s with %q", r.Method, r.Header.Get("Content-Type"))
		}
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		if r.PostForm.Get("client_secret") != secret {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}`)
			return
		}
		want := map[string]string{
			"grant_type": "client_credentials", "client_id": clientID,
			"scope": "https://graph.microsoft.com/.default",
		}
		for k, v := range want {
			if got := r.PostForm.Get(k); got != v {
				t.Errorf("token form %s = %q, want %q", k, got, v)
			}
		}
		f.tokens++
		tok := fmt.Sprintf("token-%d", f.tokens)
		f.valid[tok] = true
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"token_type":"Bearer","expires_in":%d,"ext_expires_in":%d,"access_token":%q}`, f.tokenTTL, f.tokenTTL, tok)
	case strings.HasPrefix(r.URL.Path, "/graph/v1.0/users/"+organizer+"/onlineMeetings"):
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if f.revokeNext || !f.valid[tok] {
			f.revokeNext = false
			delete(f.valid, tok)
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired."}}`)
			return
		}
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("graph: content type %q", r.Header.Get("Content-Type"))
		}
		var body map[string]string
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("graph: body: %v", err)
		}
		id := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/graph/v1.0/users/"+organizer+"/onlineMeetings"), "/")
		switch {
		case r.Method == http.MethodPost && id == "":
			if f.failCreate != 0 {
				w.WriteHeader(f.failCreate)
				fmt.Fprint(w, `{"error":{"code":"Forbidden","message":"Application does not have permission"}}`)
				return
			}
			id = fmt.Sprintf("MSo%d", len(f.meetings)+1)
			f.meetings[id] = body
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"id":%q,"subject":%q,"startDateTime":%q,"endDateTime":%q,"joinWebUrl":"https://teams.microsoft.com/l/meetup-join/19%%3ameeting_%s%%40thread.v2/0"}`,
				id, body["subject"], body["startDateTime"], body["endDateTime"], id)
		case r.Method == http.MethodPatch && id != "":
			m, ok := f.meetings[id]
			if !ok {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			for k, v := range body {
				m[k] = v
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id":%q,"startDateTime":%q,"endDateTime":%q}`, id, m["startDateTime"], m["endDateTime"])
		default:
			t.Errorf("graph: unexpected %s %s", r.Method, r.URL.Path)
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	default:
		t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
	}
}

func newClient(t *testing.T, srv *httptest.Server, clock *testenv.Clock) *msgraph.Client {
	t.Helper()
	c, err := msgraph.New(msgraph.Config{
		TenantID: tenant, ClientID: clientID, ClientSecret: secret, OrganizerID: organizer,
		LoginURL: srv.URL + "/login", GraphURL: srv.URL + "/graph/v1.0",
		HTTPClient: srv.Client(), Now: clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCreateAndMoveMeeting(t *testing.T) {
	f, srv := newFakeGraph(t)
	clock := testenv.NewClock(time.Date(2028, 3, 1, 9, 0, 0, 0, time.UTC))
	c := newClient(t, srv, clock)
	ctx := context.Background()
	london, _ := time.LoadLocation("Europe/London")
	start := time.Date(2028, 3, 14, 10, 0, 0, 0, london)

	m, err := c.Create(ctx, "One Coventry Plan: have your say", start, start.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "MSo1" || !strings.HasPrefix(m.JoinURL, "https://teams.microsoft.com/l/meetup-join/") {
		t.Fatalf("meeting = %+v", m)
	}
	got := f.meetings[m.ID]
	if got["subject"] != "One Coventry Plan: have your say" || got["startDateTime"] != "2028-03-14T10:00:00Z" || got["endDateTime"] != "2028-03-14T12:00:00Z" {
		t.Errorf("graph was sent %v", got)
	}

	// A second call within the token's life reuses it.
	m2, err := c.Create(ctx, "Second", start, start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if f.tokens != 1 {
		t.Errorf("%d tokens fetched for two calls, want 1 (cached)", f.tokens)
	}

	// Summer time: 10am in London on 1 July is 09:00 UTC.
	moved := time.Date(2028, 7, 1, 10, 0, 0, 0, london)
	if err := c.Move(ctx, m.ID, moved, moved.Add(90*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := f.meetings[m.ID]; got["startDateTime"] != "2028-07-01T09:00:00Z" || got["endDateTime"] != "2028-07-01T10:30:00Z" {
		t.Errorf("after move graph holds %v", got)
	}
	if f.meetings[m2.ID]["startDateTime"] != "2028-03-14T10:00:00Z" {
		t.Error("moving one meeting changed another")
	}

	// After the token expires a new one is fetched.
	clock.Advance(time.Hour)
	if _, err := c.Create(ctx, "Third", start, start.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if f.tokens != 2 {
		t.Errorf("%d tokens fetched after expiry, want 2", f.tokens)
	}

	// A token Graph no longer accepts is dropped and the call tried again once.
	f.revokeNext = true
	if err := c.Move(ctx, m.ID, start, start.Add(time.Hour)); err != nil {
		t.Fatalf("move after revoked token: %v", err)
	}
	if f.tokens != 3 {
		t.Errorf("%d tokens fetched after a 401, want 3", f.tokens)
	}
}

func TestGraphFailureIsUnavailable(t *testing.T) {
	f, srv := newFakeGraph(t)
	c := newClient(t, srv, testenv.NewClock(time.Now()))
	f.failCreate = http.StatusForbidden
	start := time.Now().Add(48 * time.Hour)
	_, err := c.Create(context.Background(), "Refused", start, start.Add(time.Hour))
	if booking.ErrorCode(err) != booking.EUnavailable {
		t.Fatalf("err = %v, want code unavailable", err)
	}
	if strings.Contains(err.Error(), secret) || strings.Contains(booking.ErrorMessage(err), "403") {
		t.Errorf("error leaks detail to people: %q / %q", err, booking.ErrorMessage(err))
	}
	if !strings.Contains(err.Error(), "403 (Forbidden)") {
		t.Errorf("error %q does not say what Graph answered", err)
	}

	if err := c.Move(context.Background(), "no-such-meeting", start, start.Add(time.Hour)); booking.ErrorCode(err) != booking.EUnavailable {
		t.Errorf("move of unknown meeting: %v", err)
	}

	// Login refused: wrong secret.
	bad, _ := msgraph.New(msgraph.Config{
		TenantID: tenant, ClientID: clientID, ClientSecret: "wrong", OrganizerID: organizer,
		LoginURL: srv.URL + "/login", GraphURL: srv.URL + "/graph/v1.0", HTTPClient: srv.Client(),
	})
	_, err = bad.Create(context.Background(), "x", start, start.Add(time.Hour))
	var be *booking.Error
	if !errors.As(err, &be) || be.Code != booking.EUnavailable || !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("login failure: %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("login failure leaks the secret: %v", err)
	}

	// Nothing listening at all.
	srv.Close()
	_, err = c.Create(context.Background(), "x", start, start.Add(time.Hour))
	if booking.ErrorCode(err) != booking.EUnavailable {
		t.Errorf("graph down: %v", err)
	}
}

// Graph is on with all four settings, off with none, and refused with some.
func TestEnabled(t *testing.T) {
	var cfg msgraph.Config
	if on, err := cfg.Enabled(); on || err != nil {
		t.Fatalf("none set: on=%v err=%v", on, err)
	}
	cfg.TenantID, cfg.ClientID = "t", "c"
	if _, err := cfg.Enabled(); err == nil || !strings.HasPrefix(err.Error(), "MSGRAPH_CLIENT_SECRET: ") {
		t.Fatalf("partly set: err=%v", err)
	}
	cfg.ClientSecret, cfg.OrganizerID = "s", "o"
	if on, err := cfg.Enabled(); !on || err != nil {
		t.Fatalf("all set: %v %v", on, err)
	}
}
