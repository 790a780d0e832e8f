package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coventry/workshops/booking"
)

// People booked by phone can be reached: their number is taken down (a UK
// number, stored in one form), the printed confirmation gives the
// council's number and address, and when their session moves or is
// cancelled the organiser is told truthfully who is emailed and who must be
// phoned, with the list of people to phone and what to tell them.

func TestPhoneNumbersAreTakenAndPrinted(t *testing.T) {
	e := newEnv(t)
	e.councilPhone = "024 7683 3333"
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 5, 0)
	path := "/admin/sessions/" + itoa(sid) + "/bookings"

	in.orgPage("", path+"/new").has(t, `name="phone" type="tel"`, `name="postal_address"`)

	for name, c := range map[string]struct{ phone, email, want string }{
		"no way to reach them": {"", "", "Enter a phone number or an email address, so they can be told if the session changes"},
		"a number abroad":      {"+1 202 555 0100", "", "Enter a UK phone number, like 024 7683 3333 or 07700 900123"},
		"not a number":         {"ring me", "mary@example.org", "Enter a UK phone number, like 024 7683 3333 or 07700 900123"},
	} {
		form := phoned("Mary O'Brien", c.email, "in_person")
		form.Set("phone", c.phone)
		r := in.orgForm("", path, form)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", name, r.status)
			continue
		}
		r.has(t, `href="#phone"`, c.want)
		if c.phone != "" && !strings.Contains(c.phone, "+") { // html/template writes + as &#43;
			r.has(t, `value="`+c.phone+`"`)
		}
	}
	var n int
	if err := in.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM bookings`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d bookings after refusals (%v), want 0", n, err)
	}

	form := phoned("Mary O'Brien", "", "in_person")
	form.Set("phone", "+44 (0)7700 900123")
	ref := referenceIn(t, in.orgForm("", path, form))
	b, err := in.db.Booking(context.Background(), ref)
	if err != nil || b.Phone != "+447700900123" || b.PostalAddress != "12 Jordan Well\nCoventry CV1 5RW" {
		t.Fatalf("stored phone %q, address %q: %v", b.Phone, b.PostalAddress, err)
	}
	page := in.orgPage("", "/admin/bookings/"+ref+"?taken=yes")
	page.has(t, `id="booking-phone">07700 900123<`, "12 Jordan Well<br>Coventry CV1 5RW",
		"Contact Coventry City Council", `id="council-phone">Phone: 024 7683 3333<`, "consultation@coventry.gov.uk")

	// Without COUNCIL_PHONE, the address alone.
	e2 := newEnv(t)
	in2 := e2.start(nil)
	sid2 := in2.session(in2.workshop("public"), 5, 0)
	ref2 := referenceIn(t, in2.orgForm("", "/admin/sessions/"+itoa(sid2)+"/bookings", phoned("Mary O'Brien", "", "in_person")))
	r := in2.orgPage("", "/admin/bookings/"+ref2)
	r.has(t, `id="council-email"`, `id="booking-phone">024 7683 3333<`)
	r.hasNot(t, `id="council-phone"`)
}

func TestOrganisersAreToldWhoIsEmailedAndWhoToPhone(t *testing.T) {
	e := newEnv(t)
	e.councilPhone = "024 7683 3333"
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 10, 0)
	path := "/admin/sessions/" + itoa(sid)
	mary := referenceIn(t, in.orgForm("", path+"/bookings", phoned("Mary O'Brien", "", "in_person")))
	joe := phoned("Joe Bloggs", "", "in_person")
	joe.Set("phone", "07700 900123")
	joe.Del("postal_address")
	in.orgForm("", path+"/bookings", joe)
	in.book(sid, 1)
	in.book(sid, 2)
	in.book(sid, 3)

	// The session page says who would not be told, and where the list is.
	r := in.orgPage("", path)
	r.has(t, "2 people booked by phone have no email address.", `href="`+path+`/people-to-phone"`, "Phone: 07700 900123")

	// Before anything changes, the list: who, their numbers, what to say.
	list := in.orgPage("", path+"/people-to-phone")
	if list.status != http.StatusOK {
		t.Fatalf("people to phone: %d %s", list.status, list.body)
	}
	list.has(t, "Mary O&#39;Brien", `href="tel:&#43;442476833333"`, "024 7683 3333", "12 Jordan Well<br>Coventry CV1 5RW",
		"Joe Bloggs", `href="tel:&#43;447700900123"`, "The 3 other people booked are emailed.", "data-print", ">Print this list<",
		`href="/admin/bookings/`+mary+`"`)
	list.hasNot(t, "person1@", "person2@")

	// Moving it: the banner counts both.
	sess, _ := in.db.Session(context.Background(), sid)
	moved := sess.StartsAt.AddDate(0, 0, 1)
	r = in.adminForm(path+"/edit", sessionForm(moved, moved.Add(sess.EndsAt.Sub(sess.StartsAt)),
		sess.Venue.Name, sess.Venue.Address, "", 10, 0))
	if loc := r.header.Get("Location"); r.status != http.StatusSeeOther || loc != path+"?done=moved" {
		t.Fatalf("move: %d to %q", r.status, loc)
	}
	in.orgPage("", path+"?done=moved").has(t, "The session has been changed. The 3 people booked with an email address are being emailed an updated invite. 2 people booked by phone have no email address and are not told: phone them.")
	in.orgPage("", path+"/people-to-phone").has(t, "The "+sessTitle(in, sid)+" session is on "+booking.When(moved, moved.Add(sess.EndsAt.Sub(sess.StartsAt))))

	// Only the places changed: nobody is told, and the banner says so.
	r = in.adminForm(path+"/edit", sessionForm(moved, moved.Add(sess.EndsAt.Sub(sess.StartsAt)),
		sess.Venue.Name, sess.Venue.Address, "", 12, 0))
	if loc := r.header.Get("Location"); loc != path+"?done=updated" {
		t.Errorf("places changed: to %q", loc)
	}
	in.orgPage("", path+"?done=updated").has(t, "Nobody booked is told")

	// Cancelling: the form and the confirmation say who is emailed and who is not.
	in.orgPage("", path+"/cancel").has(t, "3 people booked have an email address: each of them will be emailed the reason",
		"2 people were booked by phone without an email address and will not be emailed")
	r = in.adminForm(path+"/cancel", url.Values{"reason": {"The venue flooded."}})
	r.has(t, "2 people were booked by phone without an email address")
	r = in.adminForm(path+"/cancel", url.Values{"reason": {"The venue flooded."}, "confirm": {"yes"}})
	if loc := r.header.Get("Location"); loc != path+"?done=cancelled" {
		t.Fatalf("cancel: %d to %q", r.status, loc)
	}
	in.orgPage("", path+"?done=cancelled").has(t,
		"The session has been cancelled. The 3 people booked with an email address are being emailed the reason. 2 people booked by phone have no email address and are not told: phone them.",
		"They have not been told the session is cancelled: phone them.")
	if n := len(in.outboxOf(sid, booking.MsgSessionCancelled)); n != 3 {
		t.Errorf("%d cancellation emails, want 3", n)
	}
	in.orgPage("", path+"/people-to-phone").has(t, "is cancelled. We are sorry.", "The reason: The venue flooded.",
		"To book a place at another session, phone 024 7683 3333 or email consultation@coventry.gov.uk.")
}

func TestCancellingAPhoneBookingSaysWhetherTheyAreEmailed(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 5, 0)
	path := "/admin/sessions/" + itoa(sid)
	noEmail := referenceIn(t, in.orgForm("", path+"/bookings", phoned("Mary O'Brien", "", "in_person")))
	withEmail := referenceIn(t, in.orgForm("", path+"/bookings", phoned("Amrit Singh", "amrit@example.org", "in_person")))
	for ref, want := range map[string]string{noEmail: "booking_cancelled_phone", withEmail: "booking_cancelled"} {
		r := in.adminForm("/admin/bookings/"+ref+"/cancel", url.Values{})
		if loc := r.header.Get("Location"); loc != path+"?done="+want {
			t.Errorf("cancel %s: to %q, want done=%s", ref, loc, want)
		}
	}
	in.orgPage("", path+"?done=booking_cancelled_phone").has(t, "They gave no email address, so nothing is emailed")
}

func TestPeopleBookedByPhoneAreExportedAndErasedByNumber(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 5, 0)
	ref := referenceIn(t, in.orgForm("", "/admin/sessions/"+itoa(sid)+"/bookings", phoned("Mary O'Brien", "", "in_person")))

	r := in.admin("GET", "/api/v1/admin/people?phone="+url.QueryEscape("024 7683 3333"), nil)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"phone":"+442476833333"`) ||
		!strings.Contains(string(r.body), ref) || !strings.Contains(string(r.body), `"postal_address":"12 Jordan Well\nCoventry CV1 5RW"`) {
		t.Fatalf("export by phone: %d %s", r.status, r.body)
	}
	for _, q := range []string{"?phone=123", "?phone=024+7683+3333&email=a@example.org", "?phone=a&phone=b", ""} {
		if r := in.admin("GET", "/api/v1/admin/people"+q, nil); r.status != http.StatusUnprocessableEntity {
			t.Errorf("export %q: %d, want 422", q, r.status)
		}
	}
	if r := in.admin("DELETE", "/api/v1/admin/people?phone=%2B442476833333", nil); r.status != http.StatusOK {
		t.Fatalf("erase by phone: %d %s", r.status, r.body)
	}
	b, err := in.db.Booking(context.Background(), ref)
	if err != nil || b.Live() || b.Phone != "" || b.PostalAddress != "" || b.Name != "" {
		t.Errorf("after erasure: %+v (%v), want cancelled with no name, phone or address", b, err)
	}
	if r := in.admin("GET", "/api/v1/admin/people?phone=02476833333", nil); strings.Contains(string(r.body), ref) {
		t.Errorf("the erased booking is still found by the number: %s", r.body)
	}
}

func sessTitle(in *instance, sid int64) string {
	in.env.t.Helper()
	sess, err := in.db.Session(context.Background(), sid)
	if err != nil {
		in.env.t.Fatal(err)
	}
	return sess.Workshop.Title
}
