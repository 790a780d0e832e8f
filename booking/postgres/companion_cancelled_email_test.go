package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// The booker's cancellation names the companion whose place went with
// theirs: a companion without an address is told by nobody else. A
// companion who cancelled alone before is not named.
func TestBookerCancellationNamesCompanion(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 4, 0)
	claim := func() []*booking.ClaimedEmail {
		t.Helper()
		claimed, err := db.ClaimEmails(ctx, time.Now(), time.Now().Add(time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range claimed {
			if _, err := db.MarkEmailSent(ctx, e, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		return claimed
	}
	cancelledWith := func(b *booking.Booking) string {
		t.Helper()
		claim()
		if _, _, err := db.CancelBooking(ctx, b.Reference, now); err != nil {
			t.Fatal(err)
		}
		for _, e := range claim() {
			if e.Kind == booking.MsgBookingCancelled && e.Booking.ID == b.ID {
				return e.Booking.With
			}
		}
		t.Fatalf("no cancellation email for %s", b.Reference)
		return ""
	}

	a := withCompanion(newBooking(s.ID, booking.InPerson, "ada@example.org"), "Charles Babbage", "")
	if _, err := db.ConfirmBooking(ctx, a, booking.Public, now); err != nil {
		t.Fatal(err)
	}
	if with := cancelledWith(a); with != "Charles Babbage" {
		t.Errorf("booker's cancellation names %q, want the companion cancelled with them", with)
	}

	b := withCompanion(newBooking(s.ID, booking.InPerson, "grace@example.org"), "Alan Turing", "")
	if _, err := db.ConfirmBooking(ctx, b, booking.Public, now); err != nil {
		t.Fatal(err)
	}
	claim()
	if _, _, err := db.CancelBooking(ctx, b.Companion.Reference, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if with := cancelledWith(b); with != "" {
		t.Errorf("booker's cancellation names %q, a companion cancelled before", with)
	}
}
