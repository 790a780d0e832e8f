package web_test

import (
	"context"
	"net/http"
	"testing"
)

// Cancelling a session tells the people on its waiting list and ends their
// places on it: their page says the session is cancelled.
func TestCancelledSessionEndsItsWaitingList(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 1, 0)
	in.bookEveryPlace(sid, 1, 1)
	r := in.joinWaitlist(sid, 2, "in_person")
	if r.status != http.StatusCreated {
		t.Fatalf("join: %d %s", r.status, r.body)
	}
	path, token := splitLink(t, r.json(t)["manage_url"].(string))

	if r := in.admin("POST", "/api/v1/admin/sessions/"+itoa(sid)+"/cancel", map[string]any{"reason": "The venue flooded."}); r.status != http.StatusOK {
		t.Fatalf("cancel session: %d %s", r.status, r.body)
	}
	var status string
	var told int
	err := e.db.Pool.QueryRow(context.Background(), `
		SELECT w.status, (SELECT count(*) FROM outbox o
		                  WHERE o.waitlist_entry_id = w.id AND o.kind = 'waitlist_session_cancelled' AND o.booking_id IS NULL)
		FROM waitlist_entries w WHERE w.session_id = $1`, sid).Scan(&status, &told)
	if err != nil || status != "cancelled" || told != 1 {
		t.Fatalf("entry %q told %d times (%v), want cancelled and told once", status, told, err)
	}
	r = in.page(path + "?token=" + token)
	if r.status != http.StatusOK {
		t.Fatalf("entry page: %d", r.status)
	}
	r.mustContain(t, `id="page-heading">This session has been cancelled</h1>`,
		"This session has been cancelled, so no places will be offered. The venue flooded.", `id="other-sessions"`)
}
