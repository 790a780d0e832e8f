package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/coventry/workshops/booking"
)

// cellOf reads the cell labelled label in the table row with id row of a
// page (the stacked tables' data-label).
func cellOf(t *testing.T, r response, row, label string) string {
	t.Helper()
	body := string(r.body)
	i := strings.Index(body, `id="`+row+`"`)
	if i < 0 {
		t.Fatalf("no row %q", row)
	}
	end := strings.Index(body[i:], "</tr>")
	m := regexp.MustCompile(`data-label="` + regexp.QuoteMeta(label) + `">(.*?)</td>`).FindStringSubmatch(body[i : i+end])
	if m == nil {
		t.Fatalf("row %q has no cell %q", row, label)
	}
	return html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], ""))
}

// placesWant is what one row of the dashboard should say.
type placesWant struct {
	capacity, booked, held, offered, waiting, applications int
	status                                                 string
}

func (w placesWant) left() int { return max(0, w.capacity-w.booked-w.offered-w.held) }

func (w placesWant) add(o placesWant) placesWant {
	return placesWant{w.capacity + o.capacity, w.booked + o.booked, w.held + o.held, w.offered + o.offered,
		w.waiting + o.waiting, w.applications + o.applications, ""}
}

func checkPlacesRow(t *testing.T, r response, row string, w placesWant) {
	t.Helper()
	for label, n := range map[string]int{"Places": w.capacity, "Booked": w.booked, "Held now": w.held,
		"Offers out": w.offered, "Left": w.left(), "Waiting": w.waiting} {
		if got := cellOf(t, r, row, label); got != fmt.Sprint(n) {
			t.Errorf("%s %s = %s, want %d", row, label, got, n)
		}
	}
	if w.status != "" {
		if got := cellOf(t, r, row, "Stands out"); got != w.status {
			t.Errorf("%s stands out %q, want %q", row, got, w.status)
		}
	}
}

func checkPlacesJSON(t *testing.T, got any, w placesWant, what string) {
	t.Helper()
	m, _ := got.(map[string]any)
	for k, n := range map[string]int{"capacity": w.capacity, "booked": w.booked, "held": w.held, "offered": w.offered,
		"left": w.left(), "waiting": w.waiting, "applications": w.applications} {
		if v, _ := m[k].(float64); int(v) != n {
			t.Errorf("%s %s = %v, want %d", what, k, m[k], n)
		}
	}
}

func TestPlacesDashboard(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	w := in.workshop("public")

	// A hybrid session: every place in person booked, people waiting, one
	// cancels so the first waiting is offered the place; online, some booked
	// and one held by someone typing.
	const inPerson, online = 3, 4
	busy := in.session(w, inPerson, online)
	links := in.bookEveryPlace(busy, inPerson, 0)
	const joined = 3
	for i := range joined {
		if r := in.joinWaitlist(busy, 100+i, "in_person"); r.status != http.StatusCreated {
			t.Fatalf("join: %d %s", r.status, r.body)
		}
	}
	path, token := splitLink(t, links[0])
	if r := in.do("DELETE", "/api/v1"+path+"?token="+token, nil); r.status != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	bookedOnline := 2
	for i := range bookedOnline {
		in.bookPerson(busy, booking.Online, "Online "+itoa(int64(i)), fmt.Sprintf("online%d@example.org", i))
	}
	if r := in.do("POST", "/api/v1/sessions/"+itoa(busy)+"/holds", map[string]any{"mode": "online"}); r.status != http.StatusCreated {
		t.Fatalf("hold: %d %s", r.status, r.body)
	}
	busyIn := placesWant{capacity: inPerson, booked: inPerson - 1, offered: 1, waiting: joined - 1,
		status: fmt.Sprintf("Full, %d waiting", joined-1)}
	busyOnline := placesWant{capacity: online, booked: bookedOnline, held: 1, status: "Places left"}

	// A quiet session in person only; a cancelled one and one of an
	// archived workshop, which are left out.
	const quietPlaces = 6
	quiet := in.session(w, quietPlaces, 0)
	quietIn := placesWant{capacity: quietPlaces, status: "Places left"}
	cancelled := in.session(w, 5, 5)
	if r := in.admin("POST", "/api/v1/admin/sessions/"+itoa(cancelled)+"/cancel", map[string]any{"reason": "The venue flooded."}); r.status != http.StatusOK {
		t.Fatalf("cancel session: %d %s", r.status, r.body)
	}
	old := in.workshop("public")
	archived := in.session(old, 5, 5)
	if r := in.admin("PATCH", "/api/v1/admin/workshops/"+itoa(old), map[string]any{"archived": true}); r.status != http.StatusOK {
		t.Fatalf("archive: %d %s", r.status, r.body)
	}

	// A ballot not yet drawn: its applications, no holds.
	const applied = 7
	ballot := in.ballotSession(10, 5)
	in.applyMany(ballot, applied)
	var ballotWorkshop int64
	appliedBy := map[booking.Mode]int{}
	rows, err := in.db.Pool.Query(context.Background(), `SELECT mode, count(*) FROM ballot_applications WHERE session_id = $1 GROUP BY mode`, ballot)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var m booking.Mode
		var n int
		if err := rows.Scan(&m, &n); err != nil {
			t.Fatal(err)
		}
		appliedBy[m] = n
	}
	if err := in.db.Pool.QueryRow(context.Background(), `SELECT workshop_id FROM sessions WHERE id = $1`, ballot).Scan(&ballotWorkshop); err != nil {
		t.Fatal(err)
	}
	if appliedBy[booking.InPerson]+appliedBy[booking.Online] != applied {
		t.Fatalf("applications %v, want %d", appliedBy, applied)
	}
	ballotIn := placesWant{capacity: 10, applications: appliedBy[booking.InPerson], status: "Ballot: " + fmt.Sprint(appliedBy[booking.InPerson]) + " applications"}
	ballotOnline := placesWant{capacity: 5, applications: appliedBy[booking.Online]}

	r := in.orgPage(in.signIn(in.addOrganiser("organiser@coventry.gov.uk", booking.RoleAdmin)), "/admin/places")
	if r.status != http.StatusOK {
		t.Fatalf("dashboard: %d %s", r.status, r.body)
	}
	r.has(t, `id="organiser-places"`, `id="workshop-`+itoa(w)+`"`, `href="/admin/sessions/`+itoa(busy)+`"`, "Ballot, not yet drawn")
	r.hasNot(t, `href="/admin/sessions/`+itoa(cancelled)+`"`, `href="/admin/sessions/`+itoa(archived)+`"`, `id="session-`+itoa(quiet)+`-online"`)
	s := func(id int64, m string) string { return "session-" + itoa(id) + "-" + m }
	checkPlacesRow(t, r, s(busy, "in_person"), busyIn)
	checkPlacesRow(t, r, s(busy, "online"), busyOnline)
	checkPlacesRow(t, r, s(quiet, "in_person"), quietIn)
	checkPlacesRow(t, r, s(ballot, "in_person"), ballotIn)
	checkPlacesRow(t, r, s(ballot, "online"), ballotOnline)
	wIn, wOnline := busyIn.add(quietIn), busyOnline
	checkPlacesRow(t, r, "workshop-"+itoa(w)+"-total-in_person", wIn)
	checkPlacesRow(t, r, "workshop-"+itoa(w)+"-total-online", wOnline)
	checkPlacesRow(t, r, "workshop-"+itoa(w)+"-total-everyone", wIn.add(wOnline))
	allIn, allOnline := wIn.add(ballotIn), wOnline.add(ballotOnline)
	checkPlacesRow(t, r, "total-in_person", allIn)
	checkPlacesRow(t, r, "total-online", allOnline)
	checkPlacesRow(t, r, "total-everyone", allIn.add(allOnline))
	r.has(t, "1 session is full in at least one way of taking part.", fmt.Sprintf("%d people are waiting", joined-1))

	// The admin API says the same.
	j := in.admin("GET", "/api/v1/admin/places", nil)
	if j.status != http.StatusOK {
		t.Fatalf("admin places: %d %s", j.status, j.body)
	}
	body := j.json(t)
	workshops, _ := body["workshops"].([]any)
	if len(workshops) != 2 {
		t.Fatalf("%d workshops, want 2 (not the archived one): %s", len(workshops), j.body)
	}
	sessions := map[int64]map[string]any{}
	byWorkshop := map[int64]map[string]any{}
	for _, wv := range workshops {
		wm := wv.(map[string]any)
		byWorkshop[int64(wm["id"].(float64))] = wm
		for _, sv := range wm["sessions"].([]any) {
			sm := sv.(map[string]any)
			sessions[int64(sm["id"].(float64))] = sm
		}
	}
	if len(sessions) != 3 || sessions[ballot]["allocation"] != "ballot" {
		t.Fatalf("sessions %v", sessions)
	}
	mode := func(v map[string]any, m string) any { return v["modes"].(map[string]any)[m] }
	checkPlacesJSON(t, mode(sessions[busy], "in_person"), busyIn, "busy in person")
	checkPlacesJSON(t, mode(sessions[busy], "online"), busyOnline, "busy online")
	checkPlacesJSON(t, mode(sessions[quiet], "in_person"), quietIn, "quiet in person")
	if _, ok := sessions[quiet]["modes"].(map[string]any)["online"]; ok {
		t.Error("the quiet session lists online places it does not offer")
	}
	checkPlacesJSON(t, mode(sessions[ballot], "online"), ballotOnline, "ballot online")
	checkPlacesJSON(t, byWorkshop[w]["totals"].(map[string]any)["in_person"], wIn, "workshop in person")
	checkPlacesJSON(t, byWorkshop[ballotWorkshop]["totals"].(map[string]any)["online"], ballotOnline, "ballot workshop online")
	checkPlacesJSON(t, body["totals"].(map[string]any)["in_person"], allIn, "all in person")
	checkPlacesJSON(t, body["totals"].(map[string]any)["online"], allOnline, "all online")
	if full, _ := mode(sessions[busy], "in_person").(map[string]any)["full"].(bool); !full {
		t.Error("the full session is not full")
	}

	// Facilitators may not see it.
	fac := in.addOrganiser("facilitator@coventry.gov.uk", booking.RoleFacilitator)
	in.assign(fac, busy)
	if r := in.orgPage(in.signIn(fac), "/admin/places"); r.status != http.StatusForbidden {
		t.Errorf("a facilitator's dashboard: %d", r.status)
	}
}
