package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// snapshot is everything bad input must leave alone.
type snapshot struct {
	rows  map[string]int
	holds int64
}

func (e *env) snapshot() snapshot {
	e.t.Helper()
	ctx := context.Background()
	s := snapshot{rows: map[string]int{}}
	for _, q := range []string{
		"SELECT count(*) FROM workshops",
		"SELECT count(*) FROM sessions",
		"SELECT count(*) FROM bookings",
		"SELECT count(*) FROM bookings WHERE status = 'cancelled'",
		"SELECT count(*) FROM outbox",
		"SELECT coalesce(sum(booked + offered + capacity), 0) FROM session_capacity",
		"SELECT coalesce(sum(sequence), 0) FROM sessions",
	} {
		var n int
		if err := e.db.Pool.QueryRow(ctx, q).Scan(&n); err != nil {
			e.t.Fatal(err)
		}
		s.rows[q] = n
	}
	keys, err := e.rdb.Keys(ctx, e.prefix+"*:holds").Result()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, k := range keys {
		s.holds += e.rdb.ZCard(ctx, k).Val()
	}
	return s
}

func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	public := in.workshop("public")
	sessionID := in.session(public, 5, 5)
	inPersonOnly := in.session(public, 5, 0)
	staffOnly := in.session(in.workshop("workforce"), 5, 5)
	hold := in.do("POST", "/api/v1/sessions/"+itoa(sessionID)+"/holds", map[string]any{"mode": "in_person"}).json(t)["hold_id"].(string)
	p := person(1)
	p["mode"] = "online"
	booked := in.do("POST", "/api/v1/sessions/"+itoa(sessionID)+"/bookings", p).json(t)
	ref := booked["reference"].(string)

	sess := "/api/v1/sessions/" + itoa(sessionID)
	withHold := "/api/v1/holds/" + hold + "/booking"
	tampered := hold[:len(hold)-2] + flip(hold[len(hold)-2:])
	future := e.clock.Now().Add(48 * time.Hour).UTC()
	at := func(d time.Duration) string { return future.Add(d).Format(time.RFC3339) }
	newSession := func(change func(m map[string]any)) map[string]any {
		m := map[string]any{
			"starts_at": at(0), "ends_at": at(time.Hour),
			"venue":    map[string]any{"name": "Central Library", "address": "Smithford Way, Coventry CV1 1FY"},
			"capacity": map[string]any{"in_person": 10, "online": 10}, "online_url": "https://teams.microsoft.com/l/x",
		}
		change(m)
		return m
	}
	details := func(change func(m map[string]any)) map[string]any {
		m := person(99)
		change(m)
		return m
	}
	direct := func(change func(m map[string]any)) map[string]any {
		m := person(98)
		m["mode"] = "in_person"
		change(m)
		return m
	}
	admin := []string{"Authorization", "Bearer " + adminToken}
	wsPath := "/api/v1/admin/workshops/" + itoa(public) + "/sessions"

	cases := []struct {
		name, method, path string
		body               any
		header             []string
		status             int
		code, field        string
	}{
		{"malformed JSON", "POST", sess + "/holds", `{"mode":`, nil, 400, "invalid", ""},
		{"JSON that is not an object", "POST", sess + "/holds", `["in_person"]`, nil, 400, "invalid", ""},
		{"empty body", "POST", sess + "/holds", ``, nil, 400, "invalid", ""},
		{"mode of the wrong type", "POST", sess + "/holds", `{"mode": 5}`, nil, 422, "invalid", "mode"},
		{"unknown mode", "POST", sess + "/holds", map[string]any{"mode": "balcony"}, nil, 422, "invalid", "mode"},
		{"unknown session", "POST", "/api/v1/sessions/987654/holds", map[string]any{"mode": "online"}, nil, 404, "not_found", ""},
		{"session id that is not a number", "POST", "/api/v1/sessions/not-a-number/holds", map[string]any{"mode": "online"}, nil, 404, "not_found", ""},
		{"negative session id", "GET", "/api/v1/sessions/-3", nil, nil, 404, "not_found", ""},
		{"workforce session on the public route", "POST", "/api/v1/sessions/" + itoa(staffOnly) + "/holds", map[string]any{"mode": "online"}, nil, 403, "forbidden", ""},
		{"mode the session does not offer", "POST", "/api/v1/sessions/" + itoa(inPersonOnly) + "/bookings", direct(func(m map[string]any) { m["mode"] = "online" }), nil, 422, "invalid", "mode"},
		{"missing consent", "POST", withHold, details(func(m map[string]any) { delete(m, "consent") }), nil, 422, "invalid", "consent"},
		{"consent refused", "POST", withHold, details(func(m map[string]any) { m["consent"] = false }), nil, 422, "invalid", "consent"},
		{"consent of the wrong type", "POST", withHold, details(func(m map[string]any) { m["consent"] = "yes" }), nil, 422, "invalid", "consent"},
		{"missing name", "POST", withHold, details(func(m map[string]any) { delete(m, "name") }), nil, 422, "invalid", "name"},
		{"CR/LF in a name", "POST", withHold, details(func(m map[string]any) { m["name"] = "Ann\r\nBcc: all@example.org" }), nil, 422, "invalid", "name"},
		{"NUL in a name", "POST", withHold, details(func(m map[string]any) { m["name"] = "Ann\x00Lee" }), nil, 422, "invalid", "name"},
		{"CR/LF in an email", "POST", withHold, details(func(m map[string]any) { m["email"] = "ann@example.org\r\nBcc: x@example.org" }), nil, 422, "invalid", "email"},
		{"invalid email", "POST", withHold, details(func(m map[string]any) { m["email"] = "not-an-email" }), nil, 422, "invalid", "email"},
		{"email with a display name", "POST", withHold, details(func(m map[string]any) { m["email"] = "Ann <ann@example.org>" }), nil, 422, "invalid", "email"},
		{"email without a dot in the domain", "POST", withHold, details(func(m map[string]any) { m["email"] = "ann@localhost" }), nil, 422, "invalid", "email"},
		{"name too long", "POST", withHold, details(func(m map[string]any) { m["name"] = strings.Repeat("a", 101) }), nil, 422, "invalid", "name"},
		{"access needs too long", "POST", withHold, details(func(m map[string]any) { m["access_needs"] = strings.Repeat("b", 2001) }), nil, 422, "invalid", "access_needs"},
		{"postcode that is not one", "POST", withHold, details(func(m map[string]any) { m["postcode"] = "12345" }), nil, 422, "invalid", "postcode"},
		{"text that is not UTF-8", "POST", withHold, "{\"name\":\"Zo\xff\xfe\",\"email\":\"zoe@example.org\",\"consent\":true}", nil, 422, "invalid", ""},
		{"body over the size limit", "POST", withHold, `{"name":"` + strings.Repeat("x", 70<<10) + `"}`, nil, 413, "too_large", ""},
		{"direct booking with no mode", "POST", sess + "/bookings", details(func(m map[string]any) {}), nil, 422, "invalid", "mode"},
		{"direct booking with a name of the wrong type", "POST", sess + "/bookings", direct(func(m map[string]any) { m["name"] = 42 }), nil, 422, "invalid", "name"},
		{"direct booking with CR/LF in the email", "POST", sess + "/bookings", direct(func(m map[string]any) { m["email"] = "a@example.org\n" }), nil, 422, "invalid", "email"},
		{"unknown hold", "POST", "/api/v1/holds/nothing-like-a-hold/booking", details(func(m map[string]any) {}), nil, 404, "not_found", ""},
		{"tampered hold", "POST", "/api/v1/holds/" + tampered + "/booking", details(func(m map[string]any) {}), nil, 404, "not_found", ""},
		{"duplicate booking", "POST", sess + "/bookings", direct(func(m map[string]any) {
			m["name"], m["email"] = strings.ToUpper(p["name"].(string)), strings.ToUpper(p["email"].(string))
		}), nil, 409, "duplicate", ""},
		{"booking without a token", "GET", "/api/v1/bookings/" + ref, nil, nil, 401, "unauthorized", ""},
		{"booking with a wrong token", "GET", "/api/v1/bookings/" + ref + "?token=wrong-token-wrong-token", nil, nil, 404, "not_found", ""},
		{"cancel with a wrong token", "DELETE", "/api/v1/bookings/" + ref, nil, []string{"Authorization", "Bearer wrong"}, 404, "not_found", ""},
		{"cancel without a token", "DELETE", "/api/v1/bookings/" + ref, nil, nil, 401, "unauthorized", ""},
		{"unknown booking", "GET", "/api/v1/bookings/ZZZZ-ZZZZ?token=abc", nil, nil, 404, "not_found", ""},
		{"admin without a token", "POST", "/api/v1/admin/workshops", map[string]any{"title": "x", "audience": "public"}, nil, 401, "unauthorized", ""},
		{"admin with a wrong token", "POST", "/api/v1/admin/workshops", map[string]any{"title": "x", "audience": "public"}, []string{"Authorization", "Bearer " + adminToken + "x"}, 401, "unauthorized", ""},
		{"unknown audience", "POST", "/api/v1/admin/workshops", map[string]any{"title": "x", "audience": "everyone"}, admin, 422, "invalid", "audience"},
		{"workshop without a title", "POST", "/api/v1/admin/workshops", map[string]any{"title": "  ", "audience": "public"}, admin, 422, "invalid", "title"},
		{"session that ends before it starts", "POST", wsPath, newSession(func(m map[string]any) { m["ends_at"] = at(-time.Hour) }), admin, 422, "invalid", "ends_at"},
		{"negative capacity", "POST", wsPath, newSession(func(m map[string]any) { m["capacity"] = map[string]any{"in_person": -1, "online": 5} }), admin, 422, "invalid", "capacity.in_person"},
		{"zero capacity", "POST", wsPath, newSession(func(m map[string]any) { m["capacity"] = map[string]any{"in_person": 0, "online": 0} }), admin, 422, "invalid", "capacity"},
		{"online places without a link", "POST", wsPath, newSession(func(m map[string]any) { delete(m, "online_url") }), admin, 422, "invalid", "online_url"},
		{"in-person places without a venue", "POST", wsPath, newSession(func(m map[string]any) { delete(m, "venue") }), admin, 422, "invalid", "venue.name"},
		{"joining link that is not https", "POST", wsPath, newSession(func(m map[string]any) { m["online_url"] = "javascript:alert(1)" }), admin, 422, "invalid", "online_url"},
		{"time that is not RFC 3339", "POST", wsPath, newSession(func(m map[string]any) { m["starts_at"] = "next Tuesday" }), admin, 422, "invalid", "starts_at"},
		{"session in the past", "POST", wsPath, newSession(func(m map[string]any) {
			m["starts_at"] = e.clock.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339)
			m["ends_at"] = e.clock.Now().Add(-47 * time.Hour).UTC().Format(time.RFC3339)
		}), admin, 422, "invalid", "starts_at"},
		{"session for an unknown workshop", "POST", "/api/v1/admin/workshops/987654/sessions", newSession(func(m map[string]any) {}), admin, 404, "not_found", ""},
		{"change to an unknown session", "PATCH", "/api/v1/admin/sessions/987654", map[string]any{"capacity": map[string]any{"online": 3}}, admin, 404, "not_found", ""},
		{"change that ends before it starts", "PATCH", "/api/v1/admin/sessions/" + itoa(sessionID), map[string]any{"ends_at": e.clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, admin, 422, "invalid", "ends_at"},
		{"cancel without a reason", "POST", "/api/v1/admin/sessions/" + itoa(sessionID) + "/cancel", map[string]any{"reason": ""}, admin, 422, "invalid", "reason"},
	}
	if len(cases) < 30 {
		t.Fatalf("only %d kinds of bad input", len(cases))
	}
	before := e.snapshot()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := in.do(tc.method, tc.path, tc.body, tc.header...)
			if r.status != tc.status || r.errorCode() != tc.code {
				t.Fatalf("%s %s: %d %s, want %d %s", tc.method, tc.path, r.status, r.body, tc.status, tc.code)
			}
			if tc.field != "" {
				var body struct {
					Error struct {
						Fields map[string]string `json:"fields"`
					} `json:"error"`
				}
				if err := json.Unmarshal(r.body, &body); err != nil || body.Error.Fields[tc.field] == "" {
					t.Fatalf("error does not name the field %q: %s", tc.field, r.body)
				}
			}
		})
	}
	after := e.snapshot()
	for q, n := range before.rows {
		if after.rows[q] != n {
			t.Errorf("%s: %d before, %d after", q, n, after.rows[q])
		}
	}
	if before.holds != after.holds {
		t.Errorf("holds in Redis: %d before, %d after", before.holds, after.holds)
	}
	if r := in.do("GET", "/api/v1/bookings/"+ref+"?token=x", nil); r.status == http.StatusOK {
		t.Fatal("a wrong token read a booking")
	}
}

// flip changes the last characters of a token so its signature no longer matches.
func flip(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
	}
	return string(b)
}
