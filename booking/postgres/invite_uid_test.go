package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// A booking's invite UID is made with it, on the configured domain, and
// found again by the reply reader; bookings made before UIDs were stored
// keep the one they were sent (built from BASE_URL's host) once
// KeepInviteUIDs has run, however often it runs.
func TestInviteUIDs(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	db.MailFrom = "Coventry City Council <workshops@coventry.gov.uk>"
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 5, 5)

	a := book(t, db, s.ID, booking.InPerson, "Ann", "ann@example.org")
	if want := "booking-" + a.Reference + "@coventry.gov.uk"; a.InviteUID != want {
		t.Errorf("UID from MAIL_FROM's domain = %q, want %q", a.InviteUID, want)
	}
	db.InviteUIDDomain = "invites.coventry.gov.uk"
	b := book(t, db, s.ID, booking.Online, "Bob", "bob@example.org")
	if want := "booking-" + b.Reference + "@invites.coventry.gov.uk"; b.InviteUID != want {
		t.Errorf("UID from INVITE_UID_DOMAIN = %q, want %q", b.InviteUID, want)
	}
	got, err := db.BookingByInviteUID(ctx, a.InviteUID)
	if err != nil || got.Reference != a.Reference || got.InviteUID != a.InviteUID || got.Email != "ann@example.org" {
		t.Fatalf("BookingByInviteUID(%s) = %+v, %v", a.InviteUID, got, err)
	}
	if read, err := db.Booking(ctx, b.Reference); err != nil || read.InviteUID != b.InviteUID {
		t.Fatalf("Booking(%s).InviteUID = %+v, %v", b.Reference, read, err)
	}
	_, err = db.BookingByInviteUID(ctx, "booking-"+a.Reference+"@127.0.0.1")
	wantCode(t, err, booking.ENotFound)

	// A booking from before: no UID stored.
	old := book(t, db, s.ID, booking.InPerson, "Cy", "cy@example.org")
	if _, err := db.Pool.Exec(ctx, `UPDATE bookings SET invite_uid = NULL WHERE id = $1`, old.ID); err != nil {
		t.Fatal(err)
	}
	if read, err := db.Booking(ctx, old.Reference); err != nil || read.InviteUID != "" {
		t.Fatalf("booking without a UID reads as %+v, %v", read, err)
	}
	for i, want := range []int{1, 0} {
		n, err := db.KeepInviteUIDs(ctx, "Book.Example.ORG")
		if err != nil || n != want {
			t.Fatalf("KeepInviteUIDs run %d: %d, %v; want %d", i+1, n, err, want)
		}
	}
	if read, err := db.Booking(ctx, old.Reference); err != nil || read.InviteUID != "booking-"+old.Reference+"@book.example.org" {
		t.Fatalf("kept UID: %+v, %v", read, err)
	}
	if read, _ := db.Booking(ctx, a.Reference); read.InviteUID != a.InviteUID {
		t.Errorf("KeepInviteUIDs changed a stored UID to %q", read.InviteUID)
	}
	if _, err := db.KeepInviteUIDs(ctx, "a@b"); err == nil {
		t.Error("KeepInviteUIDs took an address for a host")
	}
}
