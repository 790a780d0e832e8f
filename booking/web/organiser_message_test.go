package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/coventry/workshops/booking"
)

// messageAudit reads the newest session.message entry of the session.
func (in *instance) messageAudit(t *testing.T, sessionID int64) (*booking.AuditEntry, booking.SessionMessageSnapshot) {
	t.Helper()
	ctx := booking.WithActor(context.Background(), booking.Actor{Kind: booking.ActorAPIToken})
	entries, err := in.svc.AuditEntries(ctx, booking.AuditFilter{SubjectType: booking.SubjectSession,
		SubjectID: itoa(sessionID), Action: booking.AuditSessionMessage, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("%d session.message entries, want 1", len(entries))
	}
	var snap booking.SessionMessageSnapshot
	if err := json.Unmarshal(entries[0].After, &snap); err != nil {
		t.Fatal(err)
	}
	return entries[0], snap
}

// An admin emails the people booked in person: the form says how many each
// choice reaches, the check page lists the person booked by phone with no
// address, sending queues one email each (and none to the online people),
// audited in the admin's name, and the page after says how many.
func TestEmailingThePeopleBookedOnASession(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	admin := in.addOrganiser("olive.officer@coventry.gov.uk", booking.RoleAdmin)
	cookie := in.signIn(admin)
	sid := in.session(in.workshop("public"), 10, 10)
	in.bookPerson(sid, booking.InPerson, "Ada Lovelace", "ada@example.org")
	in.bookPerson(sid, booking.InPerson, "Bea Khan", "bea@example.org")
	in.bookPerson(sid, booking.Online, "Grace Hopper", "grace@example.org")
	phoneRef := referenceIn(t, in.orgForm("", "/admin/sessions/"+itoa(sid)+"/bookings", phoned("Mary O'Brien", "", "in_person")))
	path := "/admin/sessions/" + itoa(sid) + "/message"

	in.orgPage(cookie, "/admin/sessions/"+itoa(sid)).has(t, `href="`+path+`"`)
	form := in.orgPage(cookie, path)
	if form.status != http.StatusOK {
		t.Fatalf("form: %d %s", form.status, form.body)
	}
	form.has(t, `name="to" type="radio" value="everyone" checked`, `value="in_person"`, `value="online"`,
		"3 people with an email address, and 1 person to phone", "2 people with an email address, and 1 person to phone",
		"1 person with an email address<")

	msg := "The workshop has moved to the <b>Diamond Room</b>.\r\nIt is on the first floor."
	check := in.orgForm(cookie, path, url.Values{"to": {"in_person"}, "message": {msg}})
	if check.status != http.StatusOK {
		t.Fatalf("check: %d %s", check.status, check.body)
	}
	check.has(t, "The people booked to take part in person", `id="message-emailed">2 people<`,
		"the &lt;b&gt;Diamond Room&lt;/b&gt;.<br>It is on the first floor.", "1 person booked by phone has no email address",
		"Mary O&#39;Brien", `href="tel:&#43;442476833333"`, `name="confirm" value="yes"`, `<input type="hidden" name="to" value="in_person">`)
	check.hasNot(t, "<b>Diamond")
	if n := len(in.outboxOf(sid, booking.MsgSessionMessage)); n != 0 {
		t.Fatalf("checking the message queued %d emails", n)
	}

	// Changing it goes back to the form as filled in.
	in.orgForm(cookie, path, url.Values{"to": {"in_person"}, "message": {msg}, "change": {"yes"}}).
		has(t, `value="in_person" checked`, "It is on the first floor.</textarea>")

	sent := in.orgForm(cookie, path, url.Values{"to": {"in_person"}, "message": {msg}, "confirm": {"yes"}})
	if sent.status != http.StatusSeeOther || sent.header.Get("Location") != path+"/sent" {
		t.Fatalf("send: %d to %q: %s", sent.status, sent.header.Get("Location"), sent.body)
	}
	rows := in.outboxOf(sid, booking.MsgSessionMessage)
	if len(rows) != 2 {
		t.Fatalf("%d emails queued, want the 2 people in person with an address", len(rows))
	}
	for _, p := range rows {
		if p["message"] != "The workshop has moved to the <b>Diamond Room</b>.\r\nIt is on the first floor." || len(p) != 2 {
			t.Errorf("payload %v: want the message and the sequence only, nothing of the admin's", p)
		}
	}
	if in.outboxFor(phoneRef, booking.MsgSessionMessage) != 0 {
		t.Error("the booking with no address has an email queued")
	}
	entry, snap := in.messageAudit(t, sid)
	if entry.Actor != booking.ActorOrganiser || entry.OrganiserID != admin.ID ||
		snap != (booking.SessionMessageSnapshot{To: "in_person", Message: rows[0]["message"].(string), Emailed: 2, ToPhone: 1}) {
		t.Errorf("audit: %+v %+v", entry, snap)
	}

	done := in.orgPage(cookie, path+"/sent")
	if done.status != http.StatusOK {
		t.Fatalf("sent page: %d %s", done.status, done.body)
	}
	done.has(t, "It is being emailed to 2 people", "the people booked to take part in person", "&lt;b&gt;Diamond Room&lt;/b&gt;",
		"Mary O&#39;Brien", `href="tel:&#43;442476833333"`)
	in.orgPage(cookie, "/admin/audit").has(t, "Emailed the people booked on a session")
}

// Bad input changes nothing: no words, an unknown choice, a cancelled
// session; and a facilitator is not offered the way in.
func TestEmailingThePeopleBookedRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 10, 10)
	in.bookPerson(sid, booking.InPerson, "Ada Lovelace", "ada@example.org")
	path := "/admin/sessions/" + itoa(sid) + "/message"

	r := in.orgForm("", path, url.Values{"to": {"everyone"}, "message": {"  \n "}, "confirm": {"yes"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("no words: %d %s", r.status, r.body)
	}
	r.has(t, `href="#message"`, "Enter the message to email to the people booked")
	r = in.orgForm("", path, url.Values{"to": {"staff"}, "message": {"Hello"}, "confirm": {"yes"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("unknown choice: %d %s", r.status, r.body)
	}
	r = in.admin("POST", "/api/v1/admin/sessions/"+itoa(sid)+"/messages", map[string]any{"message": "bell\a"})
	if r.status != http.StatusUnprocessableEntity || r.errorCode() != "invalid" {
		t.Fatalf("API, a control character: %d %s", r.status, r.body)
	}
	if in.orgPage("", path+"/sent").status != http.StatusNotFound {
		t.Error("the sent page of a session never messaged is not 404")
	}

	fac := in.addOrganiser("facilitator@coventry.gov.uk", booking.RoleFacilitator)
	in.assign(fac, sid)
	in.orgPage(in.signIn(fac), "/admin/sessions/"+itoa(sid)).hasNot(t, `href="`+path+`"`)

	if r := in.admin("POST", "/api/v1/admin/sessions/"+itoa(sid)+"/cancel", map[string]any{"reason": "The venue is closed"}); r.status != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	if r := in.orgForm("", path, url.Values{"to": {"everyone"}, "message": {"Hello"}, "confirm": {"yes"}}); r.status != http.StatusConflict {
		t.Errorf("a cancelled session: %d %s", r.status, r.body)
	}
	r = in.admin("POST", "/api/v1/admin/sessions/"+itoa(sid)+"/messages", map[string]any{"message": "Hello"})
	if r.status != http.StatusConflict || r.errorCode() != "conflict" {
		t.Errorf("API, a cancelled session: %d %s", r.status, r.body)
	}
	if n := len(in.outboxOf(sid, booking.MsgSessionMessage)); n != 0 {
		t.Errorf("%d messages queued by refused requests", n)
	}
}

// The API: everyone by default, the count of emails queued, and the people
// to phone with their numbers.
func TestEmailingThePeopleBookedThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 10, 10)
	in.bookPerson(sid, booking.InPerson, "Ada Lovelace", "ada@example.org")
	in.bookPerson(sid, booking.Online, "Grace Hopper", "grace@example.org")
	ref := referenceIn(t, in.orgForm("", "/admin/sessions/"+itoa(sid)+"/bookings", phoned("Mary O'Brien", "", "online")))

	r := in.admin("POST", "/api/v1/admin/sessions/"+itoa(sid)+"/messages", map[string]any{"message": "The slides are on the council's website."})
	if r.status != http.StatusAccepted {
		t.Fatalf("message: %d %s", r.status, r.body)
	}
	out := r.json(t)
	phone, _ := out["to_phone"].([]any)
	if out["emailed"] != float64(2) || len(phone) != 1 || phone[0].(map[string]any)["reference"] != ref ||
		phone[0].(map[string]any)["phone"] != "+442476833333" {
		t.Errorf("answer %s", r.body)
	}
	if _, snap := in.messageAudit(t, sid); snap.To != "everyone" || snap.Emailed != 2 || snap.ToPhone != 1 {
		t.Errorf("audit %+v", snap)
	}
}
