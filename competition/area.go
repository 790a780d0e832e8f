package competition

import "github.com/coventry/workshops/booking"

// ValidArea reports whether id is one of the areas of the city every part
// of the consultation asks about (booking.Areas), so entries can be read
// side by side with the survey and the workshops.
func ValidArea(id string) bool {
	_, ok := booking.AreaByID(id)
	return ok
}

// AreaName is the name of the area id, as people know it.
func AreaName(id string) string {
	if a, ok := booking.AreaByID(id); ok {
		return a.Name
	}
	return id
}
