package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// Duplicating a session: the new session form filled in from it, the date
// left to choose; saved, it is a new session of the same workshop with the
// same times of day, venue, places and joining link, and nobody booked.
func TestDuplicatingASession(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	cookie := in.signIn(in.addOrganiser("organiser@coventry.gov.uk", booking.RoleAdmin))
	w := in.workshop("public")
	start := e.tenAM(7)
	orig := in.sessionAt(w, start, 12, 8)
	in.book(orig, 1)

	in.orgPage(cookie, "/admin/sessions/"+itoa(orig)).has(t, `href="/admin/sessions/`+itoa(orig)+`/duplicate"`)
	r := in.orgPage(cookie, "/admin/sessions/"+itoa(orig)+"/duplicate")
	if r.status != http.StatusOK {
		t.Fatalf("duplicate: %d %s", r.status, r.body)
	}
	r.has(t, "Duplicate the session", `action="/admin/workshops/`+itoa(w)+`/sessions"`, `id="copied-from"`,
		`name="date-day" type="text" inputmode="numeric" value=""`, `name="start_time"`, `value="10:00"`, `value="12:00"`,
		`value="Council House"`, `value="12"`, `value="8"`, `value="https://teams.microsoft.com/l/meetup-join/test"`)

	later := e.tenAM(14)
	form := sessionForm(later, later.Add(2*time.Hour), "Council House", "Earl Street, Coventry CV1 5RR",
		"https://teams.microsoft.com/l/meetup-join/test", 12, 8)
	r = in.orgForm(cookie, "/admin/workshops/"+itoa(w)+"/sessions", form)
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasSuffix(loc, "?done=session") {
		t.Fatalf("save: %d to %q: %s", r.status, loc, r.body)
	}
	id, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(loc, "/admin/sessions/"), "?done=session"), 10, 64)
	if err != nil || id == orig {
		t.Fatalf("new session %q", loc)
	}
	a, b := in.sessionOf(t, orig), in.sessionOf(t, id)
	if b.WorkshopID != a.WorkshopID || b.Venue != a.Venue || b.OnlineURL != a.OnlineURL ||
		b.PlacesFor(booking.InPerson).Capacity != 12 || b.PlacesFor(booking.Online).Capacity != 8 ||
		b.PlacesFor(booking.InPerson).Booked != 0 || !b.StartsAt.Equal(later) {
		t.Errorf("duplicate %+v of %+v", b, a)
	}
}

// Where the service makes a Teams meeting for each session, the copy's
// link is left empty, so it gets a meeting of its own.
func TestDuplicatingASessionWithTeamsMeetingsMadeForIt(t *testing.T) {
	_, in, _, w, _, body := withTeams(t)
	r := in.admin("POST", "/api/v1/admin/workshops/"+itoa(w)+"/sessions", body)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	orig := int64(r.json(t)["id"].(float64))
	d := in.orgPage("", "/admin/sessions/"+itoa(orig)+"/duplicate")
	d.has(t, "A new Microsoft Teams meeting is made for it", `name="online_url" type="url" value=""`)
	if link := in.sessionOf(t, orig).OnlineURL; link == "" || strings.Contains(string(d.body), link) {
		t.Errorf("the first session's own meeting %q is offered to the copy", link)
	}
}

func (in *instance) sessionOf(t *testing.T, id int64) *booking.Session {
	t.Helper()
	s, err := in.svc.Session(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
