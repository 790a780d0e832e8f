package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// A venue reads the same on every page that shows it: the name, then each
// line of the address, one to a line (the venue partial), never the name
// and the address run together on one line.
func TestAVenueReadsTheSameOnEveryPage(t *testing.T) {
	in := newEnv(t).start(nil)
	w := in.workshop("public")
	start := in.env.clock.Now().Add(7 * 24 * time.Hour).UTC()
	r := in.admin("POST", "/api/v1/admin/workshops/"+itoa(w)+"/sessions", map[string]any{
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339),
		"venue":      map[string]any{"name": "Foleshill Library", "address": "Broad Street\n\n  Coventry CV6 5BG  "},
		"capacity":   map[string]any{"in_person": 2, "online": 2},
		"online_url": "https://teams.microsoft.com/l/meetup-join/test",
	})
	if r.status != http.StatusCreated {
		t.Fatalf("create session: %d %s", r.status, r.body)
	}
	sid := int64(r.json(t)["id"].(float64))
	const venue = "Foleshill Library<br>Broad Street<br>Coventry CV6 5BG"

	online, token, err := in.svc.Book(context.Background(), sid, booking.Online, booking.Public,
		booking.Details{Name: "Alan Turing", Email: "alan@example.org", Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	confirmed, confirmedURL := in.bookThroughPages(t, sid, "in_person", "Ada Lovelace")
	ref := between(confirmedURL, "/bookings/", "/confirmed")
	manageURL := "/bookings/" + ref + "?token=" + between(confirmedURL, "token=", "&")
	// Someone online sees the venue while a place in person is free to switch to.
	switchPage := in.page("/bookings/" + online.Reference + "/switch?token=" + token)
	in.bookPerson(sid, booking.InPerson, "Grace Hopper", "grace@example.org")
	wl := waitlistForm("Bo Diddley", "bo@example.org")
	wl.Set("mode", "in_person")
	entry := in.wlSubmit("/sessions/"+itoa(sid)+"/waitlist", wl).location(t)

	pages := map[string]response{
		"workshop page":       in.page("/workshops/" + itoa(w)),
		"confirmation":        confirmed,
		"manage":              in.page(manageURL),
		"waiting-list page":   in.wlPage(entry),
		"organiser session":   in.admin("GET", "/admin/sessions/"+itoa(sid), nil),
		"organiser booking":   in.admin("GET", "/admin/bookings/"+ref, nil),
		"switch to in person": switchPage,
	}
	for name, r := range pages {
		if r.status != http.StatusOK {
			t.Errorf("%s: status %d", name, r.status)
			continue
		}
		if !strings.Contains(r.text(), venue) {
			t.Errorf("%s does not show the venue as %q:\n%s", name, venue, r.body)
		}
		if strings.Contains(r.text(), "Foleshill Library, Broad Street") || strings.Contains(r.text(), "Foleshill Library<br>Broad Street\n") {
			t.Errorf("%s shows the venue another way", name)
		}
	}
}
