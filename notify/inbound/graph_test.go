package inbound_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/calendar/msgraph"
	"github.com/coventry/workshops/notify/inbound"
)

const (
	graphTenant  = "tenant-1"
	graphClient  = "client-1"
	graphSecret  = "s3cret"
	graphMailbox = "consultation@coventry.gov.uk"
)

// fakeMail is one message of the fake mailbox.
type fakeMail struct {
	id         string
	raw        []byte
	received   time.Time
	categories []string
	isRead     bool
	patches    int
}

// fakeGraph plays the identity platform's token endpoint and Graph's
// messages endpoints for one mailbox, as Microsoft documents them, and
// checks what it is sent.
type fakeGraph struct {
	t    *testing.T
	mu   sync.Mutex
	mail []*fakeMail
	// pageSize is how many messages a page of the listing holds, so the
	// reader must follow @odata.nextLink.
	pageSize int
	// lists counts the pages of listing asked for.
	lists int
	srv   *httptest.Server
}

func newFakeGraph(t *testing.T) *fakeGraph {
	f := &fakeGraph{t: t, pageSize: 2}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGraph) deliver(raw []byte, received time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mail = append(f.mail, &fakeMail{id: fmt.Sprintf("AAMkAD%03d=", len(f.mail)+1), raw: raw, received: received})
}

func (f *fakeGraph) message(i int) fakeMail {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.mail[i]
}

func (f *fakeGraph) client(t *testing.T) *msgraph.Client {
	c, err := msgraph.New(msgraph.Config{TenantID: graphTenant, ClientID: graphClient, ClientSecret: graphSecret,
		OrganizerID: "organiser-object-id", LoginURL: f.srv.URL + "/login", GraphURL: f.srv.URL + "/v1.0"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fakeGraph) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.t
	if r.URL.Path == "/login/"+graphTenant+"/oauth2/v2.0/token" {
		_ = r.ParseForm()
		if r.PostForm.Get("client_secret") != graphSecret {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"token_type":"Bearer","expires_in":3600,"access_token":"mail-token"}`)
		return
	}
	if r.Header.Get("Authorization") != "Bearer mail-token" {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":{"code":"InvalidAuthenticationToken","message":"no"}}`)
		return
	}
	prefix := "/v1.0/users/" + url.PathEscape(graphMailbox)
	path := strings.TrimPrefix(r.URL.EscapedPath(), prefix)
	if path == r.URL.EscapedPath() {
		t.Errorf("graph: request outside the mailbox: %s %s", r.Method, r.URL)
		w.WriteHeader(http.StatusNotFound)
		return
	}
	switch {
	case r.Method == http.MethodGet && path == "/mailFolders/inbox/messages":
		f.list(w, r)
	case r.Method == http.MethodGet && strings.HasSuffix(path, "/$value"):
		m := f.find(strings.TrimSuffix(strings.TrimPrefix(path, "/messages/"), "/$value"))
		if m == nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(m.raw)
	case r.Method == http.MethodPatch && strings.HasPrefix(path, "/messages/"):
		m := f.find(strings.TrimPrefix(path, "/messages/"))
		if m == nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		var body map[string]json.RawMessage
		data, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(data, &body); err != nil {
			t.Errorf("graph: PATCH body %s: %v", data, err)
		}
		for k, v := range body {
			switch k {
			case "categories":
				_ = json.Unmarshal(v, &m.categories)
			case "isRead":
				_ = json.Unmarshal(v, &m.isRead)
			default:
				t.Errorf("graph: PATCH sets %s", k)
			}
		}
		m.patches++
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%q}`, m.id)
	default:
		t.Errorf("graph: unexpected %s %s", r.Method, r.URL)
		w.WriteHeader(http.StatusNotFound)
	}
}

func (f *fakeGraph) find(escapedID string) *fakeMail {
	id, err := url.PathUnescape(escapedID)
	if err != nil {
		return nil
	}
	for _, m := range f.mail {
		if m.id == id {
			return m
		}
	}
	return nil
}

// list answers a listing: $filter on receivedDateTime, $orderby it, $top,
// and pages linked by @odata.nextLink ($skip).
func (f *fakeGraph) list(w http.ResponseWriter, r *http.Request) {
	f.lists++
	q := r.URL.Query()
	since, ok := strings.CutPrefix(q.Get("$filter"), "receivedDateTime ge ")
	from, err := time.Parse(time.RFC3339, since)
	if !ok || err != nil {
		f.t.Errorf("graph: $filter %q", q.Get("$filter"))
	}
	if q.Get("$orderby") != "receivedDateTime asc" || q.Get("$select") != "id,categories" {
		f.t.Errorf("graph: listing asks %v", q)
	}
	var all []*fakeMail
	for _, m := range f.mail {
		if !m.received.Before(from) {
			all = append(all, m)
		}
	}
	slices.SortStableFunc(all, func(a, b *fakeMail) int { return a.received.Compare(b.received) })
	skip := 0
	fmt.Sscan(q.Get("$skip"), &skip)
	end := min(skip+f.pageSize, len(all))
	type item struct {
		ID         string   `json:"id"`
		Categories []string `json:"categories"`
	}
	page := struct {
		Value    []item `json:"value"`
		NextLink string `json:"@odata.nextLink,omitempty"`
	}{Value: []item{}}
	for _, m := range all[min(skip, len(all)):end] {
		page.Value = append(page.Value, item{m.id, append([]string{}, m.categories...)})
	}
	if end < len(all) {
		q.Set("$skip", fmt.Sprint(end))
		page.NextLink = "http://" + r.Host + r.URL.Path + "?" + q.Encode()
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(page)
}

// The Microsoft 365 mailbox through Graph behaves as the IMAP one: a No
// cancels and offers the place, the reply gets the category and is marked
// read, replies that do not match change nothing but are marked, other
// mail (and anything older than the lookback) is not touched, and a
// restart applies nothing twice.
func TestGraphDeclineCancelsTheBookingOnce(t *testing.T) {
	f := newFixture(t)
	g := newFakeGraph(t)
	now := time.Now()
	src, err := inbound.NewGraph(g.client(t), graphMailbox, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	seq := f.booking().InviteSequence
	g.deliver(outOfOffice(), now.Add(-time.Hour))
	g.deliver(reply{from: "mallory@example.net", attendee: annEmail, uid: f.uid(), partstat: "DECLINED", sequence: seq}.mail(), now.Add(-50*time.Minute))
	g.deliver(reply{from: annEmail, calendar: "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n"}.mail(), now.Add(-40*time.Minute))
	g.deliver(reply{from: annEmail, attendee: annEmail, uid: f.uid(), partstat: "DECLINED", sequence: seq}.mail(), now.Add(-30*time.Minute))
	// A decline of long ago, before the lookback: not read at all.
	g.deliver(reply{from: annEmail, attendee: annEmail, uid: f.uid(), partstat: "DECLINED", sequence: seq}.mail(), now.Add(-inbound.Lookback-time.Hour))

	round := poll(t, f, src)
	want := map[booking.ReplyOutcome]int{booking.ReplyCancelledBooking: 1, booking.ReplySenderMismatch: 1, inbound.OutcomeMalformed: 1}
	for o, n := range want {
		if round.Outcomes[o] != n {
			t.Errorf("%s: %d, want %d (round %+v)", o, round.Outcomes[o], n, round)
		}
	}
	if round.LeftAlone != 1 {
		t.Errorf("left alone %d, want the out-of-office answer", round.LeftAlone)
	}
	f.cancelledByReply()
	for i := 1; i <= 3; i++ {
		if m := g.message(i); !m.isRead || !slices.Contains(m.categories, inbound.HandledCategory) {
			t.Errorf("reply %d not marked handled: %+v", i, m)
		}
	}
	for _, i := range []int{0, 4} {
		if m := g.message(i); m.patches != 0 || m.isRead || len(m.categories) != 0 {
			t.Errorf("message %d was touched: %+v", i, m)
		}
	}

	round = poll(t, f, src)
	if len(round.Outcomes) != 0 {
		t.Errorf("after a restart: %+v, want nothing applied", round)
	}
	if n := f.outbox(booking.MsgBookingCancelled); n != 1 {
		t.Errorf("%d cancellation emails after a restart, want 1", n)
	}
	if m := g.message(0); m.patches != 0 {
		t.Errorf("the out-of-office answer was touched after a restart: %+v", m)
	}
	f.noPersonalData()
}

// A message that already carries categories keeps them when marked.
func TestGraphMarkKeepsCategories(t *testing.T) {
	f := newFixture(t)
	g := newFakeGraph(t)
	src, err := inbound.NewGraph(g.client(t), graphMailbox, nil)
	if err != nil {
		t.Fatal(err)
	}
	g.deliver(reply{from: annEmail, attendee: annEmail, uid: f.uid(), partstat: "TENTATIVE", sequence: f.booking().InviteSequence}.mail(), time.Now())
	g.mu.Lock()
	g.mail[0].categories = []string{"Blue category"}
	g.mu.Unlock()
	if round := poll(t, f, src); round.Outcomes[booking.ReplyRecorded] != 1 {
		t.Fatalf("round %+v", round)
	}
	if m := g.message(0); !slices.Equal(m.categories, []string{"Blue category", inbound.HandledCategory}) {
		t.Errorf("categories %v", m.categories)
	}
}

// A round asks for listing pages only until it has its batch: a mailbox of
// many messages is not listed whole every round.
func TestGraphListsOnlyThePagesARoundNeeds(t *testing.T) {
	f := newFixture(t)
	g := newFakeGraph(t) // two messages a page
	now := time.Now()
	src, err := inbound.NewGraph(g.client(t), graphMailbox, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		g.deliver(outOfOffice(), now.Add(time.Duration(i-10)*time.Minute))
	}
	r := inbound.NewReader(src, f.svc, time.Minute, f.logger)
	r.Batch = 2
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Each round reads the next two the rounds before left alone; the
	// pages before them are listed again, those after them not at all.
	for i, want := range []struct{ leftAlone, lists int }{{2, 1}, {2, 2}, {1, 3}, {0, 3}} {
		g.mu.Lock()
		g.lists = 0
		g.mu.Unlock()
		round, err := r.Poll(ctx)
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		g.mu.Lock()
		lists := g.lists
		g.mu.Unlock()
		if round.LeftAlone != want.leftAlone || lists != want.lists {
			t.Errorf("round %d: %d left alone over %d pages, want %d over %d", i, round.LeftAlone, lists, want.leftAlone, want.lists)
		}
	}
}
