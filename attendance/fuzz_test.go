package attendance_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/coventry/workshops/attendance"
)

// FuzzNeutraliseCell: a neutralised cell never starts with what makes a
// spreadsheet run it (= + - @, tab, CR, or their full-width forms), and
// nothing is lost: it is the cell itself, or a quote and the cell.
func FuzzNeutraliseCell(f *testing.F) {
	for _, s := range []string{"=SUM(A1)", "+44 24 7683 3333", "-1", "@cmd", "\t=1", "\r=1", "＝1", "'=1", "Ann", "", "\xff="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := attendance.NeutraliseCell(s)
		if got != s && got != "'"+s {
			t.Fatalf("NeutraliseCell(%q) = %q: changed more than a leading quote", s, got)
		}
		if r, _ := utf8.DecodeRuneInString(got); got != "" && strings.ContainsRune("=+-@\t\r＝＋－＠", r) {
			t.Fatalf("NeutraliseCell(%q) = %q still starts a formula", s, got)
		}
		if attendance.NeutraliseCell(got) != got {
			t.Fatalf("NeutraliseCell is not stable on %q", got)
		}
	})
}
