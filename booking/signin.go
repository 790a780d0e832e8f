package booking

import (
	"context"
	"crypto/sha256"
	"strings"
	"time"
)

// Sign-in rules. Organisers sign in with a one-time link sent to their
// address; no passwords.
const (
	// SignInLinkLifetime is how long a sign-in link works.
	SignInLinkLifetime = 15 * time.Minute
	// SignInIdleTimeout ends a sign-in nobody has used for this long, so a
	// council computer left signed in does not stay so.
	SignInIdleTimeout = 30 * time.Minute
	// SignInMaxAge ends every sign-in this long after it began, however busy.
	SignInMaxAge = 12 * time.Hour

	// signInLinksPerWindow caps the links one account is sent within a
	// link's lifetime, so the form cannot flood someone's inbox.
	signInLinksPerWindow = 5
	// touchEvery is how stale the last-seen time may get before a request
	// writes it again: one write a minute per person, not one per request.
	touchEvery = time.Minute
	// maxTokenLength is longer than any token we make; longer input is
	// refused before it is hashed.
	maxTokenLength = 100
)

// Refusals of sign-in links and sign-ins. Each says what to do next.
var (
	ErrSignInLinkUnknown  = Errorf(EUnauthorized, "This sign-in link is not valid. Check you used the whole link from the email, or ask for a new one.")
	ErrSignInLinkUsed     = Errorf(EUnauthorized, "This sign-in link has already been used. Each link works once: ask for a new one.")
	ErrSignInLinkExpired  = Errorf(EUnauthorized, "This sign-in link has expired. Links work for 15 minutes: ask for a new one.")
	ErrAccountDisabled    = Errorf(EUnauthorized, "This account has been disabled. Ask an admin if you need access again.")
	ErrNotSignedIn        = Errorf(EUnauthorized, "Sign in to continue.")
	ErrSignInExpired      = Errorf(EUnauthorized, "You have been signed out because the sign-in expired. Sign in again to continue.")
	errActorMissing       = Errorf(EUnauthorized, "Sign in, or send the admin token as a bearer token.")
	errAdminOnly          = Errorf(EForbidden, "Only admins can do this.")
	errNotYourSession     = Errorf(EForbidden, "You are not a facilitator of this session.")
	errFacilitatorsByRole = Errorf(EForbidden, "Facilitators can only see and change the sessions they are assigned to.")
)

// accounts returns the accounts store, or EUnavailable when the service
// was built without one.
// SignInURL is the link emailed to an organiser.
func SignInURL(baseURL, token string) string {
	return strings.TrimRight(baseURL, "/") + "/admin/sign-in/" + token
}

// RequestSignIn emails a sign-in link to the account of email, if there is
// an active one. The answer is the same whether or not there is: only a bad
// address is refused, so the form tells nobody who has an account.
func (s *Service) RequestSignIn(ctx context.Context, email, baseURL string) error {
	email = strings.TrimSpace(email)
	f := map[string]string{}
	checkEmail(f, "email", email, true)
	if len(f) > 0 {
		return FieldErrors(f)
	}
	now := s.now()
	o, err := s.Accounts.OrganiserByEmail(ctx, email)
	if IsCode(err, ENotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !o.Active() {
		return nil
	}
	n, err := s.Accounts.SignInLinksSince(ctx, o.ID, now.Add(-SignInLinkLifetime))
	if err != nil {
		return err
	}
	if n >= signInLinksPerWindow {
		return nil // the links already sent still work
	}
	token, hash, err := NewToken()
	if err != nil {
		return err
	}
	l := &SignInLink{OrganiserID: o.ID, TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(SignInLinkLifetime)}
	payload := EmailPayload{To: o.Email, Name: o.Name, URL: SignInURL(baseURL, token), ExpiresAt: l.ExpiresAt.UTC()}
	if err := s.Accounts.CreateSignInLink(ctx, l, payload); err != nil {
		return err
	}
	s.queued()
	return nil
}

// CheckSignInLink says whether a link would sign someone in now, without
// using it: the page behind the link shows a button rather than signing in
// on GET, since mail scanners follow links.
func (s *Service) CheckSignInLink(ctx context.Context, token string) error {
	if token == "" || len(token) > maxTokenLength {
		return ErrSignInLinkUnknown
	}
	l, err := s.Accounts.SignInLink(ctx, hashOf(token))
	if IsCode(err, ENotFound) {
		return ErrSignInLinkUnknown
	}
	if err != nil {
		return err
	}
	return linkUsable(l, s.now())
}

func linkUsable(l *SignInLink, now time.Time) error {
	if l.UsedAt != nil {
		return ErrSignInLinkUsed
	}
	if !now.Before(l.ExpiresAt) {
		return ErrSignInLinkExpired
	}
	return nil
}

// SignIn uses a link: it is spent, and a sign-in starts. It returns the
// sign-in's id for the cookie (never stored) and the sign-in.
func (s *Service) SignIn(ctx context.Context, token string) (string, *OrganiserSession, error) {
	if token == "" || len(token) > maxTokenLength {
		return "", nil, ErrSignInLinkUnknown
	}
	id, idHash, err := NewToken()
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	sess := &OrganiserSession{IDHash: idHash, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SignInMaxAge)}
	err = s.Accounts.UseSignInLink(ctx, hashOf(token), sess, func(l *SignInLink, o *Organiser) error {
		if err := linkUsable(l, now); err != nil {
			return err
		}
		if !o.Active() {
			return ErrAccountDisabled
		}
		return nil
	})
	if IsCode(err, ENotFound) {
		return "", nil, ErrSignInLinkUnknown
	}
	if err != nil {
		return "", nil, err
	}
	return id, sess, nil
}

// SignedIn resolves the id in a sign-in cookie. A sign-in unused for
// SignInIdleTimeout, or older than SignInMaxAge, has ended; using one
// moves its inactivity deadline on.
func (s *Service) SignedIn(ctx context.Context, id string) (*OrganiserSession, error) {
	if id == "" || len(id) > maxTokenLength {
		return nil, ErrNotSignedIn
	}
	hash := hashOf(id)
	sess, err := s.Accounts.OrganiserSession(ctx, hash)
	if IsCode(err, ENotFound) {
		return nil, ErrNotSignedIn
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || !now.Before(sess.LastSeenAt.Add(SignInIdleTimeout)) {
		// Best effort: an ended sign-in is refused whether or not its row goes.
		_ = s.Accounts.EndOrganiserSession(ctx, hash)
		return nil, ErrSignInExpired
	}
	if !sess.Organiser.Active() {
		_ = s.Accounts.EndOrganiserSession(ctx, hash)
		return nil, ErrAccountDisabled
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.Accounts.TouchOrganiserSession(ctx, hash, now); err != nil {
			return nil, err
		}
		sess.LastSeenAt = now
	}
	return sess, nil
}

// SignOut ends a sign-in on the server, so the cookie is worthless even if
// a copy of it survives.
func (s *Service) SignOut(ctx context.Context, id string) error {
	if id == "" || len(id) > maxTokenLength {
		return nil
	}
	return s.Accounts.EndOrganiserSession(ctx, hashOf(id))
}

func hashOf(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
