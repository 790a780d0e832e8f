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

// browser is one person's browser over an instance: it keeps the cookies
// the service sets, as a browser would.
type browser struct {
	in      *instance
	cookies map[string]string
}

func (in *instance) browser() *browser { return &browser{in: in, cookies: map[string]string{}} }

func (b *browser) header() []string {
	var parts []string
	for k, v := range b.cookies {
		parts = append(parts, k+"="+v)
	}
	h := []string{"Accept", "text/html"}
	if len(parts) > 0 {
		h = append(h, "Cookie", strings.Join(parts, "; "))
	}
	return h
}

func (b *browser) keep(r response) response {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return r
}

func (b *browser) page(path string) response {
	return b.keep(b.in.do("GET", path, nil, b.header()...))
}

func (b *browser) form(path string, v url.Values) response {
	return b.keep(b.in.form(path, v, b.header()...))
}

// lastPlace is a session with one place, in person.
func lastPlace(t *testing.T) (in *instance, workshop, sessionID int64, session string) {
	in = newEnv(t).start(nil)
	workshop = in.workshop("public")
	sessionID = in.session(workshop, 1, 0)
	return in, workshop, sessionID, "/sessions/" + itoa(sessionID)
}

// At the last place, the person holding it is never told the session is
// full: back, a reload, the session page opened again or the form sent
// again all show their own place, with the time left and a way to go on
// or give it up. Everyone else is told it is full.
func TestHeldLastPlaceStaysYours(t *testing.T) {
	in, w, sid, session := lastPlace(t)

	ann := in.browser()
	detailsURL := ann.form(session, url.Values{"mode": {"in_person"}}).location(t)
	if ann.cookies["workshops_hold"] == "" {
		t.Fatalf("no hold cookie set: %v", ann.cookies)
	}
	ann.page(detailsURL).mustContain(t, "Time left:")

	// The browser's back button (the session page again, with the cookie),
	// the page's own Back link (which names the hold), and a reload.
	for _, path := range []string{session, linkByID(t, ann.page(detailsURL), "back-link"), session} {
		r := ann.page(path)
		r.mustContain(t, `id="page-heading">You are holding a place in this session</h1>`, "Time left:",
			`href="`+detailsURL+`"`, `id="give-up"`, `id="hold-lapsed" data-hold-lapsed hidden>`)
		r.hasNot(t, "This session is full", "There are no places left", `id="lapsed-banner"`)
	}
	in.page("/workshops/"+itoa(w)).mustContain(t, "Full: no places left")
	ann.page("/workshops/"+itoa(w)).mustContain(t, "Continue with the place you hold", "We are holding a place for you")
	ann.page("/workshops/"+itoa(w)).hasNot(t, "Full: no places left")

	// Someone else finds it full.
	in.page(session).mustContain(t, "This session is full")
	if r := in.browser().form(session, url.Values{"mode": {"in_person"}}); r.status != http.StatusConflict {
		t.Fatalf("a second person took the held last place: %d", r.status)
	}

	// The form sent again (a page the back button showed from before) is
	// the same place, not a second one, and not "full".
	if again := ann.form(session, url.Values{"mode": {"in_person"}}).location(t); again != detailsURL {
		t.Fatalf("sent again: %q, want the held place %q", again, detailsURL)
	}
	if n := in.svc.Holds.Held(context.Background(), sid, booking.InPerson, in.env.clock.Now()); n != 1 {
		t.Fatalf("%d holds, want 1", n)
	}

	// Book it: the cookie goes, the place is booked.
	v := details("Ann Lee")
	check := ann.form(holdAction(detailsURL, "details"), v)
	ann.form(holdAction(detailsURL, "confirm"), hidden(check.text())).location(t)
	if _, ok := ann.cookies["workshops_hold"]; ok {
		t.Fatal("the hold cookie outlived the booking")
	}
	if live, _ := in.env.counts(sid); live["in_person"] != 1 {
		t.Fatalf("live bookings %v", live)
	}
}

// Giving the place up frees it at once and says so.
func TestGiveUpHeldPlace(t *testing.T) {
	in, _, _, session := lastPlace(t)

	ann := in.browser()
	ann.form(session, url.Values{"mode": {"in_person"}}).location(t)
	r := ann.form(session+"/release", hidden(ann.page(session).text()))
	if loc := r.location(t); loc != session+"?released=yes" {
		t.Fatalf("released to %q", loc)
	}
	if _, ok := ann.cookies["workshops_hold"]; ok {
		t.Fatal("the hold cookie outlived giving the place up")
	}
	r = ann.page(session + "?released=yes")
	r.mustContain(t, "You have given up the place we were holding for you", "You will take part in person", "1 place left")
	// The place is free for the next person.
	in.browser().form(session, url.Values{"mode": {"in_person"}}).location(t)
}

// A lapsed hold says so once, plainly, and the person can try again; the
// details page never says both "holding" and "run out".
func TestLapsedHoldSaysSoOnce(t *testing.T) {
	in, _, _, session := lastPlace(t)

	ann := in.browser()
	detailsURL := ann.form(session, url.Values{"mode": {"in_person"}}).location(t)
	in.env.clock.Advance(11 * time.Minute)

	r := ann.page(detailsURL)
	r.mustContain(t, "The time we held your place for ran out at")
	r.hasNot(t, "We are holding a place", "Time left", "no time")

	r = ann.page(session)
	r.mustContain(t, `id="lapsed-banner"`, "The time we held your place for ran out at", "You can try again below", "1 place left")
	r.hasNot(t, "You are holding a place")
	if _, ok := ann.cookies["workshops_hold"]; ok {
		t.Fatal("the lapsed hold is still remembered: it would be said again")
	}
	ann.page(session).hasNot(t, "ran out")

	// Trying again holds the place anew, and it can be booked.
	detailsURL = ann.form(session, url.Values{"mode": {"in_person"}}).location(t)
	check := ann.form(holdAction(detailsURL, "details"), details("Ann Lee"))
	ann.page(ann.form(holdAction(detailsURL, "confirm"), hidden(check.text())).location(t)).mustContain(t, "Booking confirmed")
}
