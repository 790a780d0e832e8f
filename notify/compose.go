package notify

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/calendar"
)

//go:embed templates
var templateFS embed.FS

// Config is what composition needs to know.
type Config struct {
	// Council is the council's name as people know it ("Coventry City Council").
	Council string
	// BaseURL is the service's public address (BASE_URL).
	BaseURL string
	// OfferTTL is how long a place offered from a waiting list is kept
	// (OFFER_TTL), for the joining email to say; zero is
	// booking.DefaultOfferTTL.
	OfferTTL time.Duration
	// ReplyTo is a monitored council mailbox replies go to, usually the
	// organiser address of the invites; empty for none.
	ReplyTo string
}

// Composer writes messages. Its templates are parsed once, by NewComposer,
// so a broken template stops the program at start. Safe for concurrent use.
type Composer struct {
	cfg     Config
	base    string
	replyTo *mail.Address
	inv     *calendar.Inviter
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// kinds lists every message the composer writes, with whether it carries
// an invite and with which method.
var kinds = map[string]calendar.Method{
	booking.MsgBookingConfirmed: calendar.Request,
	booking.MsgBookingCancelled: calendar.Cancel,
	booking.MsgSessionChanged:   calendar.Request,
	booking.MsgBookingChanged:   calendar.Request,
	booking.MsgSessionCancelled: calendar.Cancel,
	// A reminder carries no invite: an invite with nothing changed is still
	// an update to Outlook, which sets an accepted meeting back to
	// tentative and brings back one the person deleted.
	booking.MsgReminder:                 "",
	booking.MsgWaitlistOffer:            "",
	booking.MsgWaitlistJoined:           "",
	booking.MsgWaitlistSessionCancelled: "",
	booking.MsgStaffVerification:        "",
	booking.MsgSignInLink:               "",
	booking.MsgBookingLink:              "",
	booking.MsgWaitlistLink:             "",
	booking.MsgEmailChange:              "",
	booking.MsgCompetitionGuardian:      "",
	booking.MsgSessionMessage:           "",
	booking.MsgInterestConfirm:          "",
	booking.MsgInterestSession:          "",
	booking.MsgBallotApplied:            "",
}

// NewComposer checks cfg, parses the templates and checks that every kind
// has its subject, text and HTML.
func NewComposer(cfg Config, inv *calendar.Inviter) (*Composer, error) {
	if inv == nil {
		return nil, errors.New("notify: composer needs an inviter")
	}
	if cfg.Council == "" || strings.IndexFunc(cfg.Council, unicode.IsControl) >= 0 {
		return nil, errors.New("notify: council name is empty or holds control characters")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("notify: base URL %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	c := &Composer{cfg: cfg, base: strings.TrimRight(cfg.BaseURL, "/"), inv: inv}
	if cfg.ReplyTo != "" {
		a, err := mail.ParseAddress(cfg.ReplyTo)
		if err != nil {
			return nil, fmt.Errorf("notify: reply-to address: %w", err)
		}
		c.replyTo = a
	}
	c.text, err = texttemplate.New("").ParseFS(templateFS, "templates/*.txt")
	if err != nil {
		return nil, fmt.Errorf("notify: text templates: %w", err)
	}
	c.html, err = htmltemplate.New("").ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("notify: HTML templates: %w", err)
	}
	for kind := range kinds {
		for _, name := range []string{kind + ".subject", kind + ".text"} {
			if c.text.Lookup(name) == nil {
				return nil, fmt.Errorf("notify: no template %q", name)
			}
		}
		if c.html.Lookup(kind+".html") == nil {
			return nil, fmt.Errorf("notify: no template %q", kind+".html")
		}
	}
	return c, nil
}

// Event is what a message is about, as the outbox worker loaded it.
type Event struct {
	Kind      string
	MessageID string
	Workshop  *booking.Workshop
	Session   *booking.Session
	// Booking is the booking the message is for; for a waiting-list email,
	// the person waiting as a booking would hold them.
	Booking *booking.Booking
	Payload booking.EmailPayload
	// Interest is the registration of interest the message is for
	// (booking.MsgInterestConfirm, booking.MsgInterestSession).
	Interest *booking.Interest
	// Now stamps the invite (DTSTAMP).
	Now time.Time
	// SurveyID is the survey linked from the workshop's confirmation and
	// reminder ("tell us what you thought"), or 0.
	SurveyID int64
}

// view is what the templates see. Everything in it is shown as it is in
// the text part and escaped by html/template in the HTML part.
type view struct {
	Council    string
	Name       string
	Title      string
	Summary    string
	Date       string // the session's first day
	When       string
	Online     bool
	JoinURL    string // only ever set for online places
	Venue      string
	Reference  string
	ManageURL  string
	TokenLink  bool // ManageURL carries the person's token
	SessionURL string
	Changes    []change
	Reason     string
	ActionURL  string
	Expires    string
	Position   int
	Drawn      bool // the waiting list after a ballot's draw
	// OfferTime is how long an offered place is kept: "24 hours", and
	// OfferCutoff how long before the start it ends at the latest.
	OfferTime, OfferCutoff string
	HasInvite              bool
	Cancelled              bool // the booking is already cancelled (for reminders and changes sent late)
	// MovedAway: this address's invite is cancelled because the booking
	// now uses another address; the booking itself stands.
	MovedAway bool
	// With names the other person of a pair (booking.Booking.With): the
	// companion or carer, or, when ForCompanion, the person who booked
	// the companion's place.
	With         string
	ForCompanion bool

	// WorkshopURL lists the workshop's sessions: where to book another
	// when this one is cancelled.
	WorkshopURL string
	// SurveyURL asks, in a confirmation or a reminder, what the person
	// thought of the workshop; empty: no survey is linked.
	SurveyURL string

	// Message is an admin's words to the people booked
	// (booking.MsgSessionMessage), one paragraph per blank-line-separated
	// block; each paragraph's lines are kept.
	Message [][]string
	// StopURL stops the emails of a registration of interest.
	StopURL string
}

type change struct{ What, Was, Now string }

// Compose writes the message for e.
func (c *Composer) Compose(e Event) (*Message, error) {
	method, ok := kinds[e.Kind]
	if !ok {
		return nil, fmt.Errorf("notify: unknown message kind %q", e.Kind)
	}
	switch e.Kind {
	case booking.MsgSignInLink:
		return c.composeSignIn(e)
	case booking.MsgCompetitionGuardian:
		return c.composeGuardian(e)
	case booking.MsgInterestConfirm, booking.MsgInterestSession:
		return c.composeInterest(e)
	case booking.MsgBallotApplied:
		return c.composeBallotApplied(e)
	}
	if e.Session == nil {
		return nil, fmt.Errorf("notify: %s: no session", e.Kind)
	}
	w := e.Workshop
	if w == nil {
		w = e.Session.Workshop
	}
	if w == nil {
		return nil, fmt.Errorf("notify: %s: no workshop", e.Kind)
	}
	b := e.Booking
	if b == nil {
		return nil, fmt.Errorf("notify: %s: no booking", e.Kind)
	}
	if err := checkMessageID(e.MessageID); err != nil {
		return nil, err
	}
	if e.Payload.To != "" {
		// Another address than the booking's own: the new one to confirm,
		// or the old one its invite leaves (booking.MsgEmailChange).
		other := *b
		other.Email = e.Payload.To
		b = &other
	}
	to, err := recipient(b.Name, b.Email)
	if err != nil {
		return nil, err
	}

	s := e.Session
	v := view{
		Council:      c.cfg.Council,
		Name:         strings.TrimSpace(b.Name),
		Title:        strings.TrimSpace(w.Title),
		Summary:      strings.TrimSpace(w.Summary),
		Date:         booking.Day(s.StartsAt),
		When:         booking.When(s.StartsAt, s.EndsAt),
		Online:       b.Mode == booking.Online,
		Venue:        s.Venue.OneLine(),
		Reference:    b.Reference,
		ManageURL:    c.inv.BookingPageURL(b.Reference),
		SessionURL:   c.inv.SessionPageURL(w, s.ID),
		Cancelled:    !b.Live(),
		MovedAway:    e.Kind == booking.MsgBookingCancelled && e.Payload.To != "",
		With:         strings.TrimSpace(b.With),
		ForCompanion: b.CompanionOf != 0,
	}
	if wid := s.WorkshopID; wid != 0 {
		v.WorkshopURL = c.inv.WorkshopPageURL(w, wid)
	} else {
		v.WorkshopURL = c.inv.WorkshopPageURL(w, w.ID)
	}
	// The joining link is for people with a confirmed place: not for a
	// booking waiting for its staff link, nor one already cancelled.
	if v.Online && b.Status == booking.Confirmed {
		v.JoinURL = s.OnlineURL
	}
	waitlist := e.Kind == booking.MsgWaitlistOffer || e.Kind == booking.MsgWaitlistJoined || e.Kind == booking.MsgWaitlistLink
	if t := e.Payload.Token; t != "" && e.Kind != booking.MsgStaffVerification && e.Kind != booking.MsgEmailChange && !waitlist {
		v.ManageURL = c.inv.BookingPageURL(b.Reference) + "?token=" + url.QueryEscape(t)
		v.TokenLink = true
	}
	if e.SurveyID != 0 && (e.Kind == booking.MsgBookingConfirmed || e.Kind == booking.MsgReminder) {
		v.SurveyURL = c.base + "/surveys/" + strconv.FormatInt(e.SurveyID, 10)
	}
	switch e.Kind {
	case booking.MsgSessionChanged, booking.MsgBookingChanged:
		v.Changes = c.changes(e.Payload.Changes, s, v.Online)
	case booking.MsgSessionMessage:
		if v.Message = paragraphs(e.Payload.Message); v.Message == nil {
			return nil, Permanent(fmt.Errorf("notify: %s: the payload has no message", e.Kind))
		}
	case booking.MsgSessionCancelled, booking.MsgWaitlistSessionCancelled:
		v.Reason = strings.TrimSpace(e.Payload.Reason)
		if v.Reason == "" {
			v.Reason = strings.TrimSpace(s.CancelReason)
		}
	case booking.MsgStaffVerification, booking.MsgWaitlistOffer, booking.MsgWaitlistJoined, booking.MsgWaitlistLink,
		booking.MsgEmailChange:
		link := ""
		v.Position, v.Drawn = e.Payload.Position, e.Payload.Drawn
		if e.Kind == booking.MsgWaitlistJoined {
			ttl := c.cfg.OfferTTL
			if ttl <= 0 {
				ttl = booking.DefaultOfferTTL
			}
			v.OfferTime, v.OfferCutoff = booking.Span(ttl), booking.Span(booking.OfferCutoff)
		}
		if waitlist {
			if ref, t := waitlistRef(b, e.Payload), e.Payload.Token; ref != "" && t != "" {
				// The entry's own page: the offer, your place, leaving.
				link = c.base + "/waitlist/" + url.PathEscape(ref) + "?token=" + url.QueryEscape(t)
				v.Reference = ref
			}
		} else if t := e.Payload.Token; t != "" && e.Kind == booking.MsgEmailChange {
			link = c.base + "/email-change/" + url.PathEscape(t)
		} else if t := e.Payload.Token; t != "" {
			// The store writes the link's token alone (booking/staff.go): once
			// the sender removes it, the row holds no working link.
			link = c.base + "/staff/verify/" + url.PathEscape(t)
		}
		if !strings.HasPrefix(link, c.base+"/") || !safeLink(link) {
			return nil, fmt.Errorf("notify: %s: the payload has no link to this service", e.Kind)
		}
		v.ActionURL = link
		if !e.Payload.ExpiresAt.IsZero() {
			v.Expires = booking.At(e.Payload.ExpiresAt)
		}
	}

	msg := &Message{Kind: e.Kind, MessageID: e.MessageID, To: to, ReplyTo: c.replyTo}
	if method != "" {
		msg.Invite, err = c.inv.Invite(w, s, b, method, e.Payload.Sequence, e.Now)
		if err != nil {
			return nil, fmt.Errorf("notify: %s: %w", e.Kind, err)
		}
		msg.Method = method
		v.HasInvite = true
	}

	return msg, c.render(msg, e.Kind, v)
}

// render fills the subject, text and HTML of msg from the kind's templates.
func (c *Composer) render(msg *Message, kind string, v view) error {
	var buf bytes.Buffer
	if err := c.text.ExecuteTemplate(&buf, kind+".subject", v); err != nil {
		return fmt.Errorf("notify: %s subject: %w", kind, err)
	}
	msg.Subject = oneLine(buf.String())
	buf.Reset()
	if err := c.text.ExecuteTemplate(&buf, kind+".text", v); err != nil {
		return fmt.Errorf("notify: %s text: %w", kind, err)
	}
	msg.Text = tidy(buf.String())
	buf.Reset()
	if err := c.html.ExecuteTemplate(&buf, kind+".html", v); err != nil {
		return fmt.Errorf("notify: %s HTML: %w", kind, err)
	}
	msg.HTML = buf.String()
	return nil
}

// waitlistRef is the reference of the waiting-list entry a message is about.
func waitlistRef(b *booking.Booking, p booking.EmailPayload) string {
	if p.Reference != "" {
		return p.Reference
	}
	return b.Reference
}

// composeSignIn writes an organiser's sign-in email: no session, no
// booking, a link that works once.
func (c *Composer) composeSignIn(e Event) (*Message, error) {
	if err := checkMessageID(e.MessageID); err != nil {
		return nil, err
	}
	to, err := recipient(e.Payload.Name, e.Payload.To)
	if err != nil {
		return nil, err
	}
	link := e.Payload.URL
	if !strings.HasPrefix(link, c.base+"/admin/sign-in/") || !safeLink(link) {
		return nil, fmt.Errorf("notify: %s: the payload has no sign-in link to this service", e.Kind)
	}
	v := view{Council: c.cfg.Council, Name: strings.TrimSpace(to.Name), Title: "Sign in", ActionURL: link}
	if !e.Payload.ExpiresAt.IsZero() {
		v.Expires = booking.At(e.Payload.ExpiresAt)
	}
	msg := &Message{Kind: e.Kind, MessageID: e.MessageID, To: to, ReplyTo: c.replyTo}
	return msg, c.render(msg, e.Kind, v)
}

// composeGuardian asks a parent or carer to confirm the poster entry of a
// child under 13: no session, no booking; the child's first name and the
// entry's reference, and a link that works once.
func (c *Composer) composeGuardian(e Event) (*Message, error) {
	if err := checkMessageID(e.MessageID); err != nil {
		return nil, err
	}
	to, err := recipient("", e.Payload.To)
	if err != nil {
		return nil, err
	}
	link := e.Payload.URL
	if !strings.HasPrefix(link, c.base+"/competition/confirm/") || !safeLink(link) {
		return nil, fmt.Errorf("notify: %s: the payload has no confirmation link to this service", e.Kind)
	}
	child := oneLine(e.Payload.Name)
	if child == "" || !utf8.ValidString(child) {
		return nil, Permanent(fmt.Errorf("notify: %s: no first name", e.Kind))
	}
	v := view{Council: c.cfg.Council, Title: child, Reference: e.Payload.Reference, ActionURL: link,
		SessionURL: c.base + "/competition/remove"}
	if !e.Payload.ExpiresAt.IsZero() {
		v.Expires = booking.At(e.Payload.ExpiresAt)
	}
	msg := &Message{Kind: e.Kind, MessageID: e.MessageID, To: to, ReplyTo: c.replyTo}
	return msg, c.render(msg, e.Kind, v)
}

// composeBallotApplied writes the acknowledgement of an application for a
// place in a ballot session: what was applied for, its reference, when
// applications close and what happens then. No invite and no joining
// link: there is no place yet.
func (c *Composer) composeBallotApplied(e Event) (*Message, error) {
	if err := checkMessageID(e.MessageID); err != nil {
		return nil, err
	}
	s, w := e.Session, e.Workshop
	if s != nil && w == nil {
		w = s.Workshop
	}
	if s == nil || w == nil {
		return nil, fmt.Errorf("notify: %s: no session", e.Kind)
	}
	to, err := recipient(e.Payload.Name, e.Payload.To)
	if err != nil {
		return nil, err
	}
	if !e.Payload.Mode.Valid() || e.Payload.Reference == "" {
		return nil, fmt.Errorf("notify: %s: the payload has no way of taking part or reference", e.Kind)
	}
	v := view{Council: c.cfg.Council, Name: strings.TrimSpace(to.Name), Title: strings.TrimSpace(w.Title),
		Date: booking.Day(s.StartsAt), When: booking.When(s.StartsAt, s.EndsAt), Online: e.Payload.Mode == booking.Online,
		Venue: s.Venue.OneLine(), Reference: e.Payload.Reference,
		ActionURL: c.base + "/ballots/how-the-draw-works", SessionURL: c.inv.SessionPageURL(w, s.ID)}
	if s.ApplicationsCloseAt != nil {
		v.Expires = booking.At(*s.ApplicationsCloseAt)
	}
	msg := &Message{Kind: e.Kind, MessageID: e.MessageID, To: to, ReplyTo: c.replyTo}
	return msg, c.render(msg, e.Kind, v)
}

// changes describes what changed in words, keeping to what matters for the
// way this person takes part: the venue for people in the room, the link
// for people online.
func (c *Composer) changes(p *booking.Changes, s *booking.Session, online bool) []change {
	if p == nil {
		return nil
	}
	var out []change
	if p.Mode != nil {
		out = append(out, change{What: "How you take part", Was: p.Mode.Old.Label(), Now: p.Mode.New.Label()})
	}
	if p.StartsAt != nil || p.EndsAt != nil {
		oldStart, oldEnd := s.StartsAt, s.EndsAt
		if p.StartsAt != nil {
			oldStart = p.StartsAt.Old
		}
		if p.EndsAt != nil {
			oldEnd = p.EndsAt.Old
		}
		out = append(out, change{What: "Time", Was: booking.When(oldStart, oldEnd), Now: booking.When(s.StartsAt, s.EndsAt)})
	}
	if p.Venue != nil && !online {
		out = append(out, change{What: "Venue", Was: p.Venue.Old.OneLine(), Now: p.Venue.New.OneLine()})
	}
	if p.OnlineURL != nil && online {
		out = append(out, change{What: "Link to join", Now: "There is a new link to join. Use the one in this email, not the one we sent before."})
	}
	return out
}

// recipient checks the address and builds the To header. A name with
// control characters in it never reaches a header: the address goes alone.
func recipient(name, email string) (mail.Address, error) {
	if email == "" {
		return mail.Address{}, Permanent(errors.New("notify: the person has no email address"))
	}
	if strings.IndexFunc(email, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		return mail.Address{}, Permanent(errors.New("notify: the email address holds spaces or control characters"))
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email {
		return mail.Address{}, Permanent(errors.New("notify: the email address is not a plain address"))
	}
	name = strings.TrimSpace(name)
	if strings.IndexFunc(name, unicode.IsControl) >= 0 || !utf8.ValidString(name) {
		name = ""
	}
	return mail.Address{Name: name, Address: email}, nil
}

// checkMessageID refuses ids that could not stand in a Message-ID header:
// one "@" between runs of RFC 5322 atext and dots, nothing else.
func checkMessageID(id string) error {
	left, right, ok := strings.Cut(id, "@")
	bad := func(r rune) bool {
		return r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.", r))
	}
	if !ok || left == "" || right == "" || len(id) > 250 || strings.IndexFunc(left, bad) >= 0 || strings.IndexFunc(right, bad) >= 0 {
		return Permanent(fmt.Errorf("notify: message id %q cannot be a Message-ID", id))
	}
	return nil
}

// safeLink reports whether a link can be shown as it is: http(s), no
// spaces, no control characters.
func safeLink(s string) bool {
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// paragraphs splits a message into paragraphs at blank lines, each a list
// of its lines, trimmed; nil for a message with no words.
func paragraphs(s string) [][]string {
	var out [][]string
	var cur []string
	for _, l := range strings.Split(strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s), "\n") {
		if l = strings.TrimSpace(l); l == "" {
			if cur != nil {
				out, cur = append(out, cur), nil
			}
			continue
		}
		cur = append(cur, l)
	}
	if cur != nil {
		out = append(out, cur)
	}
	return out
}

// oneLine turns every run of whitespace and control characters into one
// space: a subject is one line whatever a title holds.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

// tidy trims trailing spaces from each line, squeezes blank lines to one
// and ends the text with a newline.
func tidy(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var out []string
	blank := true
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n"
}
