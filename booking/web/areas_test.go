package web_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/coventry/workshops/booking"
)

func TestAreasAnswerTheList(t *testing.T) {
	in := newEnv(t).start(nil)
	r := in.do("GET", "/api/v1/areas", nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET /api/v1/areas: %d %s", r.status, r.body)
	}
	var got []struct{ ID, Name string }
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	want := booking.Areas()
	if len(got) != len(want) {
		t.Fatalf("%d areas, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].Name != want[i].Name {
			t.Errorf("area %d: %+v, want %s %q", i, got[i], want[i].ID, want[i].Name)
		}
	}
}
