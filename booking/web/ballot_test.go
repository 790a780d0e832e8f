package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/ballot"
)

// ballotSession creates a public ballot session whose applications close a
// day after the test clock.
func (in *instance) ballotSession(inPerson, online int) int64 {
	in.env.t.Helper()
	w := in.workshop("public")
	start := in.env.clock.Now().Add(7 * 24 * time.Hour).UTC()
	r := in.admin("POST", "/api/v1/admin/workshops/"+itoa(w)+"/sessions", map[string]any{
		"starts_at":             start.Format(time.RFC3339),
		"ends_at":               start.Add(2 * time.Hour).Format(time.RFC3339),
		"venue":                 map[string]any{"name": "Council House", "address": "Earl Street, Coventry CV1 5RR"},
		"online_url":            "https://teams.microsoft.com/l/meetup-join/test",
		"capacity":              map[string]any{"in_person": inPerson, "online": online},
		"allocation":            "ballot",
		"applications_close_at": in.env.clock.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339),
	})
	if r.status != http.StatusCreated {
		in.env.t.Fatalf("create ballot session: %d %s", r.status, r.body)
	}
	return int64(r.json(in.env.t)["id"].(float64))
}

// wards are the 18 ward ids, the areas of the skewed test.
func wards() []string {
	var out []string
	for _, a := range booking.Areas() {
		if a.Ward {
			out = append(out, a.ID)
		}
	}
	return out
}

// applyMany makes n applications through the service: half from the first
// ward, the rest spread over the other 17; two in three in person.
func (in *instance) applyMany(sessionID int64, n int) {
	in.env.t.Helper()
	ws := wards()
	for i := range n {
		area := ws[0]
		if i%2 == 1 {
			area = ws[1+(i/2)%17]
		}
		mode := booking.InPerson
		if i%3 == 0 {
			mode = booking.Online
		}
		_, err := in.svc.Apply(context.Background(), sessionID, booking.ApplicationInput{Mode: mode, Area: area,
			Details: booking.Details{Name: fmt.Sprintf("Applicant %d", i), Email: fmt.Sprintf("applicant%d@example.org", i), Consent: true}})
		if err != nil {
			in.env.t.Fatalf("apply %d: %v", i, err)
		}
	}
}

func TestBallotSession(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	id := in.ballotSession(40, 20)
	sid := itoa(id)

	got := in.do("GET", "/api/v1/sessions/"+sid, nil).json(t)
	if got["allocation"] != "ballot" || got["applications_close_at"] == nil {
		t.Fatalf("session = %v, want a ballot with its closing time", got)
	}

	// Before the draw: no holds, bookings or waiting list.
	for _, try := range []struct{ path string }{{"/holds"}, {"/bookings"}, {"/waitlist"}} {
		body := person(1)
		body["mode"] = "in_person"
		if r := in.do("POST", "/api/v1/sessions/"+sid+try.path, body); r.status != http.StatusConflict || r.errorCode() != "conflict" {
			t.Errorf("%s before the draw: %d %s, want 409 conflict", try.path, r.status, r.body)
		}
	}

	apply := func(i int, area string) response {
		body := person(i)
		body["mode"], body["area"] = "in_person", area
		return in.do("POST", "/api/v1/sessions/"+sid+"/applications", body)
	}
	r := apply(100000, "foleshill")
	if r.status != http.StatusCreated || r.json(t)["status"] != "applied" || r.json(t)["reference"] == "" {
		t.Fatalf("apply: %d %s", r.status, r.body)
	}
	if r := apply(100000, "earlsdon"); r.status != http.StatusConflict || r.errorCode() != "duplicate" {
		t.Errorf("applying twice: %d %s, want 409 duplicate", r.status, r.body)
	}
	if r := apply(100001, "atlantis"); r.status != http.StatusUnprocessableEntity || !hasField(t, r, "area") {
		t.Errorf("unknown area: %d %s, want 422 naming area", r.status, r.body)
	}
	in.applyMany(id, 1999)

	if r := in.admin("POST", "/api/v1/admin/sessions/"+sid+"/draw", map[string]any{"seed": "4 11 19 27 38 52"}); r.status != http.StatusConflict {
		t.Errorf("draw before the close: %d %s, want 409", r.status, r.body)
	}
	e.clock.Advance(24*time.Hour + time.Minute)
	if r := apply(100002, "foleshill"); r.status != http.StatusConflict || r.errorCode() != "conflict" {
		t.Errorf("apply after the close: %d %s, want 409 conflict", r.status, r.body)
	}
	if r := in.admin("POST", "/api/v1/admin/sessions/"+sid+"/draw", map[string]any{"seed": " "}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("draw without a seed: %d %s, want 422", r.status, r.body)
	}

	// Two draws at once, through two instances: one draws, one is refused.
	other := e.start(nil)
	var wg sync.WaitGroup
	answers := make([]response, 2)
	for i, inst := range []*instance{in, other} {
		wg.Go(func() {
			answers[i] = inst.admin("POST", "/api/v1/admin/sessions/"+sid+"/draw", map[string]any{"seed": "4 11 19 27 38 52"})
		})
	}
	wg.Wait()
	statuses := []int{answers[0].status, answers[1].status}
	slices.Sort(statuses)
	if statuses[0] != http.StatusOK || statuses[1] != http.StatusConflict {
		t.Fatalf("two draws at once: %v (%s / %s), want one 200 and one 409", statuses, answers[0].body, answers[1].body)
	}
	if r := in.admin("POST", "/api/v1/admin/sessions/"+sid+"/draw", map[string]any{"seed": "again"}); r.status != http.StatusConflict {
		t.Errorf("second draw: %d, want 409", r.status)
	}

	// Booked exactly to capacity, Postgres and the bookings agreeing.
	live, booked := e.counts(id)
	if live["in_person"] != 40 || live["online"] != 20 || booked["in_person"] != 40 || booked["online"] != 20 {
		t.Errorf("after the draw: live %v, booked %v; want 40 in person and 20 online", live, booked)
	}
	var waiting, confirmations, drawnEmails int
	ctx := context.Background()
	must(t, e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM waitlist_entries WHERE session_id = $1 AND status = 'waiting'`, id).Scan(&waiting))
	must(t, e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE session_id = $1 AND kind = 'booking_confirmed'`, id).Scan(&confirmations))
	must(t, e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE session_id = $1 AND kind = 'waitlist_joined' AND (payload->>'drawn')::bool`, id).Scan(&drawnEmails))
	if waiting != 1940 || confirmations != 60 || drawnEmails != 1940 {
		t.Errorf("waiting %d, confirmations %d, waiting-list emails %d; want 1940, 60, 1940", waiting, confirmations, drawnEmails)
	}
	var personal int
	must(t, e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM ballot_applications WHERE session_id = $1 AND (email <> '' OR outcome IS NULL)`, id).Scan(&personal))
	if personal != 0 {
		t.Errorf("%d applications still hold an address or no outcome after the draw", personal)
	}

	// The published draw: anyone rerunning it from its inputs gets its result.
	var d booking.Draw
	r = in.admin("GET", "/api/v1/admin/sessions/"+sid+"/draw", nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET draw: %d %s", r.status, r.body)
	}
	must(t, json.Unmarshal(r.body, &d))
	if d.Seed != "4 11 19 27 38 52" || len(d.Input.Applications) != 2000 {
		t.Fatalf("draw: seed %q, %d applications", d.Seed, len(d.Input.Applications))
	}
	rerun, err := ballot.Draw(d.Input)
	must(t, err)
	if fmt.Sprint(rerun) != fmt.Sprint(d.Result) {
		t.Error("rerunning the published inputs gives another result")
	}
	for _, m := range d.Result.Modes {
		applied := map[string]int{}
		for _, a := range d.Input.Applications {
			if a.Mode == m.Mode {
				applied[a.Area]++
			}
		}
		places := map[string]int{}
		for _, a := range m.Areas {
			places[a.Area] = a.Places
		}
		for area, n := range applied {
			floor := min(n, d.Input.Capacity[m.Mode]/len(applied)) // equal weights
			if places[area] < floor {
				t.Errorf("%s: %s got %d places, floor share %d", m.Mode, area, places[area], floor)
			}
		}
	}
	other2 := d.Input
	other2.Seed = "4 11 19 27 38 53"
	diff, err := ballot.Draw(other2)
	must(t, err)
	if slices.Equal(refsOf(diff.Modes[0].Winners), refsOf(d.Result.Modes[0].Winners)) {
		t.Error("another seed gives the same winners")
	}

	// After the draw the session is an ordinary one: full, so a hold says
	// full (the Redis mirror knows the places went), not closed.
	if r := in.do("POST", "/api/v1/sessions/"+sid+"/holds", map[string]any{"mode": "online"}); r.status != http.StatusConflict || r.errorCode() != "full" {
		t.Errorf("hold after the draw: %d %s, want 409 full", r.status, r.body)
	}
}

// TestBallotDrawRacesCapacityChange: a capacity change and the draw wait for
// each other; whichever comes second sees the first.
func TestBallotDrawRacesCapacityChange(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	id := in.ballotSession(40, 20)
	sid := itoa(id)
	in.applyMany(id, 300)
	e.clock.Advance(24*time.Hour + time.Minute)

	var wg sync.WaitGroup
	var draw, patch response
	wg.Go(func() { draw = in.admin("POST", "/api/v1/admin/sessions/"+sid+"/draw", map[string]any{"seed": "x"}) })
	wg.Go(func() {
		patch = in.admin("PATCH", "/api/v1/admin/sessions/"+sid, map[string]any{"capacity": map[string]any{"in_person": 10}})
	})
	wg.Wait()
	if draw.status != http.StatusOK {
		t.Fatalf("draw: %d %s", draw.status, draw.body)
	}
	live, booked := e.counts(id)
	switch patch.status {
	case http.StatusOK: // the change came first: the draw gave 10
		if live["in_person"] != 10 || booked["in_person"] != 10 {
			t.Errorf("change first: live %v booked %v, want 10 in person", live, booked)
		}
	case http.StatusConflict: // the draw came first: 40 taken, the change refused
		if live["in_person"] != 40 || booked["in_person"] != 40 {
			t.Errorf("draw first: live %v booked %v, want 40 in person", live, booked)
		}
	default:
		t.Fatalf("capacity change: %d %s", patch.status, patch.body)
	}
}

func TestBallotSessionRefusals(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	w := in.workshop("public")
	start := e.clock.Now().Add(7 * 24 * time.Hour).UTC()
	base := func() map[string]any {
		return map[string]any{
			"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339),
			"online_url": "https://teams.microsoft.com/l/meetup-join/test",
			"capacity":   map[string]any{"online": 10}, "allocation": "ballot",
		}
	}
	for name, change := range map[string]func(map[string]any){
		"no close":          func(b map[string]any) {},
		"close after start": func(b map[string]any) { b["applications_close_at"] = start.Add(time.Hour).Format(time.RFC3339) },
		"close in the past": func(b map[string]any) {
			b["applications_close_at"] = e.clock.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		},
		"unknown allocation": func(b map[string]any) {
			b["allocation"] = "raffle"
		},
	} {
		b := base()
		change(b)
		if r := in.admin("POST", "/api/v1/admin/workshops/"+itoa(w)+"/sessions", b); r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s, want 422", name, r.status, r.body)
		}
	}
	plain := in.session(w, 0, 10)
	body := person(1)
	body["mode"], body["area"] = "online", "wyken"
	if r := in.do("POST", "/api/v1/sessions/"+itoa(plain)+"/applications", body); r.status != http.StatusConflict {
		t.Errorf("applying to a first-come session: %d %s, want 409", r.status, r.body)
	}
	if r := in.admin("POST", "/api/v1/admin/sessions/"+itoa(plain)+"/draw", map[string]any{"seed": "x"}); r.status != http.StatusConflict {
		t.Errorf("drawing a first-come session: %d %s, want 409", r.status, r.body)
	}
	if r := in.admin("GET", "/api/v1/admin/sessions/"+itoa(plain)+"/draw", nil); r.status != http.StatusNotFound {
		t.Errorf("the draw of a session never drawn: %d %s, want 404", r.status, r.body)
	}
	if r := in.admin("PATCH", "/api/v1/admin/sessions/"+itoa(plain), map[string]any{"allocation": "ballot"}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("changing the allocation: %d %s, want 422", r.status, r.body)
	}
}

func hasField(t *testing.T, r response, field string) bool {
	t.Helper()
	var e struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	return json.Unmarshal(r.body, &e) == nil && e.Error.Fields[field] != ""
}

func refsOf(apps []ballot.Application) []string {
	var out []string
	for _, a := range apps {
		out = append(out, a.Reference)
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// An application before its draw is personal data: in the export, and
// withdrawn by an erasure, so the person is not in the draw.
func TestBallotApplicationPersonalData(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	id := in.ballotSession(5, 5)
	body := person(7)
	body["mode"], body["area"] = "online", "wyken"
	if r := in.do("POST", "/api/v1/sessions/"+itoa(id)+"/applications", body); r.status != http.StatusCreated {
		t.Fatalf("apply: %d %s", r.status, r.body)
	}
	ctx := context.Background()
	// The acknowledgement is queued with the application, to its address.
	addressed := func(email string) (n int) {
		must(t, e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE kind = 'ballot_applied' AND session_id = $1
			AND (lower(payload->>'to') = $2 OR payload->>'name' <> '')`, id, email).Scan(&n))
		return n
	}
	if n := addressed("resident7@example.org"); n != 1 {
		t.Fatalf("%d acknowledgements to the applicant, want 1", n)
	}
	r := in.admin("GET", "/api/v1/admin/people?email=resident7@example.org", nil)
	apps, _ := r.json(t)["ballot_applications"].([]any)
	if r.status != http.StatusOK || len(apps) != 1 || apps[0].(map[string]any)["area"] != "wyken" {
		t.Fatalf("export: %d %s", r.status, r.body)
	}
	emails, _ := r.json(t)["emails"].([]any)
	if len(emails) != 1 || emails[0].(map[string]any)["about"] != "ballot_application" ||
		emails[0].(map[string]any)["reference"] != apps[0].(map[string]any)["reference"] {
		t.Errorf("exported emails %v, want the acknowledgement under the application's reference", emails)
	}
	r = in.admin("DELETE", "/api/v1/admin/people?email=resident7@example.org", nil)
	if r.status != http.StatusOK || r.json(t)["ballot_applications_withdrawn"] != float64(1) {
		t.Fatalf("erase: %d %s", r.status, r.body)
	}
	if n := addressed("resident7@example.org"); n != 0 {
		t.Errorf("%d acknowledgements still hold the erased address or name", n)
	}
	e.clock.Advance(24*time.Hour + time.Minute)
	r = in.admin("POST", "/api/v1/admin/sessions/"+itoa(id)+"/draw", map[string]any{"seed": "x"})
	if r.status != http.StatusOK || strings.Contains(string(r.body), "wyken") {
		t.Errorf("draw after the erasure: %d %s; want no application", r.status, r.body)
	}
}

// TestBallotAcknowledgementRetention: a sent acknowledgement loses the
// applicant's address and name once the session is over.
func TestBallotAcknowledgementRetention(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	id := in.ballotSession(5, 5)
	ctx := context.Background()
	body := person(8)
	body["mode"], body["area"] = "in_person", "earlsdon"
	if r := in.do("POST", "/api/v1/sessions/"+itoa(id)+"/applications", body); r.status != http.StatusCreated {
		t.Fatalf("apply: %d %s", r.status, r.body)
	}
	if _, err := e.db.Pool.Exec(ctx, `UPDATE outbox SET status = 'sent', sent_at = now() WHERE kind = 'ballot_applied'`); err != nil {
		t.Fatal(err)
	}
	addressed := func() (n int) {
		must(t, e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE kind = 'ballot_applied'
			AND (payload ? 'to' OR payload ? 'name')`).Scan(&n))
		return n
	}
	if n := addressed(); n != 1 {
		t.Fatalf("%d acknowledgements with the address, want 1", n)
	}
	e.clock.Advance(30 * 24 * time.Hour)
	if _, err := e.db.AnonymiseEnded(ctx, e.clock.Now(), e.clock.Now(), 100); err != nil {
		t.Fatal(err)
	}
	if n := addressed(); n != 0 {
		t.Errorf("%d acknowledgements hold an address or name after the session", n)
	}
}

// TestBallotApplicationAcknowledgedOnce: the acknowledgement is queued in
// the application's own transaction: a refused application sends none.
func TestBallotApplicationAcknowledgedOnce(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	id := in.ballotSession(5, 5)
	body := person(3)
	body["mode"], body["area"] = "online", "wyken"
	for want, status := range []int{http.StatusCreated, http.StatusConflict} {
		if r := in.do("POST", "/api/v1/sessions/"+itoa(id)+"/applications", body); r.status != status {
			t.Fatalf("application %d: %d %s", want+1, r.status, r.body)
		}
	}
	var n int
	must(t, e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE kind = 'ballot_applied'`).Scan(&n))
	if n != 1 {
		t.Errorf("%d acknowledgements for one application and one refused, want 1", n)
	}
}
