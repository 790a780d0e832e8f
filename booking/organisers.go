package booking

import (
	"context"
	"strings"
)

// The use cases of accounts: admins add and change organisers and assign
// facilitators to sessions. Each checks who is acting (the Actor in ctx)
// itself, whatever the caller checked, and the store writes the audit entry
// in the same transaction as the change.

// actorFrom returns who is acting in ctx, refusing a request with nobody.
func actorFrom(ctx context.Context) (Actor, error) {
	a, ok := ActorFrom(ctx)
	if !ok {
		return Actor{}, errActorMissing
	}
	return a, nil
}

// adminActor returns who is acting in ctx if they may do everything.
func adminActor(ctx context.Context) (Actor, error) {
	a, err := actorFrom(ctx)
	if err != nil {
		return a, err
	}
	if !a.IsAdmin() {
		return a, errAdminOnly
	}
	return a, nil
}

// AuthorizeAdmin says whether a may do what only admins do: EUnauthorized
// for nobody, EForbidden for a facilitator.
func AuthorizeAdmin(a Actor) error {
	if a.Kind == "" {
		return errActorMissing
	}
	if !a.IsAdmin() {
		return errAdminOnly
	}
	return nil
}

// AuthorizeSession says whether a may see and change the workshop session
// sessionID: admins and the admin token any, facilitators those they are
// assigned to. It does not say whether the session exists.
func (s *Service) AuthorizeSession(ctx context.Context, a Actor, sessionID int64) error {
	if a.Kind == "" {
		return errActorMissing
	}
	if a.IsAdmin() {
		return nil
	}
	if a.Kind != ActorOrganiser || a.Organiser == nil || !a.Organiser.Active() || a.Organiser.Role != RoleFacilitator {
		return errFacilitatorsByRole
	}
	ok, err := s.Accounts.Facilitates(ctx, a.Organiser.ID, sessionID)
	if err != nil {
		return err
	}
	if !ok {
		return errNotYourSession
	}
	return nil
}

// CreateOrganiser adds an account; only admins may.
func (s *Service) CreateOrganiser(ctx context.Context, in OrganiserInput) (*Organiser, error) {
	by, err := adminActor(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	o := &Organiser{Email: in.Email, Name: in.Name, Role: in.Role}
	if err := s.Accounts.CreateOrganiser(ctx, o, by, s.now()); err != nil {
		return nil, err
	}
	return o, nil
}

// UpdateOrganiser renames, changes the role of, disables or re-enables an
// account; only admins may. Disabling ends the account's sign-ins.
func (s *Service) UpdateOrganiser(ctx context.Context, id int64, p OrganiserPatch) (*Organiser, error) {
	by, err := adminActor(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	now := s.now()
	return s.Accounts.UpdateOrganiser(ctx, id, func(o *Organiser) error {
		if p.Name != nil {
			o.Name = *p.Name
		}
		if p.Role != nil {
			o.Role = *p.Role
		}
		if p.Disabled != nil {
			switch {
			case *p.Disabled && o.DisabledAt == nil:
				o.DisabledAt = &now
			case !*p.Disabled:
				o.DisabledAt = nil
			}
		}
		return nil
	}, by, now)
}

// Organisers lists every account; only admins may.
func (s *Service) Organisers(ctx context.Context) ([]*Organiser, error) {
	if _, err := adminActor(ctx); err != nil {
		return nil, err
	}
	return s.Accounts.Organisers(ctx)
}

// EnsureAdmin makes the account of email an active admin, creating it if
// need be, from the server's command line. A name fills an account that has
// none and never replaces one (AdminNamed when that is all it did). Safe to
// run twice.
func (s *Service) EnsureAdmin(ctx context.Context, email, name string) (*Organiser, EnsureOutcome, error) {
	email, name = strings.TrimSpace(email), strings.TrimSpace(name)
	f := map[string]string{}
	checkOrganiserEmail(f, email)
	checkLine(f, "name", "their name", name, maxName, false)
	if len(f) > 0 {
		return nil, "", FieldErrors(f)
	}
	return s.Accounts.EnsureAdmin(ctx, email, name, Actor{Kind: ActorCommandLine}, s.now())
}

// AssignFacilitator lets an organiser run a session; only admins may. It
// reports whether the assignment is new.
func (s *Service) AssignFacilitator(ctx context.Context, sessionID, organiserID int64) (bool, error) {
	by, err := adminActor(ctx)
	if err != nil {
		return false, err
	}
	return s.Accounts.AssignFacilitator(ctx, sessionID, organiserID, by, s.now())
}

// UnassignFacilitator stops an organiser running a session; only admins may.
func (s *Service) UnassignFacilitator(ctx context.Context, sessionID, organiserID int64) (bool, error) {
	by, err := adminActor(ctx)
	if err != nil {
		return false, err
	}
	return s.Accounts.UnassignFacilitator(ctx, sessionID, organiserID, by, s.now())
}

// Facilitators lists who runs a session, for whoever may see it.
func (s *Service) Facilitators(ctx context.Context, sessionID int64) ([]*Organiser, error) {
	return s.Accounts.Facilitators(ctx, sessionID)
}

// AuditEntries reads the audit log, newest first; only admins may.
func (s *Service) AuditEntries(ctx context.Context, f AuditFilter) ([]*AuditEntry, error) {
	if _, err := adminActor(ctx); err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return s.Accounts.AuditEntries(ctx, f)
}
