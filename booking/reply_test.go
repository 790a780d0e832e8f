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
