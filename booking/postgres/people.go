package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
)

var _ booking.PersonalDataStore = (*DB)(nil)

// blankPersonalData is the SET list that removes a booking's or a
// waiting-list entry's personal data and records when ($2). The mode,
// status, attendance and times stay. The manage link's hash becomes the
// hash of a random value nobody holds, so the links in old emails stop
// opening a record that has nothing of the person left (the column is NOT
// NULL and, for entries, UNIQUE).
const blankPersonalData = `name = '', email = '', organisation = '', postcode = '', access_needs = '',
	phone = '', postal_address = '', anonymised_at = $2,
	manage_token_hash = sha256(convert_to(gen_random_uuid()::text, 'UTF8'))`

// blankNewEmail removes an address a booking was being moved to
// (migrations/00015_resent_links.sql) with its link.
const blankNewEmail = `new_email = NULL, new_email_token_hash = NULL, new_email_expires_at = NULL`

// keepDistrict is the SET item that keeps the first half of a booking's
// postcode as its details are removed by retention (migrations/00028):
// booking.PostcodeDistrict in SQL, ” for no postcode, NULL for text that
// is not a postcode. An erasure the person asks for keeps nothing.
const keepDistrict = `postcode_district = CASE
	WHEN postcode = '' THEN ''
	WHEN upper(regexp_replace(postcode, '\s', '', 'g')) ~ '^[A-Z][A-Z0-9]{1,3}[0-9][A-Z]{2}$'
		THEN left(upper(regexp_replace(postcode, '\s', '', 'g')), -3) END`

// personalPayload lists the keys of an outbox payload that name a person
// or carry a working link: the address and name of an organiser's sign-in
// email or of an older waiting-list offer, a sign-in link, a manage or
// offer token. An email that is gone or given up on needs none of them.
const personalPayload = `array['to', 'name', 'email', 'url', 'token']`

// forgetEmails follows a statement whose CTE "anon" returns the ids of the
// rows of column's table (bookings or waitlist entries) just anonymised:
// emails still waiting for them are dropped (the address is gone), and the
// others lose their error text, which may quote the address, and the
// personal keys and links of their payload. The two touch different rows,
// as one statement must.
func forgetEmails(column string) string {
	return `,
	dropped AS (
		DELETE FROM outbox WHERE ` + column + ` IN (SELECT id FROM anon) AND status = 'pending'
		RETURNING id
	),
	cleared AS (
		UPDATE outbox SET last_error = '', payload = payload - ` + personalPayload + `
		WHERE ` + column + ` IN (SELECT id FROM anon) AND status <> 'pending'
		  AND (last_error <> '' OR payload ?| ` + personalPayload + `)
		RETURNING id
	)`
}

// forgetLinks follows forgetEmails: the links sent again ("send me my
// booking link") to the rows just anonymised stop, like the links in their
// emails, since there is nothing left for them to open.
func forgetLinks(column string) string {
	return `,
	unlinked AS (
		DELETE FROM resent_links WHERE ` + column + ` IN (SELECT id FROM anon)
	)`
}

// ForgetFailedLinks removes the links (a manage or offer token, a sign-in
// link) from the emails that failed for good at or before failedBy, and
// returns how many it changed. markDone keeps them so an organiser can
// retry; after booking.FailedLinksKept nobody will. next_attempt_at is
// when the email failed: the sender sets it so.
func (db *DB) ForgetFailedLinks(ctx context.Context, failedBy time.Time) (int, error) {
	tag, err := db.Pool.Exec(ctx, `
		UPDATE outbox SET payload = payload - 'token' - 'url'
		WHERE status = 'failed' AND next_attempt_at <= $1 AND payload ?| array['token', 'url']`, failedBy)
	if err != nil {
		return 0, fmt.Errorf("forget the links of failed emails: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// AnonymiseEnded anonymises up to limit bookings and up to limit
// waiting-list entries of sessions that ended at or before endedBy. SKIP
// LOCKED lets several instances sweep at once, each taking other rows; it
// locks those rows only and waits for none, so it cannot deadlock with
// writers taking the common lock order. Entries still waiting when their
// session is long over have lapsed; offered ones are left to the offer
// worker, which lapses them before the session starts.
func (db *DB) AnonymiseEnded(ctx context.Context, endedBy, now time.Time, limit int) (int, error) {
	var bookings, entries int
	err := db.Pool.QueryRow(ctx, `
		WITH due AS (
			SELECT b.id FROM bookings b JOIN sessions s ON s.id = b.session_id
			WHERE b.anonymised_at IS NULL AND s.ends_at <= $1
			ORDER BY b.id
			LIMIT $3
			FOR UPDATE OF b SKIP LOCKED
		),
		anon AS (
			UPDATE bookings SET `+blankPersonalData+`, `+blankNewEmail+`, `+keepDistrict+`
			FROM due WHERE bookings.id = due.id
			RETURNING bookings.id
		)`+forgetEmails("booking_id")+forgetLinks("booking_id")+`
		SELECT count(*) FROM anon`, endedBy, now, limit).Scan(&bookings)
	if err != nil {
		return 0, fmt.Errorf("anonymise ended sessions: bookings: %w", err)
	}
	err = db.Pool.QueryRow(ctx, `
		WITH due AS (
			SELECT e.id FROM waitlist_entries e JOIN sessions s ON s.id = e.session_id
			WHERE e.anonymised_at IS NULL AND s.ends_at <= $1 AND e.status <> 'offered'
			ORDER BY e.id
			LIMIT $3
			FOR UPDATE OF e SKIP LOCKED
		),
		anon AS (
			UPDATE waitlist_entries w SET `+blankPersonalData+`, offer_token_hash = NULL,
				status = CASE WHEN w.status = 'waiting' THEN 'lapsed' ELSE w.status END,
				ended_at = COALESCE(w.ended_at, $2)
			FROM due WHERE w.id = due.id
			RETURNING w.id
		)`+forgetEmails("waitlist_entry_id")+forgetLinks("waitlist_entry_id")+`
		SELECT count(*) FROM anon`, endedBy, now, limit).Scan(&entries)
	if err != nil {
		return bookings, fmt.Errorf("anonymise ended sessions: waiting lists: %w", err)
	}
	// The acknowledgements of ballot applications carry the name and
	// address in their payload: gone once the session is over, drawn or not.
	if _, err := db.Pool.Exec(ctx, `
		WITH ended AS (
			SELECT o.id, o.status FROM outbox o JOIN sessions s ON s.id = o.session_id
			WHERE o.kind = 'ballot_applied' AND s.ends_at <= $1 AND o.payload ?| `+personalPayload+`
			ORDER BY o.id LIMIT $2
		),
		dropped AS (
			DELETE FROM outbox WHERE id IN (SELECT id FROM ended WHERE status = 'pending')
		)
		UPDATE outbox SET last_error = '', payload = payload - `+personalPayload+`
		WHERE id IN (SELECT id FROM ended WHERE status <> 'pending')`, endedBy, limit); err != nil {
		return bookings + entries, fmt.Errorf("anonymise ended sessions: ballot emails: %w", err)
	}
	// Applications to a ballot never drawn (its session cancelled or
	// over); a draw blanks its own.
	tag, err := db.Pool.Exec(ctx, `
		UPDATE ballot_applications a SET name = '', email = '', organisation = '', postcode = '', access_needs = ''
		WHERE a.id IN (SELECT a.id FROM ballot_applications a JOIN sessions s ON s.id = a.session_id
		               WHERE a.email <> '' AND s.ends_at <= $1 ORDER BY a.id LIMIT $2)`, endedBy, limit)
	if err != nil {
		return bookings + entries, fmt.Errorf("anonymise ended sessions: ballot applications: %w", err)
	}
	return bookings + entries + int(tag.RowsAffected()), nil
}

// PersonalData returns every booking and waiting-list entry made with
// email, with their sessions, and the emails sent or waiting to go to it;
// the export is written to the audit log in the same transaction.
func (db *DB) PersonalData(ctx context.Context, p booking.Person, now time.Time) (*booking.PersonalData, error) {
	var out *booking.PersonalData
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		var err error
		if out, err = personalData(ctx, tx, p); err != nil {
			return err
		}
		return recordChange(ctx, tx, now, booking.AuditPersonExport, booking.SubjectPerson, "", nil,
			map[string]int{"bookings": len(out.Bookings), "emails": len(out.Emails), "interest": len(out.Interest)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// personIs is the condition that a row (alias "b." or "e.", or "" for
// one table) is about p, whose key is the argument $1, and that key.
func personIs(alias string, p booking.Person) (string, string) {
	if p.Phone != "" {
		return alias + "phone = $1", p.Phone
	}
	return "lower(" + alias + "email) = lower($1)", p.Email
}

func personalData(ctx context.Context, q querier, p booking.Person) (*booking.PersonalData, error) {
	out := &booking.PersonalData{Email: p.Email, Phone: p.Phone}
	isB, key := personIs("b.", p)
	// The companions a person booked are in their data too: they gave
	// the names (a companion with an address is found by it as well).
	withCompanions := withCompanionsOf(isB, p)
	isE, _ := personIs("e.", p)
	isI := interestOf("i.", p)
	rows, err := q.Query(ctx, `
		SELECT `+prefixed("b.", bookingColumns)+`, b.anonymised_at,
			w.title, s.starts_at, s.ends_at, s.venue_name, s.venue_address
		FROM bookings b
		JOIN sessions s ON s.id = b.session_id
		JOIN workshops w ON w.id = s.workshop_id
		WHERE `+withCompanions+`
		ORDER BY s.starts_at, b.id`, key)
	if err != nil {
		return nil, fmt.Errorf("personal data: bookings: %w", err)
	}
	out.Bookings, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (booking.PersonalBooking, error) {
		var p booking.PersonalBooking
		dest := append(bookingDest(&p.Booking), &p.AnonymisedAt,
			&p.Workshop, &p.StartsAt, &p.EndsAt, &p.Venue.Name, &p.Venue.Address)
		err := row.Scan(dest...)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("personal data: bookings: %w", err)
	}

	rows, err = q.Query(ctx, `
		SELECT e.reference, e.session_id, e.mode, e.name, e.email, e.organisation, e.postcode,
			e.access_needs, e.status, e.created_at, e.ended_at, e.anonymised_at,
			w.title, s.starts_at, s.ends_at
		FROM waitlist_entries e
		JOIN sessions s ON s.id = e.session_id
		JOIN workshops w ON w.id = s.workshop_id
		WHERE `+isE+`
		ORDER BY s.starts_at, e.id`, key)
	if err != nil {
		return nil, fmt.Errorf("personal data: waiting lists: %w", err)
	}
	out.WaitingLists, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (booking.PersonalWaitlistEntry, error) {
		var e booking.PersonalWaitlistEntry
		err := row.Scan(&e.Reference, &e.SessionID, &e.Mode, &e.Name, &e.Email, &e.Organisation, &e.Postcode,
			&e.AccessNeeds, &e.Status, &e.CreatedAt, &e.EndedAt, &e.AnonymisedAt, &e.Workshop, &e.StartsAt, &e.EndsAt)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("personal data: waiting lists: %w", err)
	}

	// Emails reach a person through a booking, a waiting-list entry or (a
	// sign-in link to an organiser) the address in the payload; a row is
	// counted once, under the first of these it has.
	rows, err = q.Query(ctx, `
		SELECT about, reference, kind, status, attempts, created_at, sent_at FROM (
			SELECT 'booking' AS about, b.reference, o.*
			FROM outbox o JOIN bookings b ON b.id = o.booking_id
			WHERE `+isB+`
			UNION ALL
			SELECT 'waiting_list', e.reference, o.*
			FROM outbox o JOIN waitlist_entries e ON e.id = o.waitlist_entry_id
			WHERE `+isE+` AND o.booking_id IS NULL
			UNION ALL
			SELECT 'interest', '', o.*
			FROM outbox o JOIN interests i ON i.id = o.interest_id
			WHERE `+isI+`
			UNION ALL
			SELECT CASE o.kind WHEN 'ballot_applied' THEN 'ballot_application' ELSE 'account' END,
			       coalesce(o.payload->>'reference', ''), o.*
			FROM outbox o
			WHERE lower(o.payload->>'to') = lower($1) AND o.booking_id IS NULL AND o.waitlist_entry_id IS NULL
			  AND o.interest_id IS NULL
		) sent
		ORDER BY id`, key)
	if err != nil {
		return nil, fmt.Errorf("personal data: emails: %w", err)
	}
	out.Emails, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (booking.PersonalEmail, error) {
		var e booking.PersonalEmail
		err := row.Scan(&e.About, &e.Reference, &e.Kind, &e.Status, &e.Attempts, &e.CreatedAt, &e.SentAt)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("personal data: emails: %w", err)
	}
	out.Applications = []booking.PersonalApplication{}
	out.Interest = []booking.Interest{}
	if p.Email == "" {
		return out, nil // applications and registrations have an address, never only a phone number
	}
	rows, err = q.Query(ctx, `
		SELECT a.reference, a.session_id, a.mode, a.area, a.name, a.email, a.organisation, a.postcode,
			a.access_needs, a.created_at, w.title, s.starts_at
		FROM ballot_applications a
		JOIN sessions s ON s.id = a.session_id
		JOIN workshops w ON w.id = s.workshop_id
		WHERE a.email <> '' AND lower(a.email) = lower($1)
		ORDER BY s.starts_at, a.id`, p.Email)
	if err != nil {
		return nil, fmt.Errorf("personal data: ballot applications: %w", err)
	}
	out.Applications, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (booking.PersonalApplication, error) {
		var a booking.PersonalApplication
		err := row.Scan(&a.Reference, &a.SessionID, &a.Mode, &a.Area, &a.Name, &a.Email, &a.Organisation,
			&a.Postcode, &a.AccessNeeds, &a.CreatedAt, &a.Workshop, &a.StartsAt)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("personal data: ballot applications: %w", err)
	}
	rows, err = q.Query(ctx, `SELECT `+prefixed("i.", interestColumns)+` FROM interests i WHERE `+isI+`
		ORDER BY i.id`, key)
	if err != nil {
		return nil, fmt.Errorf("personal data: interest: %w", err)
	}
	out.Interest, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (booking.Interest, error) {
		in, err := scanInterest(row)
		return *in, err
	})
	if err != nil {
		return nil, fmt.Errorf("personal data: interest: %w", err)
	}
	return out, nil
}

// withCompanionsOf widens isB, the condition that a booking (alias "b.")
// is p's, to the companions booked with p's bookings.
func withCompanionsOf(isB string, p booking.Person) string {
	isX, _ := personIs("x.", p)
	return "(" + isB + " OR b.companion_of IN (SELECT x.id FROM bookings x WHERE " + isX + "))"
}

// interestOf is the condition that a registration of interest (alias) is
// p's: by address, as registrations have no phone number.
func interestOf(alias string, p booking.Person) string {
	if p.Phone != "" {
		return "false"
	}
	return "lower(" + alias + "email) = lower($1)"
}

// LiveUpcoming returns the references of live bookings made with email for
// scheduled sessions that start after now. The bookings of a cancelled
// session went with it: they cannot be cancelled again (CancelBooking).
func (db *DB) LiveUpcoming(ctx context.Context, p booking.Person, now time.Time) ([]string, error) {
	is, key := personIs("b.", p)
	rows, err := db.Pool.Query(ctx, `
		SELECT b.reference FROM bookings b JOIN sessions s ON s.id = b.session_id
		WHERE `+is+` AND b.status <> 'cancelled' AND s.starts_at > $2
		  AND s.status = 'scheduled'
		ORDER BY b.id`, key, now)
	if err != nil {
		return nil, fmt.Errorf("live upcoming bookings: %w", err)
	}
	refs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("live upcoming bookings: %w", err)
	}
	return refs, nil
}

// ActiveWaitlistEntries returns the references of the entries made with
// email that are waiting or offered a place.
func (db *DB) ActiveWaitlistEntries(ctx context.Context, p booking.Person) ([]string, error) {
	is, key := personIs("", p)
	rows, err := db.Pool.Query(ctx, `
		SELECT reference FROM waitlist_entries
		WHERE `+is+` AND status IN ('waiting', 'offered')
		ORDER BY id`, key)
	if err != nil {
		return nil, fmt.Errorf("active waiting-list entries: %w", err)
	}
	refs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("active waiting-list entries: %w", err)
	}
	return refs, nil
}

// ErasePersonalData anonymises the bookings and waiting-list entries made
// with email, except live bookings of scheduled sessions still to come and active
// entries (the service ends those first; they are counted in Remaining),
// and forgets the address in the outbox, in one transaction. done is what
// the service did first (the bookings cancelled, the lists left); the
// erasure, done included, is written to the audit log in the transaction
// that finishes it (Remaining 0).
func (db *DB) ErasePersonalData(ctx context.Context, p booking.Person, done booking.Erasure, now time.Time) (booking.Erasure, error) {
	e := done
	isB, key := personIs("b.", p)
	is, _ := personIs("", p)
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			UPDATE bookings b SET `+blankPersonalData+`, `+blankNewEmail+`
			FROM sessions s
			WHERE s.id = b.session_id AND `+withCompanionsOf(isB, p)+`
			  AND NOT (b.status <> 'cancelled' AND s.starts_at > $2 AND s.status = 'scheduled')
			RETURNING b.id`, key, now)
		if err != nil {
			return fmt.Errorf("erase: bookings: %w", err)
		}
		bookingIDs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("erase: bookings: %w", err)
		}
		rows, err = tx.Query(ctx, `
			UPDATE waitlist_entries SET `+blankPersonalData+`, offer_token_hash = NULL, ended_at = COALESCE(ended_at, $2)
			WHERE `+is+` AND status NOT IN ('waiting', 'offered')
			RETURNING id`, key, now)
		if err != nil {
			return fmt.Errorf("erase: waiting lists: %w", err)
		}
		entryIDs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("erase: waiting lists: %w", err)
		}
		e.Anonymised, e.AnonymisedEntries = len(bookingIDs), len(entryIDs)
		if p.Email != "" {
			// An application not drawn yet is withdrawn; a drawn one holds
			// nothing personal (the draw blanked it).
			tag, err := tx.Exec(ctx, `
				DELETE FROM ballot_applications WHERE email <> '' AND lower(email) = lower($1)`, p.Email)
			if err != nil {
				return fmt.Errorf("erase: ballot applications: %w", err)
			}
			e.WithdrawnApplications = int(tag.RowsAffected())
		}
		if _, err := tx.Exec(ctx, `DELETE FROM resent_links WHERE booking_id = ANY($1) OR waitlist_entry_id = ANY($2)`,
			bookingIDs, entryIDs); err != nil {
			return fmt.Errorf("erase: links: %w", err)
		}
		// A booking waiting to move to the address (someone else's, or a
		// live one of theirs) moves nowhere: the address and its link go.
		// The email carrying the link is dropped or cleared below.
		if p.Email != "" {
			if _, err := tx.Exec(ctx, `UPDATE bookings SET `+blankNewEmail+` WHERE lower(new_email) = lower($1)`,
				p.Email); err != nil {
				return fmt.Errorf("erase: email changes: %w", err)
			}
		}

		// The emails to the address: those still waiting are dropped, the
		// others lose the address, the links and any error text quoting it.
		const toAddress = `(booking_id = ANY($1) OR waitlist_entry_id = ANY($2) OR lower(payload->>'to') = lower($3))`
		tag, err := tx.Exec(ctx, `DELETE FROM outbox WHERE status = 'pending' AND `+toAddress, bookingIDs, entryIDs, key)
		if err != nil {
			return fmt.Errorf("erase: emails: %w", err)
		}
		e.EmailsDropped = int(tag.RowsAffected())
		// Registrations of interest go whole, with their notices and
		// emails (ON DELETE CASCADE): nothing in them is needed once the
		// person is gone.
		if p.Email != "" {
			tag, err = tx.Exec(ctx, `DELETE FROM interests WHERE `+interestOf("", p), key)
			if err != nil {
				return fmt.Errorf("erase: interest: %w", err)
			}
			e.InterestDeleted = int(tag.RowsAffected())
		}
		if _, err := tx.Exec(ctx, `
			UPDATE outbox SET last_error = '', payload = payload - `+personalPayload+`
			WHERE `+toAddress+` AND (last_error <> '' OR payload ?| `+personalPayload+`)`,
			bookingIDs, entryIDs, key); err != nil {
			return fmt.Errorf("erase: emails: %w", err)
		}

		err = tx.QueryRow(ctx, `
			SELECT (SELECT count(*) FROM bookings b JOIN sessions s ON s.id = b.session_id
			        WHERE `+isB+` AND b.status <> 'cancelled' AND s.starts_at > $2
			          AND s.status = 'scheduled')
			     + (SELECT count(*) FROM waitlist_entries
			        WHERE `+is+` AND status IN ('waiting', 'offered'))`,
			key, now).Scan(&e.Remaining)
		if err != nil || e.Remaining > 0 {
			return err
		}
		return recordChange(ctx, tx, now, booking.AuditPersonErase, booking.SubjectPerson, "", nil, e)
	})
	if err != nil {
		return booking.Erasure{}, err
	}
	return e, nil
}

// prefixed qualifies every column of a column list with a table alias, so a
// list shared with single-table queries can be used in a join.
func prefixed(alias, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = alias + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}
