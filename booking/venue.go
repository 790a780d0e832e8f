package booking

import "strings"

// Lines are the venue as an address is written on an envelope: the name,
// then each line of the address, trimmed, with empty lines left out.
// Pages show them one to a line and emails and printed lists on one line
// (OneLine), so a venue reads the same wherever it is shown.
func (v Venue) Lines() []string {
	var out []string
	for _, l := range strings.FieldsFunc(v.Name+"\n"+v.Address, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// OneLine is the venue on one line: "Council House, Earl Street, Coventry
// CV1 5RR".
func (v Venue) OneLine() string { return strings.Join(v.Lines(), ", ") }
