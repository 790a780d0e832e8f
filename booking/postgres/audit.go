package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

// RecordAudit writes one entry to the audit log.
func (db *DB) RecordAudit(ctx context.Context, e *booking.AuditEntry) error {
	return recordAudit(ctx, db.Pool, e)
}

func recordAudit(ctx context.Context, q querier, e *booking.AuditEntry) error {
	var organiser *int64
	if e.Actor == booking.ActorOrganiser {
		organiser = &e.OrganiserID
	}
	err := q.QueryRow(ctx, `
		INSERT INTO audit_log (at, actor, organiser_id, action, subject_type, subject_id, before, after)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		e.At, string(e.Actor), organiser, e.Action, e.SubjectType, e.SubjectID,
		jsonOrNull(e.Before), jsonOrNull(e.After)).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// jsonOrNull passes raw JSON as a string (so pgx sends it as jsonb text)
// and nothing as NULL.
func jsonOrNull(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	return string(raw)
}

// AuditEntries reads the log newest first, with the name and address of
// the organiser behind each entry.
func (db *DB) AuditEntries(ctx context.Context, f booking.AuditFilter) ([]*booking.AuditEntry, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.SubjectType != "" {
		add("a.subject_type = ?", f.SubjectType)
	}
	if f.SubjectID != "" {
		add("a.subject_id = ?", f.SubjectID)
	}
	if f.OrganiserID != 0 {
		add("a.organiser_id = ?", f.OrganiserID)
	}
	if f.BeforeID != 0 {
		add("a.id < ?", f.BeforeID)
	}
	sql := `SELECT a.id, a.at, a.actor, coalesce(a.organiser_id, 0), a.action, a.subject_type, a.subject_id,
			a.before, a.after, coalesce(o.name, ''), coalesce(o.email, '')
		FROM audit_log a LEFT JOIN organisers o ON o.id = a.organiser_id`
	if len(where) > 0 {
		sql += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit)
	sql += ` ORDER BY a.id DESC LIMIT $` + strconv.Itoa(len(args))
	rows, err := db.Pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*booking.AuditEntry, error) {
		e := &booking.AuditEntry{}
		var before, after []byte
		err := row.Scan(&e.ID, &e.At, &e.Actor, &e.OrganiserID, &e.Action, &e.SubjectType, &e.SubjectID,
			&before, &after, &e.OrganiserName, &e.OrganiserEmail)
		e.Before, e.After = before, after
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return out, nil
}

// AuditedDB is the store with the organisers' changes to workshops and
// sessions written to the audit log: when the context carries an Actor
// (booking.WithActor), the change is recorded in their name. It embeds
// *DB, so every other method (and interface) of the store is unchanged.
//
// The entry is written right after the change commits, not in its
// transaction: the change's transaction lives in DB methods shared with
// the booking engine. The before snapshot is still exact, taken under the
// change's row lock, and the after snapshot is read inside it. If the
// audit write fails the change stands (undoing it would be worse); the
// failure is logged as an error for someone to look at.
type AuditedDB struct {
	*DB
	Clock  booking.Clock
	Logger *slog.Logger
}

var _ booking.Store = (*AuditedDB)(nil)

// Audited wraps db; clock stamps the entries (nil is the system clock).
func Audited(db *DB, clock booking.Clock, logger *slog.Logger) *AuditedDB {
	if clock == nil {
		clock = booking.SystemClock
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &AuditedDB{DB: db, Clock: clock, Logger: logger}
}

// record writes an entry for the actor in ctx, if any. Nothing personal is
// logged when it fails: the action and subject only.
func (a *AuditedDB) record(ctx context.Context, action, subjectType string, subjectID int64, before, after any) {
	by, ok := booking.ActorFrom(ctx)
	if !ok {
		return
	}
	// The change has committed: a client hanging up now must not cost its entry.
	ctx = context.WithoutCancel(ctx)
	if err := audit(ctx, a.DB.Pool, by, a.Clock.Now(), action, subjectType, subjectID, before, after); err != nil {
		a.Logger.Error("audit entry not written", "action", action, "subject_type", subjectType,
			"subject_id", subjectID, "err", err)
	}
}

// CreateWorkshop creates w and records it.
func (a *AuditedDB) CreateWorkshop(ctx context.Context, w *booking.Workshop) error {
	if err := a.DB.CreateWorkshop(ctx, w); err != nil {
		return err
	}
	a.record(ctx, booking.AuditWorkshopCreate, booking.SubjectWorkshop, w.ID, nil, booking.SnapshotWorkshop(w))
	return nil
}

// CreateSession creates s and records it.
func (a *AuditedDB) CreateSession(ctx context.Context, s *booking.Session) error {
	if err := a.DB.CreateSession(ctx, s); err != nil {
		return err
	}
	a.record(ctx, booking.AuditSessionCreate, booking.SubjectSession, s.ID, nil, booking.SnapshotSession(s))
	return nil
}

// UpdateSession changes a session and records it as it was under the row
// lock and as it is after; a change that changed nothing is not recorded.
func (a *AuditedDB) UpdateSession(ctx context.Context, id int64, change func(s *booking.Session) (booking.Notice, error)) (*booking.Session, error) {
	var before booking.SessionSnapshot
	after, err := a.DB.UpdateSession(ctx, id, func(s *booking.Session) (booking.Notice, error) {
		before = booking.SnapshotSession(s)
		return change(s)
	})
	if err != nil {
		return nil, err
	}
	snap := booking.SnapshotSession(after)
	if sameSnapshot(before, snap) {
		return after, nil
	}
	action := booking.AuditSessionUpdate
	if before.Status != booking.Cancelled && after.Status == booking.Cancelled {
		action = booking.AuditSessionCancel
	}
	a.record(ctx, action, booking.SubjectSession, id, before, snap)
	return after, nil
}

func sameSnapshot(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}
