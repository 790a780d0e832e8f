package booking

import (
	"strings"
	"testing"
)

func TestParseAreaWeights(t *testing.T) {
	w, err := ParseAreaWeights("")
	if err != nil || len(w) != len(Areas()) || w["foleshill"] != 1 || w[AreaOutside] != 1 {
		t.Fatalf("unset: %v, %v; want every area at 1", w, err)
	}

	var pairs []string
	for i, a := range Areas() {
		if a.Ward {
			pairs = append(pairs, a.ID+"="+string(rune('1'+i%9))+"000")
		}
	}
	w, err = ParseAreaWeights(strings.Join(pairs, " , "))
	if err != nil {
		t.Fatal(err)
	}
	// The wards are 1000..9000 in turn: 18 of them average 4500 (rounded).
	if w["bablake"] != 1000 || w[AreaOutside] != w[AreaPreferNotSay] || w[AreaOutside] < 4000 || w[AreaOutside] > 5000 {
		t.Errorf("weights = %v", w)
	}
	w, err = ParseAreaWeights(strings.Join(pairs, ",") + ",outside=7")
	if err != nil || w[AreaOutside] != 7 {
		t.Errorf("outside given: %v, %v", w[AreaOutside], err)
	}

	for _, bad := range []string{
		"foleshill=1",                                    // wards missing
		strings.Join(pairs, ",") + ",atlantis=3",         // unknown area
		strings.Join(pairs, ",") + ",bablake=3",          // twice
		strings.Join(pairs, ",") + ",outside=0",          // not positive
		strings.Join(pairs, ",") + ",outside=1.5",        // not whole
		strings.Join(pairs, ",") + ",outside",            // no weight
		strings.Join(pairs, ",") + ",outside=2000000000", // too big
	} {
		if _, err := ParseAreaWeights(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
