package web_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// TestParticipationOutlivesRetention: when retention removes a booking's
// details, the first half of its postcode is kept, so the counts by
// district still include it; the whole postcode is gone. A companion
// counts under their booker's postcode, before and after.
func TestParticipationOutlivesRetention(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	ctx := context.Background()
	w := in.workshop("public")
	sid := in.session(w, 10, 0)
	postcodes := []string{"cv6 5aa", "CV10 0AA", "W1A 0AX", "B15 2TT", ""}
	want := areaCounts{}
	refs := map[string]string{}
	for i, pc := range postcodes {
		p := person(i)
		p["mode"], p["postcode"] = "in_person", pc
		r := in.do("POST", "/api/v1/sessions/"+itoa(sid)+"/bookings", p)
		if r.status != http.StatusCreated {
			t.Fatalf("book %q: %d %s", pc, r.status, r.body)
		}
		refs[r.json(t)["reference"].(string)] = pc
		d := booking.PostcodeDistrict(pc)
		switch {
		case pc == "":
			want.add(booking.DistrictNone, 1, 0)
		case d == "CV6" || d == "CV10":
			want.add(d, 1, 0)
		default:
			want.add(booking.DistrictOutside, 1, 0)
		}
	}
	// A companion gives no postcode: they count under the postcode of the
	// person they came with.
	pair := map[string]any{"mode": "in_person", "name": "Pat", "email": "pat@example.org", "postcode": "CV6 1AB", "consent": true,
		"companion": map[string]any{"name": "Lee"}}
	if r := in.do("POST", "/api/v1/sessions/"+itoa(sid)+"/bookings", pair); r.status != http.StatusCreated {
		t.Fatalf("book a pair: %d %s", r.status, r.body)
	}
	want.add("CV6", 2, 0)
	before := in.admin("GET", "/api/v1/admin/participation?workshop="+itoa(w), nil)

	e.clock.Advance(8 * 24 * time.Hour)
	now := e.clock.Now()
	if n, err := in.db.AnonymiseEnded(ctx, now, now, 100); err != nil || n != len(postcodes)+2 {
		t.Fatalf("anonymised %d (%v), want %d", n, err, len(postcodes)+2)
	}
	for ref, pc := range refs {
		var postcode string
		var district *string
		if err := in.db.Pool.QueryRow(ctx, `SELECT postcode, postcode_district FROM bookings WHERE reference = $1`, ref).Scan(&postcode, &district); err != nil {
			t.Fatal(err)
		}
		if postcode != "" || district == nil || *district != booking.PostcodeDistrict(pc) {
			t.Errorf("%q after retention: postcode %q, district %v; want none and %q", pc, postcode, district, booking.PostcodeDistrict(pc))
		}
	}
	after := in.admin("GET", "/api/v1/admin/participation?workshop="+itoa(w), nil)
	if got := jsonAreaCounts(t, after.json(t)["districts"]); got.String() != want.String() {
		t.Errorf("districts after retention %v, want %v", got, want)
	}
	if was := jsonAreaCounts(t, before.json(t)["districts"]); was.String() != want.String() {
		t.Errorf("districts before retention %v, want %v", was, want)
	}
}
