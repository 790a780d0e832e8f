package booking

import "testing"

func TestDetailsRefuseWhatWouldMisleadALaterReader(t *testing.T) {
	ok := Details{Name: "Zoë O'Neill-Łukasz", Email: "zoe@example.org", Postcode: "cv1 5rr", Consent: true,
		AccessNeeds: "Step-free access, please.\nA hearing loop."}
	ok.Normalize()
	if err := ok.Validate(); err != nil {
		t.Fatalf("a good booking refused: %v", err)
	}
	if ok.Postcode != "CV1 5RR" {
		t.Fatalf("postcode %q", ok.Postcode)
	}
	for name, d := range map[string]Details{
		"name":         {Name: "Ann \u202eeeL", Email: "ann@example.org", Consent: true},
		"organisation": {Name: "Ann", Email: "ann@example.org", Organisation: "\u2067Council\u2069", Consent: true},
		"access_needs": {Name: "Ann", Email: "ann@example.org", AccessNeeds: "ramp\u200f", Consent: true},
		"email":        {Name: "Ann", Email: "ann@example.org\r\nBcc: x@example.org", Consent: true},
	} {
		d.Normalize()
		if ErrorFields(d.Validate())[name] == "" {
			t.Errorf("%s with a reordering or control character was accepted", name)
		}
	}
}
