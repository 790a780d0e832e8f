package booking

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Finding a booking across sessions: an admin looks a person up by part
// of their name, their email address, their booking reference or the
// phone number they gave, whichever session they booked. Each search is
// audited (who searched, and how many bookings it found; never what was
// typed, which is personal data).

// SearchLimit is the most bookings one search shows.
const SearchLimit = 50

// AuditBookingSearch is the audit action of a search; SubjectSearch its
// subject type (no one subject: every booking held).
const (
	AuditBookingSearch = "booking.search"
	SubjectSearch      = "bookings"
)

// BookingHit is a booking found, with the session it is for.
type BookingHit struct {
	Booking
	Workshop         string
	StartsAt, EndsAt time.Time
	SessionCancelled bool
}

// SearchBookings finds the bookings whose name holds q (any case, accents
// ignored: "Zoe" finds "Zoë"), whose email address is q or holds it, whose
// reference is q (typed in any case, with or without its hyphen) or whose
// phone number is q (typed any way), newest sessions first, at most
// SearchLimit. Only admins may. Bookings whose personal data was removed
// are not found.
func (s *Service) SearchBookings(ctx context.Context, q string) ([]BookingHit, error) {
	if _, err := adminActor(ctx); err != nil {
		return nil, err
	}
	q = strings.TrimSpace(q)
	n := utf8.RuneCountInString(q)
	if !utf8.ValidString(q) || n < 2 || n > 100 || strings.IndexFunc(q, unicode.IsControl) >= 0 || strings.IndexFunc(q, bidiControl) >= 0 {
		return nil, FieldErrors(map[string]string{"q": "Enter 2 to 100 letters or numbers: part of a name, an email address, a booking reference or a phone number"})
	}
	phone, _ := NormalizeUKPhone(q)
	return s.OrganiserPages.SearchBookings(ctx, q, phone, SearchLimit, s.now())
}
