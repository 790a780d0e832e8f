package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

func TestSwitchMode(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 2, 1)
	b := newBooking(s.ID, booking.InPerson, "ada@example.org")
	if _, err := db.ConfirmBooking(ctx, b, "", now); err != nil {
		t.Fatal(err)
	}

	got, mirrors, err := db.SwitchMode(ctx, b.Reference, booking.Online, now)
	if err != nil {
		t.Fatal(err)
	}
	if got.Mode != booking.Online || got.InviteSequence != 1 || got.Status != booking.Confirmed {
		t.Errorf("switched booking = %+v", got)
	}
	if len(mirrors) != 2 || mirrors[0].Mode != booking.Online || mirrors[0].Taken != 1 ||
		mirrors[1].Mode != booking.InPerson || mirrors[1].Taken != 0 {
		t.Errorf("mirrors = %+v", mirrors)
	}
	places, err := db.Places(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if places[0].Booked != 0 || places[1].Booked != 1 {
		t.Errorf("places = %+v", places)
	}
	rows := outbox(t, db, booking.MsgBookingChanged)
	if len(rows) != 1 || rows[0].BookingID != b.ID || rows[0].sequence() != 1 {
		t.Fatalf("booking_changed rows = %+v", rows)
	}
	mode, _ := rows[0].Payload["changes"].(map[string]any)["mode"].(map[string]any)
	if mode["old"] != "in_person" || mode["new"] != "online" {
		t.Errorf("changes = %v", rows[0].Payload["changes"])
	}

	// The one online place is now this booking's: nobody else can switch to it.
	other := newBooking(s.ID, booking.InPerson, "grace@example.org")
	if _, err := db.ConfirmBooking(ctx, other, "", now); err != nil {
		t.Fatal(err)
	}
	_, _, err = db.SwitchMode(ctx, other.Reference, booking.Online, now)
	wantCode(t, err, booking.EFull)
	if b2, _ := db.Booking(ctx, other.Reference); b2.Mode != booking.InPerson || b2.InviteSequence != 0 {
		t.Errorf("refused switch changed the booking: %+v", b2)
	}

	// Back again; then refusals.
	if got, _, err = db.SwitchMode(ctx, b.Reference, booking.InPerson, now); err != nil || got.InviteSequence != 2 {
		t.Fatalf("switch back: %+v %v", got, err)
	}
	_, _, err = db.SwitchMode(ctx, b.Reference, booking.InPerson, now)
	wantCode(t, err, booking.EConflict)
	_, _, err = db.SwitchMode(ctx, "AAAA-AAAA", booking.Online, now)
	wantCode(t, err, booking.ENotFound)
	_, _, err = db.SwitchMode(ctx, b.Reference, "by_post", now)
	wantCode(t, err, booking.EInvalid)
	_, _, err = db.SwitchMode(ctx, b.Reference, booking.Online, s.StartsAt)
	wantCode(t, err, booking.EConflict)
	if _, _, err := db.CancelBooking(ctx, b.Reference, now); err != nil {
		t.Fatal(err)
	}
	_, _, err = db.SwitchMode(ctx, b.Reference, booking.Online, now)
	wantCode(t, err, booking.EConflict)
}

// A session that offers no online places cannot be switched to online.
func TestSwitchModeNotOffered(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	s := addSession(t, db, addWorkshop(t, db, booking.Public).ID, 48*time.Hour, 2, 0)
	b := newBooking(s.ID, booking.InPerson, "ada@example.org")
	if _, err := db.ConfirmBooking(ctx, b, "", now); err != nil {
		t.Fatal(err)
	}
	_, _, err := db.SwitchMode(ctx, b.Reference, booking.Online, now)
	wantCode(t, err, booking.EInvalid)
}

// Many people switching into a mode with few places at once never overbook
// it, and every switch that succeeds moves exactly one place.
func TestSwitchModeConcurrently(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	s := addSession(t, db, addWorkshop(t, db, booking.Public).ID, 48*time.Hour, 20, 3)
	var refs []string
	for i := 0; i < 20; i++ {
		b := newBooking(s.ID, booking.InPerson, fmt.Sprintf("p%d@example.org", i))
		if _, err := db.ConfirmBooking(ctx, b, "", now); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, b.Reference)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	moved := 0
	for _, ref := range refs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := db.SwitchMode(ctx, ref, booking.Online, now)
			switch booking.ErrorCode(err) {
			case "":
				mu.Lock()
				moved++
				mu.Unlock()
			case booking.EFull:
			default:
				t.Errorf("switch %s: %v", ref, err)
			}
		}()
	}
	wg.Wait()
	places, err := db.Places(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if moved != 3 || places[0].Booked != 17 || places[1].Booked != 3 {
		t.Errorf("moved %d, places %+v", moved, places)
	}
}
