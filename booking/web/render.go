package web

// Pages are html/template files embedded in the binary and parsed once, when
// the server is built: a template that does not parse, or that calls a
// template that does not exist, stops the program at start rather than
// failing a resident's request. templates/README.md says how to add a page.

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

//go:embed templates
var templateFiles embed.FS

// Council and service names shown in every page's header and title.
const (
	defaultCouncilName = "Coventry City Council" // when COUNCIL_NAME is not given
	serviceName        = "Book a One Coventry Plan workshop"
	// defaultContact is the address pages give for help when the service
	// is not told its organiser address (web.Config.OrganiserEmail).
	defaultContact = "consultation@coventry.gov.uk"
)

// Page is what every page's template can use. A page's own data embeds it:
//
//	type startPage struct {
//		Page
//		Workshops []workshopItem
//	}
//
// The layout reads Title, Errors and BackLink; form partials read Values
// and FieldErrors through Value and ErrorFor.
type Page struct {
	// Title is the page's h1 and the start of its <title>.
	Title string
	// Errors are the error summary's entries, in the order the fields appear
	// on the page. The layout shows the summary and prefixes the <title>
	// with "Error: " when there are any.
	Errors []ErrorItem
	// FieldErrors holds the message shown next to each field, by form name.
	FieldErrors map[string]string
	// Values are what the person typed, by form name, so a form shown again
	// keeps it.
	Values map[string]string
	// BackLink, when set, puts a "Back" link above the main content.
	BackLink string

	// Set by render.
	Service string
	Council string
	Assets  string // the versioned asset path prefix, e.g. /assets/3f2a9c1b0d
	// Contact is the council address people can write to for help.
	Contact string
}

// ErrorItem is one entry of the error summary: the message and the id of
// the field it links to.
type ErrorItem struct {
	Field   string
	Message string
}

// Value returns what the person typed in the field name.
func (p Page) Value(name string) string { return p.Values[name] }

// ErrorFor returns the error message of the field name, or "".
func (p Page) ErrorFor(name string) string { return p.FieldErrors[name] }

// HasErrors reports whether the page shows an error summary.
func (p Page) HasErrors() bool { return len(p.Errors) > 0 }

// pager is satisfied by Page and every struct that embeds it.
type pager interface{ page() *Page }

func (p *Page) page() *Page { return p }

// SetErrors fills the error summary and field messages from err's fields,
// in the order given (the order of the fields on the page); fields of err
// not in order come last, sorted. It returns false when err names no field.
func (p *Page) SetErrors(err error, order ...string) bool {
	fields := booking.ErrorFields(err)
	if len(fields) == 0 {
		return false
	}
	p.FieldErrors = fields
	p.Errors = p.Errors[:0]
	seen := map[string]bool{}
	for _, f := range order {
		if msg, ok := fields[f]; ok && !seen[f] {
			p.Errors = append(p.Errors, ErrorItem{Field: f, Message: msg})
			seen[f] = true
		}
	}
	var rest []string
	for f := range fields {
		if !seen[f] {
			rest = append(rest, f)
		}
	}
	sort.Strings(rest)
	for _, f := range rest {
		p.Errors = append(p.Errors, ErrorItem{Field: f, Message: fields[f]})
	}
	return true
}

// AddError adds one entry to the error summary and its field message.
func (p *Page) AddError(field, message string) {
	if p.FieldErrors == nil {
		p.FieldErrors = map[string]string{}
	}
	p.FieldErrors[field] = message
	p.Errors = append(p.Errors, ErrorItem{Field: field, Message: message})
}

// views holds one parsed template set per page.
type views struct {
	pages map[string]*template.Template
}

// parseViews parses templates/layout.html, templates/partials/*.html and
// each templates/pages/NAME.html into its own set named NAME, and renders
// each once so html/template's escaper checks every template call now.
func parseViews(funcs template.FuncMap) (*views, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(templateFiles, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	v := &views{pages: map[string]*template.Template{}}
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".html")
		t, err := template.Must(base.Clone()).ParseFS(templateFiles, file)
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		// A zero Page fails on page-specific fields (an exec error, fine),
		// but escaping problems and missing templates surface here.
		var escErr *template.Error
		if err := t.ExecuteTemplate(io.Discard, "layout", &Page{}); errors.As(err, &escErr) {
			return nil, fmt.Errorf("page %s: %w", name, err)
		}
		v.pages[name] = t
	}
	return v, nil
}

// mustViews parses the embedded templates or panics: they are part of the
// binary, so a failure here is a bug found at start.
func mustViews(assets *assetServer) *views {
	v, err := parseViews(templateFuncs(assets))
	if err != nil {
		panic("web: templates: " + err.Error())
	}
	return v
}

// render writes the page template named page (templates/pages/NAME.html)
// with data, which is a *Page or a pointer to a struct embedding Page. The
// page is rendered to a buffer first, so a template failure becomes a clean
// 500 rather than half a page.
func (s *Server) render(c *gin.Context, status int, page string, data any) {
	if data == nil {
		data = &Page{}
	}
	if p, ok := data.(pager); ok {
		pg := p.page()
		pg.Service, pg.Council, pg.Assets = serviceName, s.councilName(), s.assets.prefix
		pg.Contact = s.contact()
		if pg.Title == "" {
			pg.Title = serviceName
		}
	}
	t, ok := s.views.pages[page]
	if !ok {
		s.log.Error("no such page template", "request_id", c.GetString("request_id"), "page", page)
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.Error("render page", "request_id", c.GetString("request_id"), "page", page, "err", err)
		if page != "error" {
			s.renderError(c, http.StatusInternalServerError, "")
		} else {
			c.AbortWithStatus(http.StatusInternalServerError)
		}
		return
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(status)
	_, _ = c.Writer.Write(buf.Bytes())
}

// contact is the address the pages give people who need help.
func (s *Server) contact() string {
	if s.cfg.OrganiserEmail != "" {
		return s.cfg.OrganiserEmail
	}
	return defaultContact
}
