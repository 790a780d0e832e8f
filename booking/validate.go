package booking

import (
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on what people type, in characters.
const (
	maxName         = 100
	maxEmail        = 254
	maxOrganisation = 200
	maxPostcode     = 10
	maxAccessNeeds  = 2000
	maxTitle        = 200
	maxSummary      = 2000
	maxVenueName    = 200
	maxVenueAddress = 500
	maxURL          = 2000
	maxReason       = 1000
	// MaxCapacity is the most places one mode of a session can have.
	MaxCapacity = 10000
)

// Details are what a person gives to book a place.
type Details struct {
	Name         string `json:"name"`
	Email        string `json:"email"`
	Organisation string `json:"organisation"`
	Postcode     string `json:"postcode"`
	AccessNeeds  string `json:"access_needs"`
	Consent      bool   `json:"consent"`
	// Phone and PostalAddress are taken down only by an organiser booking
	// for someone who phoned (ValidatePhone); the public API has neither.
	Phone         string `json:"-"`
	PostalAddress string `json:"-"`
	// Companion is the one companion or carer coming with the person, who
	// has a place of their own beside theirs (companion.go); nil when they
	// come alone.
	Companion *Companion `json:"companion,omitempty"`
}

// Normalize trims spaces around the one-line fields. Only spaces: a line
// break or other control character is refused by Validate, not hidden.
func (d *Details) Normalize() {
	d.Name = strings.Trim(d.Name, " ")
	d.Email = strings.Trim(d.Email, " ")
	d.Organisation = strings.Trim(d.Organisation, " ")
	if strings.IndexFunc(d.Postcode, unicode.IsControl) < 0 {
		d.Postcode = strings.ToUpper(strings.Join(strings.Fields(d.Postcode), " "))
	}
	d.AccessNeeds = strings.TrimSpace(d.AccessNeeds)
	d.Phone = strings.TrimSpace(d.Phone)
	d.PostalAddress = strings.TrimSpace(d.PostalAddress)
	if d.Companion != nil {
		d.Companion.Name = strings.Trim(d.Companion.Name, " ")
		d.Companion.Email = strings.Trim(d.Companion.Email, " ")
	}
}

// Validate checks the details, naming every field at fault.
func (d *Details) Validate() error {
	f := map[string]string{}
	checkLine(f, "name", "your full name", d.Name, maxName, true)
	checkEmail(f, "email", d.Email, true)
	checkLine(f, "organisation", "the organisation", d.Organisation, maxOrganisation, false)
	checkLine(f, "postcode", "your postcode", d.Postcode, maxPostcode, false)
	if _, bad := f["postcode"]; !bad && d.Postcode != "" && !postcodeLike(d.Postcode) {
		f["postcode"] = "Enter a real postcode, like CV1 5RR"
	}
	checkText(f, "access_needs", "access needs", d.AccessNeeds, maxAccessNeeds)
	if !d.Consent {
		f["consent"] = "Confirm that you have read the privacy notice"
	}
	d.Companion.check(f, d)
	if len(f) > 0 {
		return FieldErrors(f)
	}
	return nil
}

// checkLine checks a one-line field: valid UTF-8, no control characters or
// line and paragraph separators, no RFC 2047 encoded word (which a mail
// program would decode into other text, a line break included, where the
// field reaches a header), not too long.
func checkLine(f map[string]string, field, what, v string, max int, required bool) {
	checkLink(f, field, what, v, max, required)
	if _, bad := f[field]; !bad && HoldsEncodedWord(v) {
		f[field] = "Enter " + what + " without the characters =? and ?="
	}
}

// checkLink is checkLine for a web address, where =? and ?= can be part of
// a query and the address never reaches a header.
func checkLink(f map[string]string, field, what, v string, max int, required bool) {
	switch {
	case !utf8.ValidString(v):
		f[field] = "Enter " + what + " using letters, numbers and punctuation only"
	case strings.IndexFunc(v, lineBreaking) >= 0 || strings.IndexFunc(v, bidiControl) >= 0:
		f[field] = "Enter " + what + " on one line, without special characters"
	case required && v == "":
		f[field] = "Enter " + what
	case utf8.RuneCountInString(v) > max:
		f[field] = capitalise(what) + " must be " + strconv.Itoa(max) + " characters or fewer"
	}
}

// checkText checks a multi-line field: line breaks and tabs are allowed,
// other control characters are not.
func checkText(f map[string]string, field, what, v string, max int) {
	switch {
	case !utf8.ValidString(v):
		f[field] = "Enter " + what + " using letters, numbers and punctuation only"
	case strings.IndexFunc(v, func(r rune) bool {
		return (unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t') || bidiControl(r)
	}) >= 0:
		f[field] = "Enter " + what + " without special characters"
	case utf8.RuneCountInString(v) > max:
		f[field] = capitalise(what) + " must be " + strconv.Itoa(max) + " characters or fewer"
	}
}

// lineBreaking reports control characters and the Unicode line and
// paragraph separators (U+2028, U+2029), which some programs show as a new
// line.
func lineBreaking(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

// HoldsEncodedWord reports text that holds what could be an RFC 2047
// encoded word, =?charset?encoding?text?=. Mail programs are lenient in
// decoding them, so anything from =? to a later ?= counts.
func HoldsEncodedWord(v string) bool {
	i := strings.Index(v, "=?")
	return i >= 0 && strings.Contains(v[i+2:], "?=")
}

// bidiControl reports the invisible characters that reorder text around
// them (U+202A to U+202E, U+2066 to U+2069, and the marks U+200E, U+200F,
// U+061C): in a name they make a list, a CSV or an email header read other
// than it is. Joiners, which some scripts need, are left alone.
func bidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

func checkEmail(f map[string]string, field, v string, required bool) {
	checkAddress(f, field, "your email address", v, required)
}

// checkAddress is checkEmail for an address described as what.
func checkAddress(f map[string]string, field, what, v string, required bool) {
	checkLine(f, field, what, v, maxEmail, required)
	if _, bad := f[field]; bad || v == "" {
		return
	}
	if !ValidEmail(v) {
		f[field] = "Enter an email address in the correct format, like name@example.com"
	}
}

// ValidEmail reports whether v is a bare address (no display name) with a
// domain that has a dot, as people's real addresses do.
func ValidEmail(v string) bool {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(v, '@')
	if at <= 0 {
		return false
	}
	domain := v[at+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".") &&
		!strings.ContainsAny(v, " \"()<>[]\\,;:")
}

// postcodeLike accepts the shape of a UK postcode ("CV1 5RR", "B15 2TT").
func postcodeLike(p string) bool {
	s := strings.ReplaceAll(p, " ", "")
	if len(s) < 5 || len(s) > 7 {
		return false
	}
	in := s[len(s)-3:]
	if in[0] < '0' || in[0] > '9' || !isLetter(in[1]) || !isLetter(in[2]) {
		return false
	}
	out := s[:len(s)-3]
	if !isLetter(out[0]) {
		return false
	}
	for i := 1; i < len(out); i++ {
		if !isLetter(out[i]) && (out[i] < '0' || out[i] > '9') {
			return false
		}
	}
	return true
}

func isLetter(b byte) bool { return b >= 'A' && b <= 'Z' }

// WorkshopInput is what an organiser gives to create a workshop.
type WorkshopInput struct {
	Title    string   `json:"title"`
	Summary  string   `json:"summary"`
	Audience Audience `json:"audience"`
}

// Validate checks a workshop.
func (w *WorkshopInput) Validate() error {
	f := map[string]string{}
	w.Title = strings.TrimSpace(w.Title)
	w.Summary = strings.TrimSpace(w.Summary)
	checkLine(f, "title", "a title", w.Title, maxTitle, true)
	checkText(f, "summary", "a summary", w.Summary, maxSummary)
	if !w.Audience.Valid() {
		f["audience"] = "Choose who the workshop is for: public or workforce"
	}
	if len(f) > 0 {
		return FieldErrors(f)
	}
	return nil
}

// ValidateSession checks a session as it would be stored: times, venue,
// link and capacity together, since each depends on the others.
func ValidateSession(s *Session) error {
	f := map[string]string{}
	s.Venue.Name = strings.TrimSpace(s.Venue.Name)
	s.Venue.Address = strings.TrimSpace(s.Venue.Address)
	s.OnlineURL = strings.TrimSpace(s.OnlineURL)
	if s.StartsAt.IsZero() {
		f["starts_at"] = "Enter when the session starts"
	}
	if s.EndsAt.IsZero() {
		f["ends_at"] = "Enter when the session ends"
	}
	if !s.StartsAt.IsZero() && !s.EndsAt.IsZero() {
		if !s.EndsAt.After(s.StartsAt) {
			f["ends_at"] = "The session must end after it starts"
		} else if s.EndsAt.Sub(s.StartsAt) > 24*time.Hour {
			f["ends_at"] = "A session must be shorter than a day"
		}
	}
	checkLine(f, "venue.name", "the venue name", s.Venue.Name, maxVenueName, false)
	checkText(f, "venue.address", "the venue address", s.Venue.Address, maxVenueAddress)
	checkLink(f, "online_url", "the joining link", s.OnlineURL, maxURL, false)
	if _, bad := f["online_url"]; !bad && s.OnlineURL != "" && !httpsURL(s.OnlineURL) {
		f["online_url"] = "Enter the joining link as a full https:// address"
	}
	inPerson, online := s.PlacesFor(InPerson).Capacity, s.PlacesFor(Online).Capacity
	for _, p := range s.Places {
		if p.Capacity < 0 || p.Capacity > MaxCapacity {
			f["capacity."+string(p.Mode)] = "Places must be a number from 0 to " + strconv.Itoa(MaxCapacity)
		}
	}
	if inPerson <= 0 && online <= 0 && f["capacity.in_person"] == "" && f["capacity.online"] == "" {
		f["capacity"] = "Give the session at least one place, in person or online"
	}
	if inPerson > 0 && s.Venue.Name == "" && f["venue.name"] == "" {
		f["venue.name"] = "Enter the venue for people taking part in person"
	}
	if online > 0 && s.OnlineURL == "" && f["online_url"] == "" {
		f["online_url"] = "Enter the joining link for people taking part online"
	}
	if len(f) > 0 {
		return FieldErrors(f)
	}
	return nil
}

// ValidateReason checks the reason given for cancelling a session.
func ValidateReason(reason string) error {
	f := map[string]string{}
	checkText(f, "reason", "a reason", reason, maxReason)
	if strings.TrimSpace(reason) == "" && f["reason"] == "" {
		f["reason"] = "Enter why the session is cancelled: people booked will be told"
	}
	if len(f) > 0 {
		return FieldErrors(f)
	}
	return nil
}

func httpsURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// CheckLine checks a one-line field for the other domains (the poster
// competition, the survey) as a booking's fields are checked: valid UTF-8,
// no control or reordering characters, no encoded words, required, at
// most max characters. A fault is written to f under field.
func CheckLine(f map[string]string, field, what, v string, max int, required bool) {
	checkLine(f, field, what, v, max, required)
}

// CheckText checks a multi-line field as access needs are checked, adding
// its message to f.
func CheckText(f map[string]string, field, what, v string, max int) {
	checkText(f, field, what, v, max)
}
