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
