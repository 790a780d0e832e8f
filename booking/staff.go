package booking

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"strings"
	"time"
)

// The staff route. Workforce sessions are for the council's own staff:
// booking one needs a work email address (on STAFF_EMAIL_DOMAINS), and the
// booking counts only once the person follows the link emailed to that
// address. Until then it is pending_verification and keeps its place for
// VerifyWindow; a link not followed in time gives the place back.

// VerifyWindow is how long a workforce booking waits for its email link.
const VerifyWindow = 30 * time.Minute

// StaffVerification is the link a workforce booking waits for.
type StaffVerification struct {
	// Token is the link's secret. It rides in the outbox row until the
	// email is sent, and is stored nowhere else.
	Token     string
	Hash      []byte // SHA-256 of Token, stored with the booking
	ExpiresAt time.Time
}

// StaffStore is what the staff route needs of the store.
type StaffStore interface {
	// BookUnverified takes a place in a workforce session and stores b as
	// pending_verification with v's hash and expiry, queueing the
	// verification email, in one transaction. EForbidden when the session
	// is not a workforce one; otherwise it fails as ConfirmBooking does.
	BookUnverified(ctx context.Context, b *Booking, v StaffVerification, now time.Time) (Mirror, error)
	// UnverifiedBooking reads the booking whose link has the token hash,
	// with when the link lapses. ENotFound for a link that was never made.
	UnverifiedBooking(ctx context.Context, hash []byte) (*Booking, time.Time, error)
	// Verify confirms the booking whose link has the token hash, in one
	// transaction: confirmed, its manage token replaced by manageHash, and
	// the confirmation email queued carrying manageToken. EConflict for a
	// link already used, EHoldExpired for one that has lapsed, ENotFound
	// for one never made.
	Verify(ctx context.Context, hash []byte, manageToken string, manageHash []byte, now time.Time) (*Booking, error)
	// ReleaseUnverified cancels up to limit bookings whose link lapsed by
	// now, each in its own transaction, giving its place back (to the
	// waiting list first), and returns the fresh mirrors. A booking sent
	// an invite while it waited (a session change) is sent its
	// cancellation with a higher sequence. Safe to run in several
	// instances at once.
	ReleaseUnverified(ctx context.Context, now time.Time, limit int) ([]Mirror, error)
	// ResendVerification gives the booking of the id a new link (v's token
	// and hash; the old link stops working) with the deadline it had, and
	// queues the email carrying it, in one transaction. It refuses as
	// StaffLinkState does.
	ResendVerification(ctx context.Context, bookingID int64, v StaffVerification, now time.Time) (*Booking, error)
}

func errStaffNotSetUp() error {
	return Errorf(EUnavailable, "Booking for council staff is not set up yet. Ask the One Coventry Plan team to book you a place.")
}

// StaffBookingOpen reports whether the staff route takes bookings: it needs
// at least one staff email domain.
func (s *Service) StaffBookingOpen() bool { return len(s.StaffEmailDomains) > 0 }

// IsStaffEmail reports whether email is an address on one of the staff
// domains: the domain exactly, by its IDNA form, in any ASCII case (a
// subdomain is not the council's unless it is listed; a look-alike is not
// the council's at all), and a plain local part (see address.go).
func (s *Service) IsStaffEmail(email string) bool {
	if !ValidEmail(email) {
		return false
	}
	at := strings.LastIndexByte(email, '@')
	domain, ok := mailDomain(email[at+1:])
	if !ok || !staffLocalPart(email[:at]) {
		return false
	}
	for _, d := range s.StaffEmailDomains {
		if staff, ok := mailDomain(d); ok && staff == domain {
			return true
		}
	}
	return false
}

// ValidateStaffDetails normalises d and checks it as the staff route needs:
// the rules every booking follows, and a work email address.
func (s *Service) ValidateStaffDetails(d *Details) error {
	d.Normalize()
	// The staff route books one place: no companion (companion.go).
	err := checkPlaces(d.Validate(), 1, d, companionOneOnly)
	fields := ErrorFields(err)
	if _, bad := fields["email"]; !bad && !s.IsStaffEmail(d.Email) {
		if fields == nil {
			fields = map[string]string{}
		}
		fields["email"] = "Enter your work email address, ending " + s.StaffDomainsText()
		err = FieldErrors(fields)
	}
	return err
}

// StaffDomainsText reads "@coventry.gov.uk", or "@a.gov.uk or @b.gov.uk",
// for the words of the pages and messages.
func (s *Service) StaffDomainsText() string {
	at := make([]string, len(s.StaffEmailDomains))
	for i, d := range s.StaffEmailDomains {
		at[i] = "@" + d
	}
	return strings.Join(at, " or ")
}

// StaffHold keeps a place in a workforce session for the hold time.
func (s *Service) StaffHold(ctx context.Context, sessionID int64, mode Mode) (Hold, error) {
	if !s.StaffBookingOpen() {
		return Hold{}, errStaffNotSetUp()
	}
	return s.Hold(ctx, sessionID, mode, Workforce)
}

// BookStaffWithHold books the place a hold in a workforce session keeps,
// pending verification, and queues the email with the link. It returns the
// booking and a manage token for the page that says to check email; the
// token is replaced when the link is followed, so only the confirmation
// email carries a lasting one.
func (s *Service) BookStaffWithHold(ctx context.Context, holdID string, d Details) (*Booking, string, error) {
	if !s.StaffBookingOpen() {
		return nil, "", errStaffNotSetUp()
	}
	if err := s.ValidateStaffDetails(&d); err != nil {
		return nil, "", err
	}
	now := s.now()
	h, err := s.Holds.Redeem(ctx, holdID, now)
	if err != nil {
		return nil, "", err
	}
	return s.bookUnverified(ctx, h, d, now, true)
}

// BookStaff holds and books a place in a workforce session in one step,
// pending verification: for a person whose hold ran out.
func (s *Service) BookStaff(ctx context.Context, sessionID int64, mode Mode, d Details) (*Booking, string, error) {
	if !s.StaffBookingOpen() {
		return nil, "", errStaffNotSetUp()
	}
	if err := withModeError(s.ValidateStaffDetails(&d), mode); err != nil {
		return nil, "", err
	}
	now := s.now()
	h, err := s.Holds.TakeRedeemed(ctx, sessionID, mode, Workforce, now)
	if err != nil {
		return nil, "", err
	}
	return s.bookUnverified(ctx, h, d, now, false)
}

// bookUnverified is confirm for the staff route: the booking is stored
// pending verification, with its link.
func (s *Service) bookUnverified(ctx context.Context, h Hold, d Details, now time.Time, keepHold bool) (*Booking, string, error) {
	b := bookingOf(h, d, PendingVerification)
	var token string
	err := s.storeBooking(ctx, h, now, keepHold, func() (Mirror, error) {
		var err error
		if token, b.TokenHash, err = NewToken(); err != nil {
			return Mirror{}, err
		}
		link, linkHash, err := NewToken()
		if err != nil {
			return Mirror{}, err
		}
		v := StaffVerification{Token: link, Hash: linkHash, ExpiresAt: now.Add(VerifyWindow)}
		return s.Staff.BookUnverified(ctx, b, v, now)
	})
	if err != nil {
		return nil, "", err
	}
	return b, token, nil
}

// tokenHash is the SHA-256 of a link's token, as the store keeps it.
func tokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// errStaffLink is the answer to a link that is not one of ours.
func errStaffLink() error {
	return Errorf(ENotFound, "We could not find that link. Use the whole link from the email we sent you: it may have been split over two lines.")
}

// UnverifiedBooking reads the booking a staff link would confirm, for the
// page that asks to confirm it. Following a link changes nothing (mail
// scanners follow links too); only VerifyStaffBooking does. A link already
// used is EConflict and one that has lapsed EHoldExpired, as Verify says.
func (s *Service) UnverifiedBooking(ctx context.Context, token string) (*Booking, error) {
	if token == "" || len(token) > 100 {
		return nil, errStaffLink()
	}
	b, expires, err := s.Staff.UnverifiedBooking(ctx, tokenHash(token))
	if err != nil {
		return nil, err
	}
	return b, StaffLinkState(b, expires, s.now())
}

// The answers to a staff link that can no longer confirm its booking.
// They are values, so pages can tell them apart with errors.Is.
var (
	ErrStaffLinkUsed = Errorf(EConflict,
		"This link has already been used: your place is confirmed. Use the link in your confirmation email to see or change your booking.")
	ErrStaffLinkExpired = Errorf(EHoldExpired,
		"This link has expired, so the place we kept for you has been given back. You can book again if places are left.")
)

// RequireVerified refuses what only a confirmed booking may do (see its
// joining link, download its invite, switch how it takes part) while b
// waits for its email link: its manage token is on the "Check your email"
// page of whoever typed the address, who may not own it.
func RequireVerified(b *Booking) error {
	if b.Status == PendingVerification {
		return Errorf(EConflict, "Confirm your place with the link we emailed first.")
	}
	return nil
}

// StaffLinkState says whether a booking's link can still confirm it at now:
// nil, ErrStaffLinkUsed, or ErrStaffLinkExpired (also when the booking was
// cancelled meanwhile).
func StaffLinkState(b *Booking, expires, now time.Time) error {
	switch {
	case b.Status == Confirmed:
		return ErrStaffLinkUsed
	case b.Status != PendingVerification || !now.Before(expires):
		return ErrStaffLinkExpired
	}
	return nil
}

// VerifyStaffBooking confirms the booking of a staff link and queues its
// confirmation email with the manage link. It returns the booking and its
// new manage token.
func (s *Service) VerifyStaffBooking(ctx context.Context, token string) (*Booking, string, error) {
	if token == "" || len(token) > 100 {
		return nil, "", errStaffLink()
	}
	manage, manageHash, err := NewToken()
	if err != nil {
		return nil, "", err
	}
	b, err := s.Staff.Verify(ctx, tokenHash(token), manage, manageHash, s.now())
	if err != nil {
		return nil, "", err
	}
	s.queued()
	return b, manage, nil
}

// ResendStaffLink emails the link that confirms a workforce booking again,
// for the holder of its manage token (the "Check your email" page). The
// link is new, as only a hash of the old one is kept, and the deadline is
// the same: asking again never keeps a place longer.
func (s *Service) ResendStaffLink(ctx context.Context, reference, token string) (*Booking, error) {
	b, err := s.Booking(ctx, reference, token)
	if err != nil {
		return nil, err
	}
	link, hash, err := NewToken()
	if err != nil {
		return nil, err
	}
	b, err = s.Staff.ResendVerification(ctx, b.ID, StaffVerification{Token: link, Hash: hash}, s.now())
	if err != nil {
		return nil, err
	}
	s.queued()
	return b, nil
}

// ReleaseUnverified gives back the places of workforce bookings whose link
// was not followed in time, and returns how many it released.
func (s *Service) ReleaseUnverified(ctx context.Context) (int, error) {
	total := 0
	for ctx.Err() == nil {
		mirrors, err := s.Staff.ReleaseUnverified(ctx, s.now(), waitlistBatch)
		total += len(mirrors)
		s.Holds.Sync(ctx, mirrors...)
		if len(mirrors) > 0 {
			s.queued() // a freed place may have been offered, or an invite cancelled
		}
		if err != nil {
			return total, err
		}
		if len(mirrors) < waitlistBatch {
			break
		}
	}
	return total, ctx.Err()
}

// StaffSweep gives back, every so often, the places of workforce bookings
// whose link lapsed. Every instance may run one: the store locks and checks
// each booking again, so two sweeps never release the same place twice.
type StaffSweep struct {
	Service *Service
	// Every is how often it looks; default 30 s, with jitter.
	Every time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Run sweeps until ctx is cancelled.
func (w *StaffSweep) Run(ctx context.Context) {
	every := w.Every
	if every <= 0 {
		every = 30 * time.Second
	}
	repeat(ctx, every, w.Step)
}

// Step sweeps once, logging failures (without personal data).
func (w *StaffSweep) Step(ctx context.Context) {
	log := w.Logger
	if log == nil {
		log = slog.Default()
	}
	if n, err := w.Service.ReleaseUnverified(ctx); err != nil && ctx.Err() == nil {
		log.Error("staff bookings: release unverified", "err", err)
	} else if n > 0 {
		log.Info("staff bookings: unverified places given back", "count", n)
	}
}
