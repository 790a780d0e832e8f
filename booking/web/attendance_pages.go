package web

import (
	"embed"
	"fmt"
	"net/http"
	"path"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/attendance"
	"github.com/coventry/workshops/booking"
)

// The print styles of the attendance list and the script of the check-in
// page. They sit apart from the public pages' assets (built from GOV.UK
// Frontend into assets/) and are served only to organisers; the pages link
// them from their content, as a strict CSP allows no inline styles.
//
//go:embed attendance_assets
var attendanceAssets embed.FS

var attendanceAssetTypes = map[string]string{
	"attendance.css": "text/css; charset=utf-8",
	"check-in.js":    "text/javascript; charset=utf-8",
}

// attendanceAsset answers GET /admin/attendance-assets/:file.
func (s *Server) attendanceAsset(c *gin.Context) {
	name := c.Param("file")
	ctype, ok := attendanceAssetTypes[name]
	if !ok {
		s.fail(c, booking.Errorf(booking.ENotFound, "There is nothing at this address."))
		return
	}
	b, err := attendanceAssets.ReadFile(path.Join("attendance_assets", name))
	if err != nil {
		s.fail(c, err)
		return
	}
	// Organisers' pages only, and small: revalidated each time, kept
	// out of shared caches.
	c.Header("Cache-Control", "private, no-cache")
	c.Data(http.StatusOK, ctype, b)
}

// sessionLinks are the addresses of one session's organiser pages and files.
type sessionLinks struct {
	Attendance, CheckIn, CSV, PDF, Workshop string
}

func linksOf(sess *booking.Session) sessionLinks {
	return sessionLinks{
		Attendance: fmt.Sprintf("/admin/sessions/%d/attendance", sess.ID),
		CheckIn:    fmt.Sprintf("/admin/sessions/%d/check-in", sess.ID),
		CSV:        fmt.Sprintf("/api/v1/admin/sessions/%d/attendees.csv", sess.ID),
		PDF:        fmt.Sprintf("/api/v1/admin/sessions/%d/attendees.pdf", sess.ID),
		Workshop:   fmt.Sprintf("/admin/workshops/%d/attendance", sess.WorkshopID),
	}
}

// attendancePage is templates/pages/attendance.html: the printable list.
type attendancePage struct {
	Page
	Sheet  *attendance.Sheet
	Links  sessionLinks
	Styles string
	Script string
}

func (s *Server) attendancePage(c *gin.Context) error {
	l, err := s.attendanceList(c)
	if err != nil {
		return err
	}
	sh := attendance.NewSheet(s.councilName(), l, s.now())
	p := &attendancePage{
		Sheet: sh, Links: linksOf(l.Session),
		Styles: "/admin/attendance-assets/attendance.css", Script: "/admin/attendance-assets/check-in.js",
	}
	p.Title = "Attendance list: " + sh.Workshop
	p.BackLink = p.Links.CheckIn
	s.render(c, http.StatusOK, "attendance", p)
	return nil
}

// workshopAttendancePage is templates/pages/workshop_attendance.html: the
// counts of every session of a workshop.
type workshopAttendancePage struct {
	Page
	Workshop *booking.Workshop
	Sessions []workshopSessionRow
	Totals   []booking.AttendanceCount
	Total    booking.AttendanceCount
	Styles   string
}

type workshopSessionRow struct {
	When      string
	Cancelled bool
	Links     sessionLinks
	ByMode    []booking.AttendanceCount
	Total     booking.AttendanceCount
}

func (s *Server) workshopAttendancePage(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	w, sessions, err := s.svc.WorkshopAttendance(c.Request.Context(), id)
	if err != nil {
		return err
	}
	p := &workshopAttendancePage{Workshop: w, Totals: booking.CountAttendance(nil), Styles: "/admin/attendance-assets/attendance.css"}
	p.Title = "Attendance: " + w.Title
	for i := range sessions {
		a := &sessions[i]
		p.Sessions = append(p.Sessions, workshopSessionRow{
			When: booking.When(a.Session.StartsAt, a.Session.EndsAt), Cancelled: a.Session.Status == booking.Cancelled,
			Links: linksOf(a.Session), ByMode: a.ByMode, Total: a.Total(),
		})
		for j := range p.Totals {
			p.Totals[j].Add(a.For(p.Totals[j].Mode))
		}
	}
	p.Total = (&booking.SessionAttendance{ByMode: p.Totals}).Total()
	s.render(c, http.StatusOK, "workshop_attendance", p)
	return nil
}
