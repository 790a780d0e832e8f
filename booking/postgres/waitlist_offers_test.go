package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

func TestOffersLapseOnTime(t *testing.T) {
	db := newDB(t)
	db.OfferTTL = 6 * time.Hour
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 72*time.Hour, 1, 0)
	b := fill(t, db, s.ID, booking.InPerson, 1)[0]
	first := join(t, db, s.ID, booking.InPerson, "first@example.org", now)
	second := join(t, db, s.ID, booking.InPerson, "second@example.org", now)
	if _, _, err := db.CancelBooking(ctx, b.Reference, now); err != nil {
		t.Fatal(err)
	}

	// A second before the end, nothing lapses.
	if ms, err := db.LapseOffers(ctx, now.Add(6*time.Hour-time.Second), 10); err != nil || len(ms) != 0 {
		t.Fatalf("lapsed early: %v, %v", ms, err)
	}
	_, _, err := db.AcceptOffer(ctx, first.Reference, newAcceptance(), now.Add(6*time.Hour))
	wantCode(t, err, booking.EConflict) // ended, though not yet lapsed by the worker

	ms, err := db.LapseOffers(ctx, now.Add(6*time.Hour), 10)
	if err != nil || len(ms) != 1 || ms[0].Taken != 1 {
		t.Fatalf("lapse: %+v, %v", ms, err)
	}
	if e := entry(t, db, first.Reference); e.Status != booking.OfferLapsed {
		t.Errorf("first = %+v, want lapsed", e)
	}
	e := entry(t, db, second.Reference)
	if e.Status != booking.Offered || !e.OfferExpiresAt.Equal(now.Add(12*time.Hour)) {
		t.Errorf("second = %+v, want offered until %v", e, now.Add(12*time.Hour))
	}
	if ms, _ := db.LapseOffers(ctx, now.Add(6*time.Hour), 10); len(ms) != 0 {
		t.Errorf("lapsed twice: %+v", ms)
	}

	// A cancelled session's offers lapse at once, and go to nobody.
	third := join(t, db, s.ID, booking.InPerson, "third@example.org", now)
	if _, err := db.UpdateSession(ctx, s.ID, now, func(s *booking.Session) (booking.Notice, error) {
		s.Status = booking.Cancelled
		return booking.Notice{}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if ms, err := db.LapseOffers(ctx, now.Add(7*time.Hour), 10); err != nil || len(ms) != 1 {
		t.Fatalf("lapse on cancellation: %+v, %v", ms, err)
	}
	if e := entry(t, db, third.Reference); e.Status != booking.Waiting {
		t.Errorf("third = %+v, want not offered a place in a cancelled session", e)
	}
	if p := places(t, db, s.ID, booking.InPerson); p.Taken() != 0 {
		t.Errorf("places = %+v", p)
	}
}

func TestCapacityRiseOffersNewPlaces(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 72*time.Hour, 1, 0)
	fill(t, db, s.ID, booking.InPerson, 1)
	var list []*booking.WaitlistEntry
	for i := 0; i < 3; i++ {
		list = append(list, join(t, db, s.ID, booking.InPerson, fmt.Sprintf("w%d@example.org", i), now))
	}
	got, err := db.UpdateSession(ctx, s.ID, now, func(s *booking.Session) (booking.Notice, error) {
		s.Places[0].Capacity = 3
		return booking.Notice{}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := got.PlacesFor(booking.InPerson); p.Capacity != 3 || p.Booked != 1 || p.Offered != 2 {
		t.Fatalf("places after the rise = %+v, want the two new places offered", p)
	}
	for i, want := range []booking.WaitlistStatus{booking.Offered, booking.Offered, booking.Waiting} {
		if e := entry(t, db, list[i].Reference); e.Status != want {
			t.Errorf("entry %d = %s, want %s", i, e.Status, want)
		}
	}
	// Capacity cannot drop below booked plus offered.
	_, err = db.UpdateSession(ctx, s.ID, now, func(s *booking.Session) (booking.Notice, error) {
		s.Places[0].Capacity = 2
		return booking.Notice{}, nil
	})
	wantCode(t, err, booking.EConflict)
}

func TestUnofferedPlaces(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 72*time.Hour, 2, 0)
	fill(t, db, s.ID, booking.InPerson, 1) // one place free in Postgres
	other := addSession(t, db, w.ID, 72*time.Hour, 2, 0)
	fill(t, db, other.ID, booking.InPerson, 1) // free, but nobody waits
	e := join(t, db, s.ID, booking.InPerson, "e@example.org", now)

	free, err := db.UnofferedPlaces(ctx, now, 10)
	if err != nil || len(free) != 1 || free[0].SessionID != s.ID || free[0].Left() != 1 {
		t.Fatalf("unoffered places = %+v, %v", free, err)
	}
	m, offered, err := db.OfferPlace(ctx, s.ID, booking.InPerson, now)
	if err != nil || !offered || m.Taken != 2 {
		t.Fatalf("offer place: %+v %v %v", m, offered, err)
	}
	if got := entry(t, db, e.Reference); got.Status != booking.Offered {
		t.Errorf("entry = %+v", got)
	}
	if _, offered, err := db.OfferPlace(ctx, s.ID, booking.InPerson, now); err != nil || offered {
		t.Errorf("offering a full session: %v %v", offered, err)
	}
	if free, _ := db.UnofferedPlaces(ctx, now, 10); len(free) != 0 {
		t.Errorf("unoffered places after the offer = %+v", free)
	}
}

func TestBookedMeanwhileLeavesTheList(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 72*time.Hour, 2, 0)
	booked := fill(t, db, s.ID, booking.InPerson, 2)
	lucky := join(t, db, s.ID, booking.InPerson, "lucky@example.org", now)
	next := join(t, db, s.ID, booking.InPerson, "next@example.org", now)

	// A place comes free to everyone (as a lapsed hold would leave it) and
	// lucky books it directly, staying on the list.
	if _, err := db.Pool.Exec(ctx, `UPDATE session_capacity SET capacity = 3 WHERE session_id = $1 AND mode = 'in_person'`, s.ID); err != nil {
		t.Fatal(err)
	}
	// (Under the name lucky waits with, in another case: the same person.)
	b := newBooking(s.ID, booking.InPerson, "Lucky@example.org")
	b.Name = "MARY SEACOLE"
	if _, err := db.ConfirmBooking(ctx, b, "", now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CancelBooking(ctx, booked[0].Reference, now); err != nil {
		t.Fatal(err)
	}
	if e := entry(t, db, lucky.Reference); e.Status != booking.LeftWaitlist {
		t.Errorf("lucky = %+v, want off the list", e)
	}
	if e := entry(t, db, next.Reference); e.Status != booking.Offered {
		t.Errorf("next = %+v, want offered", e)
	}
}
