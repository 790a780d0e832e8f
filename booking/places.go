package booking

import (
	"context"
	"time"
)

// The places dashboard: for admins, every session to come of every
// workshop not archived, with its places in person and online side by
// side: how many there are, booked, held by someone typing their details
// right now, offered to the waiting list, left, and how many people wait.
// Postgres gives the counts in a few queries for every session at once;
// the holds are asked of Redis, a count per session and way of taking part
// (nothing when Redis cannot be asked: Held says 0).

// PlaceCounts are the places of one way of taking part, in one session or
// added up over several.
type PlaceCounts struct {
	Capacity int
	Booked   int
	// Held are places people are holding while they type their details.
	Held int
	// Offered are places kept for people offered them from the waiting list.
	Offered int
	// Waiting are the people on the waiting list not yet offered a place.
	Waiting int
	// Applications are a ballot's applications, made before its draw.
	Applications int
}

// Left is the places nobody has booked, holds or has been offered.
func (c PlaceCounts) Left() int { return max(0, c.Capacity-c.Booked-c.Offered-c.Held) }

// Full says whether there are places and none is left.
func (c PlaceCounts) Full() bool { return c.Capacity > 0 && c.Left() == 0 }

func (c *PlaceCounts) add(o PlaceCounts) {
	c.Capacity += o.Capacity
	c.Booked += o.Booked
	c.Held += o.Held
	c.Offered += o.Offered
	c.Waiting += o.Waiting
	c.Applications += o.Applications
}

// ModeCounts are counts for each way of taking part.
type ModeCounts map[Mode]PlaceCounts

// All adds up the ways of taking part.
func (m ModeCounts) All() PlaceCounts {
	var all PlaceCounts
	for _, mode := range Modes {
		all.add(m[mode])
	}
	return all
}

func (m ModeCounts) add(o ModeCounts) {
	for mode, c := range o {
		sum := m[mode]
		sum.add(c)
		m[mode] = sum
	}
}

// SessionPlaces is one session on the dashboard. Its Places are filled
// from Postgres; Counts add the holds and the lists.
type SessionPlaces struct {
	Session *Session
	Counts  ModeCounts
}

// WorkshopPlaces is a workshop with its sessions to come, and their totals.
type WorkshopPlaces struct {
	Workshop *Workshop
	Sessions []SessionPlaces
	Totals   ModeCounts
}

// PlacesBoard is the whole dashboard.
type PlacesBoard struct {
	At        time.Time
	Workshops []WorkshopPlaces
	Totals    ModeCounts
}

// ListCounts are a session's waiting list and ballot applications in one
// way of taking part, as the store counts them.
type ListCounts struct {
	Waiting, Applications int
}

// PlacesBoard reads the dashboard; only admins may, as it spans every
// workshop.
func (s *Service) PlacesBoard(ctx context.Context) (*PlacesBoard, error) {
	if _, err := adminActor(ctx); err != nil {
		return nil, err
	}
	now := s.now()
	sessions, lists, err := s.OrganiserPages.UpcomingPlaces(ctx, now)
	if err != nil {
		return nil, err
	}
	b := &PlacesBoard{At: now, Totals: ModeCounts{}}
	byWorkshop := map[int64]int{}
	for _, sess := range sessions {
		sp := SessionPlaces{Session: sess, Counts: ModeCounts{}}
		for _, m := range Modes {
			p := sess.PlacesFor(m)
			c := PlaceCounts{Capacity: p.Capacity, Booked: p.Booked, Offered: p.Offered,
				Waiting: lists[sess.ID][m].Waiting, Applications: lists[sess.ID][m].Applications}
			if c.Capacity > 0 && !(sess.IsBallot() && sess.DrawnAt == nil) {
				c.Held = s.Holds.Held(ctx, sess.ID, m, now)
			}
			sp.Counts[m] = c
		}
		i, ok := byWorkshop[sess.WorkshopID]
		if !ok {
			i = len(b.Workshops)
			byWorkshop[sess.WorkshopID] = i
			b.Workshops = append(b.Workshops, WorkshopPlaces{Workshop: sess.Workshop, Totals: ModeCounts{}})
		}
		w := &b.Workshops[i]
		w.Sessions = append(w.Sessions, sp)
		w.Totals.add(sp.Counts)
		b.Totals.add(sp.Counts)
	}
	return b, nil
}
