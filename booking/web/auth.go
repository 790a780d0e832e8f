package web

// Who may use the organisers' side, and how a request says who it is.
//
// A request is from the admin token (Authorization: Bearer $ADMIN_TOKEN,
// compared in constant time) or from a signed-in organiser (the sign-in
// cookie). Admins and the token may do everything. Facilitators run the
// sessions they are assigned to: they see them, book places for people
// who phone, and check people in; changing, moving or cancelling a
// session is for admins.
//
// Each route's guard in the route table (routes.go) names the middleware
// in front of it:
//
//	adminOnly     s.requireAdmin: creating workshops, accounts, the audit log
//	ofSession     s.requireSessionAccess: about the session in :id, also
//	              its facilitators
//	ofBooking     s.requireBookingAccess: about the booking in :reference,
//	              also the facilitators of its session
//	anyOrganiser  s.requireOrganiser: pages any organiser sees (their own
//	              list); the handler scopes what it shows with
//	              s.authorizeSession or s.authorizeAdmin
//
// A public route is open to everyone, so TestRouteTable refuses a public
// route under /api/v1/admin or /admin other than the way in, and proves
// every guarded one refuses a stranger; admin_routes_test.go proves each
// also refuses a facilitator of another session.

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// actorKey is where identify keeps the actor on the Gin context.
const actorKey = "workshops.actor"

// errNoCredentials answers a request with no good admin token and no sign-in.
var errNoCredentials = booking.Errorf(booking.EUnauthorized, "Sign in, or send the admin token as a bearer token.")

// identify says who is making the request, once per request, and puts the
// actor on the request's context so the changes made under it are audited
// in their name. A bearer header that is not the admin token is refused
// outright rather than falling back to a cookie.
func (s *Server) identify(c *gin.Context) (booking.Actor, error) {
	if a, ok := s.actor(c); ok {
		return a, nil
	}
	var a booking.Actor
	if c.GetHeader("Authorization") != "" {
		// Wrong admin tokens are counted per client; once too many, no
		// token is compared until the limit lets the client try again.
		if !s.authAttemptsLeft(c) {
			return a, errTooMany
		}
		t := bearer(c)
		if s.adminOK == nil || t == "" || subtle.ConstantTimeCompare(hashToken(t), s.adminOK) != 1 {
			s.authFailed(c)
			return a, errNoCredentials
		}
		a = booking.Actor{Kind: booking.ActorAPIToken}
	} else {
		id, err := c.Cookie(s.signInCookieName())
		if err != nil || id == "" || s.svc.Accounts == nil {
			return a, errNoCredentials
		}
		sess, err := s.svc.SignedIn(c.Request.Context(), id)
		if err != nil {
			if booking.IsCode(err, booking.EUnauthorized) {
				s.clearSignInCookie(c)
			}
			return a, err
		}
		a = booking.Actor{Kind: booking.ActorOrganiser, Organiser: sess.Organiser}
	}
	c.Set(actorKey, a)
	c.Request = c.Request.WithContext(booking.WithActor(c.Request.Context(), a))
	return a, nil
}

// actor returns who identify found, if it ran and found someone: a.Kind
// says whether it is the admin token or an organiser (a.Organiser).
func (s *Server) actor(c *gin.Context) (booking.Actor, bool) {
	v, ok := c.Get(actorKey)
	if !ok {
		return booking.Actor{}, false
	}
	a, ok := v.(booking.Actor)
	return a, ok
}

// authorizeAdmin says whether the request may do what only admins do:
// EUnauthorized for a stranger, EForbidden for a facilitator.
func (s *Server) authorizeAdmin(c *gin.Context) error {
	a, err := s.identify(c)
	if err != nil {
		return err
	}
	return booking.AuthorizeAdmin(a)
}

// authorizeSession says whether the request may see and change the
// workshop session sessionID: EUnauthorized for a stranger, EForbidden for a
// facilitator not assigned to it. Handlers of routes about one session call
// it when the session is not in the path (requireSessionAccess does when it is).
func (s *Server) authorizeSession(c *gin.Context, sessionID int64) error {
	a, err := s.identify(c)
	if err != nil {
		return err
	}
	return s.svc.AuthorizeSession(c.Request.Context(), a, sessionID)
}

// refuse answers a request that may not go on: JSON for the API; for pages,
// strangers are sent to sign in and others shown why not.
func (s *Server) refuse(c *gin.Context, err error) {
	if isPage(c) && booking.IsCode(err, booking.EUnauthorized) {
		c.Redirect(http.StatusSeeOther, "/admin/sign-in")
		c.Abort()
		return
	}
	s.fail(c, err)
}

// requireOrganiser lets through any signed-in organiser or the admin token:
// for pages every organiser sees, which show each only what is theirs.
func (s *Server) requireOrganiser(c *gin.Context) {
	if _, err := s.identify(c); err != nil {
		s.refuse(c, err)
		return
	}
	c.Next()
}

// requireSessionAccess guards the routes about the session in :id: admins,
// the token and the session's facilitators.
func (s *Server) requireSessionAccess(c *gin.Context) {
	a, err := s.identify(c)
	if err != nil {
		s.refuse(c, err)
		return
	}
	if !a.IsAdmin() {
		id, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil || id <= 0 {
			s.refuse(c, booking.Errorf(booking.ENotFound, "There is no such session."))
			return
		}
		if err := s.authorizeSession(c, id); err != nil {
			s.refuse(c, err)
			return
		}
	}
	c.Next()
}

// requireBookingAccess guards the routes about the booking in :reference:
// admins, the token and the facilitators of the booking's session. A
// facilitator asking about a booking that does not exist is refused the
// same way as one about another session's, so references cannot be probed.
func (s *Server) requireBookingAccess(c *gin.Context) {
	a, err := s.identify(c)
	if err != nil {
		s.refuse(c, err)
		return
	}
	if !a.IsAdmin() {
		b, err := s.svc.BookingByReference(c.Request.Context(), strings.TrimSpace(c.Param("reference")))
		if booking.IsCode(err, booking.ENotFound) {
			err = booking.Errorf(booking.EForbidden, "You are not a facilitator of this booking's session.")
		}
		if err == nil {
			err = s.authorizeSession(c, b.SessionID)
		}
		if err != nil {
			s.refuse(c, err)
			return
		}
	}
	c.Next()
}
