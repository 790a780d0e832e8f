package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/coventry/workshops/booking"
)

// go test -run '^$' -bench Attendance -benchmem ./booking/web/
// (the numbers are in docs/BENCHMARKS.md, "Attendance lists")

// thousandBooked is a session of 700 people in person and 300 online.
func thousandBooked(b *testing.B) (*instance, int64) {
	e := newEnv(b)
	in := e.start(nil)
	sid := in.session(in.workshop("public"), 700, 300)
	for i := 0; i < 1000; i++ {
		mode := booking.InPerson
		if i%10 >= 7 {
			mode = booking.Online
		}
		in.bookPerson(sid, mode, fmt.Sprintf("Person%04d Surname%04d", i, 1000-i), fmt.Sprintf("p%04d@example.org", i))
	}
	return in, sid
}

func benchmarkGet(b *testing.B, in *instance, path, wantType string) {
	b.ReportAllocs()
	size := 0
	for b.Loop() {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		w := httptest.NewRecorder()
		in.handler.ServeHTTP(w, req)
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != wantType {
			b.Fatalf("%s: %d %s", path, w.Code, w.Header().Get("Content-Type"))
		}
		size = w.Body.Len()
	}
	b.ReportMetric(float64(size)/1024, "KiB/response")
}

// BenchmarkAttendancePage1000 is the printable page of 1,000 people, read
// from Postgres, sorted and rendered through the router.
func BenchmarkAttendancePage1000(b *testing.B) {
	in, sid := thousandBooked(b)
	benchmarkGet(b, in, "/admin/sessions/"+itoa(sid)+"/attendance", "text/html; charset=utf-8")
}

// BenchmarkAttendeesPDF1000 is the PDF sign-in sheet of 1,000 people,
// end to end.
func BenchmarkAttendeesPDF1000(b *testing.B) {
	in, sid := thousandBooked(b)
	benchmarkGet(b, in, "/api/v1/admin/sessions/"+itoa(sid)+"/attendees.pdf", "application/pdf")
}

// BenchmarkAttendeesCSV1000 is the CSV of 1,000 people, end to end.
func BenchmarkAttendeesCSV1000(b *testing.B) {
	in, sid := thousandBooked(b)
	benchmarkGet(b, in, "/api/v1/admin/sessions/"+itoa(sid)+"/attendees.csv", "text/csv; charset=utf-8")
}
