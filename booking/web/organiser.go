package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// The organisers' pages: their home after signing in, workshops and
// sessions made, changed, moved and cancelled, facilitators assigned, a
// session's bookings and waiting list, bookings taken by phone, and the
// accounts. They use the same use cases as the admin API, so people booked
// get the same emails and invites and the audit log records every change.
// Every page works without JavaScript.
//
// Guards (auth.go): the home page is any organiser's and shows each only
// what is theirs; what is about one session is its facilitators' too; the
// rest is for admins.

// organiserPage is what every organiser page shows above its content: who
// is signed in, with the way home and out (partials/organiser.html).
type organiserPage struct {
	Page
	Who     string
	IsAdmin bool
	// SignedIn is false for the admin token, which has nothing to sign out of.
	SignedIn bool
	// Done is the banner of a change just made, from ?done= after a redirect.
	Done string
	// CouncilPhone is the council's number (COUNCIL_PHONE), or empty.
	CouncilPhone string
}

// organiser fills the part of a page every organiser page shares.
func (s *Server) organiser(c *gin.Context, title string) organiserPage {
	p := organiserPage{Page: Page{Title: title}, CouncilPhone: s.cfg.CouncilPhone}
	a, _ := s.actor(c)
	p.IsAdmin = a.IsAdmin()
	switch {
	case a.Kind == booking.ActorOrganiser && a.Organiser != nil:
		p.SignedIn = true
		p.Who = a.Organiser.Name
		if p.Who == "" {
			p.Who = a.Organiser.Email
		}
		if p.IsAdmin {
			p.Who += " (admin)"
		} else {
			p.Who += " (facilitator)"
		}
	default:
		p.Who = "the admin token"
	}
	p.Done = doneMessages[c.Query("done")]
	return p
}

// doneMessages are the banners shown after a change, by ?done=. Only these
// texts can appear: nothing from the address reaches the page.
var doneMessages = map[string]string{
	"workshop": "The workshop has been created. Add its first session.",
	"session":  "The session has been created.",
	// "moved" and "cancelled" are the session page's own (sessionDone),
	// which counts who is emailed and who must be phoned.
	"updated":           "The session has been changed. Nobody booked is told: its time, venue and joining link are as they were.",
	"unchanged":         "Nothing was changed.",
	"judged":            "The entry has been updated.",
	"erased":            "The entry and its poster have been deleted.",
	"published":         "The winners page is published: it shows the winners' first names, ages and areas.",
	"unpublished":       "The winners page is hidden.",
	"drawn":             "The places have been drawn. Everyone who applied is being emailed.",
	"assigned":          "The facilitator has been assigned to this session.",
	"unassigned":        "The facilitator has been removed from this session.",
	"account":           "The account has been saved.",
	"survey":            "The survey has been created. Share its address to ask people to answer it.",
	"survey_changed":    "The survey has been changed.",
	"survey_closed":     "The survey is closed: it takes no more answers. To open it again, change its last day.",
	"booking_cancelled": "The booking has been cancelled and its place given back. They are emailed that it is cancelled.",
	"workshop_changed":  "The workshop has been changed.",
	"workshop_archived": "The workshop has been archived. It is no longer listed for people to book; its sessions and everyone booked on them are as they were.",
	"workshop_restored": "The workshop has been restored. It is listed again wherever it has sessions to come.",
	"details_saved":     "Their details are saved.",
	"details_unchanged": "Nothing was changed: the details were already those.",
	"email_moved":       "Their details are saved. The booking now uses the new email address: the old address is told, and the new one is sent the confirmation with the calendar invite and a fresh link to change or cancel.",
	"email_removed":     "Their details are saved. The booking has no email address now: the old address is told, and nothing more is emailed. If the session changes, phone them.",
	"moved":             "The booking is moved. They are emailed an updated calendar invite.",
	"moved_phone":       "The booking is moved. They gave no email address, so nothing is emailed: tell them yourself.",
	"resent":            "The confirmation is being emailed again, with a calendar invite and a fresh link to change or cancel the booking. Links sent before still work.",
	// booking_cancelled_phone: they gave no email address.
	"booking_cancelled_phone": "The booking has been cancelled and its place given back. They gave no email address, so nothing is emailed: if they did not ask for it themselves, phone them.",
}

// withDone adds ?done=key to a path redirected to after a change.
func withDone(path, key string) string { return path + "?done=" + key }

func sessionPath(id int64) string { return fmt.Sprintf("/admin/sessions/%d", id) }

// homeSession is one session on an organiser's home page.
type homeSession struct {
	ID        int64
	When      string
	Venue     string
	Online    bool
	Cancelled bool
	Ended     bool
	Booked    int
	Capacity  int
	Links     sessionLinks
}

type homeWorkshop struct {
	ID       int64
	Title    string
	Audience booking.Audience
	Archived bool
	Sessions []homeSession
}

type homePage struct {
	organiserPage
	Workshops []homeWorkshop
}

// organiserHome is GET /admin: every upcoming workshop and session for
// admins, only their own sessions for facilitators.
func (s *Server) organiserHome(c *gin.Context) error {
	list, err := s.svc.OrganiserWorkshops(c.Request.Context())
	if err != nil {
		return err
	}
	p := &homePage{organiserPage: s.organiser(c, "Your workshops")}
	if p.IsAdmin {
		p.Title = "Workshops"
	}
	now := s.now()
	for _, w := range list {
		hw := homeWorkshop{ID: w.ID, Title: w.Title, Audience: w.Audience, Archived: w.ArchivedAt != nil}
		for _, sess := range w.Sessions {
			hw.Sessions = append(hw.Sessions, homeSessionOf(sess, now))
		}
		p.Workshops = append(p.Workshops, hw)
	}
	s.render(c, http.StatusOK, "organiser_home", p)
	return nil
}

func homeSessionOf(sess *booking.Session, now time.Time) homeSession {
	h := homeSession{
		ID: sess.ID, When: whenText(sess.StartsAt, sess.EndsAt), Venue: sess.Venue.Name,
		Online: sess.Offers(booking.Online), Cancelled: sess.Status == booking.Cancelled,
		Ended: !now.Before(sess.EndsAt), Links: linksOf(sess),
	}
	for _, pl := range sess.Places {
		h.Booked += pl.Booked
		h.Capacity += pl.Capacity
	}
	return h
}
