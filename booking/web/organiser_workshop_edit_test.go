package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coventry/workshops/booking"
)

// An admin puts a workshop's title right, archives it (off the public
// lists, its session and booking as they were, still on the organisers'
// pages), and restores it; each step audited. Bad input changes nothing.
func TestChangingAndArchivingAWorkshop(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	cookie := in.signIn(in.addOrganiser("organiser@coventry.gov.uk", booking.RoleAdmin))
	w := in.workshop("public")
	sid := in.session(w, 10, 0)
	ref := in.book(sid, 1)
	page := "/admin/workshops/" + itoa(w)
	listed := func() bool {
		t.Helper()
		r := in.do("GET", "/api/v1/workshops", nil)
		return strings.Contains(string(r.body), `"id":`+itoa(w)+`,`)
	}
	if !listed() {
		t.Fatal("the workshop is not listed to begin with")
	}

	in.orgPage(cookie, page).has(t, `href="`+page+`/edit"`, `action="`+page+`/archive"`)
	in.orgPage(cookie, page+"/edit").has(t, "Change the workshop", `name="title"`)
	r := in.orgForm(cookie, page+"/edit", url.Values{"title": {""}, "summary": {"x"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("no title: %d %s", r.status, r.body)
	}
	r.has(t, `href="#title"`)
	r = in.orgForm(cookie, page+"/edit", url.Values{"title": {"Our city in 2035: <transport>"}, "summary": {"Buses, bikes and trains."}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != page+"?done=workshop_changed" {
		t.Fatalf("edit: %d to %q %s", r.status, r.header.Get("Location"), r.body)
	}
	in.orgPage(cookie, page).has(t, "Our city in 2035: &lt;transport&gt;", "Buses, bikes and trains.")
	if entry := in.newestAudit(t, booking.AuditWorkshopUpdate); entry.SubjectID != itoa(w) ||
		snapshotOf(t, entry.After).Title != "Our city in 2035: <transport>" {
		t.Errorf("audit of the change: %s", entry.After)
	}

	r = in.orgForm(cookie, page+"/archive", url.Values{})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != page+"?done=workshop_archived" {
		t.Fatalf("archive: %d to %q %s", r.status, r.header.Get("Location"), r.body)
	}
	if listed() {
		t.Error("an archived workshop is listed in the API")
	}
	in.page("/").hasNot(t, "Our city in 2035")
	in.orgPage(cookie, page).has(t, `id="archived"`, `action="`+page+`/restore"`)
	in.orgPage(cookie, "/admin").has(t, "Archived</strong>")
	in.orgPage(cookie, "/admin/sessions/"+itoa(sid)).has(t, ref)
	if b, err := in.svc.BookingByReference(t.Context(), ref); err != nil || !b.Live() {
		t.Errorf("the booking after archiving: %v %v", b, err)
	}
	if entry := in.newestAudit(t, booking.AuditWorkshopArchive); !snapshotOf(t, entry.After).Archived {
		t.Errorf("audit of archiving: %s", entry.After)
	}

	r = in.admin("PATCH", "/api/v1/admin/workshops/"+itoa(w), map[string]any{"archived": false})
	if r.status != http.StatusOK || r.json(t)["archived"] != false {
		t.Fatalf("restore through the API: %d %s", r.status, r.body)
	}
	if !listed() {
		t.Error("a restored workshop is not listed")
	}
	r = in.admin("PATCH", "/api/v1/admin/workshops/"+itoa(w), map[string]any{"title": "  "})
	if r.status != http.StatusUnprocessableEntity || r.errorCode() != "invalid" {
		t.Errorf("API, no title: %d %s", r.status, r.body)
	}
	if r := in.admin("PATCH", "/api/v1/admin/workshops/999999", map[string]any{"archived": true}); r.status != http.StatusNotFound {
		t.Errorf("API, no such workshop: %d %s", r.status, r.body)
	}
}

func snapshotOf(t *testing.T, raw []byte) booking.WorkshopSnapshot {
	t.Helper()
	var w booking.WorkshopSnapshot
	if err := json.Unmarshal(raw, &w); err != nil {
		t.Fatal(err)
	}
	return w
}
