package booking

import (
	"net/mail"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzDetails: what the name and email rules let through is one line of
// valid UTF-8 that no mail program or spreadsheet reads as something else,
// and a staff address is on the staff domain by its exact ASCII form.
func FuzzDetails(f *testing.F) {
	for _, s := range [][2]string{
		{"Ann Lee", "ann@example.org"},
		{"Zoë O'Neill-Łukasz", "k@coventry.gov.uk"},
		{"=?utf-8?q?Ann=0D=0A?=", "k@coventry.gov.u\u212A"},
		{"Ann\u2028Lee", "a%evil.org@coventry.gov.uk"},
		{"Ann \u202eeeL", "Ann <ann@example.org>"},
		{"\xff", "ann@example.org\r\nBcc: x@example.org"},
		{" Ann ", "k@münchen.de"},
		{"Ann", "k@xn--mnchen-3ya.de"},
		{"Ann", "\"a@b\"@coventry.gov.uk"},
	} {
		f.Add(s[0], s[1])
	}
	staff := &Service{StaffEmailDomains: []string{"coventry.gov.uk"}}
	f.Fuzz(func(t *testing.T, name, email string) {
		d := Details{Name: name, Email: email, Consent: true}
		d.Normalize()
		fields := ErrorFields(d.Validate())
		if fields["name"] == "" {
			switch {
			case d.Name == "" || !utf8.ValidString(d.Name) || utf8.RuneCountInString(d.Name) > maxName:
				t.Fatalf("name %q accepted: empty, not UTF-8 or too long", d.Name)
			case strings.IndexFunc(d.Name, func(r rune) bool { return lineBreaking(r) || bidiControl(r) }) >= 0:
				t.Fatalf("name %q accepted with a line break or control character", d.Name)
			case HoldsEncodedWord(d.Name):
				t.Fatalf("name %q accepted with an encoded word", d.Name)
			}
		}
		if fields["email"] == "" {
			a, err := mail.ParseAddress(d.Email)
			if err != nil || a.Address != d.Email || a.Name != "" || strings.IndexFunc(d.Email, unicode.IsControl) >= 0 ||
				strings.ContainsAny(d.Email, " <>\"") {
				t.Fatalf("email %q accepted: not a bare address (%v)", d.Email, err)
			}
		}
		if staff.IsStaffEmail(email) {
			at := strings.LastIndexByte(email, '@')
			if asciiLower(email[at+1:]) != "coventry.gov.uk" {
				t.Fatalf("%q taken for a staff address", email)
			}
			if !staffLocalPart(email[:at]) || strings.ContainsAny(email[:at], "%!@\"") {
				t.Fatalf("%q taken for a staff address with a routing local part", email)
			}
		}
		if a, ok := mailDomain(email); ok {
			if b, ok := mailDomain(a); !ok || b != a {
				t.Fatalf("mailDomain(%q) = %q, then %q, %v", email, a, b, ok)
			}
		}
	})
}
