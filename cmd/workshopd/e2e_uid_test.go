package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking/postgres"
	"github.com/coventry/workshops/notify/smtptest"
)

// icsLine returns the first unfolded line of the invite in m that starts
// with prefix, or "".
func icsLine(m *smtptest.Mail, prefix string) string {
	for _, l := range strings.Split(unfold(m.Text("text/calendar")), "\r\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// The service moves to another address (BASE_URL) between a booking and
// its changes: every invite a person gets still carries the UID of their
// first one, on MAIL_FROM's domain, so their calendar updates the entry it
// holds. A booking made before UIDs were stored keeps the UID it was sent,
// built from the address the service had then. Invites ask for a reply, to
// the organiser's address.
func TestInviteUIDsOutliveBaseURL(t *testing.T) {
	ctx := context.Background()
	dbURL := database(t, "e2e")
	smtp := smtptest.Start(t, smtptest.Options{})
	before := map[string]string{"BASE_URL": "https://old.example.org", "ORGANIZER_EMAIL": "consultation@coventry.example.org"}
	after := map[string]string{"BASE_URL": "http://127.0.0.1:8080", "ORGANIZER_EMAIL": "consultation@coventry.example.org"}

	first := openE2E(t, dbURL, smtp, before)
	_, w := call(t, "POST", first.url+"/api/v1/admin/workshops", map[string]any{
		"title": "One Coventry Plan", "summary": "Tell us", "audience": "public"}, e2eAdmin)
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Hour)
	status, s := call(t, "POST", first.url+"/api/v1/admin/workshops/"+jsonID(w)+"/sessions", map[string]any{
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339),
		"venue":      map[string]any{"name": "Council House", "address": "Earl Street, Coventry CV1 5RR"},
		"online_url": "https://teams.microsoft.com/l/meetup-join/uid-test",
		"capacity":   map[string]any{"in_person": 5, "online": 5}}, e2eAdmin)
	if status != http.StatusCreated {
		t.Fatalf("create session: %d %v", status, s)
	}
	people := []struct{ email, mode string }{
		{"ann@example.org", "in_person"}, {"bob@example.org", "online"}, {"cy@example.org", "in_person"}}
	refs, manage := map[string]string{}, map[string]string{}
	for _, p := range people {
		status, b := call(t, "POST", first.url+"/api/v1/sessions/"+jsonID(s)+"/bookings", map[string]any{
			"mode": p.mode, "name": strings.Split(p.email, "@")[0], "email": p.email, "consent": true}, "")
		if status != http.StatusCreated {
			t.Fatalf("book %s: %d %v", p.email, status, b)
		}
		refs[p.email], manage[p.email] = b["reference"].(string), b["manage_url"].(string)
	}
	smtp.Wait(t, 3, 20*time.Second)
	first.stop()

	// Cy's booking was made before UIDs were stored; the upgrade starts
	// under the address its invites went out with, and keeps their UID.
	db, err := postgres.Open(ctx, dbURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Pool.Exec(ctx, `UPDATE bookings SET invite_uid = NULL WHERE reference = $1`, refs["cy@example.org"])
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	openE2E(t, dbURL, smtp, before).stop()

	// Moved to another address: move the session, one person cancels, then
	// the session is cancelled.
	second := openE2E(t, dbURL, smtp, after)
	moved := start.Add(24 * time.Hour)
	status, _ = call(t, "PATCH", second.url+"/api/v1/admin/sessions/"+jsonID(s), map[string]any{
		"starts_at": moved.Format(time.RFC3339), "ends_at": moved.Add(2 * time.Hour).Format(time.RFC3339)}, e2eAdmin)
	if status != http.StatusOK {
		t.Fatalf("move: %d", status)
	}
	smtp.Wait(t, 6, 20*time.Second)
	u, _ := url.Parse(manage["ann@example.org"])
	if status, b := call(t, "DELETE", second.url+"/api/v1/bookings/"+refs["ann@example.org"]+"?token="+u.Query().Get("token"), nil, ""); status != http.StatusOK {
		t.Fatalf("cancel ann: %d %v", status, b)
	}
	smtp.Wait(t, 7, 20*time.Second)
	status, _ = call(t, "POST", second.url+"/api/v1/admin/sessions/"+jsonID(s)+"/cancel", map[string]any{"reason": "The room flooded."}, e2eAdmin)
	if status != http.StatusOK {
		t.Fatalf("cancel session: %d", status)
	}
	all := smtp.Wait(t, 9, 20*time.Second)

	want := map[string]string{
		"ann@example.org": "UID:booking-" + refs["ann@example.org"] + "@coventry.example.org",
		"bob@example.org": "UID:booking-" + refs["bob@example.org"] + "@coventry.example.org",
		"cy@example.org":  "UID:booking-" + refs["cy@example.org"] + "@old.example.org",
	}
	count := map[string]int{}
	for i, r := range all {
		m := smtptest.Parse(t, r.Data)
		to := r.To[0]
		count[to]++
		uid := icsLine(m, "UID:")
		switch {
		case to == "cy@example.org" && i < 3:
			// Cy's confirmation: in this story it went before the upgrade.
		case uid != want[to]:
			t.Errorf("message %d to %s: %s, want %s", i, to, uid, want[to])
		}
		method := icsLine(m, "METHOD:")
		att := icsLine(m, "ATTENDEE")
		if method == "METHOD:REQUEST" && (!strings.Contains(att, "RSVP=TRUE") || !strings.Contains(att, "PARTSTAT=NEEDS-ACTION")) {
			t.Errorf("message %d to %s asks for no reply: %s", i, to, att)
		}
		if org := icsLine(m, "ORGANIZER"); !strings.HasSuffix(org, ":mailto:consultation@coventry.example.org") {
			t.Errorf("message %d to %s: %s", i, to, org)
		}
		// Message-IDs, like UIDs, are on MAIL_FROM's domain whatever BASE_URL is.
		if id := m.Header.Get("Message-Id"); !strings.HasSuffix(id, "@coventry.example.org>") {
			t.Errorf("message %d to %s: Message-ID %s", i, to, id)
		}
	}
	if count["ann@example.org"] != 3 || count["bob@example.org"] != 3 || count["cy@example.org"] != 3 {
		t.Errorf("emails per person: %v, want 3 each (confirmed, changed, cancelled)", count)
	}

	// The invite served from the manage page, under the new address.
	bu, _ := url.Parse(manage["bob@example.org"])
	resp, err := http.Get(second.url + "/api/v1/bookings/" + refs["bob@example.org"] + "/invite.ics?token=" + bu.Query().Get("token"))
	if err != nil {
		t.Fatal(err)
	}
	var body strings.Builder
	_, _ = io.Copy(&body, resp.Body)
	resp.Body.Close()
	if !strings.Contains(unfold(body.String()), want["bob@example.org"]+"\r\n") {
		t.Errorf("invite.ics under the new address:\n%s", body.String())
	}
}
