package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/competition"
)

// Judging the poster competition (admins): a gallery of the entries that
// count, with thumbnails, filtered by age band and area; an entry's page
// to shortlist, score, pick as a winner or erase it; and publishing the
// winners page. Every change is audited by the store. The images are the
// admin API's (api_competition.go), which take the sign-in cookie.

type galleryEntry struct {
	*competition.Entry
	AreaName string
	AgeBand  string
}

type galleryPage struct {
	organiserPage
	Entries   []galleryEntry
	AgeBands  []string
	Areas     []booking.Area
	Filter    competition.Filter
	Awaiting  int
	Published bool
	Winners   int
}

func galleryEntries(entries []*competition.Entry) []galleryEntry {
	out := make([]galleryEntry, len(entries))
	for i, e := range entries {
		out[i] = galleryEntry{Entry: e, AreaName: competition.AreaName(e.Area), AgeBand: competition.AgeBand(e.Age)}
	}
	return out
}

// organiserCompetition is GET /admin/competition?age_band=&area=&shortlisted=true.
func (s *Server) organiserCompetition(c *gin.Context) error {
	ctx := c.Request.Context()
	p := &galleryPage{organiserPage: s.organiser(c, "Poster competition"), AgeBands: competition.AgeBands, Areas: booking.Areas()}
	p.BackLink = "/admin"
	f, err := entryFilter(c)
	if booking.IsCode(err, booking.EInvalid) {
		p.SetErrors(err, "age_band", "area", "shortlisted")
		f = competition.Filter{}
	} else if err != nil {
		return err
	}
	p.Filter = f
	p.Values = map[string]string{"age_band": f.AgeBand, "area": f.Area}
	entries, err := s.deps.Competition.Store.Entries(ctx, f)
	if err != nil {
		return err
	}
	p.Entries = galleryEntries(entries)
	all, err := s.deps.Competition.Store.Entries(ctx, competition.Filter{IncludeAwaiting: true})
	if err != nil {
		return err
	}
	for _, e := range all {
		if e.Status == competition.AwaitingGuardian {
			p.Awaiting++
		}
	}
	published, winners, err := s.deps.Competition.Store.Winners(ctx)
	if err != nil {
		return err
	}
	p.Published, p.Winners = published, len(winners)
	status := http.StatusOK
	if len(p.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	s.render(c, status, "organiser_competition", p)
	return nil
}

type entryPage struct {
	organiserPage
	Entry galleryEntry
}

func (s *Server) organiserCompetitionEntry(c *gin.Context) error {
	e, err := s.deps.Competition.Store.Entry(c.Request.Context(), c.Param("reference"))
	if err != nil {
		return err
	}
	p := &entryPage{organiserPage: s.organiser(c, "“"+e.Title+"”"), Entry: galleryEntries([]*competition.Entry{e})[0]}
	p.BackLink = "/admin/competition"
	score := ""
	if e.Score != nil {
		score = strconv.Itoa(*e.Score)
	}
	p.Values = map[string]string{"score": score}
	s.render(c, http.StatusOK, "organiser_competition_entry", p)
	return nil
}

// organiserJudgeEntry is the entry page's form: shortlisted and winner
// checkboxes and a score (empty keeps none).
func (s *Server) organiserJudgeEntry(c *gin.Context) error {
	ctx := c.Request.Context()
	ref := c.Param("reference")
	shortlisted, winner := c.PostForm("shortlisted") == "yes", c.PostForm("winner") == "yes"
	j := competition.Judging{Shortlisted: &shortlisted, Winner: &winner}
	raw := strings.TrimSpace(c.PostForm("score"))
	if raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil {
			n = -1 // refused by Check with the field's message
		}
		j.Score = &n
	}
	_, err := s.deps.Competition.Judge(ctx, ref, j)
	if code := booking.ErrorCode(err); code == booking.EInvalid || code == booking.EConflict {
		e, rerr := s.deps.Competition.Store.Entry(ctx, ref)
		if rerr != nil {
			return rerr
		}
		p := &entryPage{organiserPage: s.organiser(c, "“"+e.Title+"”"), Entry: galleryEntries([]*competition.Entry{e})[0]}
		p.BackLink = "/admin/competition"
		p.Values = map[string]string{"score": raw}
		if !p.SetErrors(err, "score") {
			p.AddError("shortlisted", booking.ErrorMessage(err))
		}
		s.render(c, http.StatusUnprocessableEntity, "organiser_competition_entry", p)
		return nil
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/competition/entries/"+url.PathEscape(ref)+"?done=judged")
	return nil
}

func (s *Server) organiserEraseEntry(c *gin.Context) error {
	if err := s.deps.Competition.Erase(c.Request.Context(), c.Param("reference")); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/competition?done=erased")
	return nil
}

func (s *Server) organiserPublishWinners(c *gin.Context) error {
	publish := c.PostForm("published") == "yes"
	if err := s.deps.Competition.PublishWinners(c.Request.Context(), publish); err != nil {
		return err
	}
	done := "unpublished"
	if publish {
		done = "published"
	}
	c.Redirect(http.StatusSeeOther, "/admin/competition?done="+done)
	return nil
}
