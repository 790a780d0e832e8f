package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// outboxOf returns the payloads of the session's outbox rows of kind, by
// booking id order.
func (in *instance) outboxOf(sessionID int64, kind string) []map[string]any {
	in.env.t.Helper()
	rows, err := in.db.Pool.Query(context.Background(), `
		SELECT payload FROM outbox WHERE session_id = $1 AND kind = $2 ORDER BY booking_id, id`, sessionID, kind)
	if err != nil {
		in.env.t.Fatal(err)
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			in.env.t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			in.env.t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// sessionForm is the session's edit form as the page fills it, for a test
// to change and post back.
func sessionForm(start, end time.Time, venue, address, link string, inPerson, online int) url.Values {
	s, e := start.In(london), end.In(london)
	return url.Values{
		"date-day": {itoa(int64(s.Day()))}, "date-month": {itoa(int64(s.Month()))}, "date-year": {itoa(int64(s.Year()))},
		"start_time": {s.Format("15:04")}, "end_time": {e.Format("15:04")},
		"venue_name": {venue}, "venue_address": {address}, "online_url": {link},
		"capacity_in_person": {itoa(int64(inPerson))}, "capacity_online": {itoa(int64(online))},
	}
}

func TestMovingASessionOnThePageTellsPeopleAsTheAPIDoes(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	admin := in.addOrganiser("organiser@coventry.gov.uk", booking.RoleAdmin)
	cookie := in.signIn(admin)
	w := in.workshop("public")
	start := e.tenAM(7)
	byAPI, byPage := in.sessionAt(w, start, 10, 0), in.sessionAt(w, start, 10, 0)
	for i := range 3 {
		in.book(byAPI, 10+i)
		in.book(byPage, 20+i)
	}

	// The edit form shows the session as it is, in London time.
	edit := "/admin/sessions/" + itoa(byPage) + "/edit"
	r := in.orgPage(cookie, edit)
	if r.status != http.StatusOK {
		t.Fatalf("edit form: %d %s", r.status, r.body)
	}
	r.has(t, `value="10:00"`, `value="12:00"`, `value="`+itoa(int64(start.Day()))+`"`, `value="Council House"`,
		"3 people are booked")

	// The same move, a day later at the same times, by the API and by the page.
	moved := start.AddDate(0, 0, 1)
	if r := in.admin("PATCH", "/api/v1/admin/sessions/"+itoa(byAPI), map[string]any{
		"starts_at": moved.UTC().Format(time.RFC3339), "ends_at": moved.Add(2 * time.Hour).UTC().Format(time.RFC3339),
	}); r.status != http.StatusOK {
		t.Fatalf("move by the API: %d %s", r.status, r.body)
	}
	form := sessionForm(moved, moved.Add(2*time.Hour), "Council House", "Earl Street, Coventry CV1 5RR", "", 10, 0)
	r = in.orgForm(cookie, edit, form)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/sessions/"+itoa(byPage)+"?done=moved" {
		t.Fatalf("move by the page: %d to %q %s", r.status, r.header.Get("Location"), r.body)
	}

	api, page := in.outboxOf(byAPI, booking.MsgSessionChanged), in.outboxOf(byPage, booking.MsgSessionChanged)
	if len(page) != 3 || !reflect.DeepEqual(api, page) {
		t.Fatalf("session_changed emails:\n by the API  %v\n by the page %v", api, page)
	}
	changes := page[0]["changes"].(map[string]any)
	if len(changes) != 2 || changes["starts_at"] == nil || changes["ends_at"] == nil {
		t.Errorf("changes = %v, want the start and end only", changes)
	}
	sess, err := in.db.Session(context.Background(), byPage)
	if err != nil || !sess.StartsAt.Equal(moved) || sess.Sequence != 1 {
		t.Errorf("session now starts %v (sequence %d), want %v: %v", sess.StartsAt, sess.Sequence, moved, err)
	}

	// Saving it again unchanged tells nobody anything.
	r = in.orgForm(cookie, edit, form)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/sessions/"+itoa(byPage)+"?done=unchanged" {
		t.Errorf("saved unchanged: %d to %q", r.status, r.header.Get("Location"))
	}
	if n := len(in.outboxOf(byPage, booking.MsgSessionChanged)); n != 3 {
		t.Errorf("%d session_changed emails after saving unchanged, want still 3", n)
	}

	// The audit log has the move under the organiser's name.
	var n int
	if err := in.db.Pool.QueryRow(context.Background(), `
		SELECT count(*) FROM audit_log WHERE organiser_id = $1 AND action = 'session.update' AND subject_id = $2`,
		admin.ID, itoa(byPage)).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d audit entries of the move (%v), want 1", n, err)
	}
}

func TestACapacityBelowWhatIsTakenIsRefusedOnTheForm(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	// A session made through the API, whose times have seconds the form
	// does not show: saving the form must not move it by those seconds.
	sid := in.sessionAt(in.workshop("public"), e.tenAM(5).Add(17*time.Second), 10, 5)
	for i := range 3 {
		in.book(sid, i)
	}
	sess, _ := in.db.Session(context.Background(), sid)
	form := sessionForm(sess.StartsAt, sess.EndsAt, "Council House", "Earl Street, Coventry CV1 5RR",
		"https://teams.microsoft.com/l/meetup-join/test", 2, 5)
	r := in.orgForm("", "/admin/sessions/"+itoa(sid)+"/edit", form)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("capacity 2 with 3 booked: %d %s", r.status, r.body)
	}
	r.has(t, `id="error-summary"`, `href="#capacity_in_person"`, "3 places are already taken in person, so there must be at least 3",
		`value="2"`, `class="govuk-input govuk-input--width-5 govuk-input--error" id="capacity_in_person"`)
	if sess, _ := in.db.Session(context.Background(), sid); sess.PlacesFor(booking.InPerson).Capacity != 10 {
		t.Errorf("capacity is now %d, want 10 still", sess.PlacesFor(booking.InPerson).Capacity)
	}

	// Online places cannot be taken away from people booked online either,
	// and a link is still needed while there are any.
	form.Set("capacity_in_person", "3")
	form.Set("online_url", "")
	r = in.orgForm("", "/admin/sessions/"+itoa(sid)+"/edit", form)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("no link: %d %s", r.status, r.body)
	}
	r.has(t, `href="#online_url"`, "Enter the joining link")
	form.Set("online_url", "https://teams.microsoft.com/l/meetup-join/test")
	if r := in.orgForm("", "/admin/sessions/"+itoa(sid)+"/edit", form); r.status != http.StatusSeeOther {
		t.Fatalf("capacity 3 with 3 booked: %d %s", r.status, r.body)
	}
	if sess, _ := in.db.Session(context.Background(), sid); sess.PlacesFor(booking.InPerson).Capacity != 3 {
		t.Errorf("capacity is now %d, want 3", sess.PlacesFor(booking.InPerson).Capacity)
	}
	if n := len(in.outboxOf(sid, booking.MsgSessionChanged)); n != 0 {
		t.Errorf("%d session_changed emails for a capacity change, want none", n)
	}
	if now, _ := in.db.Session(context.Background(), sid); !now.StartsAt.Equal(sess.StartsAt) || !now.EndsAt.Equal(sess.EndsAt) {
		t.Errorf("saving the form moved the session from %v to %v", sess.StartsAt, now.StartsAt)
	}
}

func TestCancellingASessionAsksFirst(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	admin := in.addOrganiser("admin@coventry.gov.uk", booking.RoleAdmin)
	cookie := in.signIn(admin)
	sid := in.session(in.workshop("public"), 10, 0)
	in.book(sid, 1)
	in.book(sid, 2)
	path := "/admin/sessions/" + itoa(sid) + "/cancel"

	in.orgPage(cookie, path).has(t, "2 people booked have an email address: each of them will be emailed the reason", `name="reason"`)
	r := in.orgForm(cookie, path, url.Values{"reason": {"  "}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("no reason: %d %s", r.status, r.body)
	}
	r.has(t, `href="#reason"`, "Enter why the session is cancelled")

	reason := "The venue is closed for repairs.\nPlease book <another> session."
	r = in.orgForm(cookie, path, url.Values{"reason": {reason}})
	if r.status != http.StatusOK {
		t.Fatalf("reason given: %d %s", r.status, r.body)
	}
	r.has(t, "Are you sure you want to cancel this session?", `name="confirm" value="yes"`, "2 people",
		"Please book &lt;another&gt; session.")
	if sess, _ := in.db.Session(context.Background(), sid); sess.Status != booking.Scheduled {
		t.Fatal("the session was cancelled before the confirmation")
	}

	r = in.orgForm(cookie, path, url.Values{"reason": {reason}, "confirm": {"yes"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/sessions/"+itoa(sid)+"?done=cancelled" {
		t.Fatalf("confirmed: %d to %q %s", r.status, r.header.Get("Location"), r.body)
	}
	sess, _ := in.db.Session(context.Background(), sid)
	if sess.Status != booking.Cancelled || sess.CancelReason != reason {
		t.Errorf("session %s with reason %q", sess.Status, sess.CancelReason)
	}
	told := in.outboxOf(sid, booking.MsgSessionCancelled)
	if len(told) != 2 || told[0]["reason"] != reason {
		t.Errorf("session_cancelled emails: %v", told)
	}
	page := in.orgPage(cookie, "/admin/sessions/"+itoa(sid)+"?done=cancelled")
	page.has(t, "The session has been cancelled", "This session was cancelled.")
	page.hasNot(t, `id="edit-session"`, `id="cancel-session"`, `id="phone-booking"`)
	if r := in.orgForm(cookie, path, url.Values{"reason": {reason}, "confirm": {"yes"}}); r.status != http.StatusConflict {
		t.Errorf("cancelled twice: %d", r.status)
	}
}
