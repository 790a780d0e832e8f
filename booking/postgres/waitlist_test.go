package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/postgres"
)

// join puts email on the waiting list of a session and mode.
func join(t *testing.T, db *postgres.DB, sessionID int64, mode booking.Mode, email string, at time.Time) *booking.WaitlistEntry {
	t.Helper()
	token, hash, err := booking.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	e := &booking.WaitlistEntry{
		SessionID: sessionID, Mode: mode, Name: "Mary Seacole", Email: email,
		ManageTokenHash: hash, ManageToken: token,
	}
	if err := db.JoinWaitlist(context.Background(), e, at); err != nil {
		t.Fatalf("join %s: %v", email, err)
	}
	return e
}

// fill books every place of a session and mode, returning the bookings.
func fill(t *testing.T, db *postgres.DB, sessionID int64, mode booking.Mode, n int) []*booking.Booking {
	t.Helper()
	var out []*booking.Booking
	for i := 0; i < n; i++ {
		b := newBooking(sessionID, mode, fmt.Sprintf("booked%d.%s@example.org", i, mode))
		if _, err := db.ConfirmBooking(context.Background(), b, "", now); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func entry(t *testing.T, db *postgres.DB, reference string) *booking.WaitlistEntry {
	t.Helper()
	e, err := db.WaitlistEntry(context.Background(), reference)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func places(t *testing.T, db *postgres.DB, sessionID int64, mode booking.Mode) booking.Places {
	t.Helper()
	s, err := db.Session(context.Background(), sessionID)
	if err != nil {
		t.Fatal(err)
	}
	return s.PlacesFor(mode)
}

type entryEmail struct {
	Kind      string
	EntryID   int64
	BookingID *int64
	Payload   map[string]any
	MessageID string
}

// entryEmails reads the outbox rows of kind for waiting-list entries, oldest first.
func entryEmails(t *testing.T, db *postgres.DB, kind string) []entryEmail {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `
		SELECT kind, waitlist_entry_id, booking_id, payload, message_id FROM outbox
		WHERE kind = $1 ORDER BY id`, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []entryEmail
	for rows.Next() {
		var r entryEmail
		var raw []byte
		if err := rows.Scan(&r.Kind, &r.EntryID, &r.BookingID, &raw, &r.MessageID); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &r.Payload); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func TestWaitlistJoin(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 1, 1)
	fill(t, db, s.ID, booking.InPerson, 1)

	a := join(t, db, s.ID, booking.InPerson, "a@example.org", now)
	b := join(t, db, s.ID, booking.InPerson, "b@example.org", now)
	o := join(t, db, s.ID, booking.Online, "o@example.org", now)
	if a.Position != 1 || b.Position != 2 || o.Position != 1 || a.Status != booking.Waiting || a.Reference == "" {
		t.Fatalf("positions a=%d b=%d online=%d, a = %+v", a.Position, b.Position, o.Position, a)
	}

	// One place on the lists per person (a name at an address) per session,
	// whatever the mode or the case of either; and none for someone already
	// booked.
	for _, c := range []struct {
		mode        booking.Mode
		name, email string
	}{
		{booking.InPerson, "mary SEACOLE", "A@Example.org"}, {booking.Online, "Mary Seacole", "a@example.org"},
		{booking.InPerson, "ada lovelace", "booked0.in_person@example.org"},
	} {
		_, hash, _ := booking.NewToken()
		err := db.JoinWaitlist(ctx, &booking.WaitlistEntry{SessionID: s.ID, Mode: c.mode, Name: c.name, Email: c.email, ManageTokenHash: hash}, now)
		wantCode(t, err, booking.EDuplicate)
	}
	_, hash, _ := booking.NewToken()
	err := db.JoinWaitlist(ctx, &booking.WaitlistEntry{SessionID: s.ID + 99, Mode: booking.InPerson, Name: "X", Email: "x@example.org", ManageTokenHash: hash}, now)
	wantCode(t, err, booking.ENotFound)

	mails := entryEmails(t, db, booking.MsgWaitlistJoined)
	if len(mails) != 3 || mails[0].EntryID != a.ID || mails[0].BookingID != nil ||
		mails[0].Payload["reference"] != a.Reference || mails[0].Payload["position"] != 1.0 ||
		mails[1].Payload["position"] != 2.0 {
		t.Fatalf("joined emails = %+v", mails)
	}
	token, _ := mails[0].Payload["token"].(string)
	if sum := sha256.Sum256([]byte(token)); string(sum[:]) != string(a.ManageTokenHash) {
		t.Errorf("the joined email's token does not open the entry")
	}
	if got := entry(t, db, a.Reference); got.ManageToken != "" || got.Position != 1 || got.Email != "a@example.org" {
		t.Errorf("entry read back = %+v", got)
	}

	// Leaving moves those behind up.
	if _, _, err := db.LeaveWaitlist(ctx, a.Reference, now); err != nil {
		t.Fatal(err)
	}
	if got := entry(t, db, b.Reference); got.Position != 1 {
		t.Errorf("b's position after a left = %d, want 1", got.Position)
	}
	if got := entry(t, db, a.Reference); got.Status != booking.LeftWaitlist || got.Position != 0 || got.EndedAt == nil {
		t.Errorf("a after leaving = %+v", got)
	}
	_, _, err = db.LeaveWaitlist(ctx, a.Reference, now)
	wantCode(t, err, booking.EConflict)
	// Having left, a may join again, at the end.
	if again := join(t, db, s.ID, booking.InPerson, "a@example.org", now); again.Position != 2 {
		t.Errorf("a joining again is at %d, want 2", again.Position)
	}
}

func TestOffersGoInOrder(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 72*time.Hour, 2, 0)
	booked := fill(t, db, s.ID, booking.InPerson, 2)
	var list []*booking.WaitlistEntry
	for i := 0; i < 3; i++ {
		list = append(list, join(t, db, s.ID, booking.InPerson, fmt.Sprintf("w%d@example.org", i), now))
	}

	for i, b := range booked {
		before := places(t, db, s.ID, booking.InPerson)
		_, mirror, err := db.CancelBooking(ctx, b.Reference, now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		// The place never shows as free: booked went down as offered went up.
		if mirror.Taken != before.Taken() || mirror.Version <= before.Version {
			t.Fatalf("mirror after cancelling = %+v, places before = %+v", mirror, before)
		}
		got := entry(t, db, list[i].Reference)
		wantExpiry := now.Add(time.Hour + booking.DefaultOfferTTL)
		if got.Status != booking.Offered || got.OfferExpiresAt == nil || !got.OfferExpiresAt.Equal(wantExpiry) || len(got.OfferTokenHash) != 32 {
			t.Fatalf("entry %d after cancellation %d = %+v", i, i, got)
		}
	}
	p := places(t, db, s.ID, booking.InPerson)
	if p.Booked != 0 || p.Offered != 2 {
		t.Fatalf("places = %+v, want 0 booked and 2 offered", p)
	}
	if got := entry(t, db, list[2].Reference); got.Status != booking.Waiting || got.Position != 1 {
		t.Errorf("third person = %+v, want waiting first in line", got)
	}
	offers := entryEmails(t, db, booking.MsgWaitlistOffer)
	if len(offers) != 2 || offers[0].EntryID != list[0].ID || offers[1].EntryID != list[1].ID {
		t.Fatalf("offer emails = %+v", offers)
	}
	o := offers[0].Payload
	if o["reference"] != list[0].Reference ||
		o["expires_at"] != now.Add(time.Hour+booking.DefaultOfferTTL).UTC().Format(time.RFC3339) {
		t.Errorf("offer payload = %v", o)
	}
	token, _ := o["token"].(string)
	if got := entry(t, db, list[0].Reference); !booking.TokenMatches(token, got.OfferTokenHash) {
		t.Error("the offer email's token does not open the entry")
	}
}

func TestOfferNeverEndsAfterCutoff(t *testing.T) {
	db := newDB(t)
	db.OfferTTL = 48 * time.Hour
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	soon := addSession(t, db, w.ID, 10*time.Hour, 1, 0)
	b := fill(t, db, soon.ID, booking.InPerson, 1)[0]
	e := join(t, db, soon.ID, booking.InPerson, "e@example.org", now)
	if _, _, err := db.CancelBooking(ctx, b.Reference, now); err != nil {
		t.Fatal(err)
	}
	if got := entry(t, db, e.Reference); got.OfferExpiresAt == nil || !got.OfferExpiresAt.Equal(soon.StartsAt.Add(-2*time.Hour)) {
		t.Errorf("offer ends %v, want 2 hours before the start %v", got.OfferExpiresAt, soon.StartsAt)
	}

	// Within two hours of the start no offer is made: the place is free to all.
	late := addSession(t, db, w.ID, 3*time.Hour, 1, 0)
	b = fill(t, db, late.ID, booking.InPerson, 1)[0]
	e = join(t, db, late.ID, booking.InPerson, "e@example.org", now)
	if _, _, err := db.CancelBooking(ctx, b.Reference, now.Add(90*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := entry(t, db, e.Reference); got.Status != booking.Waiting {
		t.Errorf("entry = %+v, want still waiting", got)
	}
	if p := places(t, db, late.ID, booking.InPerson); p.Left() != 1 {
		t.Errorf("places = %+v, want one free", p)
	}
}

func newAcceptance() *booking.Booking {
	token, hash, _ := booking.NewToken()
	return &booking.Booking{Status: booking.Confirmed, TokenHash: hash, ManageToken: token}
}

func TestAcceptOffer(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 72*time.Hour, 1, 0)
	b := fill(t, db, s.ID, booking.InPerson, 1)[0]
	e := join(t, db, s.ID, booking.InPerson, "accept@example.org", now)

	// Nothing to accept while waiting.
	_, _, err := db.AcceptOffer(ctx, e.Reference, newAcceptance(), now)
	wantCode(t, err, booking.EConflict)

	if _, _, err := db.CancelBooking(ctx, b.Reference, now); err != nil {
		t.Fatal(err)
	}
	before := places(t, db, s.ID, booking.InPerson)
	nb := newAcceptance()
	got, mirror, err := db.AcceptOffer(ctx, e.Reference, nb, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != booking.OfferAccepted || got.BookingID == nil || *got.BookingID != nb.ID {
		t.Fatalf("entry after accepting = %+v", got)
	}
	if nb.Reference == "" || nb.Email != "accept@example.org" || nb.Name != "Mary Seacole" || nb.Status != booking.Confirmed || nb.ManageToken != "" {
		t.Fatalf("booking = %+v", nb)
	}
	after := places(t, db, s.ID, booking.InPerson)
	if after.Booked != 1 || after.Offered != 0 || mirror.Taken != before.Taken() || mirror.Version != after.Version {
		t.Fatalf("places %+v -> %+v, mirror %+v", before, after, mirror)
	}
	var confirmations int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE kind = 'booking_confirmed' AND booking_id = $1 AND payload ? 'token'`, nb.ID).Scan(&confirmations); err != nil {
		t.Fatal(err)
	}
	if confirmations != 1 {
		t.Errorf("%d confirmation emails with the manage token for the accepted place, want 1", confirmations)
	}
	_, _, err = db.AcceptOffer(ctx, e.Reference, newAcceptance(), now.Add(time.Hour))
	wantCode(t, err, booking.EConflict)
}

func TestDeclinePassesToNext(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 72*time.Hour, 0, 1)
	b := fill(t, db, s.ID, booking.Online, 1)[0]
	first := join(t, db, s.ID, booking.Online, "first@example.org", now)
	second := join(t, db, s.ID, booking.Online, "second@example.org", now)
	if _, _, err := db.CancelBooking(ctx, b.Reference, now); err != nil {
		t.Fatal(err)
	}
	got, mirror, err := db.LeaveWaitlist(ctx, first.Reference, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != booking.OfferDeclined {
		t.Errorf("first after declining = %+v", got)
	}
	if e := entry(t, db, second.Reference); e.Status != booking.Offered {
		t.Errorf("second = %+v, want offered", e)
	}
	if p := places(t, db, s.ID, booking.Online); p.Offered != 1 || p.Booked != 0 || mirror.Taken != 1 {
		t.Errorf("places = %+v, mirror = %+v", p, mirror)
	}
	// Declined by the last person waiting: the place is free to everyone.
	if _, _, err := db.LeaveWaitlist(ctx, second.Reference, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if p := places(t, db, s.ID, booking.Online); p.Taken() != 0 {
		t.Errorf("places = %+v, want all free", p)
	}
}

// Two people who share an address each wait under their own name, also
// when one of them is booked already; and the place freed is offered to
// the one still waiting, not skipped as booked.
func TestSharedAddressWaitsUnderOwnName(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	s := addSession(t, db, addWorkshop(t, db, booking.Public).ID, 48*time.Hour, 2, 0)
	booked := fill(t, db, s.ID, booking.InPerson, 1)
	other := newBooking(s.ID, booking.InPerson, "home@example.org")
	if _, err := db.ConfirmBooking(ctx, other, "", now); err != nil {
		t.Fatal(err)
	}
	// Mary Seacole, at the address Ada Lovelace booked with.
	e := join(t, db, s.ID, booking.InPerson, "HOME@example.org", now)
	if e.Position != 1 {
		t.Fatalf("position %d, want 1", e.Position)
	}
	if _, _, err := db.CancelBooking(ctx, booked[0].Reference, now); err != nil {
		t.Fatal(err)
	}
	if got := entry(t, db, e.Reference); got.Status != booking.Offered {
		t.Fatalf("the entry sharing a booked address: %s, want offered", got.Status)
	}
}
