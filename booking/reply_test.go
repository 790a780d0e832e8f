package booking

import "testing"

func TestSameAddress(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"ann@example.org", "ann@example.org", true},
		{"Ann@Example.ORG", "ann@example.org", true},
		{" ann@example.org", "ann@example.org", true},
		{"ann@bücher.example", "ann@xn--bcher-kva.example", true},
		{"ann@example.org", "ann@example.org.evil.test", false},
		{"ann@example.org", "anne@example.org", false},
		// The Kelvin sign folds to k in strings.EqualFold; a mailbox does not.
		{"\u212aate@example.org", "kate@example.org", false},
		{"ann@example.org", "ann@", false},
		{"", "", false},
	} {
		if got := SameAddress(c.a, c.b); got != c.same {
			t.Errorf("SameAddress(%q, %q) = %v, want %v", c.a, c.b, got, c.same)
		}
	}
}

func TestReferenceOfUID(t *testing.T) {
	for uid, want := range map[string]string{
		"booking-ABCD-2345@book.example.org":    "ABCD-2345",
		"booking-ABCD-2345@127.0.0.1":           "ABCD-2345",
		"session-12@book.example.org":           "",
		"booking-@book.example.org":             "",
		"booking-ABCD-2345":                     "",
		"040000008200E00074C5B7101A82E008@x.io": "",
	} {
		got, ok := ReferenceOfUID(uid)
		if got != want || ok != (want != "") {
			t.Errorf("ReferenceOfUID(%q) = %q, %v; want %q", uid, got, ok, want)
		}
	}
}
