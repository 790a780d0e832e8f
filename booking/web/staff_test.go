package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// startStaff is an instance whose staff route takes @coventry.gov.uk.
func startStaff(t *testing.T) *instance {
	t.Helper()
	in := newEnv(t).start(nil)
	in.svc.StaffEmailDomains = []string{"coventry.gov.uk"}
	return in
}

func staffDetails(name, email string) url.Values {
	return url.Values{
		"name": {name}, "email": {email}, "organisation": {"Libraries"},
		"access_needs": {"A hearing loop"}, "consent": {"yes"},
	}
}

// staffHold holds a place through the staff pages and returns the address
// of "Your details".
func (in *instance) staffHold(t *testing.T, sessionID int64, mode string) string {
	t.Helper()
	r := in.form("/staff/sessions/"+itoa(sessionID), url.Values{"mode": {mode}})
	details := r.location(t)
	if !strings.HasPrefix(details, "/staff/holds/") {
		t.Fatalf("a staff hold redirects to %q", details)
	}
	return details
}

func staffAction(detailsURL, page string) string {
	return "/staff/holds/" + between(detailsURL, "/staff/holds/", "/details") + "/" + page
}

// staffBook walks a member of staff from the session page to "Check your
// email" and returns that page and the booking's reference.
func (in *instance) staffBook(t *testing.T, sessionID int64, name, email string) (response, string) {
	t.Helper()
	detailsURL := in.staffHold(t, sessionID, "in_person")
	r := in.page(detailsURL)
	if r.status != http.StatusOK {
		t.Fatalf("staff details page: %d %s", r.status, r.body)
	}
	r.mustContain(t, `id="page-heading">Your details</h1>`, "Work email address", "@coventry.gov.uk", "Time left:")
	v := hidden(r.text())
	for k, vals := range staffDetails(name, email) {
		v[k] = vals
	}
	r = in.form(staffAction(detailsURL, "details"), v)
	if r.status != http.StatusOK {
		t.Fatalf("staff check answers: %d %s", r.status, r.body)
	}
	r.mustContain(t, "Check your answers before booking your place", `id="check-send-to">`+email)
	r = in.form(staffAction(detailsURL, "confirm"), hidden(r.text()))
	sent := r.location(t)
	if !strings.HasPrefix(sent, "/staff/bookings/") {
		t.Fatalf("booking redirects to %q", sent)
	}
	r = in.page(sent)
	if r.status != http.StatusOK {
		t.Fatalf("check your email: %d %s", r.status, r.body)
	}
	r.mustContain(t, `id="page-heading">Check your email</h1>`, `id="sent-to">`+email)
	return r, between(sent, "/staff/bookings/", "/sent")
}

// verifyToken reads the link's token from the booking's verification email.
func (in *instance) verifyToken(t *testing.T, reference string) string {
	t.Helper()
	var payload []byte
	err := in.db.Pool.QueryRow(context.Background(), `
		SELECT o.payload FROM outbox o JOIN bookings b ON b.id = o.booking_id
		WHERE b.reference = $1 AND o.kind = $2`, reference, booking.MsgStaffVerification).Scan(&payload)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Token     string `json:"token"`
		ExpiresAt string `json:"expires_at"`
	}
	if err := json.Unmarshal(payload, &p); err != nil || p.Token == "" || p.ExpiresAt == "" {
		t.Fatalf("verification payload %s: %v", payload, err)
	}
	return p.Token
}

// emails counts the outbox rows of kind for a booking.
func (in *instance) emails(t *testing.T, reference, kind string) int {
	t.Helper()
	var n int
	err := in.db.Pool.QueryRow(context.Background(), `
		SELECT count(*) FROM outbox o JOIN bookings b ON b.id = o.booking_id
		WHERE b.reference = $1 AND o.kind = $2`, reference, kind).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (in *instance) status(t *testing.T, reference string) booking.BookingStatus {
	t.Helper()
	b, err := in.db.Booking(context.Background(), reference)
	if err != nil {
		t.Fatal(err)
	}
	return b.Status
}

func TestStaffRouteRefusesNonStaffAddress(t *testing.T) {
	in := startStaff(t)
	sid := in.session(in.workshop("workforce"), 5, 0)
	detailsURL := in.staffHold(t, sid, "in_person")
	v := hidden(in.page(detailsURL).text())

	for _, email := range []string{"ada@example.org", "ada@evil-coventry.gov.uk", "ada@coventry.gov.uk.example.org", "ada@mail.coventry.gov.uk"} {
		for k, vals := range staffDetails("Ada Lovelace", email) {
			v[k] = vals
		}
		r := in.form(staffAction(detailsURL, "details"), v)
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d, want 422", email, r.status)
		}
		r.mustContain(t, "<title>Error: Your details", `<a href="#email">Enter your work email address, ending @coventry.gov.uk</a>`,
			`id="email-error"`, `value="`+email+`"`, `value="Libraries"`)
		// Posting straight to the booking step is refused the same way.
		r = in.form(staffAction(detailsURL, "confirm"), v)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.text(), `id="email-error"`) {
			t.Fatalf("%s booked straight: %d", email, r.status)
		}
	}
	if live, booked := in.env.counts(sid); live["in_person"] != 0 || booked["in_person"] != 0 {
		t.Fatalf("a refused address booked: %v %v", live, booked)
	}
	// A work address in capitals is a work address.
	_, ref := in.staffBook(t, sid, "Ada Lovelace", "Ada.Lovelace@COVENTRY.GOV.UK")
	if in.status(t, ref) != booking.PendingVerification {
		t.Errorf("status %s", in.status(t, ref))
	}
}

func TestStaffBookingWaitsForItsLink(t *testing.T) {
	in := startStaff(t)
	sid := in.session(in.workshop("workforce"), 5, 0)
	r, ref := in.staffBook(t, sid, `<b>Ada</b> "Lovelace"`, "ada.lovelace@coventry.gov.uk")
	r.mustContain(t, "&lt;b&gt;Ada&lt;/b&gt; &#34;Lovelace&#34;")
	if strings.Contains(r.text(), "<b>Ada</b>") {
		t.Error("the name is not escaped")
	}
	if st := in.status(t, ref); st != booking.PendingVerification {
		t.Fatalf("status %s, want pending_verification", st)
	}
	if n := in.emails(t, ref, booking.MsgBookingConfirmed); n != 0 {
		t.Fatalf("%d confirmations queued before the link was followed", n)
	}
	if live, booked := in.env.counts(sid); live["in_person"] != 1 || booked["in_person"] != 1 {
		t.Fatalf("the pending booking holds no place: %v %v", live, booked)
	}
	sentPage := "/staff/bookings/" + ref + "/sent?token=" + between(r.text(), "token=", `"`)
	token := in.verifyToken(t, ref)

	// Following the link shows a button; that alone confirms nothing.
	link := "/staff/verify/" + token
	for range 2 {
		r = in.page(link)
		if r.status != http.StatusOK {
			t.Fatalf("verify page: %d %s", r.status, r.body)
		}
	}
	r.mustContain(t, `id="page-heading">Confirm your place</h1>`, `action="`+link+`"`, `id="confirm-place"`,
		"&lt;b&gt;Ada&lt;/b&gt;", "ada.lovelace@coventry.gov.uk")
	if st := in.status(t, ref); st != booking.PendingVerification || in.emails(t, ref, booking.MsgBookingConfirmed) != 0 {
		t.Fatalf("following the link confirmed the booking: %s", st)
	}

	// The button confirms it and queues one confirmation with a manage link.
	r = in.form(link, url.Values{})
	confirmed := r.location(t)
	if !strings.HasPrefix(confirmed, "/bookings/"+ref+"/confirmed?token=") {
		t.Fatalf("verify redirects to %q", confirmed)
	}
	if st := in.status(t, ref); st != booking.Confirmed {
		t.Fatalf("status %s, want confirmed", st)
	}
	if n := in.emails(t, ref, booking.MsgBookingConfirmed); n != 1 {
		t.Fatalf("%d confirmations, want 1", n)
	}
	r = in.page(confirmed)
	r.mustContain(t, "Booking confirmed", `id="booking-reference-panel">`+ref, `id="manage-booking"`)

	// A used link is refused, both ways, and queues nothing more.
	r = in.page(link)
	if r.status != http.StatusConflict {
		t.Fatalf("used link: %d", r.status)
	}
	r.mustContain(t, "This link has already been used")
	if r = in.form(link, url.Values{}); r.status != http.StatusConflict || in.emails(t, ref, booking.MsgBookingConfirmed) != 1 {
		t.Fatalf("used link posted: %d", r.status)
	}
	// The token of "Check your email" ends with the link: only the emailed
	// confirmation carries a manage link now.
	if r = in.page(sentPage); r.status != http.StatusNotFound {
		t.Errorf("the old manage token still works: %d", r.status)
	}
	// A link that was never made.
	if r = in.page("/staff/verify/" + token + "x"); r.status != http.StatusNotFound {
		t.Errorf("unknown link: %d", r.status)
	}
	if strings.Contains(in.env.logs.String(), token) || strings.Contains(in.env.logs.String(), "ada.lovelace") {
		t.Error("the logs hold the link's token or the address")
	}
}

func TestStaffLinkExpires(t *testing.T) {
	in := startStaff(t)
	sid := in.session(in.workshop("workforce"), 5, 0)
	_, ref := in.staffBook(t, sid, "Ada Lovelace", "ada@coventry.gov.uk")
	link := "/staff/verify/" + in.verifyToken(t, ref)

	in.env.clock.Advance(booking.VerifyWindow)
	r := in.page(link)
	if r.status != http.StatusGone {
		t.Fatalf("expired link: %d", r.status)
	}
	r.mustContain(t, "This link has expired", `href="/staff"`)
	if r = in.form(link, url.Values{}); r.status != http.StatusGone {
		t.Fatalf("expired link posted: %d", r.status)
	}
	if st := in.status(t, ref); st != booking.PendingVerification || in.emails(t, ref, booking.MsgBookingConfirmed) != 0 {
		t.Fatalf("an expired link confirmed the booking: %s", st)
	}
}

func TestUnverifiedBookingGivesItsPlaceBack(t *testing.T) {
	in := startStaff(t)
	sid := in.session(in.workshop("workforce"), 1, 0)
	_, ref := in.staffBook(t, sid, "Ada Lovelace", "ada@coventry.gov.uk")
	link := "/staff/verify/" + in.verifyToken(t, ref)

	// The pending booking holds the only place.
	if r := in.form("/staff/sessions/"+itoa(sid), url.Values{"mode": {"in_person"}}); r.status == http.StatusSeeOther {
		t.Fatalf("the place was held again while the link could still be followed")
	}
	in.env.clock.Advance(booking.VerifyWindow - time.Second)
	(&booking.StaffSweep{Service: in.svc}).Step(context.Background())
	if st := in.status(t, ref); st != booking.PendingVerification {
		t.Fatalf("swept before time: %s", st)
	}

	in.env.clock.Advance(time.Second)
	(&booking.StaffSweep{Service: in.svc}).Step(context.Background())
	if st := in.status(t, ref); st != booking.BookingCancelled {
		t.Fatalf("status %s after 30 minutes, want cancelled", st)
	}
	if live, booked := in.env.counts(sid); live["in_person"] != 0 || booked["in_person"] != 0 {
		t.Fatalf("the place was not given back: %v %v", live, booked)
	}
	// Redis knows at once: the place can be held again.
	in.staffHold(t, sid, "in_person")
	// The lapsed link says so.
	r := in.page(link)
	if r.status != http.StatusGone {
		t.Fatalf("link after the sweep: %d", r.status)
	}
	r.mustContain(t, "This link has expired")
}

func TestWorkforceSessionsStayOffThePublicRoute(t *testing.T) {
	in := startStaff(t)
	wf := in.workshop("workforce")
	staff := in.session(wf, 5, 5)
	pub := in.workshop("public")
	pubSession := in.session(pub, 5, 5)

	r := in.do("GET", "/api/v1/workshops", nil)
	var list struct {
		Workshops []struct {
			ID       int64  `json:"id"`
			Audience string `json:"audience"`
		} `json:"workshops"`
	}
	if err := json.Unmarshal(r.body, &list); err != nil || len(list.Workshops) != 1 {
		t.Fatalf("listing: %v %s", err, r.body)
	}
	if list.Workshops[0].ID != pub || list.Workshops[0].Audience != "public" {
		t.Errorf("the public listing holds %+v", list.Workshops)
	}
	r = in.page("/")
	if strings.Contains(r.text(), `href="/workshops/`+itoa(wf)+`"`) || !strings.Contains(r.text(), `href="/workshops/`+itoa(pub)+`"`) {
		t.Errorf("the start page lists the wrong workshops:\n%s", r.body)
	}
	if r = in.page("/workshops/" + itoa(wf)); r.status != http.StatusNotFound {
		t.Errorf("workforce workshop page: %d", r.status)
	}

	// The public API refuses to hold or book one, pointing to /staff.
	for _, c := range []struct{ path string }{{"/api/v1/sessions/" + itoa(staff) + "/bookings"}, {"/api/v1/sessions/" + itoa(staff) + "/holds"}} {
		body := person(1)
		body["mode"] = "in_person"
		body["email"] = "officer@coventry.gov.uk"
		r = in.do("POST", c.path, body)
		if r.status != http.StatusForbidden || r.errorCode() != "forbidden" || !strings.Contains(r.text(), "/staff") {
			t.Errorf("%s: %d %s", c.path, r.status, r.body)
		}
	}
	// A hold taken through /staff cannot be booked on the public route,
	// which would skip the email link.
	detailsURL := in.staffHold(t, staff, "in_person")
	hold := between(detailsURL, "/staff/holds/", "/details")
	r = in.do("POST", "/api/v1/holds/"+hold+"/booking", person(2))
	if r.status != http.StatusForbidden || !strings.Contains(r.text(), "/staff") {
		t.Errorf("public API with a staff hold: %d %s", r.status, r.body)
	}
	v := hidden(in.page(detailsURL).text())
	for k, vals := range details("Ada Lovelace") {
		v[k] = vals
	}
	if r = in.page("/holds/" + hold + "/details"); r.status != http.StatusNotFound {
		t.Errorf("public details page with a staff hold: %d", r.status)
	}
	// The signed hold id names the session: the confirming transaction
	// finds it is for staff, whatever the form says.
	v.Set("session", itoa(pubSession))
	if r = in.form("/holds/"+hold+"/confirm", v); r.status != http.StatusForbidden || !strings.Contains(r.text(), "/staff") {
		t.Errorf("public confirm page with a staff hold: %d", r.status)
	}
	if live, _ := in.env.counts(staff); live["in_person"]+live["online"] != 0 {
		t.Fatalf("a workforce place was booked on the public route: %v", live)
	}
	// The hold still works where it belongs.
	v = hidden(in.page(detailsURL).text())
	for k, vals := range staffDetails("Ada Lovelace", "ada@coventry.gov.uk") {
		v[k] = vals
	}
	if r = in.form(staffAction(detailsURL, "confirm"), v); r.status != http.StatusSeeOther {
		t.Errorf("the staff hold after the public refusal: %d %s", r.status, r.body)
	}

	// And the staff route lists workforce sessions only.
	r = in.page("/staff")
	r.mustContain(t, `href="/staff/sessions/`+itoa(staff)+`"`, "4 places left", "5 places left")
	if strings.Contains(r.text(), "/sessions/"+itoa(pubSession)) {
		t.Errorf("/staff lists a public session:\n%s", r.body)
	}
	if r = in.page("/staff/sessions/" + itoa(pubSession)); r.status != http.StatusForbidden {
		t.Errorf("a public session on the staff route: %d", r.status)
	}
}
