package web

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/competition"
)

// The poster competition's API: young people send an entry with its poster
// as multipart/form-data; admins list, see, judge and erase entries.

// uploadBody is the body limit of the routes that take a poster: the file
// and its form fields (limitBody in server.go).
const uploadBody = competition.MaxUpload + maxBody

// uploadTime is how long a poster may take to arrive: 15 MB at about
// 1 Mbit/s, a poor phone connection.
const uploadTime = 2 * time.Minute

// maxFormField bounds one text field of an entry form, in bytes.
const maxFormField = 4 << 10

// entryPaths are the routes whose body is a poster upload.
var entryPaths = map[string]bool{
	"/api/v1/competition/entries": true,
	"/competition/enter":          true,
}

// errNotMultipart is an entry that is not a form with a file.
var errNotMultipart = booking.Errorf(booking.EInvalid, "Send the entry as multipart/form-data, with the poster in the field \"file\".")

// readEntry reads an entry form as it streams in, never to disk: the text
// fields, each bounded, and the file, bounded by competition.MaxUpload.
// file is nil when no file was sent and empty when an empty one was.
func readEntry(c *gin.Context) (in competition.Input, file []byte, err error) {
	ct, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if ct != "multipart/form-data" {
		return in, nil, errNotMultipart
	}
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return in, nil, errNotMultipart
	}
	fields := map[string]*string{
		"first_name": &in.FirstName, "age": &in.Age, "area": &in.Area, "title": &in.Title,
		"guardian_email": &in.GuardianEmail,
	}
	tooLong := map[string]string{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return in, nil, uploadError(err)
		}
		name := part.FormName()
		switch {
		case name == "file" && file == nil:
			data, err := io.ReadAll(io.LimitReader(part, competition.MaxUpload+1))
			if err != nil {
				return in, nil, uploadError(err)
			}
			if len(data) > competition.MaxUpload {
				return in, nil, competition.TooLarge()
			}
			file = append([]byte{}, data...) // not nil, even when empty
			if part.FileName() == "" && len(data) == 0 {
				file = nil // a form sent with no file chosen
			}
		case fields[name] != nil:
			v, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
			if err != nil {
				return in, nil, uploadError(err)
			}
			if len(v) > maxFormField {
				tooLong[name] = "This answer is too long"
			}
			*fields[name] = string(v)
		default:
			if _, err := io.Copy(io.Discard, part); err != nil {
				return in, nil, uploadError(err)
			}
		}
	}
	if len(tooLong) > 0 {
		return in, nil, booking.FieldErrors(tooLong)
	}
	return in, file, nil
}

// uploadError is the answer to a form that broke off: too large past the
// body limit, otherwise not a well-formed form.
func uploadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return competition.TooLarge()
	}
	return errNotMultipart
}

// entryCreated is the answer to an entry.
type entryCreated struct {
	Reference string             `json:"reference"`
	Status    competition.Status `json:"status"`
}

func (s *Server) apiEnterCompetition(c *gin.Context) error {
	in, file, err := readEntry(c)
	if err != nil {
		return err
	}
	e, err := s.deps.Competition.Enter(c.Request.Context(), in, file)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, entryCreated{Reference: e.Reference, Status: e.Status})
	return nil
}

func (s *Server) apiCompetitionWinners(c *gin.Context) error {
	published, winners, err := s.deps.Competition.Store.Winners(c.Request.Context())
	if err != nil {
		return err
	}
	if !published {
		winners = []competition.Winner{}
	}
	for i := range winners {
		winners[i].Area = competition.AreaName(winners[i].Area)
	}
	c.JSON(http.StatusOK, gin.H{"published": published, "winners": winners})
	return nil
}

// removalRequest is a parent's or carer's request to remove an entry.
type removalRequest struct {
	Reference string `json:"reference"`
	Email     string `json:"email"`
}

func (s *Server) apiRemoveEntry(c *gin.Context) error {
	var r removalRequest
	if err := decode(c, &r); err != nil {
		return err
	}
	if err := s.deps.Competition.RemoveByGuardian(c.Request.Context(), r.Reference, r.Email); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// entryFilter reads ?age_band=, ?area= and ?shortlisted=true.
func entryFilter(c *gin.Context) (competition.Filter, error) {
	f := competition.Filter{AgeBand: c.Query("age_band"), Area: c.Query("area")}
	if f.Area != "" && !competition.ValidArea(f.Area) {
		return f, booking.FieldErrors(map[string]string{"area": "Select an area from the list"})
	}
	if v := c.Query("shortlisted"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, booking.FieldErrors(map[string]string{"shortlisted": "Give true or false"})
		}
		f.Shortlisted = b
	}
	if _, _, err := f.Ages(); err != nil {
		return f, err
	}
	return f, nil
}

func (s *Server) adminCompetitionEntries(c *gin.Context) error {
	f, err := entryFilter(c)
	if err != nil {
		return err
	}
	f.IncludeAwaiting = c.Query("status") != string(competition.Entered)
	entries, err := s.deps.Competition.Store.Entries(c.Request.Context(), f)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"entries": entries})
	return nil
}

func (s *Server) adminCompetitionEntry(c *gin.Context) error {
	e, err := s.deps.Competition.Store.Entry(c.Request.Context(), c.Param("reference"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, e)
	return nil
}

func (s *Server) adminJudgeEntry(c *gin.Context) error {
	var j competition.Judging
	if err := decode(c, &j); err != nil {
		return err
	}
	e, err := s.deps.Competition.Judge(c.Request.Context(), c.Param("reference"), j)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, e)
	return nil
}

func (s *Server) adminEraseEntry(c *gin.Context) error {
	if err := s.deps.Competition.Erase(c.Request.Context(), c.Param("reference")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (s *Server) adminPublishWinners(c *gin.Context) error {
	var in struct {
		Published *bool `json:"published"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Published == nil {
		return booking.FieldErrors(map[string]string{"published": "Give true or false"})
	}
	if err := s.deps.Competition.PublishWinners(c.Request.Context(), *in.Published); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"published": *in.Published})
	return nil
}

// entryImage serves an entry's stored image or thumbnail: only ever the
// re-encoded picture, with its image type, never sniffed, never inline
// HTML, and not kept by caches (it is a child's drawing).
func (s *Server) entryImage(thumbnail bool) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		img, err := s.deps.Competition.Store.EntryImage(c.Request.Context(), c.Param("reference"), thumbnail)
		if err != nil {
			return err
		}
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		h.Set("Cache-Control", "private, no-store")
		h.Set("Content-Disposition", "inline")
		c.Data(http.StatusOK, img.Type, img.Data)
		return nil
	}
}

// competitionTemplate serves the poster template to print.
func (s *Server) competitionTemplate(c *gin.Context) error {
	var buf bytes.Buffer
	if err := competition.WriteTemplate(&buf, s.councilName(), s.deps.Competition.ClosesAt); err != nil {
		return err
	}
	c.Header("Content-Disposition", `attachment; filename="coventry-2030-poster-template.pdf"`)
	c.Header("Cache-Control", "public, max-age=3600")
	c.Data(http.StatusOK, "application/pdf", buf.Bytes())
	return nil
}
