package attendance_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/coventry/workshops/attendance"
)

// go test -run '^$' -bench . -benchmem ./attendance/
// (the numbers are in docs/BENCHMARKS.md, "Attendance lists")

// BenchmarkWritePDF1000: a fifth of the names in the scripts of
// scriptNames, every font in use.
func BenchmarkWritePDF1000(b *testing.B) {
	l := list(1000)
	for i := 0; i < len(l.Attendees); i += 5 {
		l.Attendees[i].Name = scriptNames[i/5%len(scriptNames)]
	}
	sh := attendance.NewSheet("Coventry City Council", l, start)
	fonts := sheetFonts(b)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := attendance.WritePDF(&buf, sh, fonts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len())/1024, "KiB/pdf")
}

func BenchmarkWriteCSV1000(b *testing.B) {
	l := list(1000)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := attendance.WriteCSV(&buf, l); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewSheet1000(b *testing.B) {
	l := list(1000)
	b.ReportAllocs()
	for b.Loop() {
		attendance.NewSheet("Coventry City Council", l, start.Add(-time.Hour))
	}
}
