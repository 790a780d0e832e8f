package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

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
	if f.Action != "" {
		add("a.action = ?", f.Action)
	}
	if f.Actor != "" {
		add("a.actor = ?", string(f.Actor))
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

// recordChange writes the audit entry of a change in tx, the change's own
// transaction, in the name of the actor in ctx (booking.WithActor). A change
// nobody signed in made (a resident, a background job) is not recorded.
func recordChange(ctx context.Context, tx pgx.Tx, now time.Time, action, subjectType, subjectID string, before, after any) error {
	by, ok := booking.ActorFrom(ctx)
	if !ok {
		return nil
	}
	e, err := booking.NewAuditEntry(by, now, action, subjectType, subjectID, before, after)
	if err != nil {
		return err
	}
	return recordAudit(ctx, tx, e)
}

func sameSnapshot(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}
