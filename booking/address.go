package booking

import (
	"strings"

	"golang.org/x/net/idna"
)

// Addresses are compared as mail systems compare them, not as text: the
// domain by its IDNA form (UTS #46 lookup), the local part only where the
// domain's own server would read it the same way. strings.ToLower and
// strings.EqualFold fold Unicode look-alikes into ASCII (the Kelvin sign
// U+212A becomes "k"), so they decide nothing here.

// mailDomain returns the ASCII (IDNA lookup) form of an email domain, and
// false for a domain that is not one or that only maps onto one: no
// Unicode case folding or compatibility mapping, only ASCII case. An
// internationalised domain is accepted as typed in its Unicode form
// (lower case) or its xn-- form.
func mailDomain(d string) (string, bool) {
	a, err := idna.Lookup.ToASCII(d)
	if err != nil || a == "" {
		return "", false
	}
	typed := asciiLower(d)
	if typed == a {
		return a, true
	}
	u, err := idna.Lookup.ToUnicode(a)
	if err != nil || u != typed {
		return "", false
	}
	return a, true
}

// staffLocalPart accepts the local part of a work address: ASCII letters,
// digits and . _ - + ' only. %, !, quotes, a second @ or a route (each a
// way to relay through the council's server to somewhere else) are refused,
// as is anything outside ASCII, which the council's mailboxes do not use.
func staffLocalPart(l string) bool {
	if l == "" || l[0] == '.' || l[len(l)-1] == '.' || strings.Contains(l, "..") {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '_', c == '-', c == '+', c == '\'':
		default:
			return false
		}
	}
	return true
}

// asciiLower lowers ASCII letters only.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
