package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// TestAttendanceChangesAreAudited: with accounts on (and the audited store
// in front, as workshopd runs), ticking in, no-shows, exports and erasures
// are in the audit log in the organiser's name, without personal data.
func TestAttendanceChangesAreAudited(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 5, 5)
	b := in.bookPerson(sid, booking.InPerson, "Zoë O'Neill-Łukasz", "zoe@example.org")
	e.clock.Advance(7 * 24 * time.Hour)
	if r := in.admin("POST", "/api/v1/admin/bookings/"+b.Reference+"/attendance", map[string]any{"attended": true}); r.status != http.StatusOK {
		t.Fatalf("tick in: %d %s", r.status, r.body)
	}
	e.clock.Advance(3 * time.Hour)
	if r := in.admin("POST", "/api/v1/admin/sessions/"+itoa(sid)+"/no-shows", nil); r.status != http.StatusOK {
		t.Fatalf("no-shows: %d %s", r.status, r.body)
	}
	if r := in.admin("GET", "/api/v1/admin/people?email=zoe@example.org", nil); r.status != http.StatusOK {
		t.Fatalf("export: %d %s", r.status, r.body)
	}
	if r := in.admin("DELETE", "/api/v1/admin/people?email=zoe@example.org", nil); r.status != http.StatusOK {
		t.Fatalf("erase: %d %s", r.status, r.body)
	}

	rows, err := in.db.Pool.Query(context.Background(), `
		SELECT action, subject_type, subject_id, actor, coalesce(before::text, ''), coalesce(after::text, '')
		FROM audit_log WHERE action LIKE 'booking.attendance' OR action LIKE 'session.no_shows' OR action LIKE 'person.%'
		ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var action, subject, id, actor, before, after string
		if err := rows.Scan(&action, &subject, &id, &actor, &before, &after); err != nil {
			t.Fatal(err)
		}
		got = append(got, action+" "+subject+" "+id+" "+actor)
		for _, personal := range []string{"zoe@example.org", "Zoë", "Łukasz"} {
			if strings.Contains(before+after+id, personal) {
				t.Errorf("audit entry %s keeps %q: %s %s", action, personal, before, after)
			}
		}
		if action == booking.AuditBookingAttendance && (!strings.Contains(before, `"attended": null`) && !strings.Contains(before, `"attended":null`) ||
			!strings.Contains(after, `"attended": true`) && !strings.Contains(after, `"attended":true`)) {
			t.Errorf("attendance entry before %s after %s", before, after)
		}
	}
	want := []string{
		"booking.attendance booking " + b.Reference + " api-token",
		"session.no_shows session " + itoa(sid) + " api-token",
		"person.export person  api-token",
		"person.erase person  api-token",
	}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Errorf("audit log:\n got %q\nwant %q", got, want)
	}
}
