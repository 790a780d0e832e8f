package booking_test

import (
	"regexp"
	"testing"

	"github.com/coventry/workshops/booking"
)

// A Message-ID is random and in the domain of MAIL_FROM, as RFC 5322 asks.
func TestNewMessageID(t *testing.T) {
	for from, domain := range map[string]string{
		"Coventry City Council <Workshops@Coventry.gov.uk>": "coventry.gov.uk",
		"workshops@example.org":                             "example.org",
		"":                                                  "localhost",
	} {
		id := booking.NewMessageID(from)
		if !regexp.MustCompile(`^[0-9a-f]{32}@` + regexp.QuoteMeta(domain) + `$`).MatchString(id) {
			t.Errorf("NewMessageID(%q) = %q, want random@%s", from, id, domain)
		}
		if booking.NewMessageID(from) == id {
			t.Errorf("NewMessageID(%q) repeats itself", from)
		}
	}
}

// An invite UID's domain is a domain in its ASCII form, never an address
// or something with spaces (INVITE_UID_DOMAIN).
func TestUIDDomain(t *testing.T) {
	for in, want := range map[string]string{
		"coventry.gov.uk":     "coventry.gov.uk",
		"Coventry.GOV.uk":     "coventry.gov.uk",
		"bücher.example":      "xn--bcher-kva.example",
		"workshops@localhost": "",
		"two words.example":   "",
		"":                    "",
	} {
		got, ok := booking.UIDDomain(in)
		if got != want || ok != (want != "") {
			t.Errorf("UIDDomain(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if got := booking.InviteUID("KD7P-Q3R8", "coventry.gov.uk"); got != "booking-KD7P-Q3R8@coventry.gov.uk" {
		t.Errorf("InviteUID = %q", got)
	}
}
