package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/competition"
)

var _ competition.Store = (*DB)(nil)

// posterColumns are the columns readEntry scans, without the images.
const posterColumns = `id, reference, first_name, age, area, title, coalesce(guardian_email, ''), status,
	created_at, confirmed_at, shortlisted, score, winner, image_type, width, height`

func scanEntry(row pgx.Row) (*competition.Entry, error) {
	e := &competition.Entry{}
	err := row.Scan(&e.ID, &e.Reference, &e.FirstName, &e.Age, &e.Area, &e.Title, &e.GuardianEmail, &e.Status,
		&e.CreatedAt, &e.ConfirmedAt, &e.Shortlisted, &e.Score, &e.Winner, &e.ImageType, &e.Width, &e.Height)
	return e, err
}

func errPosterNotFound() error {
	return booking.Errorf(booking.ENotFound, "We could not find an entry with that reference.")
}

// judgeSnapshot is what the audit log keeps of a judging: the decision,
// never the child's details.
type judgeSnapshot struct {
	Shortlisted bool `json:"shortlisted"`
	Score       *int `json:"score"`
	Winner      bool `json:"winner"`
}

func snapshotJudging(e *competition.Entry) judgeSnapshot {
	return judgeSnapshot{Shortlisted: e.Shortlisted, Score: e.Score, Winner: e.Winner}
}

// CreateEntry stores an entry with its poster and, when it waits for a
// parent or carer, queues the email asking them, in one transaction.
func (db *DB) CreateEntry(ctx context.Context, e *competition.Entry, p *competition.Poster, tokenHash []byte,
	confirmURL string, now time.Time) error {
	var guardian *string
	if e.GuardianEmail != "" {
		guardian = &e.GuardianEmail
	}
	var hash []byte
	if len(tokenHash) > 0 {
		hash = tokenHash
	}
	for try := 0; ; try++ {
		e.Reference = newReference()
		err := db.Transact(ctx, func(tx pgx.Tx) error {
			err := tx.QueryRow(ctx, `
				INSERT INTO competition_entries (reference, first_name, age, area, title, guardian_email,
					guardian_token_hash, status, created_at, image_type, width, height, image, thumbnail)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
				RETURNING id`,
				e.Reference, e.FirstName, e.Age, e.Area, e.Title, guardian, hash, string(e.Status), now,
				p.Type, p.Width, p.Height, p.Image, p.Thumbnail).Scan(&e.ID)
			if err != nil {
				return err
			}
			if e.Status != competition.AwaitingGuardian {
				return nil
			}
			_, err = db.queue(ctx, tx, time.Time{}, booking.Email{
				Kind: booking.MsgCompetitionGuardian, CompetitionEntryID: e.ID,
				Payload: booking.EmailPayload{To: e.GuardianEmail, Name: e.FirstName, Reference: e.Reference,
					URL: confirmURL, ExpiresAt: now.Add(competition.GuardianWait)},
			})
			return err
		})
		if isUniqueViolation(err, "competition_entries_reference_key") && try < 3 {
			continue
		}
		if err != nil {
			return fmt.Errorf("create entry: %w", err)
		}
		break
	}
	e.CreatedAt, e.ImageType, e.Width, e.Height = now, p.Type, p.Width, p.Height
	return nil
}

// ConfirmGuardian counts the entry awaiting the token, and forgets the token.
func (db *DB) ConfirmGuardian(ctx context.Context, tokenHash []byte, now time.Time) (*competition.Entry, error) {
	e, err := scanEntry(db.Pool.QueryRow(ctx, `
		UPDATE competition_entries SET status = 'entered', confirmed_at = $2, guardian_token_hash = NULL
		WHERE guardian_token_hash = $1 AND status = 'awaiting_guardian'
		RETURNING `+posterColumns, tokenHash, now))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errLinkUsed()
	}
	if err != nil {
		return nil, fmt.Errorf("confirm entry: %w", err)
	}
	return e, nil
}

func errLinkUsed() error {
	return booking.Errorf(booking.ENotFound, "This link has been used already or has run out.")
}

// EntryByToken reads the entry awaiting the token's confirmation.
func (db *DB) EntryByToken(ctx context.Context, tokenHash []byte) (*competition.Entry, error) {
	e, err := scanEntry(db.Pool.QueryRow(ctx, `SELECT `+posterColumns+` FROM competition_entries
		WHERE guardian_token_hash = $1 AND status = 'awaiting_guardian'`, tokenHash))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errLinkUsed()
	}
	if err != nil {
		return nil, fmt.Errorf("entry by token: %w", err)
	}
	return e, nil
}

// Entries lists entries newest first.
func (db *DB) Entries(ctx context.Context, f competition.Filter) ([]*competition.Entry, error) {
	lo, hi, err := f.Ages()
	if err != nil {
		return nil, err
	}
	rows, err := db.Pool.Query(ctx, `SELECT `+posterColumns+` FROM competition_entries
		WHERE age BETWEEN $1 AND $2 AND ($3 = '' OR area = $3) AND (NOT $4 OR shortlisted)
			AND ($5 OR status = 'entered')
		ORDER BY created_at DESC, id DESC`, lo, hi, f.Area, f.Shortlisted, f.IncludeAwaiting)
	if err != nil {
		return nil, fmt.Errorf("entries: %w", err)
	}
	return collectEntries(rows)
}

func collectEntries(rows pgx.Rows) ([]*competition.Entry, error) {
	defer rows.Close()
	out := []*competition.Entry{}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("entries: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("entries: %w", err)
	}
	return out, nil
}

// Entry reads one entry by reference.
func (db *DB) Entry(ctx context.Context, reference string) (*competition.Entry, error) {
	e, err := scanEntry(db.Pool.QueryRow(ctx, `SELECT `+posterColumns+` FROM competition_entries
		WHERE reference = $1`, normalizeReference(reference)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errPosterNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("entry: %w", err)
	}
	return e, nil
}

// EntryImage returns the stored image or its thumbnail (always a JPEG).
func (db *DB) EntryImage(ctx context.Context, reference string, thumbnail bool) (*competition.Image, error) {
	img := &competition.Image{Type: competition.TypeJPEG}
	var err error
	if thumbnail {
		err = db.Pool.QueryRow(ctx, `SELECT thumbnail FROM competition_entries WHERE reference = $1`,
			normalizeReference(reference)).Scan(&img.Data)
	} else {
		err = db.Pool.QueryRow(ctx, `SELECT image_type, image FROM competition_entries WHERE reference = $1`,
			normalizeReference(reference)).Scan(&img.Type, &img.Data)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errPosterNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("entry image: %w", err)
	}
	return img, nil
}

// Judge applies j to a counted entry, audited in its transaction.
func (db *DB) Judge(ctx context.Context, reference string, j competition.Judging, now time.Time) (*competition.Entry, error) {
	var out *competition.Entry
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		e, err := scanEntry(tx.QueryRow(ctx, `SELECT `+posterColumns+` FROM competition_entries
			WHERE reference = $1 FOR UPDATE`, normalizeReference(reference)))
		if errors.Is(err, pgx.ErrNoRows) {
			return errPosterNotFound()
		}
		if err != nil {
			return fmt.Errorf("judge: %w", err)
		}
		if e.Status != competition.Entered {
			return booking.Errorf(booking.EConflict, "This entry does not count yet: a parent or carer has not confirmed it.")
		}
		before := snapshotJudging(e)
		if j.Shortlisted != nil {
			e.Shortlisted = *j.Shortlisted
		}
		if j.Score != nil {
			e.Score = j.Score
		}
		if j.Winner != nil {
			e.Winner = *j.Winner
		}
		if _, err := tx.Exec(ctx, `UPDATE competition_entries SET shortlisted = $2, score = $3, winner = $4
			WHERE id = $1`, e.ID, e.Shortlisted, e.Score, e.Winner); err != nil {
			return fmt.Errorf("judge: %w", err)
		}
		out = e
		return recordChange(ctx, tx, now, competition.AuditJudge, competition.SubjectEntry, e.Reference, before, snapshotJudging(e))
	})
	return out, err
}

// PublishWinners shows or hides the winners page, audited.
func (db *DB) PublishWinners(ctx context.Context, publish bool, now time.Time) error {
	return db.Transact(ctx, func(tx pgx.Tx) error {
		var at *time.Time
		action := competition.AuditUnpublish
		if publish {
			at, action = &now, competition.AuditPublish
		}
		if _, err := tx.Exec(ctx, `UPDATE competition_publication SET published_at = $1`, at); err != nil {
			return fmt.Errorf("publish winners: %w", err)
		}
		return recordChange(ctx, tx, now, action, competition.SubjectCompetition, "winners", nil, map[string]bool{"published": publish})
	})
}

// Winners returns whether the winners page is published and its winners,
// youngest first.
func (db *DB) Winners(ctx context.Context) (bool, []competition.Winner, error) {
	var published bool
	if err := db.Pool.QueryRow(ctx, `SELECT published_at IS NOT NULL FROM competition_publication`).Scan(&published); err != nil {
		return false, nil, fmt.Errorf("winners: %w", err)
	}
	rows, err := db.Pool.Query(ctx, `SELECT first_name, age, area FROM competition_entries
		WHERE winner AND status = 'entered' ORDER BY age, first_name`)
	if err != nil {
		return false, nil, fmt.Errorf("winners: %w", err)
	}
	defer rows.Close()
	out := []competition.Winner{}
	for rows.Next() {
		var w competition.Winner
		if err := rows.Scan(&w.FirstName, &w.Age, &w.Area); err != nil {
			return false, nil, fmt.Errorf("winners: %w", err)
		}
		out = append(out, w)
	}
	return published, out, rows.Err()
}

// EraseEntry deletes an entry with its image and its unsent email (the
// outbox row goes with it, ON DELETE CASCADE), audited.
func (db *DB) EraseEntry(ctx context.Context, reference string, now time.Time) error {
	return db.Transact(ctx, func(tx pgx.Tx) error {
		var ref string
		err := tx.QueryRow(ctx, `DELETE FROM competition_entries WHERE reference = $1 RETURNING reference`,
			normalizeReference(reference)).Scan(&ref)
		if errors.Is(err, pgx.ErrNoRows) {
			return errPosterNotFound()
		}
		if err != nil {
			return fmt.Errorf("erase entry: %w", err)
		}
		return recordChange(ctx, tx, now, competition.AuditErase, competition.SubjectEntry, ref, nil, nil)
	})
}

// EraseByGuardian deletes the entry only when reference and address match.
func (db *DB) EraseByGuardian(ctx context.Context, reference, email string, _ time.Time) error {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM competition_entries
		WHERE reference = $1 AND guardian_email IS NOT NULL AND lower(guardian_email) = lower($2)`,
		normalizeReference(reference), strings.TrimSpace(email))
	if err != nil {
		return fmt.Errorf("erase entry: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return booking.Errorf(booking.ENotFound,
			"We could not find an entry with that reference and email address. Check both and try again.")
	}
	return nil
}

// EntriesOf returns the entries whose parent or carer's address is email.
func (db *DB) EntriesOf(ctx context.Context, email string) ([]*competition.Entry, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+posterColumns+` FROM competition_entries
		WHERE guardian_email IS NOT NULL AND lower(guardian_email) = lower($1)
		ORDER BY created_at, id`, strings.TrimSpace(email))
	if err != nil {
		return nil, fmt.Errorf("entries of: %w", err)
	}
	return collectEntries(rows)
}

// DeleteExpired deletes unconfirmed entries made at or before
// unconfirmedBy, and every entry when all is true.
func (db *DB) DeleteExpired(ctx context.Context, unconfirmedBy time.Time, all bool) (int, error) {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM competition_entries
		WHERE $2 OR (status = 'awaiting_guardian' AND created_at <= $1)`, unconfirmedBy, all)
	if err != nil {
		return 0, fmt.Errorf("delete expired entries: %w", err)
	}
	if all {
		if _, err := db.Pool.Exec(ctx, `UPDATE competition_publication SET published_at = NULL`); err != nil {
			return 0, fmt.Errorf("delete expired entries: %w", err)
		}
	}
	return int(tag.RowsAffected()), nil
}
