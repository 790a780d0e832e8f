package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

var _ booking.Accounts = (*DB)(nil)

// accountsLock is the advisory lock every change to an account takes, so
// that two admins demoting each other at once cannot leave nobody in
// charge, and two create-admin runs cannot both insert. Account changes are
// rare; serialising them costs nothing.
const accountsLock = 0x6f7267616e6973 // "organis"

const organiserColumns = `o.id, o.email, o.name, o.role, o.created_at, o.disabled_at`

func organiserDest(o *booking.Organiser) []any {
	return []any{&o.ID, &o.Email, &o.Name, &o.Role, &o.CreatedAt, &o.DisabledAt}
}

func errOrganiserNotFound() error {
	return booking.Errorf(booking.ENotFound, "We could not find that account.")
}

// readOrganiser reads one account where cond holds ("o.id = $1" or
// "lower(o.email) = lower($1)"), locking its row when lock is set.
func readOrganiser(ctx context.Context, q querier, cond string, arg any, lock bool) (*booking.Organiser, error) {
	sql := `SELECT ` + organiserColumns + ` FROM organisers o WHERE ` + cond
	if lock {
		sql += ` FOR UPDATE`
	}
	o := &booking.Organiser{}
	err := q.QueryRow(ctx, sql, arg).Scan(organiserDest(o)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errOrganiserNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("read organiser: %w", err)
	}
	return o, nil
}

// Organiser reads an account by id.
func (db *DB) Organiser(ctx context.Context, id int64) (*booking.Organiser, error) {
	return readOrganiser(ctx, db.Pool, `o.id = $1`, id, false)
}

// OrganiserByEmail reads the account of an address, in any case.
func (db *DB) OrganiserByEmail(ctx context.Context, email string) (*booking.Organiser, error) {
	return readOrganiser(ctx, db.Pool, `lower(o.email) = lower($1)`, email, false)
}

// Organisers lists every account by name.
func (db *DB) Organisers(ctx context.Context) ([]*booking.Organiser, error) {
	return listOrganisers(ctx, db.Pool, `SELECT `+organiserColumns+` FROM organisers o ORDER BY lower(o.name), o.id`)
}

func listOrganisers(ctx context.Context, q querier, sql string, args ...any) ([]*booking.Organiser, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("list organisers: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*booking.Organiser, error) {
		o := &booking.Organiser{}
		return o, row.Scan(organiserDest(o)...)
	})
	if err != nil {
		return nil, fmt.Errorf("list organisers: %w", err)
	}
	return out, nil
}

func errDuplicateOrganiser() error {
	return &booking.Error{Code: booking.EDuplicate, Message: "There is already an account for that email address.",
		Fields: map[string]string{"email": "There is already an account for that email address"}}
}

// CreateOrganiser stores o with its audit entry.
func (db *DB) CreateOrganiser(ctx context.Context, o *booking.Organiser, by booking.Actor, now time.Time) error {
	if !o.Role.Valid() {
		return fieldError("role", "Choose a role: admin or facilitator")
	}
	return db.Transact(ctx, func(tx pgx.Tx) error {
		return insertOrganiser(ctx, tx, o, by, now)
	})
}

func insertOrganiser(ctx context.Context, tx pgx.Tx, o *booking.Organiser, by booking.Actor, now time.Time) error {
	err := tx.QueryRow(ctx, `
		INSERT INTO organisers (email, name, role, created_at) VALUES ($1, $2, $3, $4)
		RETURNING id, created_at`,
		o.Email, o.Name, string(o.Role), now).Scan(&o.ID, &o.CreatedAt)
	if isUniqueViolation(err, "organisers_email") {
		return errDuplicateOrganiser()
	}
	if err != nil {
		return fmt.Errorf("create organiser: %w", err)
	}
	return audit(ctx, tx, by, now, booking.AuditOrganiserCreate, booking.SubjectOrganiser, o.ID,
		nil, booking.SnapshotOrganiser(o))
}

// UpdateOrganiser changes an account under a row lock, with its audit entry.
func (db *DB) UpdateOrganiser(ctx context.Context, id int64, change func(o *booking.Organiser) error, by booking.Actor, now time.Time) (*booking.Organiser, error) {
	var out *booking.Organiser
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(accountsLock)); err != nil {
			return fmt.Errorf("update organiser: lock: %w", err)
		}
		o, err := readOrganiser(ctx, tx, `o.id = $1`, id, true)
		if err != nil {
			return err
		}
		before := *o
		if err := change(o); err != nil {
			return err
		}
		o.ID, o.Email, o.CreatedAt = before.ID, before.Email, before.CreatedAt
		if !o.Role.Valid() {
			return fieldError("role", "Choose a role: admin or facilitator")
		}
		out = o
		return writeOrganiser(ctx, tx, &before, o, by, now)
	})
	return out, err
}

// writeOrganiser writes o over before: the last active admin stays one, a
// disabled account's sign-ins end, and a real change is audited.
func writeOrganiser(ctx context.Context, tx pgx.Tx, before, o *booking.Organiser, by booking.Actor, now time.Time) error {
	if before.IsAdmin() && !o.IsAdmin() {
		var others int
		err := tx.QueryRow(ctx, `SELECT count(*) FROM organisers WHERE role = 'admin' AND disabled_at IS NULL AND id <> $1`,
			o.ID).Scan(&others)
		if err != nil {
			return fmt.Errorf("update organiser: count admins: %w", err)
		}
		if others == 0 {
			return booking.Errorf(booking.EConflict, "This is the last active admin account: make another admin first.")
		}
	}
	_, err := tx.Exec(ctx, `UPDATE organisers SET name = $2, role = $3, disabled_at = $4 WHERE id = $1`,
		o.ID, o.Name, string(o.Role), o.DisabledAt)
	if isCheckViolation(err, "organisers_name_check") {
		return fieldError("name", "Their name must be 100 characters or fewer")
	}
	if err != nil {
		return fmt.Errorf("update organiser: %w", err)
	}
	if before.Active() && !o.Active() {
		if _, err := tx.Exec(ctx, `DELETE FROM organiser_sessions WHERE organiser_id = $1`, o.ID); err != nil {
			return fmt.Errorf("update organiser: end sign-ins: %w", err)
		}
	}
	was, is := booking.SnapshotOrganiser(before), booking.SnapshotOrganiser(o)
	if was == is {
		return nil
	}
	return audit(ctx, tx, by, now, booking.AuditOrganiserUpdate, booking.SubjectOrganiser, o.ID, was, is)
}

// EnsureAdmin makes the account of email an active admin, creating it when
// there is none. The advisory lock makes two runs at once safe.
func (db *DB) EnsureAdmin(ctx context.Context, email, name string, by booking.Actor, now time.Time) (*booking.Organiser, booking.EnsureOutcome, error) {
	var out *booking.Organiser
	var outcome booking.EnsureOutcome
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(accountsLock)); err != nil {
			return fmt.Errorf("ensure admin: lock: %w", err)
		}
		o, err := readOrganiser(ctx, tx, `lower(o.email) = lower($1)`, email, true)
		if booking.IsCode(err, booking.ENotFound) {
			out, outcome = &booking.Organiser{Email: email, Name: name, Role: booking.RoleAdmin}, booking.AdminCreated
			return insertOrganiser(ctx, tx, out, by, now)
		}
		if err != nil {
			return err
		}
		before := *o
		switch {
		case o.Role != booking.RoleAdmin:
			outcome = booking.AdminPromoted
		case !o.Active():
			outcome = booking.AdminEnabled
		default:
			outcome = booking.AdminUnchanged
		}
		o.Role, o.DisabledAt = booking.RoleAdmin, nil
		if o.Name == "" && name != "" {
			o.Name = name
			if outcome == booking.AdminUnchanged {
				outcome = booking.AdminNamed
			}
		}
		out = o
		return writeOrganiser(ctx, tx, &before, o, by, now)
	})
	if err != nil {
		return nil, "", err
	}
	return out, outcome, nil
}

// sessionExists answers ENotFound for a session that is not there.
func sessionExists(ctx context.Context, q querier, sessionID int64) error {
	var ok bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $1)`, sessionID).Scan(&ok); err != nil {
		return fmt.Errorf("read session: %w", err)
	}
	if !ok {
		return errSessionNotFound()
	}
	return nil
}

// AssignFacilitator lets an organiser run a session, with its audit entry.
func (db *DB) AssignFacilitator(ctx context.Context, sessionID, organiserID int64, by booking.Actor, now time.Time) (bool, error) {
	added := false
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		if err := sessionExists(ctx, tx, sessionID); err != nil {
			return err
		}
		o, err := readOrganiser(ctx, tx, `o.id = $1`, organiserID, true)
		if booking.IsCode(err, booking.ENotFound) {
			return fieldError("organiser_id", "There is no account with that id")
		}
		if err != nil {
			return err
		}
		if !o.Active() {
			return booking.Errorf(booking.EConflict, "That account is disabled: enable it before assigning it to a session.")
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO session_facilitators (session_id, organiser_id, assigned_at) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, sessionID, organiserID, now)
		if err != nil {
			return fmt.Errorf("assign facilitator: %w", err)
		}
		if added = tag.RowsAffected() == 1; !added {
			return nil
		}
		return audit(ctx, tx, by, now, booking.AuditFacilitatorAssign, booking.SubjectSession, sessionID,
			nil, booking.FacilitatorSnapshot{SessionID: sessionID, OrganiserID: organiserID})
	})
	return added, err
}

// UnassignFacilitator stops an organiser running a session, with its audit entry.
func (db *DB) UnassignFacilitator(ctx context.Context, sessionID, organiserID int64, by booking.Actor, now time.Time) (bool, error) {
	removed := false
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		if err := sessionExists(ctx, tx, sessionID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM session_facilitators WHERE session_id = $1 AND organiser_id = $2`,
			sessionID, organiserID)
		if err != nil {
			return fmt.Errorf("unassign facilitator: %w", err)
		}
		if removed = tag.RowsAffected() == 1; !removed {
			return nil
		}
		return audit(ctx, tx, by, now, booking.AuditFacilitatorUnassign, booking.SubjectSession, sessionID,
			booking.FacilitatorSnapshot{SessionID: sessionID, OrganiserID: organiserID}, nil)
	})
	return removed, err
}

// Facilitates reports whether the organiser is assigned to the session.
func (db *DB) Facilitates(ctx context.Context, organiserID, sessionID int64) (bool, error) {
	var ok bool
	err := db.Pool.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM session_facilitators WHERE organiser_id = $1 AND session_id = $2)`,
		organiserID, sessionID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("facilitates: %w", err)
	}
	return ok, nil
}

// FacilitatedSessions lists the sessions an organiser runs, soonest first.
func (db *DB) FacilitatedSessions(ctx context.Context, organiserID int64) ([]int64, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT f.session_id FROM session_facilitators f JOIN sessions s ON s.id = f.session_id
		WHERE f.organiser_id = $1 ORDER BY s.starts_at, s.id`, organiserID)
	if err != nil {
		return nil, fmt.Errorf("facilitated sessions: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("facilitated sessions: %w", err)
	}
	return ids, nil
}

// Facilitators lists who runs a session, by name.
func (db *DB) Facilitators(ctx context.Context, sessionID int64) ([]*booking.Organiser, error) {
	return listOrganisers(ctx, db.Pool, `
		SELECT `+organiserColumns+` FROM organisers o JOIN session_facilitators f ON f.organiser_id = o.id
		WHERE f.session_id = $1 ORDER BY lower(o.name), o.id`, sessionID)
}

// audit writes the entry for a change in q, the change's own transaction.
func audit(ctx context.Context, q querier, by booking.Actor, now time.Time, action, subjectType string, subjectID int64, before, after any) error {
	e, err := booking.NewAuditEntry(by, now, action, subjectType, strconv.FormatInt(subjectID, 10), before, after)
	if err != nil {
		return err
	}
	return recordAudit(ctx, q, e)
}
