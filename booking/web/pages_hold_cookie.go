package web

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// The hold cookie ties a held place to the browser that took it: going
// back, reloading or opening the session page again shows the place as the
// person's own, with the time left, never as "full". It carries only the
// signed hold id (session, mode, expiry; nothing personal), is HttpOnly and
// SameSite=Lax, and outlives the hold by holdCookieGrace so that a lapsed
// hold can be said once. Secure, under __Host-, on an https BASE_URL (see
// signin.go for why not on plain http).
const (
	holdCookieSecure = "__Host-workshops_hold"
	holdCookiePlain  = "workshops_hold"
	holdCookieGrace  = time.Hour
)

func (s *Server) holdCookieName() string { return s.cookieName(holdCookieSecure, holdCookiePlain) }

func (s *Server) writeHoldCookie(c *gin.Context, value string, maxAge int) {
	s.setCookie(c, s.holdCookieName(), value, maxAge)
}

// keepHold remembers h as this browser's held place.
func (s *Server) keepHold(c *gin.Context, h booking.Hold) {
	age := int((h.ExpiresAt.Sub(s.now()) + holdCookieGrace) / time.Second)
	s.writeHoldCookie(c, h.ID, max(age, 1))
}

// forgetHold forgets this browser's held place: booked, given up, or its
// lapse said.
func (s *Server) forgetHold(c *gin.Context) { s.writeHoldCookie(c, "", -1) }

// browserHold is the hold this browser took in the session, from its
// cookie or from previous (a hold id the page carries, as the "Back" link
// from "Your details" does), lapsed or not. fromCookie says which.
func (s *Server) browserHold(c *gin.Context, sessionID int64, previous string) (h booking.Hold, fromCookie, ok bool) {
	if id, err := c.Cookie(s.holdCookieName()); err == nil {
		if h, err := s.heldPlace(id); err == nil && h.SessionID == sessionID {
			return h, true, true
		}
	}
	if h, err := s.heldPlace(previous); err == nil && h.SessionID == sessionID {
		return h, false, true
	}
	return booking.Hold{}, false, false
}

// ownHold is browserHold while it lasts: the place the person holds in the
// session, or nil.
func (s *Server) ownHold(c *gin.Context, sessionID int64, previous string) *booking.Hold {
	if h, _, ok := s.browserHold(c, sessionID, previous); ok && s.live(h) {
		return &h
	}
	return nil
}

// live says whether h still keeps its place.
func (s *Server) live(h booking.Hold) bool { return h.ExpiresAt.After(s.now()) }

// cookieHold is the live hold this browser keeps, whichever session it is
// in, or nil.
func (s *Server) cookieHold(c *gin.Context) *booking.Hold {
	id, err := c.Cookie(s.holdCookieName())
	if err != nil {
		return nil
	}
	h, err := s.heldPlace(id)
	if err != nil || !s.live(h) {
		return nil
	}
	return &h
}
