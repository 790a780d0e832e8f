package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/coventry/workshops/booking"
)

func TestTheAccessNeedsSummaryForTheVenueTeam(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 10, 10)
	book := func(mode booking.Mode, name, email, needs string) {
		t.Helper()
		_, _, err := in.svc.Book(context.Background(), sid, mode, booking.Public, booking.Details{
			Name: name, Email: email, AccessNeeds: needs, Consent: true,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	book(booking.InPerson, "Ann Lee", "ann@example.org", "A BSL interpreter, please")
	book(booking.InPerson, "Bea Khan", "bea@example.org", "I use a wheelchair and need a hearing loop")
	book(booking.InPerson, "Cal Doe", "cal@example.org", "<b>Somewhere quiet</b>")
	book(booking.Online, "Dev Patel", "dev@example.org", "Live captions")
	book(booking.Online, "Eve Ng", "eve@example.org", "")

	r := in.orgPage("", "/admin/sessions/"+itoa(sid)+"/access-needs")
	if r.status != http.StatusOK {
		t.Fatalf("access needs: %d %s", r.status, r.body)
	}
	r.has(t, "4 of the 5 people booked told us about access needs.", "A BSL interpreter, please",
		"&lt;b&gt;Somewhere quiet&lt;/b&gt;", "Live captions", "data-print", ">Print this summary<", `href="/admin/sessions/`+itoa(sid)+`" id="session-link"`)
	r.hasNot(t, "<b>Somewhere", "Ann Lee", "Bea Khan", "ann@example.org")
	for kind, want := range map[string]string{
		"bsl": "1 0", "step_free": "1 0", "hearing_loop": "1 0", "quiet": "1 0", "captions": "0 1", "dog": "0 0",
	} {
		if got := kindRow(r, kind); got != want {
			t.Errorf("%s: %q, want %q", kind, got, want)
		}
	}
	in.orgPage("", "/admin/sessions/"+itoa(sid)).has(t, `href="/admin/sessions/`+itoa(sid)+`/access-needs"`)
}

// kindRow reads the in-person and online numbers of a kind's row.
func kindRow(r response, key string) string {
	body := string(r.body)
	start := strings.Index(body, `id="kind-`+key+`"`)
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
