package main

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/notify/smtptest"
)

// linkIn finds the first link to the service under path in a text email.
func linkIn(t *testing.T, m *smtptest.Mail, prefix string) *url.URL {
	t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(prefix) + `\S+`)
	raw := re.FindString(m.Text("text/plain"))
	if raw == "" {
		t.Fatalf("no link starting %s in:\n%s", prefix, m.Text("text/plain"))
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// mailTo waits for n messages and returns the last of them sent to addr.
func (e *e2e) mailTo(t *testing.T, n int, addr string) *smtptest.Mail {
	t.Helper()
	msgs := e.smtp.Wait(t, n, 20*time.Second)
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To[0] == addr {
			return smtptest.Parse(t, msgs[i].Data)
		}
	}
	t.Fatalf("no email to %s among %d", addr, n)
	return nil
}

// A person on the waiting list is told their place on it, offered a place
// freed by a cancellation, and books it from the link in the offer email.
func TestWaitingListEmailsCarryWorkingLinks(t *testing.T) {
	e := startE2E(t)
	base := "https://book.example.org"
	_, w := call(t, "POST", e.url+"/api/v1/admin/workshops", map[string]any{
		"title": "One Coventry Plan: your neighbourhood", "summary": "Tell us", "audience": "public"}, e2eAdmin)
	start := time.Now().Add(96 * time.Hour).UTC().Truncate(time.Hour)
	_, s := call(t, "POST", e.url+"/api/v1/admin/workshops/"+jsonID(w)+"/sessions", map[string]any{
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339),
		"venue":    map[string]any{"name": "Central Library", "address": "Smithford Way, Coventry CV1 1FY"},
		"capacity": map[string]any{"in_person": 1, "online": 0}}, e2eAdmin)
	sessionURL := e.url + "/api/v1/sessions/" + jsonID(s)

	status, ann := call(t, "POST", sessionURL+"/bookings", map[string]any{
		"mode": "in_person", "name": "Ann", "email": "ann@example.org", "consent": true}, "")
	if status != http.StatusCreated {
		t.Fatalf("book: %d %v", status, ann)
	}
	status, joined := call(t, "POST", sessionURL+"/waitlist", map[string]any{
		"mode": "in_person", "name": "Carol", "email": "carol@example.org", "consent": true}, "")
	if status != http.StatusCreated || joined["position"] != float64(1) {
		t.Fatalf("join: %d %v", status, joined)
	}
	m := e.mailTo(t, 2, "carol@example.org")
	if !strings.Contains(m.Text("text/plain"), "number 1") {
		t.Errorf("the joining email does not give the position:\n%s", m.Text("text/plain"))
	}
	entry := linkIn(t, m, base+"/waitlist/")
	if status, got := call(t, "GET", e.url+"/api/v1"+entry.Path+"?token="+entry.Query().Get("token"), nil, ""); status != http.StatusOK {
		t.Fatalf("the link in the joining email: %d %v", status, got)
	}

	manage, _ := url.Parse(ann["manage_url"].(string))
	if status, _ := call(t, "DELETE", e.url+"/api/v1"+manage.Path+"?token="+manage.Query().Get("token"), nil, ""); status != http.StatusOK {
		t.Fatalf("cancel: %d", status)
	}
	// Ann's cancellation (3) and Carol's offer (4).
	offer := linkIn(t, e.mailTo(t, 4, "carol@example.org"), base+"/waitlist/")
	ref, token := strings.TrimPrefix(offer.Path, "/waitlist/"), offer.Query().Get("token")
	status, booked := call(t, "POST", e.url+"/api/v1/waitlist/"+ref+"/accept?token="+token, nil, "")
	if status != http.StatusCreated {
		t.Fatalf("accept from the offer email's link: %d %v", status, booked)
	}
	confirmation := e.mailTo(t, 5, "carol@example.org")
	if !strings.Contains(confirmation.Text("text/calendar"), "METHOD:REQUEST") {
		t.Fatal("no invite with Carol's confirmation")
	}
}

// An organiser's sign-in link arrives by email, goes to this service, and
// leaves the outbox once sent.
func TestSignInLinkIsEmailed(t *testing.T) {
	e := startE2E(t)
	ctx := context.Background()
	if _, _, err := e.app.Service.EnsureAdmin(ctx, "organiser@coventry.example.org", "Olu Organiser"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.PostForm(e.url+"/admin/sign-in", url.Values{"email": {"organiser@coventry.example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in request: %d", resp.StatusCode)
	}
	link := linkIn(t, e.mailTo(t, 1, "organiser@coventry.example.org"), "https://book.example.org/admin/sign-in/")
	if len(strings.TrimPrefix(link.Path, "/admin/sign-in/")) < 22 {
		t.Fatalf("sign-in link %s carries no token", link)
	}
	left := -1
	for deadline := time.Now().Add(10 * time.Second); left != 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err := e.app.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE payload ? 'url'`).Scan(&left); err != nil {
			t.Fatal(err)
		}
	}
	if left != 0 {
		t.Fatal("the sent sign-in email still holds its link in the outbox")
	}
}
