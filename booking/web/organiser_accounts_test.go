package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/coventry/workshops/booking"
)

func TestAdminsAssignFacilitatorsOnTheSessionPage(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	admin := in.addOrganiser("admin@coventry.gov.uk", booking.RoleAdmin)
	fac := in.addOrganiser("facilitator@coventry.gov.uk", booking.RoleFacilitator)
	cookie := in.signIn(admin)
	sid := in.session(in.workshop("public"), 10, 0)
	page := "/admin/sessions/" + itoa(sid)

	r := in.orgPage(cookie, page)
	r.has(t, "Nobody is assigned to run this session", `<option value="`+itoa(fac.ID)+`">`)
	r.hasNot(t, `<option value="`+itoa(admin.ID)+`">`) // admins run every session already
	r = in.orgForm(cookie, page+"/facilitators", url.Values{"organiser_id": {""}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("nobody chosen: %d %s", r.status, r.body)
	}
	r.has(t, `href="#organiser_id"`, "Choose the account")
	if r := in.orgForm(cookie, page+"/facilitators", url.Values{"organiser_id": {"999999"}}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("an unknown account: %d %s", r.status, r.body)
	}

	r = in.orgForm(cookie, page+"/facilitators", url.Values{"organiser_id": {itoa(fac.ID)}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != page+"?done=assigned" {
		t.Fatalf("assign: %d to %q %s", r.status, r.header.Get("Location"), r.body)
	}
	facCookie := in.signIn(fac)
	if r := in.orgPage(facCookie, page); r.status != http.StatusOK {
		t.Fatalf("the facilitator on their session: %d", r.status)
	}
	// Facilitators see who runs the session, but assign nobody.
	facPage := in.orgPage(facCookie, page)
	facPage.has(t, `id="facilitator-`+itoa(fac.ID)+`"`)
	facPage.hasNot(t, `id="assign-form"`, `id="remove-facilitator-`)
	if r := in.orgForm(facCookie, page+"/facilitators/"+itoa(fac.ID)+"/remove", nil); r.status != http.StatusForbidden {
		t.Errorf("a facilitator removing themselves: %d", r.status)
	}

	r = in.orgForm(cookie, page+"/facilitators/"+itoa(fac.ID)+"/remove", nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != page+"?done=unassigned" {
		t.Fatalf("remove: %d to %q", r.status, r.header.Get("Location"))
	}
	if r := in.orgPage(facCookie, page); r.status != http.StatusForbidden {
		t.Errorf("the facilitator after being removed: %d, want 403", r.status)
	}
	var actions []string
	rows, _ := in.db.Pool.Query(context.Background(), `
		SELECT action FROM audit_log WHERE organiser_id = $1 AND subject_id = $2 ORDER BY id`, admin.ID, itoa(sid))
	for rows.Next() {
		var a string
		_ = rows.Scan(&a)
		actions = append(actions, a)
	}
	rows.Close()
	if len(actions) != 2 || actions[0] != booking.AuditFacilitatorAssign || actions[1] != booking.AuditFacilitatorUnassign {
		t.Errorf("audit log: %v", actions)
	}
}

func TestAdminsManageAccountsOnThePages(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	admin := in.addOrganiser("admin@coventry.gov.uk", booking.RoleAdmin)
	cookie := in.signIn(admin)

	r := in.orgForm(cookie, "/admin/organisers", url.Values{"name": {"<b>Bold</b>"}, "email": {"not an address"}, "role": {"owner"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad account: %d %s", r.status, r.body)
	}
	r.has(t, `href="#email"`, `href="#role"`, `value="&lt;b&gt;Bold&lt;/b&gt;"`, `value="not an address"`)

	r = in.orgForm(cookie, "/admin/organisers", url.Values{"name": {"Priya Patel"}, "email": {"Priya.Patel@coventry.gov.uk"}, "role": {"facilitator"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/organisers?done=account" {
		t.Fatalf("add: %d to %q %s", r.status, r.header.Get("Location"), r.body)
	}
	o, err := in.db.OrganiserByEmail(context.Background(), "priya.patel@coventry.gov.uk")
	if err != nil || o.Role != booking.RoleFacilitator {
		t.Fatalf("account %+v: %v", o, err)
	}
	in.orgPage(cookie, "/admin/organisers?done=account").has(t, "Priya Patel", "Priya.Patel@coventry.gov.uk", "The account has been saved")
	r = in.orgForm(cookie, "/admin/organisers", url.Values{"name": {"Again"}, "email": {"priya.patel@COVENTRY.gov.uk"}, "role": {"admin"}})
	if r.status != http.StatusConflict {
		t.Errorf("same address again: %d", r.status)
	}
	r.has(t, `href="#email"`, "already an account")

	// Changing it: every field is needed, so an empty form changes nothing.
	path := "/admin/organisers/" + itoa(o.ID)
	in.orgPage(cookie, path).has(t, `value="Priya Patel"`, `value="facilitator" checked`, `value="active" checked`)
	if r := in.orgForm(cookie, path, url.Values{}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("empty form: %d", r.status)
	}
	r = in.orgForm(cookie, path, url.Values{"name": {"Priya Patel"}, "role": {"admin"}, "status": {"disabled"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("change: %d %s", r.status, r.body)
	}
	o, _ = in.db.OrganiserByEmail(context.Background(), "priya.patel@coventry.gov.uk")
	if o.Role != booking.RoleAdmin || o.Active() {
		t.Errorf("account now %s, active %v; want a disabled admin", o.Role, o.Active())
	}

	// The last active admin cannot make themselves a facilitator.
	r = in.orgForm(cookie, "/admin/organisers/"+itoa(admin.ID), url.Values{"name": {"Admin"}, "role": {"facilitator"}, "status": {"active"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("last admin: %d %s", r.status, r.body)
	}
	r.has(t, "last active admin")
	if r := in.orgPage(cookie, "/admin/organisers/999999"); r.status != http.StatusNotFound {
		t.Errorf("unknown account: %d", r.status)
	}
}
