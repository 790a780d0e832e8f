package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/coventry/workshops/booking"
)

// A facilitator sends a booking's confirmation again for someone who lost
// it: the confirmation with a higher invite sequence and a fresh link that
// opens the booking, while the first link still works; audited in their
// name.
func TestSendingAConfirmationAgain(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 5, 0)
	ref, token := in.bookOn(t, sid, 1)
	fac := in.addOrganiser("facilitator@coventry.gov.uk", booking.RoleFacilitator)
	in.assign(fac, sid)
	cookie := in.signIn(fac)
	page := "/admin/bookings/" + ref

	in.orgPage(cookie, page).has(t, `action="`+page+`/resend"`, "Email the confirmation again")
	r := in.orgForm(cookie, page+"/resend", url.Values{})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != page+"?done=resent" {
		t.Fatalf("resend: %d to %q: %s", r.status, r.header.Get("Location"), r.body)
	}
	in.orgPage(cookie, page+"?done=resent").has(t, "The confirmation is being emailed again")
	if n := in.outboxFor(ref, booking.MsgBookingConfirmed); n != 2 {
		t.Fatalf("%d confirmations queued, want the first and the one sent again", n)
	}
	fresh := in.payloadOf(t, ref, booking.MsgBookingConfirmed, "token")
	if seq := in.payloadOf(t, ref, booking.MsgBookingConfirmed, "sequence"); fresh == "" || fresh == token || seq != "1" {
		t.Fatalf("the confirmation sent again has token %q (first %q), sequence %s; want a fresh one and 1", fresh, token, seq)
	}
	for _, tok := range []string{fresh, token} {
		if r := in.do("GET", "/api/v1/bookings/"+ref+"?token="+tok, nil); r.status != http.StatusOK {
			t.Errorf("a link sent (%s) does not open the booking: %d", tok[:6], r.status)
		}
	}
	entry := in.newestAudit(t, booking.AuditBookingResend)
	if entry.Actor != booking.ActorOrganiser || entry.OrganiserID != fac.ID || entry.SubjectID != ref {
		t.Errorf("audit %+v", entry)
	}

	r = in.admin("POST", "/api/v1/admin/bookings/"+ref+"/confirmation", nil)
	if r.status != http.StatusAccepted || r.json(t)["invite_sequence"] != float64(2) {
		t.Errorf("API: %d %s", r.status, r.body)
	}
}

// What cannot be sent again is refused and nothing is queued: a booking by
// phone with no address (its page is the confirmation to print), a
// cancelled booking, a booking of a cancelled session.
func TestSendingAConfirmationAgainRefused(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 5, 0)
	phoneRef := referenceIn(t, in.orgForm("", "/admin/sessions/"+itoa(sid)+"/bookings", phoned("Mary O'Brien", "", "in_person")))
	gone, token := in.bookOn(t, sid, 1)
	if r := in.do("DELETE", "/api/v1/bookings/"+gone+"?token="+token, nil); r.status != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	kept, _ := in.bookOn(t, sid, 2)

	in.orgPage("", "/admin/bookings/"+phoneRef).hasNot(t, "Email the confirmation again")
	refused := func(ref string) {
		t.Helper()
		before := in.outboxFor(ref, booking.MsgBookingConfirmed)
		if r := in.orgForm("", "/admin/bookings/"+ref+"/resend", url.Values{}); r.status != http.StatusConflict {
			t.Errorf("%s page: %d %s", ref, r.status, r.body)
		}
		if r := in.admin("POST", "/api/v1/admin/bookings/"+ref+"/confirmation", nil); r.status != http.StatusConflict || r.errorCode() != "conflict" {
			t.Errorf("%s API: %d %s", ref, r.status, r.body)
		}
		if after := in.outboxFor(ref, booking.MsgBookingConfirmed); after != before {
			t.Errorf("%s: %d confirmations became %d", ref, before, after)
		}
	}
	refused(phoneRef)
	refused(gone)
	if r := in.admin("POST", "/api/v1/admin/sessions/"+strconv.FormatInt(sid, 10)+"/cancel", map[string]any{"reason": "The venue is closed"}); r.status != http.StatusOK {
		t.Fatalf("cancel the session: %d %s", r.status, r.body)
	}
	refused(kept)
	in.orgPage("", "/admin/bookings/"+kept).hasNot(t, "Email the confirmation again")
}

// newestAudit reads the newest audit entry of action.
func (in *instance) newestAudit(t *testing.T, action string) *booking.AuditEntry {
	t.Helper()
	ctx := booking.WithActor(context.Background(), booking.Actor{Kind: booking.ActorAPIToken})
	entries, err := in.svc.AuditEntries(ctx, booking.AuditFilter{Action: action, Limit: 1})
	if err != nil || len(entries) != 1 {
		t.Fatalf("audit %s: %v, %d entries", action, err, len(entries))
	}
	return entries[0]
}
