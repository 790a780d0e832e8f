package main

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coventry/workshops/internal/testenv"
	"github.com/coventry/workshops/notify/smtptest"
)

// call sends a JSON request to the running service.
func call(t *testing.T, method, u string, body any, token string) (int, map[string]any) {
	t.Helper()
	var r *bytes.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		r = bytes.NewReader(j)
	} else {
		r = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// unfold undoes iCalendar line folding so a test can look for whole lines.
func unfold(ics string) string { return strings.ReplaceAll(ics, "\r\n ", "") }

// The emails and invites people get follow their session: booked, moved,
// cancelled, each with the booking's UID and a rising SEQUENCE, the Teams
// link only for those joining online, and the manage link that works.
// e2e is the whole service on a fresh database, with its workers running
// and its emails going to a real SMTP server.
type e2e struct {
	app  *App
	url  string
	smtp *smtptest.Server
	// stop shuts this instance down (HTTP, workers, pools); it runs at the
	// test's end too, and only once.
	stop func()
}

const e2eAdmin = "e2e-admin-token-0123456789abcdef0123"

// startE2E starts an instance on a fresh database, sending to an SMTP
// server of its own.
func startE2E(t *testing.T) *e2e {
	t.Helper()
	return openE2E(t, database(t, "e2e"), smtptest.Start(t, smtptest.Options{}), nil)
}

// openE2E starts an instance on the database at dbURL sending to smtp, with
// env over the usual test configuration.
func openE2E(t *testing.T, dbURL string, smtp *smtptest.Server, env map[string]string) *e2e {
	t.Helper()
	ctx := context.Background()
	_, redisURL := testenv.Redis(t)
	conf := map[string]string{
		"DATABASE_URL": dbURL, "REDIS_URL": redisURL, "BASE_URL": "https://book.example.org",
		"ADMIN_TOKEN": e2eAdmin, "SMTP_URL": "smtp+plain://" + smtp.Addr, "RATE_LIMITS": "off",
		"MAIL_FROM": "Coventry City Council <workshops@coventry.example.org>", "LOG_FORMAT": "json",
	}
	maps.Copy(conf, env)
	cfg, err := LoadConfig(func(k string) string { return conf[k] })
	if err != nil {
		t.Fatal(err)
	}
	app, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Web.Handler())
	workCtx, stopWorkers := context.WithCancel(ctx)
	app.startWorkers(workCtx)
	var once sync.Once
	stop := func() {
		once.Do(func() {
			srv.Close()
			stopWorkers()
			app.workers.Wait()
			app.Close()
		})
	}
	t.Cleanup(stop)
	return &e2e{app: app, url: srv.URL, smtp: smtp, stop: stop}
}

// The emails and invites people get follow their session: booked, moved,
// cancelled, each with the booking's UID and a rising SEQUENCE, the Teams
// link only for those joining online, and the manage link that works.
func TestChangesReachEveryoneBooked(t *testing.T) {
	ctx := context.Background()
	e := startE2E(t)
	app, smtp := e.app, e.smtp
	srv := struct{ URL string }{e.url}

	admin := e2eAdmin
	_, w := call(t, "POST", srv.URL+"/api/v1/admin/workshops", map[string]any{
		"title": "One Coventry Plan: have your say, together; in person", "summary": "Tell us", "audience": "public"}, admin)
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Hour)
	teams := "https://teams.microsoft.com/l/meetup-join/e2e-session"
	status, s := call(t, "POST", srv.URL+"/api/v1/admin/workshops/"+jsonID(w)+"/sessions", map[string]any{
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339),
		"venue":      map[string]any{"name": "Council House", "address": "Earl Street, Coventry CV1 5RR"},
		"online_url": teams, "capacity": map[string]any{"in_person": 5, "online": 5}}, admin)
	if status != http.StatusCreated {
		t.Fatalf("create session: %d %v", status, s)
	}
	sessionURL := srv.URL + "/api/v1/sessions/" + jsonID(s)

	people := map[string]string{"ann@example.org": "in_person", "bob@example.org": "online"}
	manage := map[string]string{}
	for email, mode := range people {
		status, b := call(t, "POST", sessionURL+"/bookings", map[string]any{
			"mode": mode, "name": strings.Split(email, "@")[0], "email": email, "consent": true}, "")
		if status != http.StatusCreated {
			t.Fatalf("book %s: %d %v", email, status, b)
		}
		manage[email] = b["manage_url"].(string)
	}

	byRecipient := func(msgs []smtptest.Received) map[string]*smtptest.Mail {
		out := map[string]*smtptest.Mail{}
		for _, m := range msgs {
			out[m.To[0]] = smtptest.Parse(t, m.Data)
		}
		return out
	}
	confirmations := byRecipient(smtp.Wait(t, 2, 20*time.Second))
	for email, mode := range people {
		m := confirmations[email]
		if m == nil {
			t.Fatalf("no confirmation for %s", email)
		}
		text := m.Text("text/plain")
		if !strings.Contains(text, manage[email]) {
			t.Errorf("%s's confirmation lacks the manage link %s", email, manage[email])
		}
		if hasLink := strings.Contains(text, teams); hasLink != (mode == "online") {
			t.Errorf("%s (%s): Teams link in the email = %v", email, mode, hasLink)
		}
		ics := unfold(m.Text("text/calendar"))
		for _, want := range []string{"METHOD:REQUEST", "SEQUENCE:0", "DTSTART:" + start.Format("20060102T150405Z")} {
			if !strings.Contains(ics, want) {
				t.Errorf("%s's invite lacks %s:\n%s", email, want, ics)
			}
		}
	}
	// The token rode in the outbox only until the email went (the row is
	// marked sent just after the server takes the message).
	withToken := -1
	for deadline := time.Now().Add(10 * time.Second); withToken != 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err := app.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE payload ? 'token'`).Scan(&withToken); err != nil {
			t.Fatal(err)
		}
	}
	if withToken != 0 {
		t.Errorf("%d sent emails still hold a manage token", withToken)
	}
	// The link in the email works, and so does its invite.
	u, _ := url.Parse(manage["ann@example.org"])
	ref, token := strings.TrimPrefix(u.Path, "/bookings/"), u.Query().Get("token")
	if status, b := call(t, "GET", srv.URL+"/api/v1/bookings/"+ref+"?token="+token, nil, ""); status != 200 || b["email"] != "ann@example.org" {
		t.Fatalf("manage link from the email: %d %v", status, b)
	}
	resp, err := http.Get(srv.URL + "/api/v1/bookings/" + ref + "/invite.ics?token=" + token)
	if err != nil {
		t.Fatal(err)
	}
	var ics bytes.Buffer
	_, _ = ics.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") ||
		!strings.Contains(ics.String(), "UID:booking-"+ref+"@coventry.example.org") {
		t.Fatalf("invite.ics: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), ics.String())
	}

	// Moved: everyone gets an updated invite with a higher SEQUENCE.
	moved := start.Add(24 * time.Hour)
	status, _ = call(t, "PATCH", srv.URL+"/api/v1/admin/sessions/"+jsonID(s), map[string]any{
		"starts_at": moved.Format(time.RFC3339), "ends_at": moved.Add(2 * time.Hour).Format(time.RFC3339)}, admin)
	if status != http.StatusOK {
		t.Fatalf("move: %d", status)
	}
	changes := byRecipient(smtp.Wait(t, 4, 20*time.Second)[2:])
	// Cancelled: everyone gets a CANCEL with the same UID and a higher SEQUENCE.
	status, _ = call(t, "POST", srv.URL+"/api/v1/admin/sessions/"+jsonID(s)+"/cancel", map[string]any{"reason": "The room flooded."}, admin)
	if status != http.StatusOK {
		t.Fatalf("cancel: %d", status)
	}
	cancels := byRecipient(smtp.Wait(t, 6, 20*time.Second)[4:])
	for email := range people {
		uid := ""
		for _, l := range strings.Split(unfold(confirmations[email].Text("text/calendar")), "\r\n") {
			if strings.HasPrefix(l, "UID:") {
				uid = l
			}
		}
		ch, cn := unfold(changes[email].Text("text/calendar")), unfold(cancels[email].Text("text/calendar"))
		for _, want := range []string{uid, "METHOD:REQUEST", "SEQUENCE:1", "DTSTART:" + moved.Format("20060102T150405Z")} {
			if !strings.Contains(ch, want) {
				t.Errorf("%s's change invite lacks %q", email, want)
			}
		}
		for _, want := range []string{uid, "METHOD:CANCEL", "STATUS:CANCELLED", "SEQUENCE:2"} {
			if !strings.Contains(cn, want) {
				t.Errorf("%s's cancellation lacks %q", email, want)
			}
		}
		if !strings.Contains(cancels[email].Text("text/plain"), "The room flooded.") {
			t.Errorf("%s's cancellation does not give the reason", email)
		}
	}

	// The session's own feed has no personal data and no joining link.
	resp, err = http.Get(srv.URL + "/calendar/sessions/" + jsonID(s) + ".ics")
	if err != nil {
		t.Fatal(err)
	}
	ics.Reset()
	_, _ = ics.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.Contains(ics.String(), "ann@") || strings.Contains(ics.String(), teams) {
		t.Fatalf("session feed: %d\n%s", resp.StatusCode, ics.String())
	}
}

func jsonID(m map[string]any) string {
	v, _ := m["id"].(float64)
	return strconv.FormatInt(int64(v), 10)
}
