package postgres_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/postgres"
)

// bookUnverified books a place in a workforce session pending verification
// and returns the booking and the link's token.
func bookUnverified(t *testing.T, db *postgres.DB, sessionID int64, email string, at time.Time) (*booking.Booking, string) {
	t.Helper()
	b := newBooking(sessionID, booking.InPerson, email)
	b.Status = booking.PendingVerification
	token, hash, err := booking.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	v := booking.StaffVerification{Token: token, Hash: hash, ExpiresAt: at.Add(booking.VerifyWindow)}
	if _, err := db.BookUnverified(context.Background(), b, v, at); err != nil {
		t.Fatalf("book unverified %s: %v", email, err)
	}
	return b, token
}

func linkHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func TestBookUnverified(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	staff := addSession(t, db, addWorkshop(t, db, booking.Workforce).ID, 48*time.Hour, 2, 0)
	b, token := bookUnverified(t, db, staff.ID, "officer@coventry.gov.uk", now)

	if got := places(t, db, staff.ID, booking.InPerson); got.Booked != 1 {
		t.Errorf("places = %+v, want one booked while the link is not followed", got)
	}
	got, err := db.Booking(ctx, b.Reference)
	if err != nil || got.Status != booking.PendingVerification {
		t.Fatalf("Booking = %+v, %v", got, err)
	}
	if rows := outbox(t, db, booking.MsgBookingConfirmed); len(rows) != 0 {
		t.Errorf("a confirmation was queued before the link was followed: %+v", rows)
	}
	rows := outbox(t, db, booking.MsgStaffVerification)
	if len(rows) != 1 || rows[0].BookingID != b.ID || rows[0].Payload["token"] != token ||
		rows[0].Payload["expires_at"] != now.Add(booking.VerifyWindow).Format(time.RFC3339) {
		t.Fatalf("verification email = %+v", rows)
	}

	// Only the hash is stored; the token is nowhere but the outbox row.
	var stored int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM bookings WHERE verify_token_hash = $1`, linkHash(token)).Scan(&stored); err != nil || stored != 1 {
		t.Fatalf("bookings with the link's hash = %d, %v", stored, err)
	}
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM bookings WHERE verify_token_hash = $1`, []byte(token)).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("the raw token is stored: %d, %v", stored, err)
	}

	// A public session is refused, and nothing changes.
	public := addSession(t, db, addWorkshop(t, db, booking.Public).ID, 48*time.Hour, 2, 0)
	pb := newBooking(public.ID, booking.InPerson, "officer@coventry.gov.uk")
	pb.Status = booking.PendingVerification
	_, hash, _ := booking.NewToken()
	_, err = db.BookUnverified(ctx, pb, booking.StaffVerification{Token: "t", Hash: hash, ExpiresAt: now.Add(time.Hour)}, now)
	wantCode(t, err, booking.EForbidden)
	if got := places(t, db, public.ID, booking.InPerson); got.Booked != 0 {
		t.Errorf("a refused booking took a place: %+v", got)
	}
	// The same address cannot book the session twice, pending or not.
	b2 := newBooking(staff.ID, booking.InPerson, "OFFICER@coventry.gov.uk")
	b2.Status = booking.PendingVerification
	_, err = db.BookUnverified(ctx, b2, booking.StaffVerification{Token: "t", Hash: hash, ExpiresAt: now.Add(time.Hour)}, now)
	wantCode(t, err, booking.EDuplicate)
}

func TestVerify(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	staff := addSession(t, db, addWorkshop(t, db, booking.Workforce).ID, 48*time.Hour, 3, 0)
	b, token := bookUnverified(t, db, staff.ID, "officer@coventry.gov.uk", now)
	manage, manageHash, _ := booking.NewToken()

	_, err := db.Verify(ctx, linkHash(token+"x"), manage, manageHash, now)
	wantCode(t, err, booking.ENotFound)

	got, err := db.Verify(ctx, linkHash(token), manage, manageHash, now.Add(29*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != booking.Confirmed || got.Reference != b.Reference || !booking.TokenMatches(manage, got.TokenHash) {
		t.Fatalf("Verify = %+v", got)
	}
	rows := outbox(t, db, booking.MsgBookingConfirmed)
	if len(rows) != 1 || rows[0].BookingID != b.ID || rows[0].Payload["token"] != manage || rows[0].sequence() != 0 {
		t.Fatalf("confirmation = %+v", rows)
	}
	if p := places(t, db, staff.ID, booking.InPerson); p.Booked != 1 {
		t.Errorf("verifying changed the places: %+v", p)
	}

	// Used: refused, and nothing more is queued.
	_, err = db.Verify(ctx, linkHash(token), manage, manageHash, now.Add(time.Minute))
	if !errors.Is(err, booking.ErrStaffLinkUsed) {
		t.Fatalf("a used link: %v", err)
	}
	if rows := outbox(t, db, booking.MsgBookingConfirmed); len(rows) != 1 {
		t.Errorf("confirmations = %d, want 1", len(rows))
	}

	// Expired: refused, even before the sweep has given the place back.
	late, lateToken := bookUnverified(t, db, staff.ID, "late@coventry.gov.uk", now)
	_, err = db.Verify(ctx, linkHash(lateToken), manage+"2", linkHash(manage+"2"), now.Add(booking.VerifyWindow))
	if !errors.Is(err, booking.ErrStaffLinkExpired) {
		t.Fatalf("an expired link: %v", err)
	}
	if got, _ := db.Booking(ctx, late.Reference); got.Status != booking.PendingVerification {
		t.Errorf("a refused link changed the booking: %+v", got)
	}
}

func TestReleaseUnverified(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	staff := addSession(t, db, addWorkshop(t, db, booking.Workforce).ID, 48*time.Hour, 3, 0)
	first, _ := bookUnverified(t, db, staff.ID, "first@coventry.gov.uk", now)
	second, _ := bookUnverified(t, db, staff.ID, "second@coventry.gov.uk", now.Add(10*time.Minute))
	verified, token := bookUnverified(t, db, staff.ID, "third@coventry.gov.uk", now)
	manage, manageHash, _ := booking.NewToken()
	if _, err := db.Verify(ctx, linkHash(token), manage, manageHash, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	// Not yet: nothing has lapsed.
	mirrors, err := db.ReleaseUnverified(ctx, now.Add(booking.VerifyWindow-time.Second), 100)
	if err != nil || len(mirrors) != 0 {
		t.Fatalf("ReleaseUnverified before time = %+v, %v", mirrors, err)
	}

	// Several instances sweep at once: the lapsed booking is released once.
	at := now.Add(booking.VerifyWindow)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var released []booking.Mirror
	for range 4 {
		wg.Go(func() {
			m, err := db.ReleaseUnverified(ctx, at, 100)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			released = append(released, m...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(released) != 1 || released[0].Taken != 2 || released[0].SessionID != staff.ID {
		t.Fatalf("released = %+v, want one mirror with 2 taken", released)
	}
	if p := places(t, db, staff.ID, booking.InPerson); p.Booked != 2 || p.Version != released[0].Version {
		t.Errorf("places = %+v, mirror %+v", p, released[0])
	}
	for ref, want := range map[string]booking.BookingStatus{
		first.Reference: booking.BookingCancelled, second.Reference: booking.PendingVerification, verified.Reference: booking.Confirmed,
	} {
		if got, _ := db.Booking(ctx, ref); got.Status != want {
			t.Errorf("booking %s = %s, want %s", ref, got.Status, want)
		}
	}
	if got, _ := db.Booking(ctx, first.Reference); got.CancelledAt == nil || !got.CancelledAt.Equal(at) {
		t.Errorf("cancelled at %v, want %v", got.CancelledAt, at)
	}
}

// A place given back by the sweep goes to the first person waiting, in the
// same transaction, as a cancellation's does.
func TestReleaseUnverifiedOffersThePlace(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	staff := addSession(t, db, addWorkshop(t, db, booking.Workforce).ID, 48*time.Hour, 1, 0)
	bookUnverified(t, db, staff.ID, "first@coventry.gov.uk", now)
	e := join(t, db, staff.ID, booking.InPerson, "waiting@coventry.gov.uk", now)

	mirrors, err := db.ReleaseUnverified(ctx, now.Add(booking.VerifyWindow), 100)
	if err != nil || len(mirrors) != 1 || mirrors[0].Taken != 1 {
		t.Fatalf("ReleaseUnverified = %+v, %v", mirrors, err)
	}
	p := places(t, db, staff.ID, booking.InPerson)
	if p.Booked != 0 || p.Offered != 1 {
		t.Errorf("places = %+v, want the freed place offered", p)
	}
	var status string
	if err := db.Pool.QueryRow(ctx, `SELECT status FROM waitlist_entries WHERE id = $1`, e.ID).Scan(&status); err != nil || status != "offered" {
		t.Errorf("waiting entry = %q, %v", status, err)
	}
}

// A session changed while a booking waited for its link sent the booking an
// updated invite; the confirmation's invite must supersede it.
func TestVerifyAfterSessionChanged(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	staff := addSession(t, db, addWorkshop(t, db, booking.Workforce).ID, 48*time.Hour, 3, 0)
	b, token := bookUnverified(t, db, staff.ID, "officer@coventry.gov.uk", now)
	_, err := db.UpdateSession(ctx, staff.ID, now, func(s *booking.Session) (booking.Notice, error) {
		s.StartsAt = s.StartsAt.Add(time.Hour)
		s.EndsAt = s.EndsAt.Add(time.Hour)
		return booking.Notice{Kind: booking.MsgSessionChanged}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	manage, manageHash, _ := booking.NewToken()
	got, err := db.Verify(ctx, linkHash(token), manage, manageHash, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	changed := outbox(t, db, booking.MsgSessionChanged)
	confirmed := outbox(t, db, booking.MsgBookingConfirmed)
	if len(changed) != 1 || len(confirmed) != 1 || confirmed[0].BookingID != b.ID ||
		confirmed[0].sequence() <= changed[0].sequence() || got.InviteSequence != confirmed[0].sequence() {
		t.Fatalf("session_changed %+v, then booking_confirmed %+v", changed, confirmed)
	}
}
