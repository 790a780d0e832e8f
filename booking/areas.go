package booking

// The areas of the city a person can say they live or work in: Coventry's
// eighteen wards, then two answers for everyone else. Registering interest,
// ballot applications, the survey and the poster competition all ask the same
// question with this list, so their counts by area can be read side by side.

// Area is one answer to "Which area of the city do you live or work in?".
type Area struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Ward is true for the city's wards and false for "Outside Coventry"
	// and "Prefer not to say", which are not places in the city.
	Ward bool `json:"-"`
}

// The two answers that are not wards.
const (
	AreaOutside      = "outside"
	AreaPreferNotSay = "prefer-not-to-say"
)

var areas = []Area{
	{"bablake", "Bablake", true},
	{"binley-and-willenhall", "Binley and Willenhall", true},
	{"cheylesmore", "Cheylesmore", true},
	{"earlsdon", "Earlsdon", true},
	{"foleshill", "Foleshill", true},
	{"henley", "Henley", true},
	{"holbrook", "Holbrook", true},
	{"longford", "Longford", true},
	{"lower-stoke", "Lower Stoke", true},
	{"radford", "Radford", true},
	{"sherbourne", "Sherbourne", true},
	{"st-michaels", "St Michael's", true},
	{"upper-stoke", "Upper Stoke", true},
	{"wainbody", "Wainbody", true},
	{"westwood", "Westwood", true},
	{"whoberley", "Whoberley", true},
	{"woodlands", "Woodlands", true},
	{"wyken", "Wyken", true},
	{AreaOutside, "Outside Coventry", false},
	{AreaPreferNotSay, "Prefer not to say", false},
}

var areaByID = func() map[string]Area {
	m := make(map[string]Area, len(areas))
	for _, a := range areas {
		m[a.ID] = a
	}
	return m
}()

// Areas lists every answer, the wards in alphabetical order first. The
// slice is a copy: callers may keep or change it.
func Areas() []Area {
	return append([]Area(nil), areas...)
}

// AreaByID finds an answer by its id; ok is false for an id not in the list.
func AreaByID(id string) (a Area, ok bool) {
	a, ok = areaByID[id]
	return a, ok
}

// checkArea records a field error unless id is one of the areas. required
// says whether an empty answer is an error too.
func checkArea(f map[string]string, field, id string, required bool) {
	if id == "" {
		if required {
			f[field] = "Select the area of the city you live or work in, or \u201cPrefer not to say\u201d"
		}
		return
	}
	if _, ok := areaByID[id]; !ok {
		f[field] = "Select an area from the list"
	}
}
