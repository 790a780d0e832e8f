package outbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/notify/outbox"
	"github.com/coventry/workshops/notify/smtptest"
)

func TestReminders(t *testing.T) {
	e := newEnv(t)
	srv := smtptest.Start(t, smtptest.Options{})
	ctx := context.Background()
	now := e.clock.Now()
	wid := e.workshop("Have your say")
	soon := now.Add(23 * time.Hour).Truncate(time.Second)
	sA := e.session(wid, soon, soon.Add(2*time.Hour))
	sB := e.session(wid, now.Add(25*time.Hour), now.Add(27*time.Hour))
	sC := e.session(wid, soon, soon.Add(2*time.Hour))
	e.exec(`UPDATE sessions SET status = 'cancelled', cancel_reason = 'x' WHERE id = $1`, sC)

	early := now.Add(-72 * time.Hour)
	due := e.book(sA, booking.Online, "Ada", "ada@example.org", early)
	gone := e.book(sA, booking.InPerson, "Bea", "bea@example.org", early)
	e.exec(`UPDATE bookings SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, gone.ID)
	justBooked := e.book(sA, booking.InPerson, "Cy", "cy@example.org", now.Add(-time.Hour)) // inside the window
	pending := e.book(sA, booking.InPerson, "Di", "di@example.org", early)
	e.exec(`UPDATE bookings SET status = 'pending_verification' WHERE id = $1`, pending.ID)
	later := e.book(sB, booking.InPerson, "Ed", "ed@example.org", early)
	e.book(sC, booking.InPerson, "Flo", "flo@example.org", early)

	w := e.worker(srv, outbox.Config{})
	other := e.worker(srv, outbox.Config{})
	// Every instance schedules at once; one reminder is written.
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ww := w
			if i%2 == 1 {
				ww = other
			}
			n, err := ww.ScheduleReminders(ctx)
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		}()
	}
	wg.Wait()
	if total := counts[0] + counts[1] + counts[2] + counts[3]; total != 1 {
		t.Fatalf("instances wrote %v reminders, want 1 in all", counts)
	}
	if n, _ := w.ScheduleReminders(ctx); n != 0 {
		t.Errorf("a second run wrote %d", n)
	}
	var payload []byte
	var seq int
	var remindsOf time.Time
	if err := e.pool.QueryRow(ctx, `SELECT o.payload, b.invite_sequence, o.reminder_for FROM outbox o
		JOIN bookings b ON b.id = o.booking_id
		WHERE o.booking_id = $1 AND o.kind = 'reminder'`, due.ID).Scan(&payload, &seq, &remindsOf); err != nil {
		t.Fatalf("no reminder for %s: %v", due.Reference, err)
	}
	// A reminder changes nothing about the event: the SEQUENCE stays.
	var p booking.EmailPayload
	if err := json.Unmarshal(payload, &p); err != nil || p.Sequence != 0 || seq != 0 || !remindsOf.Equal(soon) {
		t.Errorf("payload %s (%v), booking sequence %d, reminder for %v", payload, err, seq, remindsOf)
	}
	for _, b := range []bookingRow{gone, justBooked, pending, later} {
		if n := e.count(fmt.Sprintf("kind = 'reminder' AND booking_id = %d", b.ID)); n != 0 {
			t.Errorf("booking %s got a reminder", b.Reference)
		}
	}

	res, err := w.SendDue(ctx)
	if err != nil || res.Sent != 1 {
		t.Fatalf("SendDue = %+v, %v", res, err)
	}
	m := smtptest.Parse(t, srv.Wait(t, 1, 5*time.Second)[0].Data)
	if !strings.Contains(m.Text("text/plain"), "reminder") || !strings.Contains(m.Text("text/plain"), teamsLink) ||
		!strings.Contains(m.Text("text/plain"), baseURL+"/bookings/"+due.Reference) {
		t.Errorf("reminder text:\n%s", m.Text("text/plain"))
	}
	// No calendar part at all, so no calendar takes it for an update.
	if cal := m.Root.Find("text/calendar"); cal != nil || strings.Contains(m.RawHeader, "calendar") {
		t.Errorf("the reminder carries a calendar part")
	}
	if n := e.count(fmt.Sprintf("kind = 'reminder' AND booking_id = %d AND status = 'sent'", due.ID)); n != 1 {
		t.Errorf("%d reminders marked sent", n)
	}
	// The next real change goes out as SEQUENCE 1, right after the
	// confirmation's 0.
	e.exec(`UPDATE bookings SET invite_sequence = invite_sequence + 1 WHERE id = $1`, due.ID)
	e.queue(booking.MsgSessionChanged, due, sA, booking.EmailPayload{Sequence: 1})
	if res, err := w.SendDue(ctx); err != nil || res.Sent != 1 {
		t.Fatalf("SendDue = %+v, %v", res, err)
	}
	change := smtptest.Parse(t, srv.Wait(t, 2, 5*time.Second)[1].Data).Root.Find("text/calendar")
	if s, _ := decodeInvite(t, change.Body).Props.Get(ical.PropSequence).Int(); s != 1 {
		t.Errorf("the change after a reminder has SEQUENCE %d, want 1", s)
	}

	// Two hours on, the next session is in the window.
	e.clock.Advance(2 * time.Hour)
	if n, _ := w.ScheduleReminders(ctx); n != 1 {
		t.Errorf("later session: %d reminders", n)
	}
	// Its booking is cancelled before the reminder goes: it is skipped.
	e.exec(`UPDATE bookings SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, later.ID)
	res, err = w.SendDue(ctx)
	if err != nil || res.Skipped != 1 || res.Sent != 0 {
		t.Errorf("SendDue = %+v, %v", res, err)
	}
	if n := e.count("status = 'skipped'"); n != 1 {
		t.Errorf("%d skipped rows", n)
	}

	// The first session moves later in the day: a new reminder for the new
	// time. Cy, who booked an hour before the old reminder went, has now
	// booked more than a day ahead of the new start, and gets one too.
	moved := soon.Add(3 * time.Hour)
	e.exec(`UPDATE sessions SET starts_at = $2, ends_at = $3 WHERE id = $1`, sA, moved, moved.Add(2*time.Hour))
	if n, _ := w.ScheduleReminders(ctx); n != 2 {
		t.Errorf("moved session: %d reminders, want 2", n)
	}
	if n := e.count(fmt.Sprintf("booking_id = %d AND reminder_for = to_timestamp(%d)", due.ID, moved.Unix())); n != 1 {
		t.Error("no reminder for the new time")
	}
	// A reminder written for a start the session no longer has is skipped.
	e.exec(`UPDATE sessions SET starts_at = starts_at + interval '1 hour', ends_at = ends_at + interval '1 hour' WHERE id = $1`, sA)
	res, _ = w.SendDue(ctx)
	if res.Skipped != 2 || res.Sent != 0 {
		t.Errorf("reminders for an old start time: %+v", res)
	}
}

func TestRemindersOff(t *testing.T) {
	e := newEnv(t)
	srv := smtptest.Start(t, smtptest.Options{})
	now := e.clock.Now()
	sid := e.session(e.workshop("Have your say"), now.Add(time.Hour), now.Add(2*time.Hour))
	e.book(sid, booking.InPerson, "Ada", "ada@example.org", now.Add(-72*time.Hour))
	w := e.worker(srv, outbox.Config{ReminderBefore: -1})
	if n, err := w.ScheduleReminders(context.Background()); n != 0 || err != nil {
		t.Errorf("reminders off wrote %d (%v)", n, err)
	}
}
