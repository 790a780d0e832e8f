package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// The places dashboard for admins (booking.PlacesBoard): every session to
// come of every workshop not archived, in person and online side by side,
// with totals per workshop and overall. Admins only, like the workshop
// pages it links to: it spans sessions that are not one facilitator's.
// Full sessions and sessions with people waiting say so in words.

// placesRow is one way of taking part in one session, or a total.
type placesRow struct {
	ID     string // in_person, online or everyone: the row's id
	Mode   string
	Counts booking.PlaceCounts
	Left   int
	// Status says in words what stands out: full, people waiting, a ballot.
	Status string
	// Alert marks a full row or one with people waiting.
	Alert bool
}

type placesSessionRow struct {
	ID     int64
	When   string
	Venue  string
	Ballot string // "Ballot, drawn" or "Ballot, not yet drawn"; empty otherwise
	Rows   []placesRow
}

type placesWorkshop struct {
	ID       int64
	Title    string
	Staff    bool
	Sessions []placesSessionRow
	Totals   []placesRow
}

type placesPage struct {
	organiserPage
	At        string
	Workshops []placesWorkshop
	Totals    []placesRow
	Full      int // sessions with a way of taking part full
	Waiting   int // people waiting, all sessions
}

// organiserPlaces is GET /admin/places.
func (s *Server) organiserPlaces(c *gin.Context) error {
	b, err := s.svc.PlacesBoard(c.Request.Context())
	if err != nil {
		return err
	}
	p := &placesPage{organiserPage: s.organiser(c, "Places and waiting lists"), At: booking.At(b.At)}
	p.BackLink = "/admin"
	for _, w := range b.Workshops {
		pw := placesWorkshop{ID: w.Workshop.ID, Title: w.Workshop.Title, Staff: w.Workshop.Audience == booking.Workforce,
			Totals: placesRows(w.Totals, false, true)}
		for _, sp := range w.Sessions {
			sess := sp.Session
			row := placesSessionRow{ID: sess.ID, When: whenText(sess.StartsAt, sess.EndsAt), Venue: sess.Venue.Name,
				Rows: placesRows(sp.Counts, sess.IsBallot() && sess.DrawnAt == nil, false)}
			if sess.IsBallot() {
				row.Ballot = "Ballot, not yet drawn"
				if sess.DrawnAt != nil {
					row.Ballot = "Ballot, drawn"
				}
			}
			for _, m := range booking.Modes {
				if sp.Counts[m].Full() {
					p.Full++
					break
				}
			}
			pw.Sessions = append(pw.Sessions, row)
		}
		p.Workshops = append(p.Workshops, pw)
	}
	p.Totals = placesRows(b.Totals, false, true)
	p.Waiting = b.Totals.All().Waiting
	s.render(c, http.StatusOK, "organiser_places", p)
	return nil
}

// placesRows are the rows of the modes a session offers (or, for totals,
// of every mode with places), then for totals everyone's.
func placesRows(mc booking.ModeCounts, undrawn, total bool) []placesRow {
	var rows []placesRow
	for _, m := range booking.Modes {
		c := mc[m]
		if c.Capacity == 0 && c.Applications == 0 {
			continue
		}
		rows = append(rows, placesRowOf(string(m), modeWord(m), c, undrawn))
	}
	if total && len(rows) > 1 {
		rows = append(rows, placesRowOf("everyone", "Everyone", mc.All(), false))
	}
	return rows
}

func placesRowOf(id, mode string, c booking.PlaceCounts, undrawn bool) placesRow {
	r := placesRow{ID: id, Mode: mode, Counts: c, Left: c.Left()}
	switch {
	case undrawn:
		r.Status = "Ballot: " + plural(c.Applications, "application", "applications")
	case c.Full() && c.Waiting > 0:
		r.Status, r.Alert = fmt.Sprintf("Full, %d waiting", c.Waiting), true
	case c.Full():
		r.Status, r.Alert = "Full", true
	case c.Waiting > 0:
		r.Status, r.Alert = fmt.Sprintf("%d waiting", c.Waiting), true
	default:
		r.Status = "Places left"
	}
	return r
}

// The admin API's view of the dashboard: GET /api/v1/admin/places.

type placeCountsView struct {
	Capacity     int  `json:"capacity"`
	Booked       int  `json:"booked"`
	Held         int  `json:"held"`
	Offered      int  `json:"offered"`
	Left         int  `json:"left"`
	Waiting      int  `json:"waiting"`
	Applications int  `json:"applications"`
	Full         bool `json:"full"`
}

type placesSessionView struct {
	ID         int64                            `json:"id"`
	StartsAt   time.Time                        `json:"starts_at"`
	EndsAt     time.Time                        `json:"ends_at"`
	Venue      booking.Venue                    `json:"venue"`
	Allocation booking.Allocation               `json:"allocation"`
	DrawnAt    *time.Time                       `json:"drawn_at"`
	Modes      map[booking.Mode]placeCountsView `json:"modes"`
}

type placesWorkshopView struct {
	workshopRef
	Sessions []placesSessionView              `json:"sessions"`
	Totals   map[booking.Mode]placeCountsView `json:"totals"`
}

func placeCountsOf(mc booking.ModeCounts, offered bool) map[booking.Mode]placeCountsView {
	out := map[booking.Mode]placeCountsView{}
	for _, m := range booking.Modes {
		c := mc[m]
		if offered && c.Capacity == 0 && c.Applications == 0 {
			continue
		}
		out[m] = placeCountsView{Capacity: c.Capacity, Booked: c.Booked, Held: c.Held, Offered: c.Offered,
			Left: c.Left(), Waiting: c.Waiting, Applications: c.Applications, Full: c.Full()}
	}
	return out
}

func (s *Server) adminPlaces(c *gin.Context) error {
	b, err := s.svc.PlacesBoard(c.Request.Context())
	if err != nil {
		return err
	}
	out := make([]placesWorkshopView, 0, len(b.Workshops))
	for _, w := range b.Workshops {
		wv := placesWorkshopView{workshopRef: refOf(w.Workshop), Totals: placeCountsOf(w.Totals, false)}
		for _, sp := range w.Sessions {
			sess := sp.Session
			var drawn *time.Time
			if sess.DrawnAt != nil {
				t := sess.DrawnAt.UTC()
				drawn = &t
			}
			wv.Sessions = append(wv.Sessions, placesSessionView{
				ID: sess.ID, StartsAt: sess.StartsAt.UTC(), EndsAt: sess.EndsAt.UTC(), Venue: sess.Venue,
				Allocation: sess.Allocation, DrawnAt: drawn, Modes: placeCountsOf(sp.Counts, true),
			})
		}
		out = append(out, wv)
	}
	c.JSON(http.StatusOK, gin.H{"at": b.At.UTC(), "workshops": out, "totals": placeCountsOf(b.Totals, false)})
	return nil
}
