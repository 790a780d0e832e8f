package booking

import (
	"strings"
	"unicode"
)

// UK phone numbers, for people booked by phone: the number an organiser
// rings when the session moves or is cancelled. They are stored in one
// form, +44 and the national number without its leading 0, so the same
// number typed two ways is one number (erasure and export find it), and
// shown the way people in the UK write them.

// maxPhone bounds what is typed: "+44 (0) 24 7683 3333 " and a little more.
const maxPhone = 30

// NormalizeUKPhone reads a UK phone number as people type it ("024 7683
// 3333", "(024) 76833333", "+44 (0)24 7683 3333", "0044 7700 900123",
// "07700-900-123") and returns it as +44 followed by the national number,
// or false if it is not one. Numbers beginning 01, 02, 03, 05, 07, 08 and 09
// are taken: 10 digits after the 0, or 9 for some 01 numbers.
func NormalizeUKPhone(s string) (string, bool) {
	if len(s) > maxPhone {
		return "", false
	}
	s = strings.Replace(s, "(0)", "", 1)
	var digits strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
			digits.WriteString("00")
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	d := digits.String()
	switch {
	case strings.HasPrefix(d, "0044"):
		d = d[4:]
	case strings.HasPrefix(d, "00"):
		return "", false // another country's number
	case strings.HasPrefix(d, "0"):
		d = d[1:]
	default:
		return "", false
	}
	if d == "" || !strings.ContainsRune("1235789", rune(d[0])) {
		return "", false
	}
	if len(d) != 10 && !(len(d) == 9 && d[0] == '1') {
		return "", false
	}
	return "+44" + d, true
}

// UKPhoneText shows a stored number as people in the UK write it: "024
// 7683 3333", "07700 900123", "0300 123 4567", "01632 960001".
func UKPhoneText(stored string) string {
	d, ok := strings.CutPrefix(stored, "+44")
	if !ok || strings.IndexFunc(d, func(r rune) bool { return !unicode.IsDigit(r) }) >= 0 || len(d) < 9 {
		return stored
	}
	n := "0" + d
	switch {
	case n[1] == '2' && len(n) == 11: // 02x xxxx xxxx
		return n[:3] + " " + n[3:7] + " " + n[7:]
	case (n[1] == '3' || n[1] == '8' || n[1] == '9') && len(n) == 11: // 0300 123 4567
		return n[:4] + " " + n[4:7] + " " + n[7:]
	default: // 07700 900123, 01632 960001
		return n[:5] + " " + n[5:]
	}
}

// checkPhone checks an optional UK phone number, replacing it with its
// stored form when it is good.
func checkPhone(f map[string]string, field string, v *string) {
	if *v == "" {
		return
	}
	n, ok := NormalizeUKPhone(*v)
	if !ok {
		f[field] = "Enter a UK phone number, like 024 7683 3333 or 07700 900123"
		return
	}
	*v = n
}
