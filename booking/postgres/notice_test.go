package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// A change reaches, and raises the invite SEQUENCE of, only the bookings
// whose event it alters: a new venue is no news to people online, nor a
// new link to people in the room; a new time and a cancellation reach all.
func TestNoticeReachesThoseItTouches(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	s := addSession(t, db, addWorkshop(t, db, booking.Public).ID, 48*time.Hour, 5, 5)
	room := book(t, db, s.ID, booking.InPerson, "Ann", "ann@example.org")
	online := book(t, db, s.ID, booking.Online, "Bob", "bob@example.org")

	sequences := func() (int, int) {
		t.Helper()
		a, err := db.Booking(ctx, room.Reference)
		if err != nil {
			t.Fatal(err)
		}
		b, err := db.Booking(ctx, online.Reference)
		if err != nil {
			t.Fatal(err)
		}
		return a.InviteSequence, b.InviteSequence
	}
	change := func(p booking.SessionPatch) {
		t.Helper()
		if _, err := db.UpdateSession(ctx, s.ID, now, func(sess *booking.Session) (booking.Notice, error) {
			c := booking.Changes{}
			if p.Venue != nil {
				c.Venue = &booking.VenueChange{Old: sess.Venue, New: *p.Venue}
				sess.Venue = *p.Venue
			}
			if p.OnlineURL != nil {
				c.OnlineURL = &booking.StringChange{Old: sess.OnlineURL, New: *p.OnlineURL}
				sess.OnlineURL = *p.OnlineURL
			}
			if p.StartsAt != nil {
				c.StartsAt = &booking.TimeChange{Old: sess.StartsAt, New: *p.StartsAt}
				sess.StartsAt = *p.StartsAt
				sess.EndsAt = p.StartsAt.Add(2 * time.Hour)
			}
			return booking.Notice{Kind: booking.MsgSessionChanged, Payload: booking.EmailPayload{Changes: &c}}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	to := func() map[int64]int {
		out := map[int64]int{}
		for _, r := range outbox(t, db, booking.MsgSessionChanged) {
			out[r.BookingID]++
		}
		return out
	}

	change(booking.SessionPatch{Venue: &booking.Venue{Name: "Central Library", Address: "Smithford Way, Coventry"}})
	if a, b := sequences(); a != 1 || b != 0 {
		t.Errorf("after a new venue: sequences %d (in person) and %d (online), want 1 and 0", a, b)
	}
	link := "https://teams.microsoft.com/l/meetup-join/new"
	change(booking.SessionPatch{OnlineURL: &link})
	if a, b := sequences(); a != 1 || b != 1 {
		t.Errorf("after a new link: sequences %d and %d, want 1 and 1", a, b)
	}
	if got := to(); got[room.ID] != 1 || got[online.ID] != 1 {
		t.Errorf("session_changed emails per booking: %v, want one each", got)
	}
	later := now.Add(72 * time.Hour)
	change(booking.SessionPatch{StartsAt: &later})
	if a, b := sequences(); a != 2 || b != 2 {
		t.Errorf("after a new time: sequences %d and %d, want 2 and 2", a, b)
	}
	if got := to(); got[room.ID] != 2 || got[online.ID] != 2 {
		t.Errorf("session_changed emails per booking: %v, want two each", got)
	}
}
