package web_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// fakeTeams stands in for Microsoft Graph (whose client is tested against
// a local server in calendar/msgraph): it records what the service asks.
type fakeTeams struct {
	mu    sync.Mutex
	moves []string
	fail  error
	// slow, when set, makes Move hang like a Graph that does not answer,
	// until the channel is closed; moving is told when it starts.
	slow   chan struct{}
	moving chan struct{}
}

func (f *fakeTeams) Create(ctx context.Context, subject string, start, end time.Time) (booking.Meeting, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return booking.Meeting{}, f.fail
	}
	return booking.Meeting{ID: "meeting-1", JoinURL: "https://teams.microsoft.com/l/meetup-join/made-for-us"}, nil
}

func (f *fakeTeams) Move(ctx context.Context, id string, start, end time.Time) error {
	f.mu.Lock()
	slow, moving := f.slow, f.moving
	f.slow = nil
	f.mu.Unlock()
	if slow != nil {
		moving <- struct{}{}
		select {
		case <-slow:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.moves = append(f.moves, id+" "+start.UTC().Format(time.RFC3339))
	return nil
}

func (f *fakeTeams) moved() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.moves...)
}

// withTeams starts an instance whose Teams meetings are made by a fake,
// with a public workshop; it returns them, when a session starts and the
// body that creates an online session then.
func withTeams(t *testing.T) (*env, *instance, *fakeTeams, int64, time.Time, map[string]any) {
	t.Helper()
	e := newEnv(t)
	in := e.start(nil)
	teams := &fakeTeams{}
	in.svc.Meetings = teams
	w := in.workshop("public")
	start := e.clock.Now().Add(72 * time.Hour).UTC().Truncate(time.Hour)
	body := map[string]any{
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339),
		"capacity": map[string]any{"in_person": 0, "online": 10},
	}
	return e, in, teams, w, start, body
}

func TestTeamsMeetingsFollowTheSession(t *testing.T) {
	e, in, teams, w, start, body := withTeams(t)
	r := in.admin("POST", "/api/v1/admin/workshops/"+itoa(w)+"/sessions", body)
	if r.status != http.StatusCreated || r.json(t)["online_url"] != "https://teams.microsoft.com/l/meetup-join/made-for-us" {
		t.Fatalf("online session without a link: %d %s", r.status, r.body)
	}
	path := "/api/v1/admin/sessions/" + itoa(int64(r.json(t)["id"].(float64)))

	// A change refused by its checks leaves the meeting where it was.
	past := e.clock.Now().Add(-time.Hour).UTC()
	if r := in.admin("PATCH", path, map[string]any{"starts_at": past.Format(time.RFC3339)}); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("move into the past: %d %s", r.status, r.body)
	}
	if m := teams.moved(); len(m) != 0 {
		t.Fatalf("a refused change moved the meeting: %v", m)
	}
	// A Graph failure refuses the move and changes nothing.
	teams.fail = booking.Errorf(booking.EUnavailable, "Microsoft Teams did not answer.")
	later := start.Add(24 * time.Hour)
	if r := in.admin("PATCH", path, map[string]any{"starts_at": later.Format(time.RFC3339), "ends_at": later.Add(time.Hour).Format(time.RFC3339)}); r.status != http.StatusServiceUnavailable {
		t.Fatalf("move while Graph fails: %d %s", r.status, r.body)
	}
	if r := in.do("GET", "/api/v1/sessions/"+path[len("/api/v1/admin/sessions/"):], nil); r.json(t)["starts_at"] != start.Format(time.RFC3339) {
		t.Fatalf("the session moved although Graph failed: %s", r.body)
	}
	// A good move moves both.
	teams.fail = nil
	if r := in.admin("PATCH", path, map[string]any{"starts_at": later.Format(time.RFC3339), "ends_at": later.Add(time.Hour).Format(time.RFC3339)}); r.status != http.StatusOK {
		t.Fatalf("move: %d %s", r.status, r.body)
	}
	if m := teams.moved(); len(m) != 1 || m[0] != "meeting-1 "+later.Format(time.RFC3339) {
		t.Fatalf("meeting moves: %v", m)
	}
	// Creating while Graph fails refuses the session rather than make it without a link.
	teams.fail = booking.Errorf(booking.EUnavailable, "Microsoft Teams did not answer.")
	var before int
	_ = e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM sessions`).Scan(&before)
	if r := in.admin("POST", "/api/v1/admin/workshops/"+itoa(w)+"/sessions", body); r.status != http.StatusServiceUnavailable || r.errorCode() != "unavailable" {
		t.Fatalf("create while Graph fails: %d %s", r.status, r.body)
	}
	var after int
	_ = e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM sessions`).Scan(&after)
	if after != before {
		t.Fatal("a session was stored without its Teams link")
	}
}

// Graph is called outside any transaction: while it hangs moving a
// meeting, the session's bookings and other changes go through, and the
// move then applies to the session as it is (checked again, moved again).
func TestSlowTeamsHoldsUpNoBooking(t *testing.T) {
	_, in, teams, w, start, body := withTeams(t)
	r := in.admin("POST", "/api/v1/admin/workshops/"+itoa(w)+"/sessions", body)
	if r.status != http.StatusCreated {
		t.Fatalf("session: %d %s", r.status, r.body)
	}
	sid := int64(r.json(t)["id"].(float64))
	path := "/api/v1/admin/sessions/" + itoa(sid)

	release := make(chan struct{})
	teams.mu.Lock()
	teams.slow, teams.moving = release, make(chan struct{}, 1)
	moving := teams.moving
	teams.mu.Unlock()
	later := start.Add(24 * time.Hour)
	patched := make(chan response, 1)
	go func() {
		patched <- in.admin("PATCH", path, map[string]any{"starts_at": later.Format(time.RFC3339), "ends_at": later.Add(time.Hour).Format(time.RFC3339)})
	}()
	<-moving // Graph has the request and does not answer

	// A booking of the session, and a change that needs no Graph, go
	// through at once.
	for _, req := range []func() response{
		func() response {
			return in.do("POST", "/api/v1/sessions/"+itoa(sid)+"/bookings", map[string]any{
				"mode": "online", "name": "Ann Lee", "email": "ann@example.org", "consent": true})
		},
		func() response {
			return in.admin("PATCH", path, map[string]any{"venue": map[string]any{"name": "Council House", "address": "Earl Street"},
				"capacity": map[string]any{"in_person": 5}})
		},
	} {
		done := make(chan response, 1)
		go func() { done <- req() }()
		select {
		case r := <-done:
			if r.status != http.StatusCreated && r.status != http.StatusOK {
				t.Fatalf("while Graph hangs: %d %s", r.status, r.body)
			}
		case <-time.After(5 * time.Second):
			close(release)
			t.Fatal("a request of the session waited for Graph")
		}
	}

	close(release)
	if r := <-patched; r.status != http.StatusOK {
		t.Fatalf("move after Graph answered: %d %s", r.status, r.body)
	}
	// The session changed while Graph was moving the meeting: the move was
	// checked again on the changed session, and both changes stand.
	got := in.do("GET", "/api/v1/sessions/"+itoa(sid), nil).json(t)
	if got["starts_at"] != later.Format(time.RFC3339) || got["venue"].(map[string]any)["name"] != "Council House" {
		t.Errorf("session after both changes: %v", got)
	}
	if m := teams.moved(); len(m) != 2 || m[1] != "meeting-1 "+later.Format(time.RFC3339) {
		t.Errorf("meeting moves: %v", m)
	}
}
