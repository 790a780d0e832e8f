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

func TestTeamsMeetingsFollowTheSession(t *testing.T) {
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
