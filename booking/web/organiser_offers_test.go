package web_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// The organisers' pages offer only what can work: nothing an organiser's
// role may not do, nothing a cancelled session can still do.

func TestFacilitatorsAreNotOfferedWhatOnlyAdminsDo(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 5, 0)
	fac := in.addOrganiser("facilitator@coventry.gov.uk", booking.RoleFacilitator)
	in.assign(fac, sid)
	admin := in.addOrganiser("organiser@coventry.gov.uk", booking.RoleAdmin)
	page := "/admin/sessions/" + itoa(sid)

	r := in.orgPage(in.signIn(fac), page)
	if r.status != http.StatusOK {
		t.Fatalf("facilitator's session page: %d", r.status)
	}
	r.has(t, `id="phone-booking"`, `id="check-in-link"`)
	r.hasNot(t, `id="edit-session"`, `id="cancel-session"`, "/edit", page+"/cancel")

	r = in.orgPage(in.signIn(admin), page)
	r.has(t, `id="phone-booking"`, `id="edit-session"`, `id="cancel-session"`, `id="check-in-link"`)
}

func TestACancelledSessionReadsAsCancelledEverywhere(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 5, 5)
	ann := in.bookPerson(sid, booking.InPerson, "Ann Lee", "ann@example.org")
	in.bookPerson(sid, booking.Online, "Omar Online", "omar@example.org")
	if r := in.admin("POST", "/api/v1/admin/sessions/"+itoa(sid)+"/cancel", map[string]any{"reason": "The venue flooded."}); r.status != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	// Within the day before: check-in would be open, were it not cancelled.
	e.clock.Advance(7*24*time.Hour - time.Hour)

	r := in.orgPage("", "/admin/sessions/"+itoa(sid))
	r.has(t, "This session was cancelled.", "Session cancelled", "Ann Lee")
	r.hasNot(t, "Confirmed", `id="check-in-link"`, `id="phone-booking"`, `id="edit-session"`, `id="cancel-session"`)

	r = in.orgPage("", "/admin/sessions/"+itoa(sid)+"/check-in")
	r.has(t, "This session was cancelled. Nobody can be checked in.", "Ann Lee")
	r.hasNot(t, `id="tick-`+ann.Reference+`"`, `id="no-shows-button"`, `id="check-in-opens"`)

	r = in.orgPage("", "/admin/sessions/"+itoa(sid)+"/attendance")
	r.has(t, "This session was cancelled.")
	r.hasNot(t, `id="check-in-link"`)

	r = in.orgPage("", "/admin")
	r.has(t, "Cancelled")
	r.hasNot(t, `href="/admin/sessions/`+itoa(sid)+`/check-in"`)
}
