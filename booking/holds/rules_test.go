package holds_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

func TestAudienceAndClosedSessions(t *testing.T) {
	f := setup(t)
	staff := mirror(10, booking.InPerson, 5, 0, 1)
	staff.Audience = booking.Workforce
	f.loader.set(staff)
	now := f.clock.Now()

	_, err := f.s.Take(f.ctx, 10, booking.InPerson, booking.Public, now)
	wantCode(t, err, booking.EForbidden)
	if msg := booking.ErrorMessage(err); !strings.Contains(msg, "/staff") {
		t.Fatalf("message %q does not point to /staff", msg)
	}
	if _, err := f.s.Take(f.ctx, 10, booking.InPerson, booking.Workforce, now); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Take(f.ctx, 10, booking.InPerson, "", now); err != nil {
		t.Fatalf("an organiser booking on someone's behalf: %v", err)
	}
	_, err = f.s.Take(f.ctx, 10, booking.Online, booking.Workforce, now)
	wantCode(t, err, booking.EInvalid) // no online places at all

	_, err = f.s.Take(f.ctx, 10, booking.InPerson, booking.Workforce, staff.ClosesAt)
	wantCode(t, err, booking.EConflict)
	if msg := booking.ErrorMessage(err); msg != "This session is no longer taking bookings." {
		t.Fatalf("message %q", msg)
	}

	cancelled := mirror(11, booking.InPerson, 5, 0, 1)
	cancelled.ClosesAt = time.Time{}
	f.loader.set(cancelled)
	_, err = f.take(t, 11, booking.InPerson)
	wantCode(t, err, booking.EConflict)

	_, err = f.take(t, 404, booking.InPerson)
	wantCode(t, err, booking.ENotFound)
	_, err = f.take(t, 11, booking.Mode("hybrid"))
	wantCode(t, err, booking.EInvalid)
}

func TestCancelledRequestIsNotAnOutage(t *testing.T) {
	f := setup(t)
	f.loader.set(mirror(12, booking.InPerson, 5, 0, 1))
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	_, err := f.s.Take(ctx, 12, booking.InPerson, booking.Public, f.clock.Now())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("take with a cancelled context: %v", err)
	}
	if h := f.mustTake(t, 12, booking.InPerson); h.Stateless {
		t.Fatal("a cancelled request made the store give up on Redis")
	}
	if st := f.s.Stats(); st.Failures != 0 {
		t.Fatalf("stats %+v", st)
	}
}
