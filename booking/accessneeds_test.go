package booking

import (
	"reflect"
	"testing"
)

func TestAccessNeedKindsOf(t *testing.T) {
	for text, want := range map[string][]string{
		"A BSL interpreter, please":                       {"bsl"},
		"I use a wheelchair and need a hearing loop":      {"step_free", "hearing_loop"},
		"Step free access. Live captions on the screen":   {"step_free", "captions"},
		"British Sign Language":                           {"bsl"},
		"Somewhere quiet to sit, and a chair with arms":   {"quiet", "seat"},
		"Easy read documents; my guide dog will come too": {"print", "dog"},
		"Vegetarian lunch":                                nil,
		"":                                                nil,
	} {
		if got := AccessNeedKindsOf(text); !reflect.DeepEqual(got, want) {
			t.Errorf("AccessNeedKindsOf(%q) = %v, want %v", text, got, want)
		}
	}
}
