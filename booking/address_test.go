package booking

import "testing"

func TestIsStaffEmailComparesAsMailSystemsDo(t *testing.T) {
	s := &Service{StaffEmailDomains: []string{"coventry.gov.uk", "Warwick.AC.uk", "münchen.de", "xn--bcher-kva.example"}}
	for _, c := range []struct {
		email string
		want  bool
	}{
		{"ann.lee@coventry.gov.uk", true},
		{"Ann.Lee@COVENTRY.GOV.UK", true}, // ASCII case is no difference
		{"o'neill+events@coventry.gov.uk", true},
		{"first_last-2@warwick.ac.uk", true},
		{"k@münchen.de", true},                // an IDN as typed...
		{"k@xn--mnchen-3ya.de", true},         // ...or in its xn-- form
		{"k@bücher.example", true},            // a configured xn-- domain, typed in Unicode
		{"k@coventry.gov.u\u212A", false},     // Kelvin sign: folds to k, but it is not k
		{"k@coventry.gov.\u01B1k", false},     // a look-alike letter
		{"k@coventry\uFF0Egov.uk", false},     // fullwidth full stop: maps to "."
		{"k@coventry.gov.uk\u200D", false},    // a joiner after the domain
		{"k@MÜNCHEN.de", false},               // Unicode case folding, even of a real domain
		{"k@ｃoventry.gov.uk", false},          // fullwidth c
		{"a%evil.org@coventry.gov.uk", false}, // the percent hack
		{"evil.org!a@coventry.gov.uk", false}, // a bang path
		{"\u212Aim@coventry.gov.uk", false},   // Kelvin sign in the local part
		{"ann@sub.coventry.gov.uk", false},    // a subdomain is not listed
		{"ann@coventry.gov.uk.evil.org", false},
		{"ann@evilcoventry.gov.uk", false},
		{"\"a@evil.org\"@coventry.gov.uk", false},
		{"@evil.org:a@coventry.gov.uk", false},
		{"a=?utf-8?q?x?=@coventry.gov.uk", false},
		{"ann@coventry.gov.uk.", false},
		{"ann.@coventry.gov.uk", false},
		{"ann@coventry.gov.uk ", false},
		{"", false},
	} {
		if got := s.IsStaffEmail(c.email); got != c.want {
			t.Errorf("IsStaffEmail(%+q) = %v, want %v", c.email, got, c.want)
		}
	}
	if (&Service{StaffEmailDomains: []string{"coventry.gov.u\u212A"}}).IsStaffEmail("k@coventry.gov.uk") {
		t.Error("a configured look-alike matched the real domain")
	}
}

func TestOneLineTextRefusesEncodedWordsAndSeparators(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"Zoë O'Neill-Łukasz", true},
		{"A = B? Not quite", true},
		{"Ann =? Lee", true},
		{"=?utf-8?q?Ann=0D=0ABcc:_x@example.org?=", false},
		{"=?UTF-8?B?QW5uCkJjYzog?=", false},
		{"Ann =?iso-8859-1?q?Lee?= ", false},
		{"=??=", false},
		{"Ann\u2028Lee", false},
		{"Ann\u2029Lee", false},
		{"Ann\u0085Lee", false}, // NEL is a control character
		{"Ann\rLee", false},
	} {
		d := Details{Name: c.name, Email: "ann@example.org", Organisation: c.name, Consent: true}
		d.Normalize()
		fields := ErrorFields(d.Validate())
		for _, field := range []string{"name", "organisation"} {
			if got := fields[field] == ""; got != c.ok {
				t.Errorf("%s %+q: accepted %v, want %v (%q)", field, c.name, got, c.ok, fields[field])
			}
		}
	}
	// A joining link may hold =? and ?= in its query; it never reaches a header.
	s := &Session{Places: []Places{{Mode: Online, Capacity: 5}}, OnlineURL: "https://teams.example/j?a=?b&c=?=d"}
	s.StartsAt = s.StartsAt.AddDate(2030, 0, 0)
	s.EndsAt = s.StartsAt.Add(60 * 60 * 1e9)
	if err := ValidateSession(s); err != nil {
		t.Errorf("a link with =? and ?= refused: %v", err)
	}
	s.OnlineURL = "https://teams.example/j\u2028x"
	if ErrorFields(ValidateSession(s))["online_url"] == "" {
		t.Error("a link with U+2028 accepted")
	}
}
