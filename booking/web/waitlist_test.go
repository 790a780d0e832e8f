package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// splitLink splits a manage_url into the path and the token.
func splitLink(t *testing.T, raw string) (path, token string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("link %q: %v", raw, err)
	}
	return u.Path, u.Query().Get("token")
}

// bookEveryPlace books every in-person place of a session, returning the manage links.
func (in *instance) bookEveryPlace(sessionID int64, n, from int) []string {
	in.env.t.Helper()
	var links []string
	for i := 0; i < n; i++ {
		p := person(from + i)
		p["mode"] = "in_person"
		r := in.do("POST", "/api/v1/sessions/"+itoa(sessionID)+"/bookings", p)
		if r.status != http.StatusCreated {
			in.env.t.Fatalf("booking %d: %d %s", i, r.status, r.body)
		}
		links = append(links, r.json(in.env.t)["manage_url"].(string))
	}
	return links
}

func (in *instance) joinWaitlist(sessionID int64, i int, mode string) response {
	p := person(i)
	p["mode"] = mode
	return in.do("POST", "/api/v1/sessions/"+itoa(sessionID)+"/waitlist", p)
}

// offerLinks reads the offers emailed since the outbox row after, as
// (reference, token), with the id of the last row read.
func (e *env) offerLinks(after int64) (offers [][2]string, last int64) {
	e.t.Helper()
	rows, err := e.db.Pool.Query(context.Background(), `
		SELECT o.id, w.reference, o.payload->>'token' FROM outbox o
		JOIN waitlist_entries w ON w.id = o.waitlist_entry_id
		WHERE o.kind = 'waitlist_offer' AND o.id > $1 ORDER BY o.id`, after)
	if err != nil {
		e.t.Error(err)
		return nil, after
	}
	defer rows.Close()
	last = after
	for rows.Next() {
		var ref, token string
		if err := rows.Scan(&last, &ref, &token); err != nil {
			e.t.Error(err)
			return nil, after
		}
		offers = append(offers, [2]string{ref, token})
	}
	return offers, last
}

func TestWaitlistJoinAndOffer(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 1, 0)

	r := in.joinWaitlist(sid, 1, "in_person")
	if r.status != http.StatusConflict || r.errorCode() != "conflict" || !strings.Contains(string(r.body), "book one instead") {
		t.Fatalf("joining with places left: %d %s", r.status, r.body)
	}
	manage := in.bookEveryPlace(sid, 1, 0)[0]

	first := in.joinWaitlist(sid, 1, "in_person")
	second := in.joinWaitlist(sid, 2, "in_person")
	if first.status != http.StatusCreated || first.json(t)["position"] != 1.0 || second.json(t)["position"] != 2.0 {
		t.Fatalf("joining: %d %s / %s", first.status, first.body, second.body)
	}
	for _, again := range []response{in.joinWaitlist(sid, 1, "in_person"), in.joinWaitlist(sid, 0, "in_person")} {
		if again.status != http.StatusConflict || again.errorCode() != "duplicate" {
			t.Errorf("joining twice or when booked: %d %s", again.status, again.body)
		}
	}
	path, token := splitLink(t, first.json(t)["manage_url"].(string))
	ref := strings.TrimPrefix(path, "/waitlist/")
	got := in.do("GET", "/api/v1/waitlist/"+ref+"?token="+token, nil)
	if got.status != http.StatusOK || got.json(t)["position"] != 1.0 || got.json(t)["status"] != "waiting" {
		t.Fatalf("entry: %d %s", got.status, got.body)
	}
	if r := in.do("GET", "/api/v1/waitlist/"+ref+"?token=wrong", nil); r.status != http.StatusNotFound {
		t.Errorf("wrong token: %d", r.status)
	}
	if r := in.do("GET", "/api/v1/waitlist/"+ref, nil); r.status != http.StatusUnauthorized {
		t.Errorf("no token: %d", r.status)
	}
	if r := in.do("POST", "/api/v1/waitlist/"+ref+"/accept?token="+token, nil); r.status != http.StatusConflict {
		t.Errorf("accepting before an offer: %d %s", r.status, r.body)
	}

	// The booked person cancels: the first person waiting is offered the
	// place, and nobody else can hold it meanwhile.
	mpath, mtoken := splitLink(t, manage)
	if r := in.do("DELETE", "/api/v1"+mpath+"?token="+mtoken, nil); r.status != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	if r := in.do("POST", "/api/v1/sessions/"+itoa(sid)+"/holds", map[string]any{"mode": "in_person"}); r.status != http.StatusConflict {
		t.Fatalf("holding an offered place: %d %s", r.status, r.body)
	}
	offers, _ := e.offerLinks(0)
	if len(offers) != 1 || offers[0][0] != ref {
		t.Fatalf("offers = %v, want one for %s", offers, ref)
	}
	offerToken := offers[0][1]
	got = in.do("GET", "/api/v1/waitlist/"+ref, nil, "Authorization", "Bearer "+offerToken)
	if got.status != http.StatusOK || got.json(t)["status"] != "offered" || got.json(t)["offer_expires_at"] == nil {
		t.Fatalf("offered entry: %d %s", got.status, got.body)
	}
	acc := in.do("POST", "/api/v1/waitlist/"+ref+"/accept?token="+offerToken, nil)
	if acc.status != http.StatusCreated || acc.json(t)["status"] != "confirmed" {
		t.Fatalf("accept: %d %s", acc.status, acc.body)
	}
	bpath, btoken := splitLink(t, acc.json(t)["manage_url"].(string))
	b := in.do("GET", "/api/v1"+bpath+"?token="+btoken, nil)
	if b.status != http.StatusOK || b.json(t)["email"] != "resident1@example.org" {
		t.Fatalf("the accepted booking: %d %s", b.status, b.body)
	}
	if r := in.do("POST", "/api/v1/waitlist/"+ref+"/accept?token="+offerToken, nil); r.status != http.StatusConflict {
		t.Errorf("accepting twice: %d %s", r.status, r.body)
	}

	// The second person leaves with the link from their email.
	path2, token2 := splitLink(t, second.json(t)["manage_url"].(string))
	ref2 := strings.TrimPrefix(path2, "/waitlist/")
	if r := in.do("DELETE", "/api/v1/waitlist/"+ref2+"?token="+token2, nil); r.status != http.StatusOK || r.json(t)["status"] != "left" {
		t.Fatalf("leave: %d %s", r.status, r.body)
	}
	if r := in.do("DELETE", "/api/v1/waitlist/"+ref2+"?token="+token2, nil); r.status != http.StatusConflict {
		t.Errorf("leaving twice: %d %s", r.status, r.body)
	}
}

func TestWaitlistBadInputChangesNothing(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 1, 0)
	staff := in.session(in.workshop("workforce"), 1, 0)
	in.bookEveryPlace(sid, 1, 0)
	before := e.snapshot()
	var entries int
	count := func() int {
		var n int
		if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM waitlist_entries`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	entries = count()
	path := "/api/v1/sessions/" + itoa(sid) + "/waitlist"
	with := func(change func(m map[string]any)) map[string]any {
		m := person(50)
		m["mode"] = "in_person"
		change(m)
		return m
	}
	for _, c := range []struct {
		name, path string
		body       any
		status     int
		code       string
		field      string
	}{
		{"not JSON", path, "name=x", 400, "invalid", ""},
		{"an array", path, "[]", 400, "invalid", ""},
		{"no consent", path, with(func(m map[string]any) { delete(m, "consent") }), 422, "invalid", "consent"},
		{"no mode", path, with(func(m map[string]any) { delete(m, "mode") }), 422, "invalid", "mode"},
		{"unknown mode", path, with(func(m map[string]any) { m["mode"] = "by_post" }), 422, "invalid", "mode"},
		{"mode not offered", path, with(func(m map[string]any) { m["mode"] = "online" }), 422, "invalid", "mode"},
		{"line break in name", path, with(func(m map[string]any) { m["name"] = "Ada\r\nBcc: x@example.org" }), 422, "invalid", "name"},
		{"bad email", path, with(func(m map[string]any) { m["email"] = "not-an-email" }), 422, "invalid", "email"},
		{"email of the wrong type", path, with(func(m map[string]any) { m["email"] = 42 }), 422, "invalid", "email"},
		{"too large", path, `{"name":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "too_large", ""},
		{"unknown session", "/api/v1/sessions/999999/waitlist", with(func(map[string]any) {}), 404, "not_found", ""},
		{"not a number", "/api/v1/sessions/not-a-number/waitlist", with(func(map[string]any) {}), 404, "not_found", ""},
		{"workforce session", "/api/v1/sessions/" + itoa(staff) + "/waitlist", with(func(map[string]any) {}), 403, "forbidden", ""},
		{"unknown entry", "/api/v1/waitlist/ABCD-EFGH/accept?token=x", nil, 404, "not_found", ""},
	} {
		method := "POST"
		r := in.do(method, c.path, c.body)
		if r.status != c.status || r.errorCode() != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.status, r.body, c.status, c.code)
			continue
		}
		if c.field != "" {
			fields, _ := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)
			if fields[c.field] == nil {
				t.Errorf("%s: fields = %v, want %s named", c.name, fields, c.field)
			}
		}
		if c.name == "workforce session" && !strings.Contains(string(r.body), "/staff") {
			t.Errorf("workforce refusal does not point to /staff: %s", r.body)
		}
	}
	if n := count(); n != entries {
		t.Errorf("%d waiting-list entries after bad input, want %d", n, entries)
	}
	if after := e.snapshot(); !sameSnapshot(before, after) {
		t.Errorf("bad input changed something: %+v -> %+v", before, after)
	}
}

func sameSnapshot(a, b snapshot) bool {
	if a.holds != b.holds || len(a.rows) != len(b.rows) {
		return false
	}
	for k, v := range a.rows {
		if b.rows[k] != v {
			return false
		}
	}
	return true
}

// A place left free by a hold that lapsed is no event in Postgres; the
// waiting-list worker offers it, but never while someone holds it.
func TestWaitlistWorkerOffersPlacesOnlyHeld(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 2, 0)
	in.bookEveryPlace(sid, 1, 0)
	hold := in.do("POST", "/api/v1/sessions/"+itoa(sid)+"/holds", map[string]any{"mode": "in_person"})
	if hold.status != http.StatusCreated {
		t.Fatalf("hold: %d %s", hold.status, hold.body)
	}
	// Full to people looking, though Postgres has a place free: joining is allowed.
	if r := in.joinWaitlist(sid, 7, "in_person"); r.status != http.StatusCreated {
		t.Fatalf("join while the last place is held: %d %s", r.status, r.body)
	}
	ctx := context.Background()
	if n, err := in.svc.OfferUnheldPlaces(ctx); err != nil || n != 0 {
		t.Fatalf("offered %d places while held (%v)", n, err)
	}
	e.clock.Advance(11 * time.Minute) // the hold lapses
	if n, err := in.svc.OfferUnheldPlaces(ctx); err != nil || n != 1 {
		t.Fatalf("offered %d places after the hold lapsed (%v), want 1", n, err)
	}
	if offers, _ := e.offerLinks(0); len(offers) != 1 {
		t.Fatalf("offers = %v", offers)
	}
	if r := in.do("POST", "/api/v1/sessions/"+itoa(sid)+"/holds", map[string]any{"mode": "in_person"}); r.status != http.StatusConflict {
		t.Errorf("holding the offered place: %d %s", r.status, r.body)
	}
	if taken, err := e.rdb.HGet(ctx, e.prefix+"{s:"+itoa(sid)+"}:in_person", "taken").Int(); err != nil || taken != 2 {
		t.Errorf("mirror taken = %d (%v), want 2", taken, err)
	}
	if n, _ := in.svc.OfferUnheldPlaces(ctx); n != 0 {
		t.Errorf("offered %d more", n)
	}
}
