package postgres

import (
	"crypto/rand"
	"strings"
)

// referenceAlphabet leaves out 0, O, 1, I and L, which people misread when
// a reference is read out over the phone or copied from paper.
const referenceAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// newReference makes a booking reference such as "K7QX-M42P": 8 characters
// from referenceAlphabet, about 40 bits, drawn by crypto/rand. A variable so
// tests can force a collision.
var newReference = func() string {
	const n = 8
	// Rejection sampling keeps every character equally likely.
	limit := byte(256 - 256%len(referenceAlphabet))
	out := make([]byte, 0, n+1)
	buf := make([]byte, 16)
	for len(out) < n+1 {
		_, _ = rand.Read(buf) // never fails (crypto/rand doc)
		for _, c := range buf {
			if c >= limit || len(out) == n+1 {
				continue
			}
			if len(out) == 4 {
				out = append(out, '-')
			}
			out = append(out, referenceAlphabet[int(c)%len(referenceAlphabet)])
		}
	}
	return string(out)
}

// normalizeReference accepts a reference as people type it: any case, with
// or without the hyphen, with spaces. Anything that could never be a
// reference becomes "", which matches no row: so a stray byte (a NUL, which
// Postgres refuses in text) is not found rather than an error.
func normalizeReference(ref string) string {
	r := strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(ref)))
	if len(r) != 8 || strings.Trim(r, referenceAlphabet) != "" {
		return ""
	}
	return r[:4] + "-" + r[4:]
}
