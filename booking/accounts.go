package booking

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what an organiser may do.
type Role string

const (
	// RoleAdmin does everything, including accounts.
	RoleAdmin Role = "admin"
	// RoleFacilitator runs the sessions they are assigned to.
	RoleFacilitator Role = "facilitator"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleFacilitator }

// Organiser is a member of staff who runs workshops. Accounts are disabled,
// never deleted, so the audit log keeps naming who did what.
type Organiser struct {
	ID         int64      `json:"id"`
	Email      string     `json:"email"`
	Name       string     `json:"name"`
	Role       Role       `json:"role"`
	CreatedAt  time.Time  `json:"created_at"`
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
}

// Active reports whether the organiser may sign in.
func (o *Organiser) Active() bool { return o.DisabledAt == nil }

// IsAdmin reports whether the organiser is an active admin.
func (o *Organiser) IsAdmin() bool { return o.Active() && o.Role == RoleAdmin }

// OrganiserInput is what an admin gives to add an account.
type OrganiserInput struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  Role   `json:"role"`
}

// Validate checks and tidies the input, naming every field at fault.
func (in *OrganiserInput) Validate() error {
	in.Email = strings.TrimSpace(in.Email)
	in.Name = strings.TrimSpace(in.Name)
	f := map[string]string{}
	checkOrganiserEmail(f, in.Email)
	checkLine(f, "name", "their name", in.Name, maxName, true)
	if !in.Role.Valid() {
		f["role"] = "Choose a role: admin or facilitator"
	}
	if len(f) > 0 {
		return FieldErrors(f)
	}
	return nil
}

func checkOrganiserEmail(f map[string]string, email string) {
	checkLine(f, "email", "the email address", email, maxEmail, true)
	if _, bad := f["email"]; !bad && !ValidEmail(email) {
		f["email"] = "Enter an email address in the correct format, like name@coventry.gov.uk"
	}
}

// OrganiserPatch changes an account; nil fields stay as they are.
type OrganiserPatch struct {
	Name     *string `json:"name"`
	Role     *Role   `json:"role"`
	Disabled *bool   `json:"disabled"`
}

// Validate checks the patch.
func (p *OrganiserPatch) Validate() error {
	f := map[string]string{}
	if p.Name != nil {
		name := strings.TrimSpace(*p.Name)
		p.Name = &name
		checkLine(f, "name", "their name", name, maxName, true)
	}
	if p.Role != nil && !p.Role.Valid() {
		f["role"] = "Choose a role: admin or facilitator"
	}
	if len(f) > 0 {
		return FieldErrors(f)
	}
	return nil
}

// SignInLink is a one-time link emailed to an organiser. Only the SHA-256 of
// its token is kept.
type SignInLink struct {
	ID          int64
	OrganiserID int64
	TokenHash   []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
	UsedAt      *time.Time
}

// OrganiserSession is a signed-in browser (not a workshop session). The
// cookie carries a random id; only its SHA-256 is kept.
type OrganiserSession struct {
	IDHash     []byte
	Organiser  *Organiser
	CreatedAt  time.Time
	LastSeenAt time.Time
	// ExpiresAt is the latest the session lasts, however active it is.
	ExpiresAt time.Time
}

// ActorKind says who made a change.
type ActorKind string

const (
	ActorOrganiser   ActorKind = "organiser"
	ActorAPIToken    ActorKind = "api-token"
	ActorCommandLine ActorKind = "command-line"
)

// Actor is who is making a request: a signed-in organiser, a client with
// ADMIN_TOKEN, or someone at the server's command line.
type Actor struct {
	Kind ActorKind
	// Organiser is set when Kind is ActorOrganiser.
	Organiser *Organiser
}

// OrganiserID is the id of the organiser acting, 0 for the others.
func (a Actor) OrganiserID() int64 {
	if a.Kind == ActorOrganiser && a.Organiser != nil {
		return a.Organiser.ID
	}
	return 0
}

// IsAdmin reports whether the actor may do everything: the admin token, the
// command line, or an active admin.
func (a Actor) IsAdmin() bool {
	switch a.Kind {
	case ActorAPIToken, ActorCommandLine:
		return true
	case ActorOrganiser:
		return a.Organiser != nil && a.Organiser.IsAdmin()
	}
	return false
}

type actorKey struct{}

// WithActor returns ctx carrying who is acting, so that the changes made
// under it are written to the audit log in their name.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns who is acting in ctx, if anyone.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok && a.Kind != ""
}

// AuditEntry is one change in the audit log: who, what, when, and the
// subject before and after (null when created or removed).
type AuditEntry struct {
	ID          int64
	At          time.Time
	Actor       ActorKind
	OrganiserID int64 // 0 unless Actor is ActorOrganiser
	Action      string
	SubjectType string
	SubjectID   string
	Before      json.RawMessage
	After       json.RawMessage

	// Filled when read: the organiser who acted, as their account is now.
	OrganiserName  string
	OrganiserEmail string
}

// AuditFilter narrows a read of the audit log; zero fields do not filter.
type AuditFilter struct {
	SubjectType string
	SubjectID   string
	OrganiserID int64
	// Action keeps entries of one action (AuditActions); Actor those made
	// by one kind of actor, such as the admin token.
	Action string
	Actor  ActorKind
	// BeforeID pages back: only entries older than this one.
	BeforeID int64
	Limit    int
}

// Validate checks the filter and sets the default limit.
func (f *AuditFilter) Validate() error {
	fields := map[string]string{}
	if f.Limit == 0 {
		f.Limit = 100
	}
	if f.Limit < 1 || f.Limit > 500 {
		fields["limit"] = "Ask for between 1 and 500 entries"
	}
	if len(f.SubjectType) > 50 || !utf8.ValidString(f.SubjectType) {
		fields["subject_type"] = "Enter a subject type of up to 50 characters"
	}
	if len(f.SubjectID) > 100 || !utf8.ValidString(f.SubjectID) {
		fields["subject_id"] = "Enter a subject id of up to 100 characters"
	}
	if f.Action != "" && !knownAction(f.Action) {
		fields["what"] = "Choose what kind of change from the list"
	}
	switch f.Actor {
	case "", ActorOrganiser, ActorAPIToken, ActorCommandLine, ActorCalendarReply:
	default:
		fields["who"] = "Choose who made the changes from the list"
	}
	if len(fields) > 0 {
		return FieldErrors(fields)
	}
	return nil
}

// AuditLog keeps the record of every change organisers make.
type AuditLog interface {
	// AuditEntries reads the log, newest first.
	AuditEntries(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)
}

// EnsureOutcome says what EnsureAdmin did.
type EnsureOutcome string

const (
	AdminCreated   EnsureOutcome = "created"
	AdminPromoted  EnsureOutcome = "promoted"
	AdminEnabled   EnsureOutcome = "re-enabled"
	AdminNamed     EnsureOutcome = "named" // an active admin with no name got the one given
	AdminUnchanged EnsureOutcome = "unchanged"
)

// Accounts is the store of organisers, their sign-ins, the facilitators of
// each session and the audit log. Every method that changes an account or
// an assignment writes its audit entry, in the name of by, in the same
// transaction.
type Accounts interface {
	AuditLog

	// CreateOrganiser stores o, filling o.ID and o.CreatedAt: EDuplicate
	// when the address (in any case) already has an account.
	CreateOrganiser(ctx context.Context, o *Organiser, by Actor, now time.Time) error
	// UpdateOrganiser reads the account under a row lock, lets change edit
	// its name, role and DisabledAt, and writes it back. Disabling an account
	// ends its sign-ins. The last active admin cannot be demoted or
	// disabled (EConflict).
	UpdateOrganiser(ctx context.Context, id int64, change func(o *Organiser) error, by Actor, now time.Time) (*Organiser, error)
	// EnsureAdmin makes the account of email an active admin, creating it
	// when there is none; it is safe to repeat.
	EnsureAdmin(ctx context.Context, email, name string, by Actor, now time.Time) (*Organiser, EnsureOutcome, error)
	// Organiser reads an account: ENotFound when there is none.
	Organiser(ctx context.Context, id int64) (*Organiser, error)
	// OrganiserByEmail reads the account of an address, in any case.
	OrganiserByEmail(ctx context.Context, email string) (*Organiser, error)
	// Organisers lists every account, by name.
	Organisers(ctx context.Context) ([]*Organiser, error)

	// AssignFacilitator lets an organiser run a session; added is false
	// when they already did. ENotFound for an unknown session, EInvalid for
	// an unknown organiser, EConflict for a disabled one.
	AssignFacilitator(ctx context.Context, sessionID, organiserID int64, by Actor, now time.Time) (added bool, err error)
	// UnassignFacilitator undoes AssignFacilitator; removed is false when
	// there was nothing to undo.
	UnassignFacilitator(ctx context.Context, sessionID, organiserID int64, by Actor, now time.Time) (removed bool, err error)
	// Facilitates reports whether the organiser is assigned to the session.
	Facilitates(ctx context.Context, organiserID, sessionID int64) (bool, error)
	// FacilitatedSessions lists the ids of the sessions an organiser is
	// assigned to, soonest first.
	FacilitatedSessions(ctx context.Context, organiserID int64) ([]int64, error)
	// Facilitators lists the organisers assigned to a session, by name.
	Facilitators(ctx context.Context, sessionID int64) ([]*Organiser, error)

	// SignInLinksSince counts the links made for an organiser since a time.
	SignInLinksSince(ctx context.Context, organiserID int64, since time.Time) (int, error)
	// CreateSignInLink stores l (filling l.ID) and queues its email, an
	// outbox row of kind MsgSignInLink with payload, in one transaction.
	CreateSignInLink(ctx context.Context, l *SignInLink, payload EmailPayload) error
	// SignInLink reads a link by the hash of its token: ENotFound if none.
	SignInLink(ctx context.Context, tokenHash []byte) (*SignInLink, error)
	// UseSignInLink marks the link used and starts sess for its organiser,
	// in one transaction; check refuses a link (used, expired, a disabled
	// account) before anything changes. It fills sess.Organiser.
	UseSignInLink(ctx context.Context, tokenHash []byte, sess *OrganiserSession, check func(l *SignInLink, o *Organiser) error) error
	// OrganiserSession reads a sign-in by the hash of its id, with its
	// organiser: ENotFound if none.
	OrganiserSession(ctx context.Context, idHash []byte) (*OrganiserSession, error)
	// TouchOrganiserSession records activity on a sign-in at now.
	TouchOrganiserSession(ctx context.Context, idHash []byte, now time.Time) error
	// EndOrganiserSession deletes a sign-in; ending one that is gone is not
	// an error.
	EndOrganiserSession(ctx context.Context, idHash []byte) error
}
