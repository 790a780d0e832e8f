package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

// A No from a calendar cancels only if, under the booking's lock, it
// answers the invite as it stands: a change sent since the reply was read
// (a higher SEQUENCE) or a new address makes it stale, and it changes
// nothing.
func TestCancelDeclinedChecksUnderTheLock(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 5, 5)
	a := book(t, db, s.ID, booking.InPerson, "Ann", "ann@example.org")
	// The session moved after the reply was read: invite 2 went out.
	if _, err := db.Pool.Exec(ctx, `UPDATE bookings SET invite_sequence = 2 WHERE id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err := db.CancelDeclined(ctx, a.Reference, "ann@example.org", 1, now)
	wantCode(t, err, booking.EConflict)
	_, _, err = db.CancelDeclined(ctx, a.Reference, "someone@example.org", 2, now)
	wantCode(t, err, booking.EConflict)
	if got, err := db.Booking(ctx, a.Reference); err != nil || got.Status != booking.Confirmed {
		t.Fatalf("after stale Noes: %+v, %v; want still confirmed", got, err)
	}

	got, mirror, err := db.CancelDeclined(ctx, a.Reference, "ann@example.org", 2, now)
	if err != nil || got.Status != booking.BookingCancelled {
		t.Fatalf("No to the latest invite: %+v, %v; want cancelled", got, err)
	}
	if taken := mirror.Taken; mirror.Mode != booking.InPerson || taken != 0 {
		t.Errorf("places booked after the No = %d, want 0", taken)
	}
}

// A Yes from a calendar is audited in the calendar reply's name, and the
// audit log can be filtered by that actor and that action, as by any other.
func TestCalendarAnswersCanBeFoundInTheAuditLog(t *testing.T) {
	svc, db, _ := accountsService(t)
	svc.Replies = db
	s := addSession(t, db, addWorkshop(t, db, booking.Public).ID, 48*time.Hour, 5, 5)
	a := book(t, db, s.ID, booking.InPerson, "Ann", "ann@example.org")
	outcome, _, err := svc.ApplyCalendarReply(context.Background(), booking.CalendarReply{
		UID: a.InviteUID, From: "ann@example.org", Attendee: "ann@example.org",
		Status: booking.ReplyAccepted, Sequence: a.InviteSequence,
	})
	if err != nil || outcome != booking.ReplyRecorded {
		t.Fatalf("Yes = %s, %v; want it recorded", outcome, err)
	}
	entries := auditLog(t, svc, booking.AuditFilter{Actor: booking.ActorCalendarReply, Action: booking.AuditBookingReply})
	if len(entries) != 1 || entries[0].SubjectID != a.Reference {
		t.Fatalf("audit entries of calendar answers = %+v, want the one for %s", entries, a.Reference)
	}
	if !slices.Contains(booking.AuditActions, booking.AuditBookingReply) ||
		booking.AuditActionText(booking.AuditBookingReply) == booking.AuditBookingReply {
		t.Errorf("the audit log page does not offer %q in words", booking.AuditBookingReply)
	}
}
