package postgres_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// cancelledEntryEmail is a session_cancelled row written for a waiting-list entry.
type cancelledEntryEmail struct {
	EntryID   int64
	BookingID *int64
	Payload   map[string]any
	MessageID string
}

// People waiting for a place in a session that is cancelled are told in
// the transaction that cancels it, as the people booked are: every waiting
// and offered entry ends, an offered place is given back, and each entry
// gets one session_cancelled email (with no booking, so no invite).
func TestCancellingASessionEndsItsWaitingLists(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	s := addSession(t, db, addWorkshop(t, db, booking.Public).ID, 72*time.Hour, 1, 1)
	inPerson := fill(t, db, s.ID, booking.InPerson, 1)[0]
	online := fill(t, db, s.ID, booking.Online, 1)[0]
	offered := join(t, db, s.ID, booking.InPerson, "offered@example.org", now)
	waiting := join(t, db, s.ID, booking.InPerson, "waiting@example.org", now)
	waitingOnline := join(t, db, s.ID, booking.Online, "online@example.org", now)
	left := join(t, db, s.ID, booking.Online, "left@example.org", now)
	if _, _, err := db.LeaveWaitlist(ctx, left.Reference, now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CancelBooking(ctx, inPerson.Reference, now); err != nil {
		t.Fatal(err)
	}
	before := places(t, db, s.ID, booking.InPerson)
	if before.Offered != 1 || entry(t, db, offered.Reference).Status != booking.Offered {
		t.Fatalf("places %+v: the freed place was not offered", before)
	}

	if _, err := db.UpdateSession(ctx, s.ID, now, func(s *booking.Session) (booking.Notice, error) {
		s.Status, s.CancelReason = booking.Cancelled, "The venue flooded."
		return booking.Notice{Kind: booking.MsgSessionCancelled, Payload: booking.EmailPayload{Reason: s.CancelReason}}, nil
	}); err != nil {
		t.Fatal(err)
	}

	for _, e := range []*booking.WaitlistEntry{offered, waiting, waitingOnline} {
		got := entry(t, db, e.Reference)
		if got.Status != booking.WaitlistSessionCancelled || got.EndedAt == nil || got.Position != 0 {
			t.Errorf("%s after the session was cancelled = %+v, want cancelled", e.Email, got)
		}
	}
	if got := entry(t, db, left.Reference); got.Status != booking.LeftWaitlist {
		t.Errorf("an entry already ended was changed: %+v", got)
	}
	after := places(t, db, s.ID, booking.InPerson)
	if after.Offered != 0 || after.Booked != 0 || after.Version <= before.Version {
		t.Errorf("in-person places = %+v (were %+v), want the offered place given back", after, before)
	}

	rows, err := db.Pool.Query(ctx, `
		SELECT waitlist_entry_id, booking_id, payload, message_id FROM outbox
		WHERE kind = $1 AND waitlist_entry_id IS NOT NULL ORDER BY waitlist_entry_id`, booking.MsgWaitlistSessionCancelled)
	if err != nil {
		t.Fatal(err)
	}
	var told []cancelledEntryEmail
	for rows.Next() {
		var r cancelledEntryEmail
		var raw []byte
		if err := rows.Scan(&r.EntryID, &r.BookingID, &raw, &r.MessageID); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &r.Payload); err != nil {
			t.Fatal(err)
		}
		told = append(told, r)
	}
	rows.Close()
	if len(told) != 3 {
		t.Fatalf("waiting-list cancellation emails = %+v, want one for each of the 3 people still on a list", told)
	}
	for i, e := range []*booking.WaitlistEntry{offered, waiting, waitingOnline} {
		r := told[i]
		if r.EntryID != e.ID || r.BookingID != nil || r.Payload["reason"] != "The venue flooded." {
			t.Errorf("email to %s = %+v", e.Email, r)
		}
	}
	// The people booked are told as before, one each.
	var booked int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE kind = $1 AND booking_id = $2`,
		booking.MsgSessionCancelled, online.ID).Scan(&booked); err != nil || booked != 1 {
		t.Errorf("cancellations to the online booking = %d, %v; want 1", booked, err)
	}

	// The ended offer cannot be taken, and the offer worker has nothing left.
	_, _, err = db.AcceptOffer(ctx, offered.Reference, newAcceptance(), now.Add(time.Hour))
	wantCode(t, err, booking.EConflict)
	if ms, err := db.LapseOffers(ctx, now.Add(time.Hour), 10); err != nil || len(ms) != 0 {
		t.Errorf("LapseOffers after the cancellation = %+v, %v; want nothing to lapse", ms, err)
	}
}
