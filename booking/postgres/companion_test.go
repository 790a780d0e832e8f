package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/postgres"
)

// withCompanion is b with a companion of name and email (which may be "").
func withCompanion(b *booking.Booking, name, email string) *booking.Booking {
	c := newBooking(b.SessionID, b.Mode, email)
	c.Name = name
	b.Companion = c
	return b
}

// liveRows counts the live bookings of a session and reads its booked count.
func liveRows(t *testing.T, db *postgres.DB, sessionID int64) (rows, booked int) {
	t.Helper()
	err := db.Pool.QueryRow(context.Background(), `
		SELECT (SELECT count(*) FROM bookings WHERE session_id = $1 AND status <> 'cancelled'),
		       (SELECT sum(booked) FROM session_capacity WHERE session_id = $1)`, sessionID).Scan(&rows, &booked)
	if err != nil {
		t.Fatal(err)
	}
	return rows, booked
}

func TestConfirmPair(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 3, 0)

	// A pair takes two places at once, each its own booking, linked.
	b := withCompanion(newBooking(s.ID, booking.InPerson, "ada@example.org"), "Charles Babbage", "")
	m, err := db.ConfirmBooking(ctx, b, booking.Public, now)
	if err != nil {
		t.Fatal(err)
	}
	c := b.Companion
	if m.Taken != 2 || c == nil || c.ID == 0 || c.CompanionOf != b.ID || c.Reference == b.Reference ||
		c.InviteUID == b.InviteUID || c.Mode != b.Mode || c.Status != booking.Confirmed {
		t.Fatalf("mirror %+v, companion %+v", m, c)
	}
	if rows, booked := liveRows(t, db, s.ID); rows != 2 || booked != 2 {
		t.Errorf("live rows %d, booked %d; want 2 and 2", rows, booked)
	}
	// Without an address the companion is sent nothing: the booker's
	// confirmation names them when it is sent.
	if got := outbox(t, db, booking.MsgBookingConfirmed); len(got) != 1 || got[0].BookingID != b.ID {
		t.Errorf("confirmations = %+v, want the booker's alone", got)
	}
	read, err := db.CompanionOf(ctx, b.ID)
	if err != nil || read == nil || read.Name != "Charles Babbage" {
		t.Fatalf("companion of the booking = %+v, %v", read, err)
	}

	// A pair at one place left takes nothing; a single still can.
	p := withCompanion(newBooking(s.ID, booking.InPerson, "grace@example.org"), "Alan Turing", "alan@example.org")
	_, err = db.ConfirmBooking(ctx, p, booking.Public, now)
	wantCode(t, err, booking.EFull)
	if rows, booked := liveRows(t, db, s.ID); rows != 2 || booked != 2 {
		t.Errorf("after a refused pair: live rows %d, booked %d; want 2 and 2", rows, booked)
	}

	// A companion already booked at the session refuses the pair whole.
	s2 := addSession(t, db, w.ID, 48*time.Hour, 5, 0)
	mary := newBooking(s2.ID, booking.InPerson, "mary@example.org")
	mary.Name = "Mary Somerville"
	if _, err := db.ConfirmBooking(ctx, mary, booking.Public, now); err != nil {
		t.Fatal(err)
	}
	dup := withCompanion(newBooking(s2.ID, booking.InPerson, "john@example.org"), "mary somerville", "MARY@example.org")
	_, err = db.ConfirmBooking(ctx, dup, booking.Public, now)
	wantCode(t, err, booking.EDuplicate)
	if f := booking.ErrorFields(err); f["companion.name"] == "" {
		t.Errorf("duplicate companion: fields %v, want companion.name", f)
	}
	if rows, booked := liveRows(t, db, s2.ID); rows != 1 || booked != 1 {
		t.Errorf("after a refused duplicate: live rows %d, booked %d; want 1 and 1", rows, booked)
	}

	// With an address, the companion gets a confirmation of their own.
	pair := withCompanion(newBooking(s2.ID, booking.InPerson, "john@example.org"), "Jane Carer", "jane@example.org")
	if _, err := db.ConfirmBooking(ctx, pair, booking.Public, now); err != nil {
		t.Fatal(err)
	}
	got := outbox(t, db, booking.MsgBookingConfirmed)
	if len(got) != 4 || got[3].BookingID != pair.Companion.ID || got[3].Payload["token"] == "" {
		t.Errorf("confirmations = %+v, want the companion's last, with its link", got)
	}
}

func TestCancelPair(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 4, 0)

	a := withCompanion(newBooking(s.ID, booking.InPerson, "a@example.org"), "Companion A", "ca@example.org")
	b := withCompanion(newBooking(s.ID, booking.InPerson, "b@example.org"), "Companion B", "")
	for _, x := range []*booking.Booking{a, b} {
		if _, err := db.ConfirmBooking(ctx, x, booking.Public, now); err != nil {
			t.Fatal(err)
		}
	}

	// The companion alone: one place back, the booker keeps theirs.
	got, m, err := db.CancelBooking(ctx, a.Companion.Reference, now)
	if err != nil || got.Status != booking.BookingCancelled || m.Taken != 3 {
		t.Fatalf("cancel companion: %+v, %+v, %v", got, m, err)
	}
	if c, _ := db.CompanionOf(ctx, a.ID); c != nil {
		t.Errorf("a cancelled companion is still read as live: %+v", c)
	}
	cur, _ := db.Booking(ctx, a.Reference)
	if !cur.Live() {
		t.Error("cancelling the companion cancelled the booker")
	}

	// The booker: both places back; the companion told if they have an
	// address (b's has none).
	_, m, err = db.CancelBooking(ctx, b.Reference, now)
	if err != nil || m.Taken != 1 {
		t.Fatalf("cancel booker: %+v, %v", m, err)
	}
	comp, _ := db.Booking(ctx, b.Companion.Reference)
	if comp.Live() {
		t.Error("the booker's cancellation left their companion booked")
	}
	if rows, booked := liveRows(t, db, s.ID); rows != 1 || booked != 1 {
		t.Errorf("live rows %d, booked %d; want 1 and 1", rows, booked)
	}
	cancelled := outbox(t, db, booking.MsgBookingCancelled)
	if len(cancelled) != 2 || cancelled[0].BookingID != a.Companion.ID || cancelled[1].BookingID != b.ID {
		t.Errorf("cancellation emails = %+v, want the companion with an address, then booker b", cancelled)
	}

	// Cancelling the booker with a live companion frees both.
	_, m, err = db.CancelBooking(ctx, a.Reference, now)
	if err != nil || m.Taken != 0 {
		t.Fatalf("cancel the last booker: %+v, %v", m, err)
	}
}

func TestPairIsNotSwitchedOrMovedAlone(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 4, 4)
	other := addSession(t, db, w.ID, 72*time.Hour, 4, 4)

	a := withCompanion(newBooking(s.ID, booking.InPerson, "a@example.org"), "Companion A", "ca@example.org")
	if _, err := db.ConfirmBooking(ctx, a, booking.Public, now); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{a.Reference, a.Companion.Reference} {
		_, _, err := db.SwitchMode(ctx, ref, booking.Online, now)
		wantCode(t, err, booking.EConflict)
		_, _, err = db.MoveBooking(ctx, ref, other.ID, booking.InPerson, now)
		wantCode(t, err, booking.EConflict)
	}
	if rows, booked := liveRows(t, db, s.ID); rows != 2 || booked != 2 {
		t.Errorf("live rows %d, booked %d; want 2 and 2", rows, booked)
	}
	// Alone again, the booker can move.
	if _, _, err := db.CancelBooking(ctx, a.Companion.Reference, now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.SwitchMode(ctx, a.Reference, booking.Online, now); err != nil {
		t.Errorf("switching a booking whose companion cancelled: %v", err)
	}
}

// The companions a person booked are in that person's data and go with its
// erasure; a companion with an address finds their own booking by it.
func TestCompanionPersonalData(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 4, 0)
	a := withCompanion(newBooking(s.ID, booking.InPerson, "ada@example.org"), "Charles Babbage", "charles@example.org")
	if _, err := db.ConfirmBooking(ctx, a, booking.Public, now); err != nil {
		t.Fatal(err)
	}
	ada, err := db.PersonalData(ctx, booking.Person{Email: "ada@example.org"}, now)
	if err != nil || len(ada.Bookings) != 2 || ada.Bookings[1].Name != "Charles Babbage" {
		t.Fatalf("the booker's data = %+v, %v; want their booking and their companion's", ada, err)
	}
	charles, err := db.PersonalData(ctx, booking.Person{Email: "CHARLES@example.org"}, now)
	if err != nil || len(charles.Bookings) != 1 || charles.Bookings[0].Reference != a.Companion.Reference {
		t.Fatalf("the companion's data = %+v, %v; want their own booking", charles, err)
	}

	// Erasing the booker (their booking cancelled first, as the service
	// does) anonymises the companion's booking they made too.
	if _, _, err := db.CancelBooking(ctx, a.Reference, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ErasePersonalData(ctx, booking.Person{Email: "ada@example.org"}, booking.Erasure{}, now); err != nil {
		t.Fatal(err)
	}
	if p := readPersonal(t, db, a.Companion.Reference); !p.blank() {
		t.Errorf("the companion's booking after the booker's erasure = %+v", p)
	}
}

// The sender reads each of a pair with the other's name, to say it.
func TestClaimedPairNamesTheOther(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 4, 0)
	a := withCompanion(newBooking(s.ID, booking.InPerson, "ada@example.org"), "Charles Babbage", "charles@example.org")
	if _, err := db.ConfirmBooking(ctx, a, booking.Public, now); err != nil {
		t.Fatal(err)
	}
	claimed, err := db.ClaimEmails(ctx, time.Now().Add(time.Hour), time.Now().Add(2*time.Hour), 10)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claimed %d, %v", len(claimed), err)
	}
	for _, e := range claimed {
		switch e.Booking.ID {
		case a.ID:
			if e.Booking.With != "Charles Babbage" || e.Booking.CompanionOf != 0 {
				t.Errorf("booker's email: %+v", e.Booking)
			}
		case a.Companion.ID:
			if e.Booking.With != "Ada Lovelace" || e.Booking.CompanionOf != a.ID {
				t.Errorf("companion's email: %+v", e.Booking)
			}
		}
	}
}
