package holds

import (
	"github.com/coventry/workshops/booking"
)

// The messages people see when a hold is refused. They say what happened and
// what to do next, in the words of the booking pages.

func errFull(m booking.Mode) error {
	if m == booking.Online {
		return booking.Errorf(booking.EFull, "There are no online places left for this session.")
	}
	return booking.Errorf(booking.EFull, "There are no in-person places left for this session.")
}

// errNotOffered is a mode the session has no places in at all: not a full
// session (no waiting list makes sense), so not EFull, but a choice the
// person must change.
func errNotOffered(m booking.Mode) error {
	msg := "This session has no in-person places. Choose to take part online."
	if m == booking.Online {
		msg = "This session cannot be joined online. Choose to take part in person."
	}
	return booking.FieldErrors(map[string]string{"mode": msg})
}

// errMayBeHeld refuses an offer to the waiting list of a place that a hold
// Redis lost or cannot be asked about may still keep.
func errMayBeHeld(m booking.Mode) error {
	if m == booking.Online {
		return booking.Errorf(booking.EFull, "The online places free may still be held by people booking them.")
	}
	return booking.Errorf(booking.EFull, "The in-person places free may still be held by people booking them.")
}

func errClosed() error {
	return booking.Errorf(booking.EConflict, "This session is no longer taking bookings.")
}

func errNoSession() error {
	return booking.Errorf(booking.ENotFound, "We could not find that session.")
}

func errBadMode() error {
	return booking.Errorf(booking.EInvalid, "Choose whether to take part in person or online.")
}

func errBadPlaces() error {
	return booking.FieldErrors(map[string]string{"places": "A place can be held for you alone or for you and one companion."})
}

func errHoldNotFound() error {
	return booking.Errorf(booking.ENotFound, "We could not find the place held for you. Please choose the session again.")
}

func errHoldExpired() error {
	return booking.Errorf(booking.EHoldExpired, "The place held for you has been released because time ran out or it was already used. Please choose the session again.")
}

// check applies the rules of takeScript to a mirror read from Postgres, for
// holds decided without Redis.
func check(m booking.Mirror, audience booking.Audience, places int, nowMs int64) error {
	switch {
	case nowMs >= closesMs(m):
		return errClosed()
	case audience != "" && audience != m.Audience:
		return booking.AudienceRefusal(m.Audience)
	case m.Capacity <= 0:
		return errNotOffered(m.Mode)
	case m.Taken+places > m.Capacity:
		return errFull(m.Mode)
	}
	return nil
}
