package web

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// waitlistEntryPage is the data of the pages the waiting-list emails link
// to: templates/pages/waitlist_entry.html (the place on the list, or the
// offer), waitlist_leave.html and waitlist_left.html.
type waitlistEntryPage struct {
	Page
	Entry    *booking.WaitlistEntry
	Session  sessionItem
	Workshop *booking.Workshop
	// Token opens the entry; it rides in the page's links and forms.
	Token string
	// Joined shows the banner of someone who has just joined.
	Joined bool
	// OfferTime is how long an offered place is kept (Server.offerTime).
	OfferTime string
}

// ModeText is the way of taking part as it reads in a sentence.
func (p *waitlistEntryPage) ModeText() string { return lowerMode(p.Entry.Mode) }

// Status is the entry's status, for the template to compare.
func (p *waitlistEntryPage) Status() string { return string(p.Entry.Status) }

// Expires is when the offer ends, as "5pm on Tuesday 14 March 2028".
func (p *waitlistEntryPage) Expires() string {
	if p.Entry.OfferExpiresAt == nil {
		return ""
	}
	return booking.At(*p.Entry.OfferExpiresAt)
}

// Query is "token=..." for the entry's links.
func (p *waitlistEntryPage) Query() string { return "token=" + url.QueryEscape(p.Token) }

// URL is the entry's own page.
func (p *waitlistEntryPage) URL() string {
	return "/waitlist/" + url.PathEscape(p.Entry.Reference) + "?" + p.Query()
}

// LeaveURL asks the person to confirm they want to leave.
func (p *waitlistEntryPage) LeaveURL() string {
	return "/waitlist/" + url.PathEscape(p.Entry.Reference) + "/leave?" + p.Query()
}

// Action is where the entry's forms post: accept, decline or leave.
func (p *waitlistEntryPage) Action(what string) string {
	return "/waitlist/" + url.PathEscape(p.Entry.Reference) + "/" + what
}

// pageToken reads the token of an emailed link: the query's, a form's or a
// bearer header.
func pageToken(c *gin.Context) string {
	if t := c.Query("token"); t != "" {
		return t
	}
	if t := c.PostForm("token"); t != "" {
		return t
	}
	return bearer(c)
}

// loadEntry reads the entry of the page's reference for the holder of its
// token, with its session.
func (s *Server) loadEntry(c *gin.Context) (*waitlistEntryPage, error) {
	ctx := c.Request.Context()
	token := pageToken(c)
	e, err := s.svc.WaitlistEntry(ctx, c.Param("reference"), token)
	if err != nil {
		return nil, err
	}
	sess, err := s.svc.Session(ctx, e.SessionID)
	if err != nil {
		return nil, err
	}
	p := &waitlistEntryPage{Entry: e, Session: s.sessionItemOf(ctx, sess), Workshop: sess.Workshop, Token: token,
		OfferTime: s.offerTime()}
	p.Title = entryTitle(e.Status)
	return p, nil
}

func entryTitle(status booking.WaitlistStatus) string {
	switch status {
	case booking.Waiting:
		return "You are on the waiting list"
	case booking.Offered:
		return "A place is available for you"
	case booking.OfferAccepted:
		return "You have accepted this place"
	case booking.OfferDeclined:
		return "You declined this place"
	case booking.OfferLapsed:
		return "This offer has ended"
	case booking.WaitlistSessionCancelled:
		return "This session has been cancelled"
	}
	return "You have left the waiting list"
}

// waitlistEntryPage shows the person's place on the list, or the place
// offered to them: GET /waitlist/:reference?token=.
func (s *Server) waitlistEntryPage(c *gin.Context) error {
	p, err := s.loadEntry(c)
	if err != nil {
		return err
	}
	p.Joined = c.Query("joined") == "yes" && p.Entry.Status == booking.Waiting
	s.render(c, http.StatusOK, "waitlist_entry", p)
	return nil
}

// waitlistLeavePage asks the person to confirm they want to leave:
// GET /waitlist/:reference/leave?token=.
func (s *Server) waitlistLeavePage(c *gin.Context) error {
	p, err := s.loadEntry(c)
	if err != nil {
		return err
	}
	if !p.Entry.Status.Active() {
		c.Redirect(http.StatusSeeOther, p.URL())
		return nil
	}
	p.Title = "Are you sure you want to leave the waiting list?"
	p.BackLink = p.URL()
	s.render(c, http.StatusOK, "waitlist_leave", p)
	return nil
}

// waitlistLeave takes the person off the list: POST /waitlist/:reference/leave.
func (s *Server) waitlistLeave(c *gin.Context) error {
	return s.endEntryPage(c, false)
}

// waitlistDecline gives an offered place back: POST /waitlist/:reference/decline.
func (s *Server) waitlistDecline(c *gin.Context) error {
	return s.endEntryPage(c, true)
}

func (s *Server) endEntryPage(c *gin.Context, decline bool) error {
	p, err := s.loadEntry(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	var e *booking.WaitlistEntry
	if decline {
		e, err = s.svc.DeclineOffer(ctx, p.Entry.Reference, p.Token)
	} else {
		e, err = s.svc.LeaveWaitlist(ctx, p.Entry.Reference, p.Token)
	}
	if err != nil {
		return err
	}
	s.metrics.bookings.WithLabelValues("waitlist_" + string(e.Status)).Inc()
	p.Entry = e
	p.Title = entryTitle(e.Status)
	s.render(c, http.StatusOK, "waitlist_left", p)
	return nil
}

// waitlistAccept books the offered place and shows the confirmation:
// POST /waitlist/:reference/accept.
func (s *Server) waitlistAccept(c *gin.Context) error {
	p, err := s.loadEntry(c)
	if err != nil {
		return err
	}
	b, token, err := s.svc.AcceptOffer(c.Request.Context(), p.Entry.Reference, p.Token)
	if err != nil {
		return err
	}
	s.metrics.bookings.WithLabelValues("booked").Inc()
	s.metrics.bookings.WithLabelValues("offer_accepted").Inc()
	c.Redirect(http.StatusSeeOther, "/bookings/"+url.PathEscape(b.Reference)+"/confirmed?token="+url.QueryEscape(token))
	return nil
}
