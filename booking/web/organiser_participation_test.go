package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// areaCounts are the bookings and attendances of each row of a
// participation table, by the row's name.
type areaCounts map[string][2]int

func (a areaCounts) add(name string, booked, came int) {
	c := a[name]
	a[name] = [2]int{c[0] + booked, c[1] + came}
}

// pageAreaCounts reads the table with id table of a participation page.
func pageAreaCounts(t *testing.T, r response, table string) areaCounts {
	t.Helper()
	body := string(r.body)
	i := strings.Index(body, `<table class="govuk-table app-table--stack" id="`+table+`"`)
	if i < 0 {
		t.Fatalf("no table %s", table)
	}
	body = body[i : i+strings.Index(body[i:], "</table>")]
	out := areaCounts{}
	re := regexp.MustCompile(`<th scope="row" class="govuk-table__header">([^<]*)</th>\s*<td[^>]*data-label="Bookings">(\d+)</td>\s*<td[^>]*data-label="Came">(\d+)</td>`)
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		var b, c int
		fmt.Sscan(m[2], &b)
		fmt.Sscan(m[3], &c)
		out[htmlText(m[1])] = [2]int{b, c}
	}
	return out
}

func htmlText(s string) string {
	return strings.NewReplacer("&#39;", "'", "&amp;", "&", "&quot;", `"`).Replace(s)
}

func jsonAreaCounts(t *testing.T, v any) areaCounts {
	t.Helper()
	out := areaCounts{}
	for _, row := range v.([]any) {
		m := row.(map[string]any)
		out[m["name"].(string)] = [2]int{int(m["booked"].(float64)), int(m["attended"].(float64))}
	}
	return out
}

// without leaves out the rows of no bookings.
func (a areaCounts) without0() areaCounts {
	out := areaCounts{}
	for k, v := range a {
		if v != [2]int{} {
			out[k] = v
		}
	}
	return out
}

func (a areaCounts) String() string { return fmt.Sprintf("%v", map[string][2]int(a)) }

func TestParticipationByArea(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	ctx := context.Background()
	w := in.workshop("public")
	first, second, gone := in.session(w, 10, 10), in.session(w, 10, 0), in.session(w, 10, 0)

	districts, wards := areaCounts{}, areaCounts{}
	booked := 0
	n := 0
	book := func(sid int64, mode, postcode string) (ref, manage string) {
		t.Helper()
		n++
		p := person(n)
		p["mode"], p["postcode"] = mode, postcode
		r := in.do("POST", "/api/v1/sessions/"+itoa(sid)+"/bookings", p)
		if r.status != http.StatusCreated {
			t.Fatalf("book %q: %d %s", postcode, r.status, r.body)
		}
		return r.json(t)["reference"].(string), r.json(t)["manage_url"].(string)
	}
	refs := map[string]string{}
	for _, b := range []struct {
		session        int64
		mode, postcode string
		district       string
	}{
		{first, "in_person", "cv1 5rr", "CV1"},
		{first, "in_person", "CV1 6AB", "CV1"},
		{first, "online", " Cv6  5aa ", "CV6"},
		{second, "in_person", "CV10 0AA", "CV10"},
		{second, "in_person", "CV2 1AA", "CV2"},
		{first, "online", "B15 2TT", booking.DistrictOutside},
		{first, "online", "", booking.DistrictNone},
	} {
		refs[b.postcode], _ = book(b.session, b.mode, b.postcode)
		districts.add(b.district, 1, 0)
		wards.add(booking.WardNotAsked, 1, 0)
		booked++
	}
	// Not counted: a booking cancelled, the bookings of a session cancelled.
	_, manage := book(first, "in_person", "CV3 1AA")
	path, token := splitLink(t, manage)
	if r := in.do("DELETE", "/api/v1"+path+"?token="+token, nil); r.status != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	book(gone, "in_person", "CV4 1AA")
	if r := in.admin("POST", "/api/v1/admin/sessions/"+itoa(gone)+"/cancel", map[string]any{"reason": "The venue flooded."}); r.status != http.StatusOK {
		t.Fatalf("cancel session: %d %s", r.status, r.body)
	}
	// A booking whose details were removed after its session.
	removed, _ := book(second, "in_person", "CV5 1AA")
	if _, err := in.db.Pool.Exec(ctx, `UPDATE bookings SET name = '', email = '', postcode = '', anonymised_at = now() WHERE reference = $1`, removed); err != nil {
		t.Fatal(err)
	}
	districts.add(booking.DistrictRemoved, 1, 0)
	wards.add(booking.WardNotAsked, 1, 0)
	booked++
	mine := booked // this workshop's bookings

	// A ballot, in a workshop of its own: the area each applicant chose is
	// their booking's ward once the draw gives them a place.
	ballot := in.ballotSession(10, 0)
	for i, a := range []struct{ area, postcode, district string }{
		{"foleshill", "CV6 5AA", "CV6"}, {"foleshill", "", booking.DistrictNone},
		{"earlsdon", "CV5 6AA", "CV5"}, {booking.AreaOutside, "B15 2TT", booking.DistrictOutside},
	} {
		if _, err := in.svc.Apply(ctx, ballot, booking.ApplicationInput{Mode: booking.InPerson, Area: a.area, Details: booking.Details{
			Name: fmt.Sprintf("Applicant %d", i), Email: fmt.Sprintf("applicant%d@example.org", i), Postcode: a.postcode, Consent: true}}); err != nil {
			t.Fatalf("apply: %v", err)
		}
		area, _ := booking.AreaByID(a.area)
		wards.add(area.Name, 1, 0)
		districts.add(a.district, 1, 0)
		booked++
	}
	e.clock.Advance(25 * time.Hour)
	if r := in.admin("POST", "/api/v1/admin/sessions/"+itoa(ballot)+"/draw", map[string]any{"seed": "4 11 19 27 38 52"}); r.status != http.StatusOK {
		t.Fatalf("draw: %d %s", r.status, r.body)
	}

	// On the day: two came, one did not.
	e.clock.Advance(7*24*time.Hour - 25*time.Hour - time.Hour)
	for ref, came := range map[string]bool{refs["cv1 5rr"]: true, refs["CV1 6AB"]: true, refs[" Cv6  5aa "]: false} {
		if r := in.admin("POST", "/api/v1/admin/bookings/"+ref+"/attendance", map[string]any{"attended": came}); r.status != http.StatusOK {
			t.Fatalf("attendance: %d %s", r.status, r.body)
		}
	}
	districts.add("CV1", 0, 2)
	wards.add(booking.WardNotAsked, 0, 2)

	admin := in.signIn(in.addOrganiser("organiser@coventry.gov.uk", booking.RoleAdmin))
	r := in.orgPage(admin, "/admin/participation")
	if r.status != http.StatusOK {
		t.Fatalf("participation: %d %s", r.status, r.body)
	}
	if got := pageAreaCounts(t, r, "districts"); got.String() != districts.without0().String() {
		t.Errorf("districts\n got %v\nwant %v", got, districts.without0())
	}
	gotWards := pageAreaCounts(t, r, "wards")
	for _, a := range booking.Areas() {
		if _, ok := gotWards[a.Name]; !ok {
			t.Errorf("no row for %s", a.Name)
		}
	}
	if gotWards.without0().String() != wards.String() {
		t.Errorf("wards\n got %v\nwant %v", gotWards.without0(), wards)
	}
	r.has(t, fmt.Sprintf("%d bookings; attendance recorded for 3 of them, of which 2 came.", booked),
		`<svg id="chart-districts"`, `<svg id="chart-wards"`, `role="img"`, `aria-labelledby="chart-districts-title"`,
		">CV1</text>", fmt.Sprintf(">2 (%d%%)</text>", (200+booked/2)/booked), ">Foleshill</text>",
		`href="/admin/participation?workshop=`+itoa(w)+`"`, `href="/api/v1/admin/participation.csv"`, "bookings, not people")
	r.hasNot(t, ">CV3</th>", ">CV4</th>", ">Not asked</text>") // the chart of wards leaves out those not asked
	// CV districts by number, then the rest.
	order := regexp.MustCompile(`>(CV\d+|Outside the CV postcode area|No postcode given|Removed with the booking&#39;s details)</th>`).FindAllStringSubmatch(string(r.body), -1)
	var names []string
	for _, m := range order {
		names = append(names, htmlText(m[1]))
	}
	if want := []string{"CV1", "CV2", "CV5", "CV6", "CV10", booking.DistrictOutside, booking.DistrictNone, booking.DistrictRemoved}; fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("district order %q, want %q", names, want)
	}

	// One workshop: only its bookings.
	one := in.orgPage(admin, "/admin/participation?workshop="+itoa(w))
	if one.status != http.StatusOK {
		t.Fatalf("one workshop: %d", one.status)
	}
	one.has(t, fmt.Sprintf("%d bookings;", mine), `href="/api/v1/admin/participation.csv?workshop=`+itoa(w)+`"`)
	if got := pageAreaCounts(t, one, "districts"); got["CV6"] != [2]int{1, 0} || got["CV5"] != [2]int{} || got[booking.DistrictRemoved] != [2]int{1, 0} {
		t.Errorf("one workshop's districts: %v", got)
	}
	for _, bad := range []string{"abc", "0", "99999999"} {
		if r := in.orgPage(admin, "/admin/participation?workshop="+bad); r.status != http.StatusNotFound {
			t.Errorf("workshop %q: %d, want 404", bad, r.status)
		}
	}

	// The API and the CSV say the same.
	j := in.admin("GET", "/api/v1/admin/participation", nil)
	if j.status != http.StatusOK {
		t.Fatalf("api: %d %s", j.status, j.body)
	}
	body := j.json(t)
	if got := jsonAreaCounts(t, body["districts"]); got.String() != districts.without0().String() {
		t.Errorf("api districts %v", got)
	}
	if got := jsonAreaCounts(t, body["wards"]).without0(); got.String() != wards.String() {
		t.Errorf("api wards %v", got)
	}
	if body["booked"].(float64) != float64(booked) || body["attended"].(float64) != 2 || body["attendance_recorded"].(float64) != 3 {
		t.Errorf("api totals: %v %v %v", body["booked"], body["attended"], body["attendance_recorded"])
	}
	c := in.admin("GET", "/api/v1/admin/participation.csv?workshop="+itoa(w), nil)
	if c.status != http.StatusOK || !strings.HasPrefix(c.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(c.header.Get("Content-Disposition"), "participation-workshop-"+itoa(w)+".csv") {
		t.Fatalf("csv: %d %v", c.status, c.header)
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(c.body), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	csvDistricts := areaCounts{}
	for _, rec := range records[1:] {
		if rec[0] == "Postcode district" {
			var b, a int
			fmt.Sscan(rec[2], &b)
			fmt.Sscan(rec[3], &a)
			csvDistricts[rec[1]] = [2]int{b, a}
		}
	}
	if want := pageAreaCounts(t, one, "districts"); csvDistricts.String() != want.String() {
		t.Errorf("csv districts %v, want %v", csvDistricts, want)
	}

	// The session's attendees CSV has each booking's district.
	a := in.admin("GET", "/api/v1/admin/sessions/"+itoa(first)+"/attendees.csv", nil)
	records, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(string(a.body), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := len(records[0]) - 1
	if records[0][col] != "Postcode district" {
		t.Fatalf("attendees csv header %q", records[0])
	}
	got := map[string]string{}
	for _, rec := range records[1:] {
		got[rec[0]] = rec[col]
	}
	if got[refs["cv1 5rr"]] != "CV1" || got[refs[" Cv6  5aa "]] != "CV6" || got[refs["B15 2TT"]] != "B15" || got[refs[""]] != "" {
		t.Errorf("attendees csv districts %v", got)
	}
}
