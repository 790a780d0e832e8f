package booking

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
)

// Participation by area of the city: which parts of Coventry the people
// booked on a workshop (or on every workshop) come from, by the district of
// the postcode they gave (its outward code, "CV1") and by the ward they
// chose where they were asked for one. Only ballot applications ask for a
// ward among the records that become bookings, so most bookings count as
// "Not asked". Counts are of confirmed bookings of sessions not cancelled,
// not of people: someone booked on two sessions counts twice. Attended
// counts the bookings whose attendance was recorded as "came". When
// retention removes a booking's details, the district of its postcode is
// kept (migrations/00028), so the counts by district outlive the postcodes.

// District rows that are not a CV district.
const (
	DistrictOutside = "Outside the CV postcode area"
	DistrictNone    = "No postcode given"
	DistrictRemoved = "Removed with the booking's details"
	DistrictUnknown = "Not a postcode"
	WardNotAsked    = "Not asked"
	cvArea          = "CV"
)

// PostcodeDistrict is the outward code of a postcode ("cv1 5rr" and
// "CV15RR" are "CV1"), or "" when p is empty or not shaped like a postcode.
func PostcodeDistrict(p string) string {
	s := strings.ToUpper(strings.Join(strings.Fields(p), ""))
	if !postcodeLike(s) {
		return ""
	}
	return s[:len(s)-3]
}

// AreaBookings is one row of a participation table: the bookings of an area.
type AreaBookings struct {
	// ID is the ward's id (areas.go), the district ("CV1"), or empty for
	// the rows that are neither.
	ID       string
	Name     string
	Booked   int
	Attended int
}

// Participation is the counts for one workshop, or for every one.
type Participation struct {
	// Workshop is nil for every workshop.
	Workshop *Workshop
	Booked   int
	Attended int
	// Recorded counts the bookings whose attendance was recorded either way.
	Recorded  int
	Districts []AreaBookings
	Wards     []AreaBookings
	// Workshops counts each workshop's bookings, newest workshop first:
	// only for every workshop.
	Workshops []WorkshopCount
}

// WorkshopCount is one workshop's confirmed bookings.
type WorkshopCount struct {
	ID       int64
	Title    string
	Archived bool
	Booked   int
	Attended int
}

// ParticipationRow is what the store counts: confirmed bookings by the
// postcode given (normalised: upper case, no spaces; "" for none), whether
// the booking's details were removed, and the ward chosen ("" for none).
type ParticipationRow struct {
	Postcode string
	Removed  bool
	// KeptDistrict is the district kept when retention removed the
	// details ("" for no postcode); nil when none was kept.
	KeptDistrict *string
	Ward         string
	Booked       int
	Attended     int
	Recorded     int
}

// Participation counts bookings by area for a workshop (every workshop
// for workshopID 0); only admins may.
func (s *Service) Participation(ctx context.Context, workshopID int64) (*Participation, error) {
	if _, err := adminActor(ctx); err != nil {
		return nil, err
	}
	p := &Participation{}
	if workshopID != 0 {
		w, err := s.Store.Workshop(ctx, workshopID)
		if err != nil {
			return nil, err
		}
		p.Workshop = w
	}
	rows, err := s.OrganiserPages.ParticipationRows(ctx, workshopID)
	if err != nil {
		return nil, err
	}
	if workshopID == 0 {
		if p.Workshops, err = s.OrganiserPages.WorkshopBookings(ctx); err != nil {
			return nil, err
		}
	}
	districts := map[string]*AreaBookings{}
	wards := map[string]*AreaBookings{}
	for _, a := range areas {
		wards[a.ID] = &AreaBookings{ID: a.ID, Name: a.Name}
	}
	// Rows are known by their id, or by their name when they have none.
	count := func(m map[string]*AreaBookings, id, name string, r ParticipationRow) {
		key := cmp.Or(id, name)
		c, ok := m[key]
		if !ok {
			c = &AreaBookings{ID: id, Name: name}
			m[key] = c
		}
		c.Booked += r.Booked
		c.Attended += r.Attended
	}
	for _, r := range rows {
		p.Booked += r.Booked
		p.Attended += r.Attended
		p.Recorded += r.Recorded
		id, name := districtOf(r)
		count(districts, id, name, r)
		if _, ok := areaByID[r.Ward]; ok {
			count(wards, r.Ward, "", r)
		} else {
			count(wards, "", WardNotAsked, r)
		}
	}
	for _, c := range districts {
		p.Districts = append(p.Districts, *c)
	}
	slices.SortFunc(p.Districts, compareDistricts)
	for _, a := range areas {
		p.Wards = append(p.Wards, *wards[a.ID])
	}
	if c, ok := wards[WardNotAsked]; ok {
		p.Wards = append(p.Wards, *c)
	}
	return p, nil
}

// districtOf is the row of the districts table a booking counts in: its
// CV district (id and name), or a row that is not one (no id).
func districtOf(r ParticipationRow) (id, name string) {
	postcode, d := r.Postcode, PostcodeDistrict(r.Postcode)
	if r.Removed {
		if r.KeptDistrict == nil {
			return "", DistrictRemoved
		}
		postcode, d = *r.KeptDistrict, *r.KeptDistrict
	}
	switch {
	case postcode == "":
		return "", DistrictNone
	case d == "":
		return "", DistrictUnknown
	case !isCVDistrict(d):
		return "", DistrictOutside
	}
	return d, d
}

// isCVDistrict says whether d is a district of the CV postcode area:
// "CV" then digits ("CV1", "CV31"), not another area such as "CW1".
func isCVDistrict(d string) bool {
	n, ok := strings.CutPrefix(d, cvArea)
	if !ok || n == "" {
		return false
	}
	_, err := strconv.Atoi(n)
	return err == nil
}

// compareDistricts puts the CV districts first, by number (CV2 before
// CV10), then the rows that are not districts, in a fixed order.
func compareDistricts(a, b AreaBookings) int {
	rank := func(c AreaBookings) (int, int) {
		if c.ID != "" {
			n, _ := strconv.Atoi(strings.TrimPrefix(c.ID, cvArea))
			return 0, n
		}
		return 1, slices.Index([]string{DistrictOutside, DistrictUnknown, DistrictNone, DistrictRemoved}, c.Name)
	}
	ra, na := rank(a)
	rb, nb := rank(b)
	return cmp.Or(cmp.Compare(ra, rb), cmp.Compare(na, nb))
}
