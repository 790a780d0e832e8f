package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

func TestPersonalDataExportAndErasure(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	wid := in.workshop("public")
	soon := in.session(wid, 2, 0)
	e.clock.Advance(24 * time.Hour)
	later := in.session(wid, 1, 0) // starts a day after soon
	past := in.bookPerson(soon, booking.InPerson, "Ada Lovelace", "Ada@Example.org")
	upcoming := in.bookPerson(later, booking.InPerson, "Ada Lovelace", "ada@example.org")
	other := in.bookPerson(soon, booking.InPerson, "Someone Else", "else@example.org")
	people := "/api/v1/admin/people?email="

	// A full session: Ada waits first, Bo after her. A cancellation offers
	// Ada the place; erasing her passes it to Bo.
	full := in.session(wid, 1, 0)
	taker := in.bookPerson(full, booking.InPerson, "Taker Place", "taker@example.org")
	for _, who := range []string{"ada@example.org", "bo@example.org"} {
		if _, _, err := in.svc.JoinWaitlist(context.Background(), full, booking.InPerson, booking.Public,
			booking.Details{Name: "Waiting " + who, Email: who, Consent: true}); err != nil {
			t.Fatalf("join the waiting list: %v", err)
		}
	}
	if _, _, err := in.db.CancelBooking(context.Background(), taker.Reference, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	entryStatus := func(email string) string {
		var st string
		if err := in.db.Pool.QueryRow(context.Background(), `SELECT status FROM waitlist_entries WHERE session_id = $1 AND lower(email) = $2`, full, email).Scan(&st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := entryStatus("ada@example.org"); st != "offered" {
		t.Fatalf("Ada's entry is %s, want offered", st)
	}

	r := in.admin("GET", people+url.QueryEscape("ADA@example.org"), nil)
	if r.status != http.StatusOK {
		t.Fatalf("export: %d %s", r.status, r.body)
	}
	data := r.json(t)
	bookings, _ := data["bookings"].([]any)
	lists, _ := data["waiting_lists"].([]any)
	emails, _ := data["emails"].([]any)
	if len(bookings) != 2 || len(lists) != 1 || len(emails) < 3 {
		t.Fatalf("export = %s, want 2 bookings, a place on a waiting list and their emails", r.body)
	}
	first := bookings[0].(map[string]any)
	if first["reference"] != past.Reference || first["name"] != "Ada Lovelace" || first["access_needs"] == "" || first["workshop"] == "" {
		t.Errorf("first exported booking = %v", first)
	}

	for _, c := range []struct {
		method, query string
	}{
		{"GET", ""}, {"GET", "?email="}, {"GET", "?email=not-an-address"},
		{"DELETE", "?email=a@example.org&email=b@example.org"}, {"DELETE", "?email=" + url.QueryEscape("a@example.org\r\nBcc: x@y.z")},
	} {
		if r := in.admin(c.method, "/api/v1/admin/people"+c.query, nil); r.status != http.StatusUnprocessableEntity || r.errorCode() != "invalid" {
			t.Errorf("%s %s: %d %s, want 422", c.method, c.query, r.status, r.body)
		}
	}
	if r := in.do("DELETE", people+"ada@example.org", nil); r.status != http.StatusUnauthorized {
		t.Errorf("erasure without credentials: %d", r.status)
	}

	// The first session has taken place; the second has not. The place
	// in the second goes back, in Postgres and in Redis.
	e.clock.Advance(6*24*time.Hour + 3*time.Hour) // soon has ended, later not begun
	r = in.admin("DELETE", people+url.QueryEscape("ada@EXAMPLE.org"), nil)
	if r.status != http.StatusOK {
		t.Fatalf("erase: %d %s", r.status, r.body)
	}
	got := r.json(t)
	if cancelled, _ := got["cancelled"].([]any); len(cancelled) != 1 || cancelled[0] != upcoming.Reference || got["anonymised"] != 2.0 {
		t.Errorf("erasure = %s, want %s cancelled and 2 anonymised", r.body, upcoming.Reference)
	}
	if left, _ := got["left_waiting_lists"].([]any); len(left) != 1 || got["waiting_list_entries_anonymised"] != 1.0 {
		t.Errorf("erasure = %s, want one waiting-list place left and anonymised", r.body)
	}
	if st := entryStatus("bo@example.org"); st != "offered" {
		t.Errorf("Bo's entry is %s: the place offered to Ada did not pass to him", st)
	}
	live, booked := e.counts(later)
	if live["in_person"] != 0 || booked["in_person"] != 0 {
		t.Errorf("the upcoming place was not given back: live %v, booked %v", live, booked)
	}
	if r := in.do("GET", "/api/v1/sessions/"+itoa(later), nil); r.json(t)["modes"].(map[string]any)["in_person"].(map[string]any)["available"] != 1.0 {
		t.Errorf("the place is not available to others: %s", r.body)
	}
	for _, ref := range []string{past.Reference, upcoming.Reference} {
		b, err := in.db.Booking(context.Background(), ref)
		if err != nil || b.Name != "" || b.Email != "" || b.AccessNeeds != "" || b.Organisation != "" {
			t.Errorf("%s still holds personal data: %+v, %v", ref, b, err)
		}
	}
	if b, _ := in.db.Booking(context.Background(), other.Reference); b.Email != "else@example.org" {
		t.Error("someone else's data was erased")
	}
	var pending int
	if err := in.db.Pool.QueryRow(context.Background(), `
		SELECT count(*) FROM outbox o JOIN bookings b ON b.id = o.booking_id
		WHERE b.reference = ANY($1) AND o.status = 'pending'`, []string{past.Reference, upcoming.Reference}).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending != 0 {
		t.Errorf("%d emails still waiting to go to the erased address", pending)
	}
	r = in.admin("GET", people+"ada@example.org", nil)
	if b, _ := r.json(t)["bookings"].([]any); r.status != http.StatusOK || len(b) != 0 {
		t.Errorf("export after erasure: %s", r.body)
	}
	// Erasing again finds nothing and is not an error.
	if r := in.admin("DELETE", people+"ada@example.org", nil); r.status != http.StatusOK || r.json(t)["anonymised"] != 0.0 {
		t.Errorf("second erasure: %d %s", r.status, r.body)
	}
	if logs := e.logs.String(); strings.Contains(strings.ToLower(logs), "ada@example.org") || strings.Contains(logs, "Lovelace") {
		t.Error("the logs hold the person's name or address")
	}
	// The counts of the past session still stand.
	if r := in.admin("GET", "/api/v1/admin/workshops/"+itoa(wid)+"/attendance", nil); r.json(t)["total"].(map[string]any)["booked"] != 2.0 {
		t.Errorf("counts after erasure: %s", r.body)
	}
}

// TestErasedRecordsOpenFromNoLink: once a booking or a place on a waiting
// list has lost its personal data, by erasure or by retention after the
// session, the links in the emails sent to the person open nothing.
func TestErasedRecordsOpenFromNoLink(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	wid := in.workshop("public")
	sid := in.session(wid, 2, 0)
	book := func(name, email string) (reference, token string) {
		b, token, err := in.svc.Book(context.Background(), sid, booking.InPerson, booking.Public,
			booking.Details{Name: name, Email: email, Consent: true})
		if err != nil {
			t.Fatalf("book %s: %v", name, err)
		}
		return b.Reference, token
	}
	ada, adaToken := book("Ada Lovelace", "ada@example.org")
	bo, boToken := book("Bo Sang", "bo@example.org")
	entry, entryToken, err := in.svc.JoinWaitlist(context.Background(), sid, booking.InPerson, booking.Public,
		booking.Details{Name: "Cara Jones", Email: "cara@example.org", Consent: true})
	if err != nil {
		t.Fatalf("join the waiting list: %v", err)
	}
	if _, err := in.svc.LeaveWaitlist(context.Background(), entry.Reference, entryToken); err != nil {
		t.Fatalf("leave the waiting list: %v", err)
	}
	links := map[string]string{
		"Ada's booking": "/api/v1/bookings/" + ada + "?token=" + url.QueryEscape(adaToken),
		"Bo's booking":  "/api/v1/bookings/" + bo + "?token=" + url.QueryEscape(boToken),
		"Cara's place":  "/api/v1/waitlist/" + entry.Reference + "?token=" + url.QueryEscape(entryToken),
	}
	for who, link := range links {
		if r := in.do("GET", link, nil); r.status != http.StatusOK {
			t.Fatalf("%s before: %d %s", who, r.status, r.body)
		}
	}

	e.clock.Advance(8 * 24 * time.Hour) // the session is over
	for _, email := range []string{"ada@example.org", "cara@example.org"} {
		if r := in.admin("DELETE", "/api/v1/admin/people?email="+url.QueryEscape(email), nil); r.status != http.StatusOK {
			t.Fatalf("erase %s: %d %s", email, r.status, r.body)
		}
	}
	if r := in.do("GET", links["Bo's booking"], nil); r.status != http.StatusOK {
		t.Errorf("Bo's link stopped with Ada's erasure: %d %s", r.status, r.body)
	}
	if _, err := in.db.AnonymiseEnded(context.Background(), e.clock.Now(), e.clock.Now(), 100); err != nil {
		t.Fatal(err)
	}
	for who, link := range links {
		if r := in.do("GET", link, nil); r.status != http.StatusNotFound || r.errorCode() != "not_found" {
			t.Errorf("%s after its data went: %d %s, want 404", who, r.status, r.body)
		}
	}
}
