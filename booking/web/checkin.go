package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/coventry/workshops/attendance"
	"github.com/coventry/workshops/booking"
)

// The check-in page: a facilitator at the door, on a tablet, finds a
// person by name and ticks them in; after the session, everyone not ticked
// in is marked as a no-show. It works without JavaScript (a GET search
// form, a POST form per person, redirects back); check-in.js filters as
// you type.

// maxQuery bounds the name search; names are at most 100 characters.
const maxQuery = 100

// checkInPage is templates/pages/check_in.html.
type checkInPage struct {
	Page
	Sheet    *attendance.Sheet
	Sections []checkInSection
	Counts   []booking.AttendanceCount
	Total    booking.AttendanceCount
	Query    string
	Shown    int // people matching the search
	Ended    bool
	// Open is set while people can be ticked in: from 24 hours before the
	// start, unless the session was cancelled. Opens says when it opens.
	Open   bool
	Opens  string
	Ticked string // the name just ticked in, for the banner
	// WalkedIn is the walk-in just registered, for the banner; WalkIns
	// and OverCapacity count the list's walk-ins; PlacesLeft is the
	// in-person places a walk-in could still take.
	WalkedIn     *attendance.Row
	WalkInOpen   bool // booking.WalkInRefusal allows a walk-in
	WalkIns      int
	OverCapacity int
	PlacesLeft   int
	Marked       int // no-shows just marked; -1 when none were
	SessionID    int64
	Links        sessionLinks
	Styles       string
	Script       string
}

type checkInSection struct {
	attendance.Section
	People []checkInRow
}

type checkInRow struct {
	attendance.Row
	// Search is the name as the filter compares it: lower case, no accents.
	Search string
}

// foldLetters are letters with a stroke or ligature, which have no
// decomposition to take the accent off.
var foldLetters = strings.NewReplacer("ł", "l", "ø", "o", "đ", "d", "ß", "ss", "æ", "ae", "œ", "oe",
	"ı", "i", "þ", "th", "ð", "d", "’", "'", "‘", "'")

// fold makes a name comparable with what someone types at the door:
// "Łukasz" is found by "lukasz", "Zoë" by "zoe".
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, strings.ToLower(s))
	if err != nil {
		out = strings.ToLower(s)
	}
	return foldLetters.Replace(out)
}

// matches reports whether every word typed appears in the folded name.
func matches(folded string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(folded, w) {
			return false
		}
	}
	return true
}

// newCheckInPage builds the page for the session in :id, filtered by the
// words of query.
func (s *Server) newCheckInPage(c *gin.Context, query string) (*checkInPage, error) {
	l, err := s.attendanceList(c)
	if err != nil {
		return nil, err
	}
	now := s.now()
	sh := attendance.NewSheet(s.councilName(), l, now)
	p := &checkInPage{
		Sheet: sh, Counts: l.Counts, Query: query, Marked: -1, SessionID: l.Session.ID,
		Ended: !now.Before(l.Session.EndsAt), Links: linksOf(l.Session),
		Styles: "/admin/attendance-assets/attendance.css", Script: "/admin/attendance-assets/check-in.js",
	}
	opens := l.Session.StartsAt.Add(-booking.AttendanceOpensBefore)
	p.Open = l.Session.Status == booking.Scheduled && !now.Before(opens)
	p.Opens = booking.At(opens)
	p.Title = "Check in: " + sh.Workshop
	p.Total = (&booking.SessionAttendance{ByMode: l.Counts}).Total()
	words := strings.Fields(fold(query))
	p.WalkInOpen = booking.WalkInRefusal(l.Session, now) == nil
	if p.WalkInOpen {
		p.PlacesLeft = s.svc.PlacesLeft(c.Request.Context(), l.Session, booking.InPerson)
	}
	for _, sec := range sh.Sections {
		cs := checkInSection{Section: sec}
		for _, r := range sec.Rows {
			if r.WalkIn {
				p.WalkIns++
			}
			if r.OverCapacity {
				p.OverCapacity++
			}
			row := checkInRow{Row: r, Search: fold(r.Name)}
			if matches(row.Search, words) {
				cs.People = append(cs.People, row)
			}
		}
		p.Shown += len(cs.People)
		p.Sections = append(p.Sections, cs)
	}
	return p, nil
}

// searchQuery reads ?q= (or the form's q), refusing what no name holds.
func searchQuery(v string) (string, error) {
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxQuery || strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return "", booking.FieldErrors(map[string]string{"q": "Enter part of a name, in up to 100 letters"})
	}
	return v, nil
}

func (s *Server) checkInPage(c *gin.Context) error {
	q, err := searchQuery(c.Query("q"))
	if err != nil {
		return err
	}
	p, err := s.newCheckInPage(c, q)
	if err != nil {
		return err
	}
	ticked, walkedIn := c.Query("ticked"), c.Query("walked_in")
	for _, sec := range p.Sheet.Sections {
		for _, r := range sec.Rows {
			switch {
			case r.Reference == ticked && r.Ticked():
				p.Ticked = r.Name
			case r.Reference == walkedIn && r.WalkIn:
				p.WalkedIn = &r
			}
		}
	}
	if n, err := strconv.Atoi(c.Query("marked")); err == nil && n >= 0 {
		p.Marked = n
	}
	s.render(c, http.StatusOK, "check_in", p)
	return nil
}

// checkInURL is the address to come back to after a change.
func checkInURL(links sessionLinks, q string, extra url.Values) string {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	for k, vs := range extra {
		v[k] = vs
	}
	if len(v) == 0 {
		return links.CheckIn
	}
	return links.CheckIn + "?" + v.Encode()
}

// attendedChoices are the values of the check-in form's "attended" field.
var attendedChoices = map[string]*bool{"yes": ptr(true), "no": ptr(false), "clear": nil}

func ptr[T any](v T) *T { return &v }

// checkInTick answers POST /admin/sessions/:id/check-in: tick a person in
// (or undo it), then back to the list where they were.
func (s *Server) checkInTick(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	q, err := searchQuery(c.PostForm("q"))
	if err != nil {
		return err
	}
	attended, ok := attendedChoices[c.PostForm("attended")]
	if !ok {
		return booking.FieldErrors(map[string]string{"attended": "Choose to tick the person in or to undo it"})
	}
	ref := strings.TrimSpace(c.PostForm("reference"))
	b, err := s.svc.BookingByReference(c.Request.Context(), ref)
	if err != nil && !booking.IsCode(err, booking.ENotFound) {
		return err
	}
	if err != nil || b.SessionID != id {
		// The guard checked this session, so a booking of another is as
		// good as unknown here.
		return booking.Errorf(booking.ENotFound, "That person is not on this session's list.")
	}
	if _, err := s.markAttendance(c, b.Reference, attended); err != nil {
		return s.checkInRefused(c, q, err)
	}
	extra := url.Values{}
	if attended != nil && *attended {
		extra.Set("ticked", b.Reference)
	}
	c.Redirect(http.StatusSeeOther, checkInURL(linksOf(&booking.Session{ID: id}), q, extra)+"#person-"+b.Reference)
	return nil
}

// checkInNoShows answers POST /admin/sessions/:id/no-shows.
func (s *Server) checkInNoShows(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	n, err := s.markNoShows(c, id)
	if err != nil {
		return s.checkInRefused(c, "", err)
	}
	c.Redirect(http.StatusSeeOther, checkInURL(linksOf(&booking.Session{ID: id}), "", url.Values{"marked": {strconv.Itoa(n)}}))
	return nil
}

// checkInRefused shows the check-in page again with why a change was
// refused (too early, a cancelled booking); other errors are error pages.
func (s *Server) checkInRefused(c *gin.Context, q string, err error) error {
	if !booking.IsCode(err, booking.EConflict) {
		return err
	}
	p, perr := s.newCheckInPage(c, q)
	if perr != nil {
		return perr
	}
	p.AddError("people", booking.ErrorMessage(err))
	s.render(c, http.StatusConflict, "check_in", p)
	return nil
}
