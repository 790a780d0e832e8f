package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/attendance"
	"github.com/coventry/workshops/booking"
)

// Participation by area of the city, for admins (booking.Participation):
// bookings by postcode district and by the ward chosen, for one workshop
// (?workshop=ID) or for every one, as tables, bar charts drawn here as SVG
// (the tables are the accessible version), JSON and CSV. Counts only, of
// bookings not people; not audited, like the other count pages (a
// workshop's attendance, registered interest), as nothing personal is
// shown.

// areaChart draws the bookings of areas, each with its share of them all.
func areaChart(id, title string, counts []booking.AreaBookings) barChart {
	total := 0
	for _, a := range counts {
		total += a.Booked
	}
	rows := make([]resultRow, len(counts))
	for i, a := range counts {
		rows[i] = resultRow{Label: a.Name, Count: a.Booked, Percent: percent(a.Booked, total)}
	}
	return newBarChart(id, title, rows)
}

// areaTable is a table of counts by area.
type areaTable struct {
	ID, Caption, Column string
	Rows                []booking.AreaBookings
}

type participationPage struct {
	organiserPage
	P             *booking.Participation
	Scope, Totals string
	CSV, Removed  string
	Districts     areaTable
	Wards         areaTable
	DistrictChart barChart
	WardChart     barChart
}

// participation counts the workshop of ?workshop=, or every workshop
// without it; an id that could not be one is not found, as for a path.
func (s *Server) participation(c *gin.Context) (*booking.Participation, error) {
	var id int64
	if v := c.Query("workshop"); v != "" {
		var err error
		if id, err = strconv.ParseInt(v, 10, 64); err != nil || id <= 0 {
			return nil, booking.Errorf(booking.ENotFound, "There is no such workshop.")
		}
	}
	return s.svc.Participation(c.Request.Context(), id)
}

// organiserParticipation is GET /admin/participation[?workshop=ID].
func (s *Server) organiserParticipation(c *gin.Context) error {
	part, err := s.participation(c)
	if err != nil {
		return err
	}
	p := &participationPage{organiserPage: s.organiser(c, "Participation by area of the city"), P: part,
		Scope: "Every workshop", CSV: "/api/v1/admin/participation.csv", Removed: booking.DistrictRemoved,
		Totals: fmt.Sprintf("%s; attendance recorded for %d of them, of which %d came.",
			capitalise(plural(part.Booked, "booking", "bookings")), part.Recorded, part.Attended),
		Districts: areaTable{ID: "districts", Caption: "Bookings by postcode district", Column: "Postcode district", Rows: part.Districts},
		Wards:     areaTable{ID: "wards", Caption: "Bookings by the area chosen", Column: "Area", Rows: part.Wards},
	}
	p.BackLink = "/admin"
	if part.Workshop != nil {
		p.Scope = part.Workshop.Title
		p.CSV += "?workshop=" + strconv.FormatInt(part.Workshop.ID, 10)
		p.BackLink = "/admin/participation"
	}
	p.DistrictChart = areaChart("districts", "Bar chart of the bookings by postcode district, each with its share of them. The table below gives the same numbers.", part.Districts)
	var chosen []booking.AreaBookings
	for _, w := range part.Wards {
		if w.ID != "" {
			chosen = append(chosen, w)
		}
	}
	p.WardChart = areaChart("wards", "Bar chart of the bookings by the area chosen, each with its share of the bookings that chose one (those not asked are left out). The table below gives the same numbers.", chosen)
	s.render(c, http.StatusOK, "organiser_participation", p)
	return nil
}

// The admin API: GET /api/v1/admin/participation[.csv][?workshop=ID].

type areaCountView struct {
	Area     string `json:"area"`
	Name     string `json:"name"`
	Booked   int    `json:"booked"`
	Attended int    `json:"attended"`
}

func areaCountViews(counts []booking.AreaBookings) []areaCountView {
	out := make([]areaCountView, len(counts))
	for i, a := range counts {
		out[i] = areaCountView{Area: a.ID, Name: a.Name, Booked: a.Booked, Attended: a.Attended}
	}
	return out
}

func (s *Server) adminParticipation(c *gin.Context) error {
	part, err := s.participation(c)
	if err != nil {
		return err
	}
	out := gin.H{"booked": part.Booked, "attended": part.Attended, "attendance_recorded": part.Recorded,
		"districts": areaCountViews(part.Districts), "wards": areaCountViews(part.Wards)}
	if part.Workshop != nil {
		out["workshop"] = refOf(part.Workshop)
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// participationCSVHeader names the CSV's columns.
var participationCSVHeader = []string{"Counted by", "Area", "Bookings", "Attended"}

func (s *Server) adminParticipationCSV(c *gin.Context) error {
	part, err := s.participation(c)
	if err != nil {
		return err
	}
	var rows [][]string
	for _, g := range []struct {
		by     string
		counts []booking.AreaBookings
	}{{"Postcode district", part.Districts}, {"Area chosen", part.Wards}} {
		for _, a := range g.counts {
			rows = append(rows, []string{g.by, a.Name, strconv.Itoa(a.Booked), strconv.Itoa(a.Attended)})
		}
	}
	name := "participation.csv"
	if part.Workshop != nil {
		name = fmt.Sprintf("participation-workshop-%d.csv", part.Workshop.ID)
	}
	var buf bytes.Buffer
	if err := attendance.WriteTable(&buf, participationCSVHeader, rows); err != nil {
		return err
	}
	sendFile(c, "text/csv; charset=utf-8", `attachment; filename="`+name+`"`, buf.Bytes())
	return nil
}
