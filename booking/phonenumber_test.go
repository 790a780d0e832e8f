package booking

import "testing"

func TestUKPhoneNumbers(t *testing.T) {
	for _, c := range []struct{ typed, stored, shown string }{
		{"024 7683 3333", "+442476833333", "024 7683 3333"},
		{"(024) 7683-3333", "+442476833333", "024 7683 3333"},
		{"+44 (0)24 7683 3333", "+442476833333", "024 7683 3333"},
		{"0044 24 7683 3333", "+442476833333", "024 7683 3333"},
		{"+442476833333", "+442476833333", "024 7683 3333"},
		{"07700 900123", "+447700900123", "07700 900123"},
		{"07700.900.123", "+447700900123", "07700 900123"},
		{"0300 123 4567", "+443001234567", "0300 123 4567"},
		{"0800 123 4567", "+448001234567", "0800 123 4567"},
		{"01632 960001", "+441632960001", "01632 960001"},
		{"016977 4567", "+44169774567", "01697 74567"},
	} {
		got, ok := NormalizeUKPhone(c.typed)
		if !ok || got != c.stored {
			t.Errorf("NormalizeUKPhone(%q) = %q, %v; want %q", c.typed, got, ok, c.stored)
			continue
		}
		if shown := UKPhoneText(got); shown != c.shown {
			t.Errorf("UKPhoneText(%q) = %q, want %q", got, shown, c.shown)
		}
	}
	for _, bad := range []string{
		"", "0", "12345", "024 7683 333", "024 7683 33333", "+1 202 555 0100", "00353 1 234 5678",
		"0044 (0) 0 1234 5678", "0400 123 4567", "0600 123 4567", "0000000000", "024 7683 3333 ext 2",
		"024\n7683 3333", "０２４ ７６８３ ３３３３", "+44 24 7683 3333 +", "2476833333",
		"0161 496 0000 0161 496 0000 0161 496 0000",
	} {
		if got, ok := NormalizeUKPhone(bad); ok {
			t.Errorf("NormalizeUKPhone(%q) = %q, want refused", bad, got)
		}
	}
}

func TestPhoneBookingsNeedAWayToReachThem(t *testing.T) {
	d := Details{Name: "Mary O'Brien", Consent: true}
	d.Normalize()
	if f := ErrorFields(d.ValidatePhone()); f["phone"] == "" {
		t.Errorf("neither email nor phone: %v, want a phone error", f)
	}
	d.Phone = "not a number"
	if f := ErrorFields(d.ValidatePhone()); f["phone"] != "Enter a UK phone number, like 024 7683 3333 or 07700 900123" {
		t.Errorf("a bad number: %v", f)
	}
	d.Phone, d.PostalAddress = " 024 7683 3333 ", "12 Jordan Well\nCoventry CV1 5RW"
	d.Normalize()
	if err := d.ValidatePhone(); err != nil || d.Phone != "+442476833333" {
		t.Errorf("a good number: %v, stored as %q", err, d.Phone)
	}
	d.PostalAddress = "12 Jordan Well\x00"
	if f := ErrorFields(d.ValidatePhone()); f["postal_address"] == "" {
		t.Errorf("a NUL in the address: %v", f)
	}
	d = Details{Name: "Amrit Singh", Email: "amrit@example.org", Consent: true}
	if err := d.ValidatePhone(); err != nil {
		t.Errorf("an email address and no phone: %v", err)
	}
}
