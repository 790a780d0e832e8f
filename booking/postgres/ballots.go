package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/ballot"
)

// Ballot applications and draws (booking/ballots.go). An application takes
// the session's lock FOR SHARE, as a booking does; the draw takes it FOR
// UPDATE, so applications, capacity changes and a second draw all wait for
// the draw or see it done.

var _ booking.BallotStore = (*DB)(nil)

// Apply stores a ballot application while the ballot takes them.
func (db *DB) Apply(ctx context.Context, a *booking.Application, now time.Time) error {
	if !a.Mode.Valid() {
		return errModeNotOffered()
	}
	return db.Transact(ctx, func(tx pgx.Tx) error {
		sess, err := lockSession(ctx, tx, a.SessionID)
		if err != nil {
			return err
		}
		switch {
		case !sess.IsBallot():
			return booking.Errorf(booking.EConflict, "Places at this session are not given by a ballot. Book a place instead.")
		case !sess.ApplyingAt(now):
			return booking.Errorf(booking.EConflict, "Applications for this ballot have closed.")
		}
		var capacity int
		err = tx.QueryRow(ctx, `SELECT capacity FROM session_capacity WHERE session_id = $1 AND mode = $2`,
			a.SessionID, string(a.Mode)).Scan(&capacity)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && capacity == 0) {
			return errModeNotOffered()
		}
		if err != nil {
			return fmt.Errorf("apply: places: %w", err)
		}
		d := a.Details
		for try := 0; try < referenceTries; try++ {
			a.Reference = newReference()
			err := tx.QueryRow(ctx, `
				INSERT INTO ballot_applications (reference, session_id, mode, area, name, email,
					organisation, postcode, access_needs, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
				ON CONFLICT (reference) DO NOTHING
				RETURNING id, created_at`,
				a.Reference, a.SessionID, string(a.Mode), a.Area, d.Name, d.Email,
				d.Organisation, d.Postcode, d.AccessNeeds, now).Scan(&a.ID, &a.CreatedAt)
			switch {
			case err == nil:
				// The acknowledgement, with the reference the draw's
				// published list will show.
				_, err = db.queue(ctx, tx, time.Time{}, booking.Email{Kind: booking.MsgBallotApplied, SessionID: a.SessionID,
					Payload: booking.EmailPayload{To: d.Email, Name: d.Name, Reference: a.Reference, Mode: a.Mode}})
				return err
			case isUniqueViolation(err, "ballot_applications_one_per_email"):
				return booking.Errorf(booking.EDuplicate, "This email address has already applied for this session.")
			case !errors.Is(err, pgx.ErrNoRows):
				return fmt.Errorf("apply: insert: %w", err)
			}
		}
		return fmt.Errorf("apply: no free reference after %d tries", referenceTries)
	})
}

// drawnApplication is an application as the draw's transaction reads it.
type drawnApplication struct {
	id int64
	booking.Application
}

// DrawBallot runs a session's draw once; see booking.BallotStore.
func (db *DB) DrawBallot(ctx context.Context, sessionID int64, now time.Time,
	draw func([]ballot.Application, map[string]int) (ballot.Input, ballot.Result, error),
	newToken func() (string, []byte, error)) (*booking.Draw, []booking.Mirror, error) {
	var d *booking.Draw
	var mirrors []booking.Mirror
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		d, mirrors = nil, nil
		sess, err := readSession(ctx, tx, sessionID, true)
		if err != nil {
			return err
		}
		switch {
		case !sess.IsBallot():
			return booking.Errorf(booking.EConflict, "Places at this session are not given by a ballot.")
		case sess.DrawnAt != nil:
			return booking.Errorf(booking.EConflict, "This ballot has been drawn already.")
		case !sess.OpenAt(now):
			return booking.Errorf(booking.EConflict, "This session has been cancelled or has started: its ballot cannot be drawn.")
		case now.Before(*sess.ApplicationsCloseAt):
			return booking.Errorf(booking.EConflict, "Applications are open until %s: draw the ballot after they close.",
				booking.At(*sess.ApplicationsCloseAt))
		}
		// Drawn from here on: the mirrors built below open the session to
		// bookings of any places left.
		if _, err := tx.Exec(ctx, `UPDATE sessions SET drawn_at = $2 WHERE id = $1`, sessionID, now); err != nil {
			return fmt.Errorf("draw ballot: mark drawn: %w", err)
		}
		sess.DrawnAt = &now
		apps, err := readApplications(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		inputs := make([]ballot.Application, len(apps))
		byRef := make(map[string]*drawnApplication, len(apps))
		for i := range apps {
			a := &apps[i]
			inputs[i] = ballot.Application{Reference: a.Reference, Area: a.Area, Mode: string(a.Mode)}
			byRef[a.Reference] = a
		}
		places := map[string]int{}
		for _, p := range sess.Places {
			places[string(p.Mode)] = p.Left()
		}
		in, res, err := draw(inputs, places)
		if err != nil {
			return fmt.Errorf("draw ballot: %w", err)
		}
		d = &booking.Draw{SessionID: sessionID, Seed: in.Seed, DrawnAt: now, Input: in, Result: res}
		if err := insertDraw(ctx, tx, d); err != nil {
			return err
		}

		outcome := map[string]string{}
		bookingIDs := map[string]int64{}
		entryIDs := map[string]int64{}
		for _, m := range res.Modes {
			mode := booking.Mode(m.Mode)
			for _, w := range m.Winners {
				a := byRef[w.Reference]
				b := &booking.Booking{SessionID: sessionID, Mode: mode, Status: booking.Confirmed,
					Name: a.Details.Name, Email: a.Details.Email, Organisation: a.Details.Organisation,
					Postcode: a.Details.Postcode, AccessNeeds: a.Details.AccessNeeds}
				if b.ManageToken, b.TokenHash, err = newToken(); err != nil {
					return err
				}
				if err := db.insertBooking(ctx, tx, b, true, now); err != nil {
					return fmt.Errorf("draw ballot: book %s: %w", w.Reference, err)
				}
				outcome[w.Reference], bookingIDs[w.Reference] = "place", b.ID
			}
			p, err := takePlaces(ctx, tx, sessionID, mode, len(m.Winners))
			if err != nil {
				return err
			}
			mirrors = append(mirrors, booking.MirrorOf(sess, sess.Workshop.Audience, p))

			var ahead int
			err = tx.QueryRow(ctx, `SELECT count(*) FROM waitlist_entries
				WHERE session_id = $1 AND mode = $2 AND status = 'waiting'`, sessionID, m.Mode).Scan(&ahead)
			if err != nil {
				return fmt.Errorf("draw ballot: waiting list: %w", err)
			}
			for i, w := range m.Waiting {
				a := byRef[w.Reference]
				e := &booking.WaitlistEntry{SessionID: sessionID, Mode: mode, Name: a.Details.Name,
					Email: a.Details.Email, Organisation: a.Details.Organisation,
					Postcode: a.Details.Postcode, AccessNeeds: a.Details.AccessNeeds}
				var token string
				if token, e.ManageTokenHash, err = newToken(); err != nil {
					return err
				}
				if err := insertEntry(ctx, tx, e, now); err != nil {
					return fmt.Errorf("draw ballot: waiting list %s: %w", w.Reference, err)
				}
				err := db.queueEntryEmail(ctx, tx, booking.MsgWaitlistJoined, e, booking.EmailPayload{
					Reference: e.Reference, Token: token, Position: ahead + i + 1, Drawn: true,
				})
				if err != nil {
					return err
				}
				outcome[w.Reference], entryIDs[w.Reference] = "waiting", e.ID
			}
		}
		if err := recordOutcomes(ctx, tx, apps, outcome, bookingIDs, entryIDs); err != nil {
			return err
		}
		return recordChange(ctx, tx, now, booking.AuditSessionDraw, booking.SubjectSession,
			strconv.FormatInt(sessionID, 10), nil, map[string]any{"seed": in.Seed, "applications": len(apps)})
	})
	if err != nil {
		return nil, nil, err
	}
	return d, mirrors, nil
}

// readApplications reads a session's applications in reference order.
func readApplications(ctx context.Context, tx pgx.Tx, sessionID int64) ([]drawnApplication, error) {
	rows, err := tx.Query(ctx, `
		SELECT id, reference, mode, area, name, email, organisation, postcode, access_needs, created_at
		FROM ballot_applications WHERE session_id = $1 AND outcome IS NULL ORDER BY reference`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("draw ballot: applications: %w", err)
	}
	apps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (drawnApplication, error) {
		var a drawnApplication
		d := &a.Details
		err := r.Scan(&a.id, &a.Reference, &a.Mode, &a.Area, &d.Name, &d.Email, &d.Organisation,
			&d.Postcode, &d.AccessNeeds, &a.CreatedAt)
		a.SessionID = sessionID
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("draw ballot: applications: %w", err)
	}
	return apps, nil
}

// takePlaces books n places of a session and mode at once; the CHECK
// constraint refuses more than the capacity, whatever the draw said.
func takePlaces(ctx context.Context, tx pgx.Tx, sessionID int64, mode booking.Mode, n int) (booking.Places, error) {
	var p booking.Places
	err := tx.QueryRow(ctx, `
		UPDATE session_capacity SET booked = booked + $3, version = version + 1
		WHERE session_id = $1 AND mode = $2
		RETURNING `+placesColumns, sessionID, string(mode), n).Scan(placesDest(&p)...)
	if err != nil {
		return p, fmt.Errorf("draw ballot: take %d places %s: %w", n, mode, err)
	}
	return p, nil
}

func insertDraw(ctx context.Context, tx pgx.Tx, d *booking.Draw) error {
	in, err := json.Marshal(d.Input)
	if err != nil {
		return fmt.Errorf("draw ballot: inputs: %w", err)
	}
	res, err := json.Marshal(d.Result)
	if err != nil {
		return fmt.Errorf("draw ballot: result: %w", err)
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO ballot_draws (session_id, seed, drawn_at, inputs, result)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (session_id) DO NOTHING`,
		d.SessionID, d.Seed, d.DrawnAt, in, res)
	if err != nil {
		return fmt.Errorf("draw ballot: store: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return booking.Errorf(booking.EConflict, "This ballot has been drawn already.")
	}
	return nil
}

// recordOutcomes writes what each application got and blanks its personal
// data: the booking or waiting-list entry holds the person from now on.
func recordOutcomes(ctx context.Context, tx pgx.Tx, apps []drawnApplication, outcome map[string]string,
	bookingIDs, entryIDs map[string]int64) error {
	ids := make([]int64, len(apps))
	outcomes := make([]string, len(apps))
	bids := make([]*int64, len(apps))
	eids := make([]*int64, len(apps))
	for i, a := range apps {
		ids[i], outcomes[i] = a.id, outcome[a.Reference]
		if id, ok := bookingIDs[a.Reference]; ok {
			bids[i] = &id
		}
		if id, ok := entryIDs[a.Reference]; ok {
			eids[i] = &id
		}
	}
	_, err := tx.Exec(ctx, `
		UPDATE ballot_applications a SET outcome = t.outcome, booking_id = t.booking_id,
			waitlist_entry_id = t.entry_id,
			name = '', email = '', organisation = '', postcode = '', access_needs = ''
		FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[]) AS t (id, outcome, booking_id, entry_id)
		WHERE a.id = t.id`, ids, outcomes, bids, eids)
	if err != nil {
		return fmt.Errorf("draw ballot: outcomes: %w", err)
	}
	return nil
}

// BallotDraw reads a session's draw.
func (db *DB) BallotDraw(ctx context.Context, sessionID int64) (*booking.Draw, error) {
	d := &booking.Draw{SessionID: sessionID}
	var in, res []byte
	err := db.Pool.QueryRow(ctx, `SELECT seed, drawn_at, inputs, result FROM ballot_draws WHERE session_id = $1`,
		sessionID).Scan(&d.Seed, &d.DrawnAt, &in, &res)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := db.Session(ctx, sessionID); err != nil {
			return nil, err
		}
		return nil, booking.Errorf(booking.ENotFound, "This session's ballot has not been drawn.")
	}
	if err != nil {
		return nil, fmt.Errorf("read draw: %w", err)
	}
	if err := json.Unmarshal(in, &d.Input); err != nil {
		return nil, fmt.Errorf("read draw: inputs: %w", err)
	}
	if err := json.Unmarshal(res, &d.Result); err != nil {
		return nil, fmt.Errorf("read draw: result: %w", err)
	}
	return d, nil
}

// ApplicationCounts counts a session's applications not drawn yet by mode.
func (db *DB) ApplicationCounts(ctx context.Context, sessionID int64) (map[booking.Mode]int, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT mode, count(*) FROM ballot_applications
		WHERE session_id = $1 AND outcome IS NULL GROUP BY mode`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("count applications: %w", err)
	}
	defer rows.Close()
	out := map[booking.Mode]int{}
	for rows.Next() {
		var m booking.Mode
		var n int
		if err := rows.Scan(&m, &n); err != nil {
			return nil, fmt.Errorf("count applications: %w", err)
		}
		out[m] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count applications: %w", err)
	}
	return out, nil
}
