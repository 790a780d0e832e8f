// Package msgraph makes and moves Microsoft Teams meetings for online
// sessions through Microsoft Graph, with an app-only token (the OAuth 2.0
// client credentials grant). It is the Graph adapter of calendar.Meetings,
// and reads the organiser mailbox for calendar replies (mail.go).
//
// The app needs the application permission OnlineMeetings.ReadWrite.All
// and a Teams application access policy granted to the organiser account;
// reading the mailbox needs Mail.ReadWrite.
package msgraph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/calendar"
)

// Default endpoints; tests point both at a local server.
const (
	DefaultLoginURL = "https://login.microsoftonline.com"
	DefaultGraphURL = "https://graph.microsoft.com/v1.0"
)

// Config holds the Graph settings (MSGRAPH_* in the environment, read by
// cmd/workshopd through the env tags).
type Config struct {
	TenantID     string `env:"MSGRAPH_TENANT_ID"`
	ClientID     string `env:"MSGRAPH_CLIENT_ID"`
	ClientSecret string `env:"MSGRAPH_CLIENT_SECRET"`
	// OrganizerID is the object id or user principal name of the council
	// account that owns the meetings.
	OrganizerID string `env:"MSGRAPH_ORGANIZER_ID"`

	LoginURL string // default DefaultLoginURL
	GraphURL string // default DefaultGraphURL
	// HTTPClient defaults to one with a 20 s timeout.
	HTTPClient *http.Client
	// Now defaults to time.Now; it decides when the token has expired.
	Now func() time.Time
}

// settings names the four settings that make Graph work, all or none.
func (cfg Config) settings() []struct{ name, v string } {
	return []struct{ name, v string }{
		{"MSGRAPH_TENANT_ID", cfg.TenantID}, {"MSGRAPH_CLIENT_ID", cfg.ClientID},
		{"MSGRAPH_CLIENT_SECRET", cfg.ClientSecret}, {"MSGRAPH_ORGANIZER_ID", cfg.OrganizerID},
	}
}

// Enabled is false when none of the four settings is set; setting only some
// is an error naming the first one missing.
func (cfg Config) Enabled() (bool, error) {
	set := 0
	for _, kv := range cfg.settings() {
		if kv.v != "" {
			set++
		}
	}
	if set == 0 {
		return false, nil
	}
	for _, kv := range cfg.settings() {
		if kv.v == "" {
			return false, fmt.Errorf("%s: must be set with the other MSGRAPH_ settings", kv.name)
		}
	}
	return true, nil
}

// Client is a calendar.Meetings on Microsoft Graph. It caches its token
// until shortly before it expires and is safe for concurrent use.
type Client struct {
	cfg   Config
	http  *http.Client
	now   func() time.Time
	login clientcredentials.Config

	mu      sync.Mutex
	token   string
	expires time.Time
}

var _ calendar.Meetings = (*Client)(nil)

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	for _, kv := range cfg.settings() {
		if kv.v == "" {
			return nil, fmt.Errorf("msgraph: %s is empty", kv.name)
		}
	}
	if cfg.LoginURL == "" {
		cfg.LoginURL = DefaultLoginURL
	}
	if cfg.GraphURL == "" {
		cfg.GraphURL = DefaultGraphURL
	}
	cfg.LoginURL = strings.TrimRight(cfg.LoginURL, "/")
	cfg.GraphURL = strings.TrimRight(cfg.GraphURL, "/")
	c := &Client{cfg: cfg, http: cfg.HTTPClient, now: cfg.Now}
	if c.http == nil {
		c.http = &http.Client{Timeout: 20 * time.Second}
	}
	if c.now == nil {
		c.now = time.Now
	}
	// The Microsoft identity platform takes the secret in the form body.
	c.login = clientcredentials.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		TokenURL:     cfg.LoginURL + "/" + url.PathEscape(cfg.TenantID) + "/oauth2/v2.0/token",
		Scopes:       []string{"https://graph.microsoft.com/.default"},
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	return c, nil
}

// unavailable is the error every failure becomes: the session is refused
// with a message an organiser can act on, and the cause is kept for the log.
func unavailable(cause error) error {
	return &booking.Error{
		Code:    booking.EUnavailable,
		Message: "Microsoft Teams did not answer, so the online meeting link could not be made. Try again in a few minutes.",
		Err:     cause,
	}
}

type meetingTimes struct {
	Subject       string `json:"subject,omitempty"`
	StartDateTime string `json:"startDateTime"`
	EndDateTime   string `json:"endDateTime"`
}

type onlineMeeting struct {
	ID         string `json:"id"`
	JoinWebURL string `json:"joinWebUrl"`
}

// Create makes a Teams meeting owned by the organiser account and returns
// its id and join link.
func (c *Client) Create(ctx context.Context, subject string, start, end time.Time) (calendar.Meeting, error) {
	body := meetingTimes{
		Subject:       subject,
		StartDateTime: start.UTC().Format(time.RFC3339),
		EndDateTime:   end.UTC().Format(time.RFC3339),
	}
	var m onlineMeeting
	if err := c.call(ctx, http.MethodPost, c.meetingsURL(""), body, &m); err != nil {
		return calendar.Meeting{}, unavailable(fmt.Errorf("create online meeting: %w", err))
	}
	if m.ID == "" || !strings.HasPrefix(m.JoinWebURL, "https://") {
		return calendar.Meeting{}, unavailable(errors.New("create online meeting: answer has no id or https join link"))
	}
	return calendar.Meeting{ID: m.ID, JoinURL: m.JoinWebURL}, nil
}

// Move changes the times of meeting id; the join link stays the same.
func (c *Client) Move(ctx context.Context, id string, start, end time.Time) error {
	if id == "" {
		return unavailable(errors.New("move online meeting: no meeting id"))
	}
	body := meetingTimes{
		StartDateTime: start.UTC().Format(time.RFC3339),
		EndDateTime:   end.UTC().Format(time.RFC3339),
	}
	if err := c.call(ctx, http.MethodPatch, c.meetingsURL(id), body, nil); err != nil {
		return unavailable(fmt.Errorf("move online meeting: %w", err))
	}
	return nil
}

func (c *Client) meetingsURL(id string) string {
	u := c.cfg.GraphURL + "/users/" + url.PathEscape(c.cfg.OrganizerID) + "/onlineMeetings"
	if id != "" {
		u += "/" + url.PathEscape(id)
	}
	return u
}

// call sends body as JSON (none when nil) with the bearer token and
// decodes the answer into out (when not nil).
func (c *Client) call(ctx context.Context, method, target string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	data, err := c.send(ctx, method, target, payload, "application/json", 1<<20)
	if err != nil {
		return err
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("graph answer: %w", err)
	}
	return nil
}

// send sends payload (JSON, or nothing when nil) with the bearer token and
// returns the answer's body (of type accept, when not empty), ErrTooLarge
// past limit bytes. A 401 drops the cached token and tries once more.
func (c *Client) send(ctx context.Context, method, target string, payload []byte, accept string, limit int64) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		token, err := c.accessToken(ctx)
		if err != nil {
			return nil, err
		}
		var body io.Reader
		if payload != nil {
			body = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, method, target, body)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			c.forget(token)
			continue
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return nil, fmt.Errorf("graph answered %d%s", resp.StatusCode, graphErrorCode(data))
		}
		if int64(len(data)) > limit {
			return nil, ErrTooLarge
		}
		return data, nil
	}
}

// graphErrorCode picks the error code out of a Graph error body, for the
// log; the message is left out as it may echo what was sent.
func graphErrorCode(data []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &e) == nil && e.Error.Code != "" {
		return " (" + e.Error.Code + ")"
	}
	return ""
}

// earlyExpiry renews a token this long before Microsoft says it expires,
// so a request never goes out with one that lapses on the way.
const earlyExpiry = 2 * time.Minute

// accessToken returns the cached token, or gets a new one with the client
// credentials grant. The cache is kept here rather than in an
// oauth2.ReuseTokenSource so that it renews early and follows c.now.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.token != "" && now.Before(c.expires) {
		return c.token, nil
	}
	t, err := c.login.Token(context.WithValue(ctx, oauth2.HTTPClient, c.http))
	if err != nil {
		// Only the status and the error code: the description may echo
		// what was sent.
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil {
			code := ""
			if re.ErrorCode != "" {
				code = " (" + re.ErrorCode + ")"
			}
			return "", fmt.Errorf("token: login answered %d%s", re.Response.StatusCode, code)
		}
		return "", fmt.Errorf("token: %w", err)
	}
	// The library dates the expiry by the system clock; the cache runs on
	// c.now, so it keeps the lifetime (none given: use the token once).
	c.token, c.expires = t.AccessToken, now
	if !t.Expiry.IsZero() {
		c.expires = now.Add(time.Until(t.Expiry) - earlyExpiry)
	}
	return c.token, nil
}

// forget drops token from the cache if it is still the cached one.
func (c *Client) forget(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == token {
		c.token = ""
	}
}
