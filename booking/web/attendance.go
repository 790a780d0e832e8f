package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/attendance"
	"github.com/coventry/workshops/booking"
)

// The facilitators' side of a session: its attendance list as JSON, CSV,
// PDF and a printable page, ticking people in, marking no-shows, the
// counts, and the admins' personal data tools. The session's facilitators
// may use what is about their session; the rest is for admins (routes.go).

// attendeeView is one person on a session's list, as CONTRACT.md has it.
type attendeeView struct {
	Reference    string                `json:"reference"`
	Name         string                `json:"name"`
	Email        string                `json:"email"`
	Organisation string                `json:"organisation"`
	Mode         booking.Mode          `json:"mode"`
	AccessNeeds  string                `json:"access_needs"`
	Status       booking.BookingStatus `json:"status"`
	Attended     *bool                 `json:"attended"`
	// WalkIn and OverCapacity mark a walk-in, and one who came when the
	// room was full and takes no booked place.
	WalkIn       bool `json:"walk_in,omitempty"`
	OverCapacity bool `json:"over_capacity,omitempty"`
	// Companion links a pair: "Companion or carer of …" or "With …
	// (companion or carer)" (attendance.PairText); left out alone.
	Companion string `json:"companion,omitempty"`
}

func attendeeOf(b *booking.Booking) attendeeView {
	return attendeeView{
		Reference: b.Reference, Name: b.Name, Email: b.Email, Organisation: b.Organisation,
		Mode: b.Mode, AccessNeeds: b.AccessNeeds, Status: b.Status, Attended: b.Attended,
		WalkIn: b.WalkIn, OverCapacity: b.OverCapacity,
		Companion: attendance.PairText(b),
	}
}

// attendanceList reads the list of the session in :id.
func (s *Server) attendanceList(c *gin.Context) (*booking.AttendanceList, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	return s.svc.AttendanceList(c.Request.Context(), id)
}

func (s *Server) adminAttendees(c *gin.Context) error {
	l, err := s.attendanceList(c)
	if err != nil {
		return err
	}
	people := make([]attendeeView, len(l.Attendees))
	for i := range l.Attendees {
		people[i] = attendeeOf(&l.Attendees[i])
	}
	c.JSON(http.StatusOK, gin.H{"session": s.adminView(c, l.Session), "attendees": people, "counts": l.Counts})
	return nil
}

// sendFile answers with a whole file made in memory, so a failure half way
// is a clean error rather than half a download.
func sendFile(c *gin.Context, contentType, disposition string, body []byte) {
	c.Header("Content-Disposition", disposition)
	c.Data(http.StatusOK, contentType, body)
}

func (s *Server) adminAttendeesCSV(c *gin.Context) error {
	l, err := s.attendanceList(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := attendance.WriteCSV(&buf, l); err != nil {
		return err
	}
	sendFile(c, "text/csv; charset=utf-8",
		fmt.Sprintf(`attachment; filename="attendees-session-%d.csv"`, l.Session.ID), buf.Bytes())
	return nil
}

func (s *Server) adminAttendeesPDF(c *gin.Context) error {
	l, err := s.attendanceList(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := attendance.WritePDF(&buf, attendance.NewSheet(s.councilName(), l, s.now()), s.cfg.SheetFonts); err != nil {
		return err
	}
	sendFile(c, "application/pdf",
		fmt.Sprintf(`inline; filename="sign-in-sheet-session-%d.pdf"`, l.Session.ID), buf.Bytes())
	return nil
}

var errAttendedMissing = booking.FieldErrors(map[string]string{
	"attended": "Say whether the person attended: true or false",
})

func (s *Server) adminMarkAttendance(c *gin.Context) error {
	var in struct {
		Attended *bool `json:"attended"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Attended == nil {
		return errAttendedMissing
	}
	b, err := s.markAttendance(c, strings.TrimSpace(c.Param("reference")), in.Attended)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{
		"reference": b.Reference, "session_id": b.SessionID, "mode": b.Mode,
		"status": b.Status, "attended": b.Attended,
	})
	return nil
}

// markAttendance records attendance; the store writes the change to the
// audit log in the organiser's name.
func (s *Server) markAttendance(c *gin.Context, reference string, attended *bool) (*booking.Booking, error) {
	return s.svc.MarkAttendance(c.Request.Context(), reference, attended)
}

func (s *Server) adminMarkNoShows(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	n, err := s.markNoShows(c, id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"session_id": id, "marked": n})
	return nil
}

func (s *Server) markNoShows(c *gin.Context, sessionID int64) (int, error) {
	return s.svc.MarkNoShows(c.Request.Context(), sessionID)
}

// sessionCountsView is one session's counts in the workshop's JSON.
type sessionCountsView struct {
	ID       int64                     `json:"id"`
	StartsAt time.Time                 `json:"starts_at"`
	EndsAt   time.Time                 `json:"ends_at"`
	Status   booking.SessionStatus     `json:"status"`
	ByMode   []booking.AttendanceCount `json:"by_mode"`
	Total    booking.AttendanceCount   `json:"total"`
}

func (s *Server) adminWorkshopAttendance(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	w, sessions, err := s.svc.WorkshopAttendance(c.Request.Context(), id)
	if err != nil {
		return err
	}
	out := make([]sessionCountsView, len(sessions))
	byMode := booking.SessionAttendance{ByMode: booking.CountAttendance(nil)}
	for i := range sessions {
		a := &sessions[i]
		out[i] = sessionCountsView{
			ID: a.Session.ID, StartsAt: a.Session.StartsAt.UTC(), EndsAt: a.Session.EndsAt.UTC(),
			Status: a.Session.Status, ByMode: a.ByMode, Total: a.Total(),
		}
		for j := range byMode.ByMode {
			byMode.ByMode[j].Add(a.For(byMode.ByMode[j].Mode))
		}
	}
	c.JSON(http.StatusOK, gin.H{
		"workshop": refOf(w), "sessions": out,
		"by_mode": byMode.ByMode, "total": byMode.Total(),
	})
	return nil
}
