package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/web"
)

// An online-only session says how people will take part instead of asking
// them to tick the only radio, and the details form's access-needs hint
// speaks of joining online: a phone or browser, captions, whom to ask.
func TestOnlinePlacesReadAsOnline(t *testing.T) {
	in := newEnv(t).start(nil).withConfig(web.Config{OrganiserEmail: "engagement@coventry.gov.uk"})
	w := in.workshop("public")
	sid := in.session(w, 0, 5)

	r := in.page("/sessions/" + itoa(sid))
	r.mustContain(t, "<title>You will take part online – ", `id="page-heading">You will take part online</h1>`,
		`<input type="hidden" name="mode" value="online">`, "This session is online only, in Microsoft Teams. 5 places left.",
		"You can join from a phone, tablet or computer, in a web browser or the Microsoft Teams app.", "live captions")
	if strings.Contains(r.text(), `name="mode" type="radio"`) {
		t.Errorf("an online-only session asks which way:\n%s", r.body)
	}

	// Continue posts the one way; "Your details" hints at joining online.
	v := hidden(r.text())
	r = in.form("/sessions/"+itoa(sid), v)
	detailsURL := r.location(t)
	r = in.page(detailsURL)
	r.mustContain(t, "Tell us anything that would help you take part online, like live captions, a British Sign Language interpreter or help to join.",
		"You can join from a phone, tablet or computer, in a web browser or the Microsoft Teams app. For help to join, email engagement@coventry.gov.uk")
	if strings.Contains(r.text(), "step-free") || strings.Contains(r.text(), "hearing loop") {
		t.Error("the online access-needs hint speaks of the room")
	}
	// "Check your answers" offers no change of a way there is no other of.
	v = hidden(r.text())
	for k, vals := range details("Ada Lovelace") {
		v[k] = vals
	}
	r = in.form(holdAction(detailsURL, "details"), v)
	r.mustContain(t, `id="check-mode">Online (Microsoft Teams)`)
	if strings.Contains(r.text(), `id="change-mode"`) {
		t.Error("check your answers offers to change the only way of taking part")
	}
	if r := in.form(holdAction(detailsURL, "confirm"), hidden(r.text())); r.status != http.StatusSeeOther {
		t.Fatalf("booking: %d %s", r.status, r.body)
	}
	if live, _ := in.env.counts(sid); live["online"] != 1 {
		t.Errorf("booked %v, want one online", live)
	}

	// In person, the hint still speaks of the room.
	in.page(in.startHold(t, in.session(w, 1, 1), "in_person")).mustContain(t, "like step-free access, a hearing loop")
	hybrid := in.session(w, 1, 1)

	// A hybrid session with the room full says the places left are online,
	// and offers the room's waiting list.
	in.bookPerson(hybrid, booking.InPerson, "Grace Hopper", "grace@example.org")
	r = in.page("/sessions/" + itoa(hybrid))
	r.mustContain(t, `id="page-heading">You will take part online</h1>`, "The places left are online, in Microsoft Teams.",
		">Join the waiting list to take part in person</a>")
	// An in-person-only session says where.
	r = in.page("/sessions/" + itoa(in.session(w, 3, 0)))
	r.mustContain(t, `id="page-heading">You will take part in person</h1>`, "This session is in person only, at:",
		`id="session-venue">Council House<br>Earl Street, Coventry CV1 5RR</p>`, "3 places left.")
	// Two ways with places: still asked.
	in.page("/sessions/"+itoa(in.session(w, 3, 3))).mustContain(t, "How would you like to take part?", `type="radio"`)
}
