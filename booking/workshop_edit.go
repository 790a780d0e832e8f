package booking

import (
	"context"
	"strings"
)

// Changing and archiving a workshop, for admins. Its title and summary
// can be put right at any time; who can book it cannot, as the people
// booked were let in by it. Archiving takes a workshop that is done with
// off the public lists (the start page, the staff route, the API's list);
// its sessions, their bookings and its page for organisers stay as they
// are, and restoring it lists it again.

// Audit actions of workshops changed.
const (
	AuditWorkshopUpdate  = "workshop.update"
	AuditWorkshopArchive = "workshop.archive"
)

// WorkshopEdit is a workshop's title and summary as an admin sets them.
type WorkshopEdit struct {
	Title   string `json:"title"`
	Summary string `json:"summary"`
}

// Validate checks the edit as WorkshopInput checks a new workshop.
func (e *WorkshopEdit) Validate() error {
	e.Title, e.Summary = strings.TrimSpace(e.Title), strings.TrimSpace(e.Summary)
	f := map[string]string{}
	checkLine(f, "title", "a title", e.Title, maxTitle, true)
	checkText(f, "summary", "a summary", e.Summary, maxSummary)
	if len(f) > 0 {
		return FieldErrors(f)
	}
	return nil
}

// EditWorkshop changes a workshop's title and summary; only admins may.
func (s *Service) EditWorkshop(ctx context.Context, id int64, e WorkshopEdit) (*Workshop, error) {
	if _, err := adminActor(ctx); err != nil {
		return nil, err
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return s.Store.UpdateWorkshop(ctx, id, AuditWorkshopUpdate, s.now(), func(w *Workshop) error {
		w.Title, w.Summary = e.Title, e.Summary
		return nil
	})
}

// ArchiveWorkshop archives a workshop (archived) or restores it; only
// admins may. Archiving one archived already changes nothing.
func (s *Service) ArchiveWorkshop(ctx context.Context, id int64, archived bool) (*Workshop, error) {
	if _, err := adminActor(ctx); err != nil {
		return nil, err
	}
	now := s.now()
	return s.Store.UpdateWorkshop(ctx, id, AuditWorkshopArchive, now, func(w *Workshop) error {
		switch {
		case archived && w.ArchivedAt == nil:
			at := now.UTC()
			w.ArchivedAt = &at
		case !archived:
			w.ArchivedAt = nil
		}
		return nil
	})
}
