package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// The organisers' way in, open to everyone: the links and the cookie are
// the credentials.

// The sign-in cookie holds the id of a server-side sign-in. It is
// HttpOnly (no script reads it), SameSite=Lax (other sites' forms do not
// carry it) and has no expiry of its own (the browser forgets it when it
// closes; the server ends it sooner).
//
// It is Secure, under the __Host- prefix (which browsers accept only on
// HTTPS, for this host and path /), whenever BASE_URL is https, as it must
// be in production since the links in emails use it. On a local http://
// BASE_URL it is sent without Secure: browsers other than for localhost,
// and Safari even there, drop Secure cookies set over plain HTTP, and
// signing in would silently not work.
const (
	signInCookieSecure = "__Host-workshops_signin"
	signInCookiePlain  = "workshops_signin"
)

func (s *Server) secureCookies() bool {
	return strings.HasPrefix(strings.ToLower(s.cfg.BaseURL), "https://")
}

// cookieName is the secure name of a cookie on an https BASE_URL, the
// plain one otherwise.
func (s *Server) cookieName(secure, plain string) string {
	if s.secureCookies() {
		return secure
	}
	return plain
}

// setCookie sets one of the service's cookies: HttpOnly, SameSite=Lax,
// path /, Secure on an https BASE_URL.
func (s *Server) setCookie(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) signInCookieName() string {
	return s.cookieName(signInCookieSecure, signInCookiePlain)
}

func (s *Server) setSignInCookie(c *gin.Context, id string, maxAge int) {
	s.setCookie(c, s.signInCookieName(), id, maxAge)
}

func (s *Server) clearSignInCookie(c *gin.Context) { s.setSignInCookie(c, "", -1) }

const signInTitle = "Sign in to manage workshops"

// signInForm asks for an organiser's email address: GET /admin/sign-in.
func (s *Server) signInForm(c *gin.Context) error {
	s.render(c, http.StatusOK, "signin", &Page{Title: signInTitle})
	return nil
}

type signInSentPage struct {
	Page
	Email string
}

// signInRequest emails a sign-in link: POST /admin/sign-in. The answer is
// the same whether or not the address has an account.
func (s *Server) signInRequest(c *gin.Context) error {
	email := strings.TrimSpace(c.PostForm("email"))
	err := s.svc.RequestSignIn(c.Request.Context(), email, s.cfg.BaseURL)
	if booking.IsCode(err, booking.EInvalid) {
		p := &Page{Title: signInTitle, Values: map[string]string{"email": email}}
		p.SetErrors(err, "email")
		s.render(c, http.StatusUnprocessableEntity, "signin", p)
		return nil
	}
	if err != nil {
		return err
	}
	s.render(c, http.StatusOK, "signin_sent", &signInSentPage{Page: Page{Title: "Check your email"}, Email: email})
	return nil
}

type signInLinkPage struct {
	Page
	Token string
	// Refusal says why the link cannot sign anyone in; empty when it can.
	Refusal string
}

// signInLink shows a button that signs in: GET /admin/sign-in/:token. It
// does not sign in by itself, because mail scanners fetch the links in
// emails, and a GET that spent the link would leave nothing for the person.
func (s *Server) signInLink(c *gin.Context) error {
	token := c.Param("token")
	if err := s.svc.CheckSignInLink(c.Request.Context(), token); err != nil {
		return s.refuseLink(c, err)
	}
	s.render(c, http.StatusOK, "signin_link", &signInLinkPage{Page: Page{Title: "Sign in"}, Token: token})
	return nil
}

// signInUse spends the link, starts a sign-in and sets its cookie: POST
// /admin/sign-in/:token.
func (s *Server) signInUse(c *gin.Context) error {
	ctx := c.Request.Context()
	id, _, err := s.svc.SignIn(ctx, c.Param("token"))
	if err != nil {
		return s.refuseLink(c, err)
	}
	// A browser signing in afresh ends the sign-in it had, if any.
	if old, err := c.Cookie(s.signInCookieName()); err == nil && old != "" {
		_ = s.svc.SignOut(ctx, old)
	}
	s.setSignInCookie(c, id, 0)
	c.Redirect(http.StatusSeeOther, "/admin")
	return nil
}

// refuseLink shows why a link cannot sign anyone in, with the way to a new
// one. Errors that are not about the link are the error page's.
func (s *Server) refuseLink(c *gin.Context, err error) error {
	status := http.StatusNotFound
	switch err {
	case booking.ErrSignInLinkUsed, booking.ErrSignInLinkExpired:
		status = http.StatusGone
	case booking.ErrAccountDisabled:
		status = http.StatusForbidden
	case booking.ErrSignInLinkUnknown:
	default:
		return err
	}
	p := &signInLinkPage{Page: Page{Title: "You cannot sign in with this link"}, Refusal: booking.ErrorMessage(err)}
	s.render(c, status, "signin_link", p)
	return nil
}

// signOut ends the sign-in on the server and forgets the cookie: POST
// /admin/sign-out.
func (s *Server) signOut(c *gin.Context) error {
	if id, err := c.Cookie(s.signInCookieName()); err == nil && id != "" && s.svc.Accounts != nil {
		if err := s.svc.SignOut(c.Request.Context(), id); err != nil {
			return err
		}
	}
	s.clearSignInCookie(c)
	s.render(c, http.StatusOK, "signed_out", &Page{Title: "You have signed out"})
	return nil
}
