package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// The audit log page for admins: every change organisers made, newest
// first, filtered by who made it and what they did, a page at a time. It
// reads what the admin API's /api/v1/admin/audit reads; entries hold no
// resident's personal details (booking.BookingSnapshot), only references.

// auditPageSize is how many entries one page shows.
const auditPageSize = 50

type auditRow struct {
	ID      int64
	When    string
	Who     string
	What    string
	Subject string
	Link    string // the subject's organiser page, when it has one
}

type auditChoice struct {
	Value, Label string
}

type auditPage struct {
	organiserPage
	Who, What   string
	WhoChoices  []auditChoice
	WhatChoices []auditChoice
	Rows        []auditRow
	Older       string // the next page's address, when there is one
	Filtered    bool
}

// organiserAudit is GET /admin/audit?who=&what=&before=.
func (s *Server) organiserAudit(c *gin.Context) error {
	p := &auditPage{organiserPage: s.organiser(c, "Audit log"), Who: c.Query("who"), What: c.Query("what")}
	p.BackLink = "/admin"
	ctx := c.Request.Context()
	f := booking.AuditFilter{Action: p.What, Limit: auditPageSize}
	fields := map[string]string{}
	switch p.Who {
	case "":
	case string(booking.ActorAPIToken), string(booking.ActorCommandLine):
		f.Actor = booking.ActorKind(p.Who)
	default:
		id, err := strconv.ParseInt(p.Who, 10, 64)
		if err != nil || id <= 0 {
			fields["who"] = "Choose who made the changes from the list"
		}
		f.OrganiserID = id
	}
	if v := c.Query("before"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return booking.Errorf(booking.ENotFound, "There is no such page of the audit log.")
		}
		f.BeforeID = id
	}
	organisers, err := s.svc.Organisers(ctx)
	if err != nil {
		return err
	}
	p.WhoChoices = []auditChoice{{"", "Anyone"}}
	for _, o := range organisers {
		p.WhoChoices = append(p.WhoChoices, auditChoice{strconv.FormatInt(o.ID, 10), or(o.Name, o.Email)})
	}
	for _, k := range []booking.ActorKind{booking.ActorAPIToken, booking.ActorCommandLine} {
		p.WhoChoices = append(p.WhoChoices, auditChoice{string(k), actorText[k]})
	}
	p.WhatChoices = []auditChoice{{"", "Any change"}}
	for _, a := range booking.AuditActions {
		p.WhatChoices = append(p.WhatChoices, auditChoice{a, booking.AuditActionText(a)})
	}
	p.Filtered = p.Who != "" || p.What != ""
	if len(fields) > 0 {
		p.SetErrors(booking.FieldErrors(fields), "who", "what")
		s.render(c, http.StatusUnprocessableEntity, "organiser_audit", p)
		return nil
	}
	entries, err := s.svc.AuditEntries(ctx, f)
	if booking.IsCode(err, booking.EInvalid) {
		p.SetErrors(err, "who", "what")
		s.render(c, http.StatusUnprocessableEntity, "organiser_audit", p)
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		p.Rows = append(p.Rows, auditRowOf(e))
	}
	if len(entries) == auditPageSize {
		q := url.Values{"before": {strconv.FormatInt(entries[len(entries)-1].ID, 10)}}
		if p.Who != "" {
			q.Set("who", p.Who)
		}
		if p.What != "" {
			q.Set("what", p.What)
		}
		p.Older = "/admin/audit?" + q.Encode()
	}
	s.render(c, http.StatusOK, "organiser_audit", p)
	return nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// actorText names who made a change, in the filter and the table alike.
var actorText = map[booking.ActorKind]string{
	booking.ActorOrganiser:     "An organiser",
	booking.ActorAPIToken:      "The admin API token",
	booking.ActorCommandLine:   "The server's command line",
	booking.ActorCalendarReply: "A calendar reply",
}

func auditRowOf(e *booking.AuditEntry) auditRow {
	r := auditRow{ID: e.ID, When: booking.At(e.At), What: booking.AuditActionText(e.Action)}
	r.Who = or(actorText[e.Actor], string(e.Actor))
	if e.Actor == booking.ActorOrganiser {
		r.Who = or(e.OrganiserName, or(e.OrganiserEmail, r.Who))
	}
	switch e.SubjectType {
	case booking.SubjectWorkshop:
		r.Subject, r.Link = "Workshop "+e.SubjectID, "/admin/workshops/"+url.PathEscape(e.SubjectID)
	case booking.SubjectSession:
		r.Subject, r.Link = "Session "+e.SubjectID, "/admin/sessions/"+url.PathEscape(e.SubjectID)
	case booking.SubjectBooking:
		r.Subject, r.Link = "Booking "+e.SubjectID, "/admin/bookings/"+url.PathEscape(e.SubjectID)
	case booking.SubjectOrganiser:
		r.Subject, r.Link = "Account "+e.SubjectID, "/admin/organisers/"+url.PathEscape(e.SubjectID)
	case booking.SubjectSearch:
		r.Subject = "Bookings of every session (what was typed is not kept)"
	case booking.SubjectPerson:
		r.Subject = "A person (their details are not kept here)"
	default:
		r.Subject = e.SubjectType + " " + e.SubjectID
	}
	return r
}
