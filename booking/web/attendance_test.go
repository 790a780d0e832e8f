package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/internal/testenv"
)

// The names the issue asks every list to survive.
var awkwardNames = testenv.AwkwardNames

// bookPerson books a place through the service (real Postgres and Redis)
// and returns the booking.
func (in *instance) bookPerson(sessionID int64, mode booking.Mode, name, email string) *booking.Booking {
	in.env.t.Helper()
	b, _, err := in.svc.Book(context.Background(), sessionID, mode, booking.Public, booking.Details{
		Name: name, Email: email, Organisation: "Foleshill Women's Training", Consent: true,
		AccessNeeds: "Step-free access\nHearing loop",
	})
	if err != nil {
		in.env.t.Fatalf("book %s: %v", email, err)
	}
	return b
}

// bigSession makes a session with 200 people in person and 100 online,
// among them two of each awkward name.
func (in *instance) bigSession() (sessionID int64, names []string) {
	in.env.t.Helper()
	sessionID = in.session(in.workshop("public"), 200, 100)
	for i := 0; i < 300; i++ {
		name := fmt.Sprintf("Sam%03d Surname%03d", i, i)
		if i < 2*len(awkwardNames) {
			name = awkwardNames[i%len(awkwardNames)]
		}
		mode := booking.InPerson
		if i > 200 || i == 2 { // one Zoë online, and 100 online in all
			mode = booking.Online
		}
		in.bookPerson(sessionID, mode, name, fmt.Sprintf("person%03d@example.org", i))
		names = append(names, name)
	}
	return sessionID, names
}

func TestAttendeesJSON(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 5, 5)
	in.bookPerson(sid, booking.InPerson, "Amy Zephaniah", "amy@example.org")
	in.bookPerson(sid, booking.Online, "zoë o'neill-łukasz", "zoe@example.org")
	in.bookPerson(sid, booking.InPerson, "Ölaf Abbott", "olaf@example.org")
	gone := in.bookPerson(sid, booking.InPerson, "Gone Away", "gone@example.org")
	if _, _, err := in.db.CancelBooking(context.Background(), gone.Reference, e.clock.Now()); err != nil {
		t.Fatal(err)
	}

	r := in.admin("GET", "/api/v1/admin/sessions/"+itoa(sid)+"/attendees", nil)
	if r.status != http.StatusOK {
		t.Fatalf("attendees: %d %s", r.status, r.body)
	}
	body := r.json(t)
	if s, _ := body["session"].(map[string]any); s == nil || int64(s["id"].(float64)) != sid {
		t.Errorf("session = %v", body["session"])
	}
	people, _ := body["attendees"].([]any)
	var got []string
	for _, p := range people {
		m := p.(map[string]any)
		got = append(got, m["name"].(string))
		for _, k := range []string{"reference", "name", "email", "organisation", "mode", "access_needs", "status", "attended"} {
			if _, ok := m[k]; !ok {
				t.Errorf("attendee lacks %q: %v", k, m)
			}
		}
	}
	want := []string{"Ölaf Abbott", "zoë o'neill-łukasz", "Amy Zephaniah"}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Errorf("attendees %q, want %q: by surname, names as typed, cancelled left out", got, want)
	}

	for path, want := range map[string]int{
		"/api/v1/admin/sessions/999999/attendees":       http.StatusNotFound,
		"/api/v1/admin/sessions/not-a-number/attendees": http.StatusNotFound,
		"/api/v1/admin/sessions/-1/attendees.csv":       http.StatusNotFound,
		"/api/v1/admin/sessions/999999/attendees.pdf":   http.StatusNotFound,
	} {
		if r := in.admin("GET", path, nil); r.status != want || r.errorCode() != "not_found" {
			t.Errorf("GET %s: %d %s, want %d", path, r.status, r.body, want)
		}
	}
	if r := in.do("GET", "/api/v1/admin/sessions/"+itoa(sid)+"/attendees", nil); r.status != http.StatusUnauthorized {
		t.Errorf("without credentials: %d", r.status)
	}
}

// TestAttendanceListsOf300 is the proof: the printable page, the
// CSV and the PDF of a session of 300 with awkward names.
func TestAttendanceListsOf300(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sid, names := in.bigSession()
	base := "/api/v1/admin/sessions/" + itoa(sid)

	t.Run("printable page", func(t *testing.T) {
		r := in.admin("GET", "/admin/sessions/"+itoa(sid)+"/attendance", nil)
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Fatalf("page: %d %s", r.status, r.header.Get("Content-Type"))
		}
		page := string(r.body)
		if strings.Contains(page, "<script>alert(1)</script>") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Error("the name <script>alert(1)</script> is not escaped")
		}
		cells := tableCells(t, r.body)
		for _, n := range names {
			if cells[n] == 0 {
				t.Errorf("name %q is not in the table", n)
			}
		}
		if cells[awkwardNames[2]] != 2 {
			t.Errorf("%q is in %d cells, want 2", awkwardNames[2], cells[awkwardNames[2]])
		}
		online := strings.Index(page, `id="section-online"`)
		if online < 0 || strings.Index(page, `id="section-in_person"`) > online {
			t.Error("online people are not in their own section after the in person one")
		}
		for _, want := range []string{"One Coventry Plan: have your say", "Council House", "Booked: 200 in person, 100 online",
			`>Signature</th>`, `class="app-sheet__box"`, `/admin/attendance-assets/attendance.css`} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		css := in.admin("GET", "/admin/attendance-assets/attendance.css", nil)
		for _, want := range []string{"@page", "size: A4", "break-inside: avoid", "table-header-group", "break-before: page"} {
			if css.status != http.StatusOK || !strings.Contains(string(css.body), want) {
				t.Errorf("print styles lack %q (%d)", want, css.status)
			}
		}
	})

	t.Run("CSV", func(t *testing.T) {
		r := in.admin("GET", base+"/attendees.csv", nil)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("csv: %d %v", r.status, r.header)
		}
		rows := testenv.CSVRows(t, r.body)
		if len(rows) != 301 {
			t.Fatalf("%d rows", len(rows))
		}
		testenv.NoFormulas(t, rows[1:])
		got := map[string]int{}
		for _, row := range rows[1:] {
			got[row[1]]++
		}
		for _, n := range names {
			want := n
			if strings.HasPrefix(n, "=") {
				want = "'" + n
			}
			if got[want] == 0 {
				t.Errorf("name %q missing from the CSV", want)
			}
		}
	})

	t.Run("nothing personal in the logs", func(t *testing.T) {
		logs := e.logs.String()
		for _, n := range []string{"Surname1", "person001@example.org", "Łukasz", "alert(1)"} {
			if strings.Contains(logs, n) {
				t.Errorf("the logs hold %q", n)
			}
		}
	})

	t.Run("PDF", func(t *testing.T) {
		r := in.admin("GET", base+"/attendees.pdf", nil)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("pdf: %d %s", r.status, r.header.Get("Content-Type"))
		}
		pages := testenv.PDFPages(t, r.body)
		text := testenv.PDFText(t, r.body, "-raw")
		split := strings.Split(strings.TrimSuffix(text, "\f"), "\f")
		if len(split) != pages || pages < 10 {
			t.Fatalf("pdftotext read %d pages, pdfinfo counts %d", len(split), pages)
		}
		for i, p := range split {
			if !strings.Contains(p, fmt.Sprintf("Page %d of %d", i+1, pages)) || !strings.Contains(p, "One Coventry Plan: have your say") {
				t.Errorf("page %d lacks its header or number", i+1)
			}
		}
		flat := strings.Join(strings.Fields(text), "")
		for _, n := range names {
			if !strings.Contains(flat, strings.Join(strings.Fields(n), "")) {
				t.Errorf("name %q missing from the PDF", n)
			}
		}
	})
}

// tableCells counts the text of the first cell of every table row: the
// names, as a browser would show them after unescaping.
func tableCells(t *testing.T, body []byte) map[string]int {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "tr" {
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && c.Data == "td" {
					if c.FirstChild != nil && c.FirstChild.Type == html.TextNode {
						out[c.FirstChild.Data]++
					}
					break
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func TestMarkAttendanceAndCounts(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	wid := in.workshop("public")
	sid := in.session(wid, 5, 5)
	a := in.bookPerson(sid, booking.InPerson, "Ada Lovelace", "ada@example.org")
	b := in.bookPerson(sid, booking.Online, "Bo Online", "bo@example.org")
	in.bookPerson(sid, booking.InPerson, "Cy Absent", "cy@example.org")
	gone := in.bookPerson(sid, booking.InPerson, "Gone Away", "gone@example.org")
	if _, _, err := in.db.CancelBooking(context.Background(), gone.Reference, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	mark := func(ref string, body any) response {
		return in.admin("POST", "/api/v1/admin/bookings/"+ref+"/attendance", body)
	}

	// A week ahead is too early to tick anyone in.
	if r := mark(a.Reference, map[string]any{"attended": true}); r.status != http.StatusConflict {
		t.Errorf("a week early: %d %s, want 409", r.status, r.body)
	}
	e.clock.Advance(7 * 24 * time.Hour) // the session starts now

	for _, c := range []struct {
		name, ref string
		body      any
		status    int
		code      string
	}{
		{"not JSON", a.Reference, "attended=yes", 400, "invalid"},
		{"no attended", a.Reference, map[string]any{}, 422, "invalid"},
		{"null", a.Reference, map[string]any{"attended": nil}, 422, "invalid"},
		{"a string", a.Reference, map[string]any{"attended": "yes"}, 422, "invalid"},
		{"a number", a.Reference, `{"attended": 1}`, 422, "invalid"},
		{"an array", a.Reference, `[true]`, 400, "invalid"},
		{"unknown reference", "ZZZZ-ZZZZ", map[string]any{"attended": true}, 404, "not_found"},
		{"cancelled booking", gone.Reference, map[string]any{"attended": true}, 409, "conflict"},
		{"too large", a.Reference, `{"attended": true, "x": "` + strings.Repeat("x", 70<<10) + `"}`, 413, "too_large"},
	} {
		r := mark(c.ref, c.body)
		if r.status != c.status || r.errorCode() != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.status, r.body, c.status, c.code)
		}
	}
	if r := in.do("POST", "/api/v1/admin/bookings/"+a.Reference+"/attendance", map[string]any{"attended": true}); r.status != http.StatusUnauthorized {
		t.Errorf("without credentials: %d", r.status)
	}

	r := mark(strings.ToLower(a.Reference), map[string]any{"attended": true})
	if r.status != http.StatusOK || r.json(t)["attended"] != true || r.json(t)["reference"] != a.Reference {
		t.Fatalf("tick in: %d %s", r.status, r.body)
	}
	if r := mark(b.Reference, map[string]any{"attended": true}); r.status != http.StatusOK {
		t.Fatalf("tick in online: %d %s", r.status, r.body)
	}

	noShows := "/api/v1/admin/sessions/" + itoa(sid) + "/no-shows"
	if r := in.admin("POST", noShows, nil); r.status != http.StatusConflict {
		t.Errorf("no-shows during the session: %d %s, want 409", r.status, r.body)
	}
	e.clock.Advance(2 * time.Hour) // it has ended
	if r := in.admin("POST", noShows, nil); r.status != http.StatusOK || r.json(t)["marked"] != 1.0 {
		t.Errorf("no-shows: %d %s, want 1 marked", r.status, r.body)
	}
	if r := in.admin("POST", "/api/v1/admin/sessions/999999/no-shows", nil); r.status != http.StatusNotFound {
		t.Errorf("no-shows of no session: %d", r.status)
	}

	r = in.admin("GET", "/api/v1/admin/workshops/"+itoa(wid)+"/attendance", nil)
	if r.status != http.StatusOK {
		t.Fatalf("workshop counts: %d %s", r.status, r.body)
	}
	total, _ := r.json(t)["total"].(map[string]any)
	if total["booked"] != 3.0 || total["attended"] != 2.0 || total["no_show"] != 1.0 || total["unmarked"] != 0.0 {
		t.Errorf("workshop total = %v, want 3 booked, 2 attended, 1 no-show", total)
	}
	if r := in.admin("GET", "/api/v1/admin/workshops/999999/attendance", nil); r.status != http.StatusNotFound {
		t.Errorf("counts of no workshop: %d", r.status)
	}
	page := in.admin("GET", "/admin/workshops/"+itoa(wid)+"/attendance", nil)
	if page.status != http.StatusOK || !strings.Contains(string(page.body), `id="totals"`) {
		t.Errorf("workshop counts page: %d", page.status)
	}
}
