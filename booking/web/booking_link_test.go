package web_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coventry/workshops/booking"
)

// linkTokens reads the tokens of the emails of kind queued after the outbox
// row after, by the reference of the booking or entry they open.
func (e *env) linkTokens(kind string, after int64) map[string]string {
	e.t.Helper()
	rows, err := e.db.Pool.Query(context.Background(), `
		SELECT COALESCE(b.reference, w.reference), o.payload->>'token' FROM outbox o
		LEFT JOIN bookings b ON b.id = o.booking_id
		LEFT JOIN waitlist_entries w ON w.id = o.waitlist_entry_id
		WHERE o.kind = $1 AND o.id > $2 ORDER BY o.id`, kind, after)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var ref, token string
		if err := rows.Scan(&ref, &token); err != nil {
			e.t.Fatal(err)
		}
		out[ref] = token
	}
	return out
}

func (e *env) lastOutboxID() int64 {
	e.t.Helper()
	var id int64
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT COALESCE(max(id), 0) FROM outbox`).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// "Send me my booking link": every upcoming booking and waiting-list place
// of the address gets a fresh link by email; the old links go on working;
// an address with nothing gets the same page and no email.
func TestSendMeMyBookingLink(t *testing.T) {
	in := newEnv(t).start(nil)
	w := in.workshop("public")
	open := in.session(w, 5, 5)
	full := in.session(w, 1, 0)
	gone := in.session(w, 5, 0)

	// resident1 has a booking, a place on a waiting list and a cancelled booking.
	old := in.bookEveryPlace(open, 1, 1)[0]
	oldPath, oldToken := splitLink(t, old)
	ref := strings.TrimPrefix(oldPath, "/bookings/")
	in.bookEveryPlace(full, 1, 2)
	if r := in.joinWaitlist(full, 1, "in_person"); r.status != http.StatusCreated {
		t.Fatalf("join: %d %s", r.status, r.body)
	}
	cancelled := in.bookEveryPlace(gone, 1, 1)[0]
	cPath, cToken := splitLink(t, cancelled)
	if r := in.do("DELETE", "/api/v1"+cPath+"?token="+cToken, nil); r.status != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}

	in.page("/booking-link").mustContain(t, `id="page-heading">Get the link to your booking again</h1>`, `name="email"`)
	in.page("/bookings/"+ref).mustContain(t, `href="/booking-link"`)

	after := in.env.lastOutboxID()
	r := in.form("/booking-link", url.Values{"email": {" RESIDENT1@example.org "}})
	if r.status != http.StatusOK {
		t.Fatalf("send: %d %s", r.status, r.body)
	}
	r.mustContain(t, `id="page-heading">Check your email</h1>`, "RESIDENT1@example.org")
	links := in.env.linkTokens(booking.MsgBookingLink, after)
	entries := in.env.linkTokens(booking.MsgWaitlistLink, after)
	if len(links) != 1 || links[ref] == "" {
		t.Fatalf("booking links %v, want one for %s", links, ref)
	}
	var entry string
	for k := range entries {
		entry = k
	}
	if len(entries) != 1 || entry == "" {
		t.Fatalf("waiting-list links %v, want one", entries)
	}
	// The fresh link and the old one both open the booking; the fresh one
	// opens nothing else.
	in.page("/bookings/"+ref+"?token="+links[ref]).mustContain(t, `id="page-heading">Your booking</h1>`)
	in.page("/bookings/"+ref+"?token="+oldToken).mustContain(t, `id="page-heading">Your booking</h1>`)
	if r := in.page(cPath + "?token=" + links[ref]); r.status != http.StatusNotFound {
		t.Errorf("a fresh link opened another booking: %d", r.status)
	}
	if r := in.page("/waitlist/" + entry + "?token=" + entries[entry]); r.status != http.StatusOK {
		t.Errorf("waiting-list link: %d %s", r.status, r.body)
	}
	if r := in.do("GET", "/api/v1/bookings/"+ref, nil, "Authorization", "Bearer "+links[ref]); r.status != http.StatusOK {
		t.Errorf("API with the fresh link: %d %s", r.status, r.body)
	}

	// Nobody: the same page, no email.
	after = in.env.lastOutboxID()
	nobody := in.form("/booking-link", url.Values{"email": {"RESIDENT1@example.com"}})
	if nobody.status != http.StatusOK || strings.ReplaceAll(nobody.text(), "RESIDENT1@example.com", "RESIDENT1@example.org") != r.text() {
		t.Errorf("an address without bookings gets another answer: %d\n%s", nobody.status, nobody.text())
	}
	if n := in.env.lastOutboxID(); n != after {
		t.Errorf("emails queued for an address without bookings")
	}

	// A malformed address is refused with the error next to the field.
	bad := in.form("/booking-link", url.Values{"email": {"not an address"}})
	if bad.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad address: %d", bad.status)
	}
	bad.mustContain(t, "Enter an email address in the correct format", `href="#email"`)

	// The API: the same, in JSON.
	api := in.do("POST", "/api/v1/booking-links", map[string]any{"email": "resident1@example.org"})
	if api.status != http.StatusAccepted || api.json(t)["status"] != "sent" {
		t.Fatalf("API: %d %s", api.status, api.body)
	}
	if r := in.do("POST", "/api/v1/booking-links", map[string]any{"email": "x"}); r.status != http.StatusUnprocessableEntity || r.errorCode() != "invalid" {
		t.Errorf("API bad address: %d %s", r.status, r.body)
	}
}

// One address is sent links a few times at most, whoever asks: the fourth
// request within ten minutes, from another client, is refused.
func TestBookingLinksRateLimitedPerAddress(t *testing.T) {
	e := newEnv(t)
	in := e.startLimited(e.rdb)
	email := fmt.Sprintf("limit-%d@example.org", rand.Int64())
	for i := 0; i < 3; i++ {
		r := in.form("/booking-link", url.Values{"email": {email}}, "X-Forwarded-For", clientAddress())
		if r.status != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, r.status, r.body)
		}
	}
	r := in.form("/booking-link", url.Values{"email": {email}}, "X-Forwarded-For", clientAddress())
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("fourth request: %d %q", r.status, r.header.Get("Retry-After"))
	}
	r.mustContain(t, "We have sent links to this address several times")
	// Another address from the same clients is not held back.
	if r := in.form("/booking-link", url.Values{"email": {"other-" + email}}, "X-Forwarded-For", clientAddress()); r.status != http.StatusOK {
		t.Fatalf("another address: %d", r.status)
	}
	// And one client is held to its own limit, whatever the addresses.
	me := clientAddress()
	limited := false
	for i := 0; i < 8 && !limited; i++ {
		r := in.form("/booking-link", url.Values{"email": {fmt.Sprintf("c%d-%s", i, email)}}, "X-Forwarded-For", me)
		limited = r.status == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatal("one client asked for 8 addresses' links in a minute")
	}
}

// latestVerifyToken is the token of the newest verification email of a booking.
func (in *instance) latestVerifyToken(t *testing.T, reference string) string {
	t.Helper()
	var token string
	err := in.db.Pool.QueryRow(context.Background(), `
		SELECT o.payload->>'token' FROM outbox o JOIN bookings b ON b.id = o.booking_id
		WHERE b.reference = $1 AND o.kind = $2 ORDER BY o.id DESC LIMIT 1`, reference, booking.MsgStaffVerification).Scan(&token)
	if err != nil || token == "" {
		t.Fatalf("verification token: %q %v", token, err)
	}
	return token
}

// "Send the link again" on the staff "Check your email" page: a new link,
// the old one no longer works, the deadline is the same; once confirmed,
// there is nothing to send.
func TestStaffSendTheLinkAgain(t *testing.T) {
	in := startStaff(t)
	sid := in.session(in.workshop("workforce"), 5, 0)
	sent, ref := in.staffBook(t, sid, "Sam Patel", "sam.patel@coventry.gov.uk")
	sent.mustContain(t, `id="resend"`, "Send the link again")
	first := in.latestVerifyToken(t, ref)
	deadline := between(sent.text(), `id="sent-until">`, "</strong>")

	r := in.form("/staff/bookings/"+ref+"/resend", hidden(sent.text()))
	again := in.page(r.location(t))
	again.mustContain(t, `id="resent-banner"`, "We have sent the link again", deadline)
	if n := in.emails(t, ref, booking.MsgStaffVerification); n != 2 {
		t.Fatalf("%d verification emails, want 2", n)
	}
	second := in.latestVerifyToken(t, ref)
	if second == first {
		t.Fatal("the same link was sent again")
	}
	if r := in.page("/staff/verify/" + first); r.status != http.StatusNotFound {
		t.Errorf("the first link still works: %d", r.status)
	}
	if r := in.form("/staff/verify/"+second, nil); r.status != http.StatusSeeOther {
		t.Fatalf("the new link: %d %s", r.status, r.body)
	}
	if st := in.status(t, ref); st != booking.Confirmed {
		t.Fatalf("status %s", st)
	}
	// Confirmed: nothing more to send, and a clear answer.
	r = in.form("/staff/bookings/"+ref+"/resend", hidden(sent.text()))
	if r.status != http.StatusNotFound && r.status != http.StatusConflict {
		t.Fatalf("resend after confirming: %d %s", r.status, r.body)
	}
	if n := in.emails(t, ref, booking.MsgStaffVerification); n != 2 {
		t.Fatalf("%d verification emails after confirming, want 2", n)
	}
}
