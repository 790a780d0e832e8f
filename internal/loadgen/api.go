// Package loadgen is what the load programs share (cmd/benchrush,
// cmd/killbench, cmd/soak): a client of the JSON API and the pages, the
// organiser calls that set up workshops and sessions, workshopd processes
// over a throw-away database, and an SMTP sink that counts by Message-ID.
package loadgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// NewClient is an HTTP client for conns clients at once, which keeps its
// connections and never follows a redirect (a page's 303 is an answer).
func NewClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, MaxConnsPerHost: conns * 2,
			IdleConnTimeout: time.Minute,
			DialContext:     (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// API is one workshopd, as a program talks to it.
type API struct {
	Base       string // http://host:port
	AdminToken string
	Client     *http.Client
}

// Answer is what one request got.
type Answer struct {
	Status     int
	RetryAfter string
	RequestID  string
	Body       []byte
}

// JSON is the answer's body as a JSON object (nil when it is not one).
func (a Answer) JSON() map[string]any {
	var out map[string]any
	_ = json.Unmarshal(a.Body, &out)
	return out
}

// Do sends a request with body (JSON when it is not url.Values, a form
// when it is) and bearer as the Authorization, and reads the whole answer
// so the connection is kept.
func (a *API) Do(method, path string, body any, bearer string) (Answer, error) {
	var (
		r     io.Reader
		ctype string
	)
	switch b := body.(type) {
	case nil:
	case url.Values:
		r, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return Answer{}, err
		}
		r, ctype = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, a.Base+path, r)
	if err != nil {
		return Answer{}, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := a.Client.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	ans := Answer{Status: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After"),
		RequestID: resp.Header.Get("X-Request-ID"), Body: data}
	return ans, err
}

// Admin makes an organiser's call with the admin token; anything but a 2xx
// is an error.
func (a *API) Admin(method, path string, body any) (map[string]any, error) {
	ans, err := a.Do(method, path, body, a.AdminToken)
	if err != nil {
		return nil, err
	}
	if ans.Status/100 != 2 {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, ans.Status, ans.Body)
	}
	return ans.JSON(), nil
}

// CreateWorkshop makes a public workshop and returns its id.
func (a *API) CreateWorkshop(title string) (int64, error) {
	out, err := a.Admin(http.MethodPost, "/api/v1/admin/workshops", map[string]any{
		"title": title, "summary": "Tell us what matters to you.", "audience": "public"})
	if err != nil {
		return 0, err
	}
	return int64(out["id"].(float64)), nil
}

// CreateSession makes a two-hour session of workshop at start, at the
// Council House and (with online places) on Teams, and returns its id.
func (a *API) CreateSession(workshop int64, start time.Time, inPerson, online int) (int64, error) {
	start = start.UTC().Truncate(time.Second)
	body := map[string]any{
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339),
		"venue":    map[string]any{"name": "Council House", "address": "Earl Street, Coventry CV1 5RR"},
		"capacity": map[string]any{"in_person": inPerson, "online": online},
	}
	if online > 0 {
		body["online_url"] = "https://teams.microsoft.com/l/meetup-join/load"
	}
	out, err := a.Admin(http.MethodPost, fmt.Sprintf("/api/v1/admin/workshops/%d/sessions", workshop), body)
	if err != nil {
		return 0, err
	}
	return int64(out["id"].(float64)), nil
}

// Person is a resident's details for a booking or the waiting list, with
// an address of their own: tag and i tell people apart.
func Person(tag string, i int64) map[string]any {
	return map[string]any{"name": fmt.Sprintf("Resident %d", i), "email": fmt.Sprintf("%s%d@example.org", tag, i),
		"postcode": "CV1 5RR", "consent": true}
}
