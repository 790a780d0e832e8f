package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// interest is a registration as the API takes it.
func interest(email string, modes []string, times []string) map[string]any {
	return map[string]any{"name": "Asha Patel", "email": email, "modes": modes, "area": "foleshill", "times": times}
}

// register posts a registration and checks it was taken.
func (in *instance) register(body map[string]any) response {
	in.env.t.Helper()
	r := in.do("POST", "/api/v1/interest", body)
	if r.status != http.StatusAccepted {
		in.env.t.Fatalf("register interest: %d %s", r.status, r.body)
	}
	return r
}

// interestToken is the token of the last email about the address's
// latest registration, as its links carry it.
func (e *env) interestToken(email string) string {
	e.t.Helper()
	var tok string
	if err := e.db.Pool.QueryRow(context.Background(), `
		SELECT o.payload->>'token' FROM outbox o JOIN interests i ON i.id = o.interest_id
		WHERE i.email = $1 ORDER BY o.id DESC LIMIT 1`, email).Scan(&tok); err != nil {
		e.t.Fatalf("no email to %s: %v", email, err)
	}
	return tok
}

// registerConfirmed registers and confirms, as the person following the
// link would.
func (in *instance) registerConfirmed(body map[string]any) string {
	in.env.t.Helper()
	in.register(body)
	tok := in.env.interestToken(body["email"].(string))
	if _, err := in.svc.ConfirmInterest(context.Background(), tok); err != nil {
		in.env.t.Fatal(err)
	}
	return tok
}

// told lists, per address, the sessions it was emailed about.
func (e *env) told() map[string][]int64 {
	e.t.Helper()
	rows, err := e.db.Pool.Query(context.Background(), `
		SELECT i.email, o.session_id FROM outbox o JOIN interests i ON i.id = o.interest_id
		WHERE o.kind = 'interest_session' ORDER BY o.id`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]int64{}
	for rows.Next() {
		var email string
		var sid int64
		if err := rows.Scan(&email, &sid); err != nil {
			e.t.Fatal(err)
		}
		out[email] = append(out[email], sid)
	}
	return out
}

// nextWeekday is the next day after from that falls on wd, at hour:00
// London time.
func nextWeekday(from time.Time, wd time.Weekday, hour int) time.Time {
	d := from.In(booking.London).AddDate(0, 0, 7)
	for d.Weekday() != wd {
		d = d.AddDate(0, 0, 1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, booking.London)
}

// The answer never says whether an address is known: a new address, one
// waiting for confirmation and one confirmed get the same 202 and body.
func TestInterestSameAnswerKnownOrUnknown(t *testing.T) {
	in := newEnv(t).start(nil)
	first := in.register(interest("asha@example.org", []string{"in_person"}, nil))
	again := in.register(interest("asha@example.org", []string{"in_person"}, nil))
	tok := in.env.interestToken("asha@example.org")
	if _, err := in.svc.ConfirmInterest(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	confirmed := in.register(interest("asha@example.org", []string{"online"}, nil))
	for _, r := range []response{again, confirmed} {
		if string(r.body) != string(first.body) || r.status != first.status {
			t.Errorf("answer %d %s, want %d %s", r.status, r.body, first.status, first.body)
		}
	}
	// However often it is asked, the address gets a few emails at most.
	for i := 0; i < 5; i++ {
		in.register(interest("flood@example.org", []string{"online"}, nil))
	}
	var n int
	_ = in.db.Pool.QueryRow(context.Background(), `
		SELECT count(*) FROM outbox o JOIN interests i ON i.id = o.interest_id WHERE i.email = 'flood@example.org'`).Scan(&n)
	if n != booking.MaxPendingInterest {
		t.Errorf("%d confirmation emails to one address, want %d", n, booking.MaxPendingInterest)
	}
}

// Bad registrations are refused with every field named, and change nothing.
func TestInterestBadInputChangesNothing(t *testing.T) {
	in := newEnv(t).start(nil)
	for _, c := range []struct {
		body   map[string]any
		fields []string
	}{
		{map[string]any{"name": "", "email": "nope", "modes": []string{}, "area": "atlantis"}, []string{"name", "email", "modes", "area"}},
		{map[string]any{"name": "A\nB", "email": "a@example.org", "modes": []string{"by_post"}, "area": "earlsdon", "times": []string{"midnight"}}, []string{"name", "modes", "times"}},
		{map[string]any{"name": "Ann", "email": "a@example.org", "modes": []string{"online"}, "area": "earlsdon", "audience": "everyone"}, []string{"audience"}},
		{map[string]any{"name": "Ann", "email": "a@example.org", "modes": []string{"online"}}, []string{"area"}},
	} {
		r := in.do("POST", "/api/v1/interest", c.body)
		if r.status != http.StatusUnprocessableEntity || r.errorCode() != "invalid" {
			t.Errorf("%v: %d %s, want 422 invalid", c.body, r.status, r.body)
			continue
		}
		fields, _ := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)
		for _, f := range c.fields {
			if _, ok := fields[f]; !ok {
				t.Errorf("%v: no error for %s in %s", c.body, f, r.body)
			}
		}
	}
	// Workforce registrations need the staff route and a work address.
	r := in.do("POST", "/api/v1/interest", map[string]any{"name": "Sam", "email": "sam@example.org",
		"modes": []string{"online"}, "area": "earlsdon", "audience": "workforce"})
	if r.status != http.StatusServiceUnavailable {
		t.Errorf("workforce with no staff domains: %d %s, want 503", r.status, r.body)
	}
	in.svc.StaffEmailDomains = []string{"coventry.gov.uk"}
	r = in.do("POST", "/api/v1/interest", map[string]any{"name": "Sam", "email": "sam@example.org",
		"modes": []string{"online"}, "area": "earlsdon", "audience": "workforce"})
	if r.status != http.StatusUnprocessableEntity || r.errorCode() != "invalid" {
		t.Errorf("workforce with a home address: %d %s, want 422", r.status, r.body)
	}
	var rows int
	_ = in.db.Pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM interests) + (SELECT count(*) FROM outbox)`).Scan(&rows)
	if rows != 0 {
		t.Errorf("%d rows written by refused registrations", rows)
	}
}

// Until the address is confirmed it is sent nothing but the confirmation;
// once confirmed, exactly one email per session that suits it (audience,
// a free way of taking part, the times asked for), with the session's
// link, and never a second, however often the sweep runs.
func TestInterestMatchingSessionsEmailedOnce(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	in.svc.StaffEmailDomains = []string{"coventry.gov.uk"}
	ctx := context.Background()
	public, staff := in.workshop("public"), in.workshop("workforce")

	in.register(interest("waiting@example.org", []string{"in_person", "online"}, nil)) // never confirmed
	in.registerConfirmed(interest("any@example.org", []string{"in_person", "online"}, nil))
	in.registerConfirmed(interest("room@example.org", []string{"in_person"}, nil))
	in.registerConfirmed(interest("evenings@example.org", []string{"in_person", "online"}, []string{"evenings"}))
	in.registerConfirmed(interest("weekends@example.org", []string{"online"}, []string{"weekends"}))
	staffBody := interest("sam@coventry.gov.uk", []string{"online"}, nil)
	staffBody["audience"] = "workforce"
	in.registerConfirmed(staffBody)

	now := e.clock.Now()
	tuesdayMorning := in.sessionAt(public, nextWeekday(now, time.Tuesday, 10), 10, 0)
	wednesdayEvening := in.sessionAt(public, nextWeekday(now, time.Wednesday, 18), 0, 10)
	saturdayOnline := in.sessionAt(public, nextWeekday(now, time.Saturday, 11), 0, 10)
	staffOnline := in.sessionAt(staff, nextWeekday(now, time.Thursday, 12), 0, 10)

	for i := 0; i < 3; i++ {
		if _, err := in.svc.NotifyInterest(ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	got := e.told()
	want := map[string][]int64{
		"any@example.org":      {tuesdayMorning, wednesdayEvening, saturdayOnline},
		"room@example.org":     {tuesdayMorning},
		"evenings@example.org": {wednesdayEvening},
		"weekends@example.org": {saturdayOnline},
		"sam@coventry.gov.uk":  {staffOnline},
	}
	for email, sessions := range want {
		if !sameSessions(got[email], sessions) {
			t.Errorf("%s told about %v, want %v", email, got[email], sessions)
		}
	}
	if len(got) != len(want) {
		t.Errorf("told %v, want only %v", got, want)
	}
	// The unconfirmed address has its confirmation and nothing else.
	var kinds []string
	rows, _ := in.db.Pool.Query(ctx, `SELECT o.kind FROM outbox o JOIN interests i ON i.id = o.interest_id WHERE i.email = 'waiting@example.org'`)
	for rows.Next() {
		var k string
		_ = rows.Scan(&k)
		kinds = append(kinds, k)
	}
	rows.Close()
	if len(kinds) != 1 || kinds[0] != booking.MsgInterestConfirm {
		t.Errorf("unconfirmed address sent %v, want only %s", kinds, booking.MsgInterestConfirm)
	}

	// A session that was full is told about when places are added, once.
	var full int64
	start := nextWeekday(now, time.Monday, 10)
	if err := e.db.Pool.QueryRow(ctx, `
		INSERT INTO sessions (workshop_id, starts_at, ends_at, venue_name, venue_address)
		VALUES ($1, $2, $3, 'Council House', 'Earl Street') RETURNING id`, public, start, start.Add(time.Hour)).Scan(&full); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO session_capacity (session_id, mode, capacity, booked) VALUES ($1, 'in_person', 1, 1)`, full); err != nil {
		t.Fatal(err)
	}
	if _, err := in.svc.NotifyInterest(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(e.told()["room@example.org"], full) {
		t.Fatal("told about a full session")
	}
	r := in.admin("PATCH", "/api/v1/admin/sessions/"+itoa(full), map[string]any{"capacity": map[string]any{"in_person": 3}})
	if r.status != http.StatusOK {
		t.Fatalf("add places: %d %s", r.status, r.body)
	}
	if _, err := in.svc.NotifyInterest(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if got := e.told()["room@example.org"]; !sameSessions(got, []int64{tuesdayMorning, full}) {
		t.Errorf("room@ told about %v, want %v once each", got, []int64{tuesdayMorning, full})
	}
}

// The email says places go to whoever books first: a ballot session and a
// session of an archived workshop are not announced.
func TestInterestLeavesOutBallotsAndArchivedWorkshops(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	ctx := context.Background()
	in.registerConfirmed(interest("any@example.org", []string{"in_person", "online"}, nil))

	in.ballotSession(10, 10)
	archived := in.workshop("public")
	if r := in.admin("PATCH", "/api/v1/admin/workshops/"+itoa(archived), map[string]any{"archived": true}); r.status != http.StatusOK {
		t.Fatalf("archive: %d %s", r.status, r.body)
	}
	in.sessionAt(archived, nextWeekday(e.clock.Now(), time.Tuesday, 10), 10, 10)
	open := in.sessionAt(in.workshop("public"), nextWeekday(e.clock.Now(), time.Wednesday, 10), 10, 10)

	if _, err := in.svc.NotifyInterest(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if got := e.told()["any@example.org"]; !sameSessions(got, []int64{open}) {
		t.Errorf("told about %v, want only the first-come session %d", got, open)
	}
}

func sameSessions(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[int64]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		if seen[x]--; seen[x] < 0 {
			return false
		}
	}
	return true
}

// Sweeps racing in two instances (each with its own pool), and the notice
// a session's creation sends, still email each person once per session.
func TestInterestConcurrentSweepsEmailOnce(t *testing.T) {
	e := newEnv(t)
	a, b := e.start(nil), e.start(nil)
	ctx := context.Background()
	const people = 30
	for i := 0; i < people; i++ {
		a.registerConfirmed(interest("p"+itoa(int64(i))+"@example.org", []string{"in_person"}, nil))
	}
	wid := a.workshop("public")
	// Sessions written straight into the database, so no creation has
	// told anyone yet: the sweeps below race for every email.
	var sessions []int64
	for i := 0; i < 3; i++ {
		var sid int64
		start := e.clock.Now().Add(time.Duration(8+i) * 24 * time.Hour)
		if err := e.db.Pool.QueryRow(ctx, `
			INSERT INTO sessions (workshop_id, starts_at, ends_at, venue_name, venue_address)
			VALUES ($1, $2, $3, 'Council House', 'Earl Street') RETURNING id`, wid, start, start.Add(time.Hour)).Scan(&sid); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.Pool.Exec(ctx, `INSERT INTO session_capacity (session_id, mode, capacity) VALUES ($1, 'in_person', 10)`, sid); err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, sid)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 8; i++ {
		svc := a.svc
		if i%2 == 1 {
			svc = b.svc
		}
		id := int64(0)
		if i%4 >= 2 {
			id = sessions[i%len(sessions)]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, err := svc.NotifyInterest(ctx, id); err != nil {
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	got := e.told()
	if len(got) != people {
		t.Fatalf("%d people told, want %d", len(got), people)
	}
	for email, told := range got {
		if !sameSessions(told, sessions) {
			t.Errorf("%s told about %v, want each of %v once", email, told, sessions)
		}
	}
}

// DELETE /api/v1/interest?token= stops the registration: it and its
// emails are gone, the sweep sends nothing more, and the token then
// opens nothing.
func TestInterestStopByAPI(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	ctx := context.Background()
	tok := in.registerConfirmed(interest("asha@example.org", []string{"in_person"}, nil))
	r := in.do("DELETE", "/api/v1/interest?token="+url.QueryEscape(tok), nil)
	if r.status != http.StatusOK || r.json(t)["status"] != "stopped" {
		t.Fatalf("stop: %d %s", r.status, r.body)
	}
	in.session(in.workshop("public"), 5, 5)
	if _, err := in.svc.NotifyInterest(ctx, 0); err != nil {
		t.Fatal(err)
	}
	var n int
	_ = in.db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM interests) + (SELECT count(*) FROM outbox WHERE interest_id IS NOT NULL)`).Scan(&n)
	if n != 0 {
		t.Errorf("%d rows left after stopping", n)
	}
	for _, bad := range []string{tok, "", "1.AAAA", "not-a-token"} {
		r = in.do("DELETE", "/api/v1/interest?token="+url.QueryEscape(bad), nil)
		if r.status != http.StatusNotFound {
			t.Errorf("stop with %q: %d %s, want 404", bad, r.status, r.body)
		}
	}
}

// Interest is personal data: in the person export, deleted by an erasure
// and by the retention job (unconfirmed after ConfirmWindow, confirmed
// after InterestKept); organisers see counts, not people.
func TestInterestPersonalData(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	ctx := context.Background()
	in.registerConfirmed(interest("Asha@Example.org", []string{"in_person", "online"}, []string{"weekends"}))
	in.registerConfirmed(map[string]any{"name": "Bo", "email": "bo@example.org", "modes": []string{"online"}, "area": "outside"})
	in.register(interest("unconfirmed@example.org", []string{"online"}, nil))

	r := in.admin("GET", "/api/v1/admin/interest", nil)
	if r.status != http.StatusOK {
		t.Fatalf("counts: %d %s", r.status, r.body)
	}
	counts := r.json(t)
	if counts["total"] != float64(2) {
		t.Errorf("total %v, want 2 (confirmed only)", counts["total"])
	}
	way := counts["by_way"].(map[string]any)
	if way["either"] != float64(1) || way["online"] != float64(1) || way["in_person"] != float64(0) {
		t.Errorf("by way %v", way)
	}
	for _, a := range counts["by_area"].([]any) {
		a := a.(map[string]any)
		want := map[string]float64{"foleshill": 1, "outside": 1}[a["id"].(string)]
		if a["count"] != want {
			t.Errorf("area %v: %v, want %v", a["id"], a["count"], want)
		}
	}
	if r := in.do("GET", "/api/v1/admin/interest", nil); r.status != http.StatusUnauthorized {
		t.Errorf("counts without signing in: %d", r.status)
	}

	r = in.admin("GET", "/api/v1/admin/people?email="+url.QueryEscape("asha@example.org"), nil)
	if r.status != http.StatusOK {
		t.Fatalf("export: %d %s", r.status, r.body)
	}
	data := r.json(t)
	regs, _ := data["interest"].([]any)
	if len(regs) != 1 || regs[0].(map[string]any)["area"] != "foleshill" || regs[0].(map[string]any)["confirmed_at"] == nil {
		t.Errorf("export interest = %v", data["interest"])
	}
	emails, _ := data["emails"].([]any)
	if len(emails) != 1 || emails[0].(map[string]any)["about"] != "interest" {
		t.Errorf("export emails = %v", data["emails"])
	}

	r = in.admin("DELETE", "/api/v1/admin/people?email="+url.QueryEscape("ASHA@example.org"), nil)
	if r.status != http.StatusOK || r.json(t)["interest_deleted"] != float64(1) {
		t.Fatalf("erase: %d %s", r.status, r.body)
	}
	var left int
	_ = in.db.Pool.QueryRow(ctx, `SELECT count(*) FROM interests WHERE lower(email) = 'asha@example.org'`).Scan(&left)
	if left != 0 {
		t.Errorf("%d registrations left after erasure", left)
	}

	// Retention: the unconfirmed one goes once its link lapses, the
	// confirmed one after InterestKept.
	count := func() int {
		var n int
		_ = in.db.Pool.QueryRow(ctx, `SELECT count(*) FROM interests`).Scan(&n)
		return n
	}
	now := time.Now()
	if _, err := booking.RunRetention(ctx, in.db, now.Add(booking.ConfirmWindow-time.Hour), 90*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Errorf("%d registrations before any lapsed, want 2", n)
	}
	if _, err := booking.RunRetention(ctx, in.db, now.Add(booking.ConfirmWindow+time.Hour), 90*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Errorf("%d registrations after the confirmation lapsed, want 1", n)
	}
	if _, err := booking.RunRetention(ctx, in.db, now.Add(booking.InterestKept+time.Hour), 90*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Errorf("%d registrations after InterestKept, want 0", n)
	}
}
