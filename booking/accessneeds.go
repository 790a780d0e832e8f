package booking

import "strings"

// Access needs, summed up for the venue team: how many people asked for a
// British Sign Language interpreter, step-free access, a hearing loop and
// so on. People write their needs in their own words, so each kind is
// recognised by the words people use for it; whatever is recognised or
// not, the venue team also reads every need as written.

// AccessNeedKind is one kind of help a venue prepares.
type AccessNeedKind struct {
	Key   string
	Label string
	// words are lower-case phrases that name it.
	words []string
}

// AccessNeedKinds are the kinds the summary counts, in the order it lists
// them.
var AccessNeedKinds = []AccessNeedKind{
	{"bsl", "British Sign Language interpreter", []string{"bsl", "sign language", "signer", "signing"}},
	{"step_free", "Step-free access or a wheelchair space", []string{"step-free", "step free", "wheelchair", "no stairs", "ramp", "mobility scooter", "walking frame"}},
	{"hearing_loop", "Hearing loop", []string{"hearing loop", "induction loop", "loop system", "hearing aid"}},
	{"captions", "Live captions", []string{"caption", "subtitle", "transcript"}},
	{"quiet", "A quiet space", []string{"quiet"}},
	{"print", "Large print, easy read or braille", []string{"large print", "easy read", "braille"}},
	{"dog", "Assistance dog", []string{"guide dog", "assistance dog", "hearing dog"}},
	{"seat", "A chair or somewhere to sit", []string{"a chair", "chair with arms", "a seat", "seating", "somewhere to sit"}},
}

// AccessNeedKindsOf returns the keys of the kinds text names.
func AccessNeedKindsOf(text string) []string {
	t := strings.ToLower(text)
	var keys []string
	for _, k := range AccessNeedKinds {
		for _, w := range k.words {
			if strings.Contains(t, w) {
				keys = append(keys, k.Key)
				break
			}
		}
	}
	return keys
}
