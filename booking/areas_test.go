package booking

import "testing"

func TestAreasAreTheWardsThenTheTwoOtherAnswers(t *testing.T) {
	all := Areas()
	wards := 0
	seen := map[string]bool{}
	for i, a := range all {
		if a.ID == "" || a.Name == "" || seen[a.ID] {
			t.Fatalf("area %d: empty or repeated: %+v", i, a)
		}
		seen[a.ID] = true
		if a.Ward {
			if i != wards {
				t.Fatalf("ward %q after an answer that is not a ward", a.Name)
			}
			if wards > 0 && all[wards-1].Name > a.Name {
				t.Fatalf("wards out of order: %q before %q", all[wards-1].Name, a.Name)
			}
			wards++
		}
	}
	if wards != 18 || len(all) != 20 {
		t.Fatalf("%d wards of %d answers, want Coventry's 18 wards and 2 others", wards, len(all))
	}
	all[0].Name = "changed"
	if Areas()[0].Name == "changed" {
		t.Fatal("Areas hands out the list itself")
	}
}

func TestCheckArea(t *testing.T) {
	for _, c := range []struct {
		id       string
		required bool
		bad      bool
	}{
		{"earlsdon", true, false},
		{AreaOutside, true, false},
		{AreaPreferNotSay, true, false},
		{"", false, false},
		{"", true, true},
		{"Earlsdon", false, true},
		{"narnia", false, true},
	} {
		f := map[string]string{}
		checkArea(f, "area", c.id, c.required)
		if _, bad := f["area"]; bad != c.bad {
			t.Errorf("checkArea(%q, required %v): error %q, want an error: %v", c.id, c.required, f["area"], c.bad)
		}
	}
}
