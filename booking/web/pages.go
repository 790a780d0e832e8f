package web

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// pageRoutes registers the public pages and the assets they use. One
// handler per file, named after the route: pages_start.go, pages_session.go,
// pages_hold.go, pages_manage.go, pages_council.go.
func (s *Server) pageRoutes(r *gin.Engine) {
	r.GET("/assets/*filepath", s.assets.serve)
	r.HEAD("/assets/*filepath", s.assets.serve)

	r.GET("/", s.page("page_start", s.startPage))
	r.GET("/workshops/:id", s.page("page_workshop", s.workshopPage))

	r.GET("/sessions/:id", s.page("page_session", s.sessionPage(publicJourney)))
	r.POST("/sessions/:id", s.page("page_session_hold", s.sessionHold(publicJourney)))
	r.POST("/sessions/:id/change", s.page("page_session_change", s.sessionChange(publicJourney)))
	r.GET("/holds/:hold_id/details", s.page("page_details", s.detailsPage(publicJourney)))
	r.POST("/holds/:hold_id/details", s.page("page_details_check", s.detailsCheck(publicJourney)))
	r.POST("/holds/:hold_id/confirm", s.page("page_confirm", s.confirmBooking(publicJourney)))
	r.GET("/bookings/:reference/confirmed", s.page("page_confirmed", s.confirmedPage))
	r.GET("/bookings/:reference", s.page("page_manage", s.bookingOrAsk))
	r.GET("/bookings/:reference/cancel", s.page("page_cancel", s.cancelPage))
	r.POST("/bookings/:reference/cancel", s.page("page_cancel_confirm", s.cancelConfirm))
	r.GET("/bookings/:reference/switch", s.page("page_switch", s.switchPage))
	r.POST("/bookings/:reference/switch", s.page("page_switch_confirm", s.switchConfirm))

	r.GET("/accessibility", s.page("page_accessibility", s.staticPage("accessibility", "Accessibility statement")))
	r.GET("/privacy", s.page("page_privacy", s.staticPage("privacy", "Privacy notice")))
	r.GET("/cookies", s.page("page_cookies", s.staticPage("cookies", "Cookies")))
}

// modeItem is one way of taking part in a session, as a page shows it.
type modeItem struct {
	Mode     booking.Mode
	Label    string
	Capacity int
	// Left is the places free now: not booked, offered or held.
	Left int
}

// sessionItem is a session as the pages show it.
type sessionItem struct {
	ID           int64
	WorkshopID   int64
	When         string
	StartsAt     time.Time
	EndsAt       time.Time
	Venue        booking.Venue
	Modes        []modeItem // only the modes the session offers
	Open         bool       // scheduled and not yet started
	Cancelled    bool
	CancelReason string
	Full         bool // open, but no place left in any mode
}

// sessionItemOf counts the places of sess as people see them: what Postgres
// has not given away, less what others hold right now.
func (s *Server) sessionItemOf(ctx context.Context, sess *booking.Session) sessionItem {
	now := s.now()
	it := sessionItem{
		ID: sess.ID, WorkshopID: sess.WorkshopID, When: whenText(sess.StartsAt, sess.EndsAt),
		StartsAt: sess.StartsAt, EndsAt: sess.EndsAt, Venue: sess.Venue,
		Open: sess.OpenAt(now), Cancelled: sess.Status == booking.Cancelled, CancelReason: sess.CancelReason,
	}
	total := 0
	for _, m := range booking.Modes {
		p := sess.PlacesFor(m)
		if p.Capacity <= 0 {
			continue
		}
		left := 0
		if it.Open {
			left = s.svc.PlacesLeft(ctx, sess, m)
		}
		total += left
		it.Modes = append(it.Modes, modeItem{Mode: m, Label: m.Label(), Capacity: p.Capacity, Left: left})
	}
	it.Full = it.Open && total == 0
	return it
}
