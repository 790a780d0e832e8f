package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/coventry/workshops/booking"
)

// phoned is a caller's details as an organiser types them.
func phoned(name, email, mode string) url.Values {
	return url.Values{
		"mode": {mode}, "name": {name}, "email": {email}, "organisation": {"Hillfields Community Centre"},
		"postcode": {"cv2 4hn"}, "access_needs": {"Wheelchair user\nNeeds a quiet room"}, "consent": {"yes"},
		"phone": {"(024) 7683-3333"}, "postal_address": {"12 Jordan Well\nCoventry CV1 5RW"},
	}
}

// outboxFor counts the outbox rows of kind for the booking reference.
func (in *instance) outboxFor(reference, kind string) int {
	in.env.t.Helper()
	var n int
	if err := in.db.Pool.QueryRow(context.Background(), `
		SELECT count(*) FROM outbox o JOIN bookings b ON b.id = o.booking_id
		WHERE b.reference = $1 AND o.kind = $2`, reference, kind).Scan(&n); err != nil {
		in.env.t.Fatal(err)
	}
	return n
}

// referenceIn reads the booking reference from a redirect to its page.
func referenceIn(t *testing.T, r response) string {
	t.Helper()
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/bookings/") || !strings.HasSuffix(loc, "?taken=yes") {
		t.Fatalf("phone booking: %d to %q: %s", r.status, loc, r.body)
	}
	return strings.TrimSuffix(strings.TrimPrefix(loc, "/admin/bookings/"), "?taken=yes")
}

func TestBookingForSomeoneWhoPhoned(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	fac := in.addOrganiser("facilitator@coventry.gov.uk", booking.RoleFacilitator)
	cookie := in.signIn(fac)
	// A staff-only session: organisers book any session, whatever its audience.
	sid := in.session(in.workshop("workforce"), 5, 5)
	in.assign(fac, sid)
	path := "/admin/sessions/" + itoa(sid) + "/bookings"

	form := in.orgPage(cookie, path+"/new")
	if form.status != http.StatusOK {
		t.Fatalf("form: %d %s", form.status, form.body)
	}
	form.has(t, `action="`+path+`"`, `name="mode" type="radio" value="in_person"`, `value="online"`, "Email address (optional)")

	// Bad input keeps what was typed.
	bad := phoned("", "not-an-address", "")
	r := in.orgForm(cookie, path, bad)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad details: %d %s", r.status, r.body)
	}
	r.has(t, `href="#mode"`, `href="#name"`, `href="#email"`, `value="not-an-address"`, "Needs a quiet room", `value="Hillfields Community Centre"`)

	// Without an email address: the printable confirmation, and nothing queued.
	r = in.orgForm(cookie, path, phoned("Mary O'Brien", "", "in_person"))
	ref := referenceIn(t, r)
	page := in.orgPage(cookie, "/admin/bookings/"+ref+"?taken=yes")
	if page.status != http.StatusOK {
		t.Fatalf("confirmation: %d %s", page.status, page.body)
	}
	page.has(t, `id="no-email"`, `<strong id="booking-reference">`+ref+`</strong>`, "Mary O&#39;Brien", "None given",
		"Council House", "Earl Street, Coventry CV1 5RR", `data-print`, "/admin/attendance-assets/attendance.css",
		`class="app-no-print"`)
	page.hasNot(t, `id="emailed"`)
	if n := in.outboxFor(ref, booking.MsgBookingConfirmed); n != 0 {
		t.Errorf("%d confirmation emails queued for a booking without an address", n)
	}

	// With one: the usual confirmation email.
	r = in.orgForm(cookie, path, phoned("Amrit Singh", "amrit@example.org", "online"))
	ref2 := referenceIn(t, r)
	in.orgPage(cookie, "/admin/bookings/"+ref2+"?taken=yes").has(t, `id="emailed"`, "amrit@example.org",
		"https://teams.microsoft.com/l/meetup-join/test")
	if n := in.outboxFor(ref2, booking.MsgBookingConfirmed); n != 1 {
		t.Errorf("%d confirmation emails queued, want 1", n)
	}
	b, err := in.db.Booking(context.Background(), ref2)
	if err != nil || b.Status != booking.Confirmed || b.Mode != booking.Online || b.Postcode != "CV2 4HN" {
		t.Fatalf("booking %+v: %v", b, err)
	}

	// The same address twice is refused on its field.
	r = in.orgForm(cookie, path, phoned("Amrit Singh", "Amrit@example.org", "in_person"))
	if r.status != http.StatusConflict {
		t.Errorf("same address again: %d", r.status)
	}
	r.has(t, `href="#email"`, "already has a place")

	// The audit log says who took each, without their details.
	var entries []string
	rows, err := in.db.Pool.Query(context.Background(), `
		SELECT subject_id || ' ' || after::text FROM audit_log
		WHERE action = 'booking.create' AND organiser_id = $1 ORDER BY id`, fac.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		entries = append(entries, s)
	}
	rows.Close()
	if len(entries) != 2 || !strings.HasPrefix(entries[0], ref+" ") || !strings.Contains(entries[0], `"email_given": false`) ||
		!strings.Contains(entries[1], `"email_given": true`) {
		t.Errorf("audit entries: %v", entries)
	}
	if strings.Contains(strings.Join(entries, " "), "amrit") || strings.Contains(strings.Join(entries, " "), "Mary") {
		t.Error("the audit log holds personal details")
	}

	// The session page shows both, and who took them.
	sp := in.orgPage(cookie, "/admin/sessions/"+itoa(sid))
	sp.has(t, "Booked by phone by Test facilitator", "No email: phone them about changes", "Amrit Singh")

	// Moving the session emails the one with an address only.
	sess, _ := in.db.Session(context.Background(), sid)
	moved := sess.StartsAt.AddDate(0, 0, 1)
	r = in.adminForm("/admin/sessions/"+itoa(sid)+"/edit", sessionForm(moved, moved.Add(sess.EndsAt.Sub(sess.StartsAt)),
		sess.Venue.Name, sess.Venue.Address, sess.OnlineURL, 5, 5))
	if r.status != http.StatusSeeOther {
		t.Fatalf("move: %d %s", r.status, r.body)
	}
	if n, m := in.outboxFor(ref, booking.MsgSessionChanged), in.outboxFor(ref2, booking.MsgSessionChanged); n != 0 || m != 1 {
		t.Errorf("session_changed emails: %d for the booking without an address, %d with one; want 0 and 1", n, m)
	}

	// A full way of taking part is refused on the form, keeping the rest.
	for i := range 4 {
		r := in.orgForm(cookie, path, phoned("Caller "+itoa(int64(i)), "", "online"))
		referenceIn(t, r)
	}
	r = in.orgForm(cookie, path, phoned("One Too Many", "", "online"))
	if r.status != http.StatusConflict {
		t.Fatalf("full: %d %s", r.status, r.body)
	}
	r.has(t, `href="#mode"`, "no places left to take part online", `value="One Too Many"`)
	if live, _ := e.counts(sid); live["online"] != 5 {
		t.Errorf("%d booked online, want 5", live["online"])
	}
}

func TestTheSessionPageEscapesWhatPeopleTyped(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 10, 10)
	in.bookPerson(sid, booking.InPerson, "<script>alert(1)</script>", "x@example.org")
	in.bookPerson(sid, booking.Online, `=HYPERLINK("http://x","y")`, "y@example.org")
	in.bookPerson(sid, booking.InPerson, "Zoë O'Neill-Łukasz", "zoe@example.org")

	r := in.orgPage("", "/admin/sessions/"+itoa(sid))
	if r.status != http.StatusOK {
		t.Fatalf("session page: %d %s", r.status, r.body)
	}
	r.has(t, "&lt;script&gt;alert(1)&lt;/script&gt;", "Zoë O&#39;Neill-Łukasz", "=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)",
		"Step-free access<br>Hearing loop", `id="places-in_person"`, `id="places-online"`, "Nobody is on the waiting list")
	r.hasNot(t, "<script>alert(1)</script>")
	body := string(r.body)
	if strings.Count(body, "<script") != strings.Count(body, "<script src=")+strings.Count(body, `<script type="module" src=`) {
		t.Error("an inline script on the page")
	}
	if strings.Contains(body, "style=") {
		t.Error("an inline style on the page")
	}
}

func TestTheSessionPageShowsTheWaitingList(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 1, 0)
	link := in.bookEveryPlace(sid, 1, 0)[0]
	for i, name := range []string{"<i>Wanda</i> Waiting", "Walter Second"} {
		r := in.do("POST", "/api/v1/sessions/"+itoa(sid)+"/waitlist", map[string]any{
			"mode": "in_person", "name": name, "email": "wait" + itoa(int64(i)) + "@example.org", "consent": true,
		})
		if r.status != http.StatusCreated {
			t.Fatalf("join: %d %s", r.status, r.body)
		}
	}
	page := "/admin/sessions/" + itoa(sid)
	r := in.orgPage("", page)
	r.has(t, "&lt;i&gt;Wanda&lt;/i&gt; Waiting", "Waiting: number 1 on the list", "Walter Second", "Waiting: number 2 on the list")
	r.hasNot(t, "<i>Wanda</i>")

	// A place given back goes to the first person waiting, as an offer.
	path, token := splitLink(t, link)
	if r := in.do("DELETE", "/api/v1"+path+"?token="+url.QueryEscape(token), nil); r.status != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	r = in.orgPage("", page)
	r.has(t, "Offered a place until", "Waiting: number 1 on the list")
	if got := placesRow(r, "in_person"); got != "1 0 1 0 1" {
		t.Errorf("places in person: %q, want capacity 1, booked 0, offered 1, free 0, waiting 1", got)
	}
}

// placesRow reads the numbers of a mode's row in the session page's places table.
func placesRow(r response, mode string) string {
	body := string(r.body)
	start := strings.Index(body, `id="places-`+mode+`"`)
	if start < 0 {
		return ""
	}
	row := body[start : start+strings.Index(body[start:], "</tr>")]
	var nums []string
	for _, m := range numericCell.FindAllStringSubmatch(row, -1) {
		nums = append(nums, m[1])
	}
	return strings.Join(nums, " ")
}

var numericCell = regexp.MustCompile(`cell--numeric"(?: data-label="[^"]*")?>(\d+)</td>`)

func TestCancellingABookingForSomeoneWhoPhoned(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	fac := in.addOrganiser("facilitator@coventry.gov.uk", booking.RoleFacilitator)
	cookie := in.signIn(fac)
	sid := in.session(in.workshop("public"), 5, 0)
	in.assign(fac, sid)
	noEmail := referenceIn(t, in.orgForm(cookie, "/admin/sessions/"+itoa(sid)+"/bookings", phoned("Mary O'Brien", "", "in_person")))
	withEmail := in.book(sid, 1)

	in.orgPage(cookie, "/admin/bookings/"+noEmail).has(t, `href="/admin/bookings/`+noEmail+`/cancel"`)
	page := in.orgPage(cookie, "/admin/bookings/"+noEmail+"/cancel")
	page.has(t, "Cancel this booking?", "Mary O&#39;Brien", `action="/admin/bookings/`+noEmail+`/cancel"`)
	if b, _ := in.db.Booking(context.Background(), noEmail); !b.Live() {
		t.Fatal("the confirmation page cancelled the booking")
	}
	for _, ref := range []string{noEmail, withEmail} {
		r := in.orgForm(cookie, "/admin/bookings/"+ref+"/cancel", nil)
		done := "booking_cancelled"
		if ref == noEmail {
			done = "booking_cancelled_phone" // nothing is emailed: the banner says so
		}
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/sessions/"+itoa(sid)+"?done="+done {
			t.Fatalf("cancel %s: %d to %q %s", ref, r.status, r.header.Get("Location"), r.body)
		}
		if b, _ := in.db.Booking(context.Background(), ref); b.Live() {
			t.Errorf("%s is still live", ref)
		}
	}
	if n, m := in.outboxFor(noEmail, booking.MsgBookingCancelled), in.outboxFor(withEmail, booking.MsgBookingCancelled); n != 0 || m != 1 {
		t.Errorf("cancellation emails: %d without an address, %d with one; want 0 and 1", n, m)
	}
	if live, booked := e.counts(sid); live["in_person"] != 0 || booked["in_person"] != 0 {
		t.Errorf("after both cancelled: %v live, %v booked", live, booked)
	}
	var n int
	_ = in.db.Pool.QueryRow(context.Background(), `
		SELECT count(*) FROM audit_log WHERE action = 'booking.cancel' AND organiser_id = $1`, fac.ID).Scan(&n)
	if n != 2 {
		t.Errorf("%d booking.cancel audit entries, want 2", n)
	}
	if r := in.orgForm(cookie, "/admin/bookings/"+noEmail+"/cancel", nil); r.status != http.StatusConflict {
		t.Errorf("cancelled twice: %d", r.status)
	}
	if r := in.orgPage(cookie, "/admin/bookings/"+noEmail+"/cancel"); r.status != http.StatusConflict {
		t.Errorf("the confirmation of a cancelled booking: %d", r.status)
	}
}
