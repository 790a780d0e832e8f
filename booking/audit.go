package booking

import (
	"encoding/json"
	"fmt"
	"time"
)

// Audit actions, named "<subject>.<verb>".
const (
	AuditWorkshopCreate      = "workshop.create"
	AuditSessionCreate       = "session.create"
	AuditSessionUpdate       = "session.update"
	AuditSessionCancel       = "session.cancel"
	AuditSessionDraw         = "session.draw"
	AuditBookingCreate       = "booking.create"
	AuditBookingCancel       = "booking.cancel"
	AuditBookingUpdate       = "booking.update"
	AuditBookingMove         = "booking.move"
	AuditOrganiserCreate     = "organiser.create"
	AuditOrganiserUpdate     = "organiser.update"
	AuditFacilitatorAssign   = "facilitator.assign"
	AuditFacilitatorUnassign = "facilitator.unassign"
	AuditSurveyCreate        = "survey.create"
	AuditSurveyExport        = "survey.export"
	AuditSurveyUpdate        = "survey.update"
	AuditSurveyClose         = "survey.close"
)

// Audit subject types.
const (
	SubjectWorkshop    = "workshop"
	SubjectSession     = "session"
	SubjectBooking     = "booking"
	SubjectOrganiser   = "organiser"
	SubjectFacilitator = "session_facilitator"
	SubjectSurvey      = "survey"
)

// NewAuditEntry builds the entry for a change a made at now. before and
// after are stored as JSON; nil is null (nothing before a creation).
func NewAuditEntry(a Actor, now time.Time, action, subjectType, subjectID string, before, after any) (*AuditEntry, error) {
	if a.Kind == "" {
		return nil, fmt.Errorf("audit %s: no actor", action)
	}
	e := &AuditEntry{
		At: now, Actor: a.Kind, OrganiserID: a.OrganiserID(),
		Action: action, SubjectType: subjectType, SubjectID: subjectID,
	}
	var err error
	if e.Before, err = snapshotJSON(before); err != nil {
		return nil, fmt.Errorf("audit %s: before: %w", action, err)
	}
	if e.After, err = snapshotJSON(after); err != nil {
		return nil, fmt.Errorf("audit %s: after: %w", action, err)
	}
	return e, nil
}

func snapshotJSON(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}

// Snapshots are what the audit log keeps of each subject: what organisers
// set, never residents' personal details.

// WorkshopSnapshot is a workshop as the audit log keeps it.
type WorkshopSnapshot struct {
	ID       int64    `json:"id"`
	Title    string   `json:"title"`
	Summary  string   `json:"summary"`
	Audience Audience `json:"audience"`
	Archived bool     `json:"archived,omitempty"`
}

// SnapshotWorkshop takes the snapshot of w.
func SnapshotWorkshop(w *Workshop) WorkshopSnapshot {
	return WorkshopSnapshot{ID: w.ID, Title: w.Title, Summary: w.Summary, Audience: w.Audience, Archived: w.ArchivedAt != nil}
}

// SessionSnapshot is a session as the audit log keeps it: its settings,
// not its bookings.
type SessionSnapshot struct {
	ID           int64         `json:"id"`
	WorkshopID   int64         `json:"workshop_id"`
	StartsAt     time.Time     `json:"starts_at"`
	EndsAt       time.Time     `json:"ends_at"`
	Venue        Venue         `json:"venue"`
	OnlineURL    string        `json:"online_url"`
	Status       SessionStatus `json:"status"`
	CancelReason string        `json:"cancel_reason,omitempty"`
	Sequence     int           `json:"sequence"`
	Capacity     map[Mode]int  `json:"capacity"`
}

// SnapshotSession takes the snapshot of s.
func SnapshotSession(s *Session) SessionSnapshot {
	snap := SessionSnapshot{
		ID: s.ID, WorkshopID: s.WorkshopID, StartsAt: s.StartsAt.UTC(), EndsAt: s.EndsAt.UTC(),
		Venue: s.Venue, OnlineURL: s.OnlineURL, Status: s.Status, CancelReason: s.CancelReason,
		Sequence: s.Sequence, Capacity: map[Mode]int{},
	}
	for _, m := range Modes {
		snap.Capacity[m] = s.PlacesFor(m).Capacity
	}
	return snap
}

// BookingSnapshot is a booking as the audit log keeps it: the reference
// finds the person while their data is held; the log copies none of it.
type BookingSnapshot struct {
	Reference string        `json:"reference"`
	SessionID int64         `json:"session_id"`
	Mode      Mode          `json:"mode"`
	Status    BookingStatus `json:"status"`
	Attended  *bool         `json:"attended"`
}

// SnapshotBooking takes the snapshot of b.
func SnapshotBooking(b *Booking) BookingSnapshot {
	return BookingSnapshot{Reference: b.Reference, SessionID: b.SessionID, Mode: b.Mode, Status: b.Status, Attended: b.Attended}
}

// OrganiserSnapshot is an account as the audit log keeps it.
type OrganiserSnapshot struct {
	ID       int64  `json:"id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	Disabled bool   `json:"disabled"`
}

// SnapshotOrganiser takes the snapshot of o.
func SnapshotOrganiser(o *Organiser) OrganiserSnapshot {
	return OrganiserSnapshot{ID: o.ID, Email: o.Email, Name: o.Name, Role: o.Role, Disabled: !o.Active()}
}

// FacilitatorSnapshot is an assignment of an organiser to a session.
type FacilitatorSnapshot struct {
	SessionID   int64 `json:"session_id"`
	OrganiserID int64 `json:"organiser_id"`
}

// AuditActions are the actions the audit log page offers to filter by, in
// the order it lists them.
var AuditActions = []string{
	AuditWorkshopCreate, AuditSessionCreate, AuditSessionUpdate, AuditSessionCancel, AuditSessionDraw,
	AuditBookingCreate, AuditBookingCancel, AuditBookingReply, AuditBookingAttendance, AuditSessionNoShows,
	AuditOrganiserCreate, AuditOrganiserUpdate, AuditFacilitatorAssign, AuditFacilitatorUnassign,
	AuditPersonExport, AuditPersonErase, AuditBookingSearch, AuditSurveyCreate, AuditSurveyUpdate, AuditSurveyClose, AuditSurveyExport, AuditSessionMessage, AuditBookingResend, AuditWorkshopUpdate, AuditWorkshopArchive,
	AuditBookingWalkIn, AuditBookingUpdate, AuditBookingMove,
}

// auditActionTexts say what each action was, in the council's words.
var auditActionTexts = map[string]string{
	AuditWorkshopCreate:      "Created a workshop",
	AuditSessionCreate:       "Added a session",
	AuditSessionUpdate:       "Changed or moved a session",
	AuditSessionCancel:       "Cancelled a session",
	AuditSessionDraw:         "Drew the ballot of a session",
	AuditBookingCreate:       "Booked a place for someone who phoned",
	AuditBookingCancel:       "Cancelled a booking",
	AuditBookingReply:        "Answered an invite in their calendar",
	AuditBookingAttendance:   "Recorded whether someone came",
	AuditSessionNoShows:      "Marked the no-shows of a session",
	AuditOrganiserCreate:     "Added an account",
	AuditOrganiserUpdate:     "Changed an account",
	AuditFacilitatorAssign:   "Assigned a facilitator",
	AuditFacilitatorUnassign: "Removed a facilitator",
	AuditPersonExport:        "Exported a person's data",
	AuditPersonErase:         "Erased a person's data",
	AuditBookingSearch:       "Searched the bookings",
	AuditSurveyCreate:        "Created a survey",
	AuditSurveyExport:        "Downloaded a survey's responses",
	AuditSurveyUpdate:        "Changed a survey",
	AuditSurveyClose:         "Closed a survey early",
	AuditSessionMessage:      "Emailed the people booked on a session",
	AuditBookingResend:       "Sent a booking's confirmation again",
	AuditWorkshopUpdate:      "Changed a workshop",
	AuditWorkshopArchive:     "Archived or restored a workshop",
	AuditBookingWalkIn:       "Registered a walk-in at check-in",
	AuditBookingUpdate:       "Changed a booking's details",
	AuditBookingMove:         "Moved a booking to another session",
}

// AuditActionText says what an action was; an action this list does not
// know is shown as it is stored.
func AuditActionText(action string) string {
	if t, ok := auditActionTexts[action]; ok {
		return t
	}
	return action
}

func knownAction(action string) bool {
	_, ok := auditActionTexts[action]
	return ok
}
