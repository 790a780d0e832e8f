package main

import (
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coventry/workshops/internal/loadgen"
)

// soak is the traffic and what it was told: the bookings and waiting-list
// places it made, as the answers left them.
type soak struct {
	apis       []*loadgen.API
	sessions   []int64
	adminEvery time.Duration
	rate       int
	person     atomic.Int64

	mu       sync.Mutex
	bookings map[string]*booked // by reference
	idle     []string           // live bookings no action is using
	waiting  map[place][]*entry // in the order they joined
	answers  map[string]map[string]int
	done     map[string]int
	bad      []string
	skipped  int
}

// booked is a booking as its answers left it. unsure: a request about it
// went unanswered or was refused for an outage, so it may or may not have
// changed.
type booked struct {
	ref, token string
	session    int64
	mode       string
	cancelled  bool
	unsure     bool
}

type entry struct{ ref, token string }

type place struct {
	session int64
	mode    string
}

var modes = []string{"in_person", "online"}

func newSoak(apis []*loadgen.API, o options) (*soak, error) {
	s := &soak{apis: apis, adminEvery: o.adminEvery, rate: o.rate, bookings: map[string]*booked{},
		waiting: map[place][]*entry{}, answers: map[string]map[string]int{}, done: map[string]int{}}
	workshop, err := apis[0].CreateWorkshop("One Coventry Plan: the soak")
	if err != nil {
		return nil, err
	}
	// Three days on, an hour apart: every session stays open for booking
	// and away from its reminder, however the organiser moves it.
	first := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	for i := range o.sessions {
		id, err := apis[0].CreateSession(workshop, first.Add(time.Duration(i)*time.Hour), o.inPerson, o.online)
		if err != nil {
			return nil, err
		}
		s.sessions = append(s.sessions, id)
	}
	return s, nil
}

// maxUnderWay bounds the actions under way at once: when the service falls
// behind, the soak does not pile on.
const maxUnderWay = 64

// action is one thing a resident does; the weights are how often.
var actions = []struct {
	name   string
	weight int
	do     func(*soak, *loadgen.API)
}{
	{"hold and book", 20, (*soak).holdAndBook},
	{"book in one call", 16, (*soak).bookDirect},
	{"hold and give up", 5, (*soak).holdAndRelease},
	{"hold and leave", 3, (*soak).holdAndLeave},
	{"cancel", 14, (*soak).cancel},
	{"switch", 10, (*soak).switchMode},
	{"move", 6, (*soak).move},
	{"read", 16, (*soak).read},
	{"manage page", 10, (*soak).managePage},
}

// traffic runs the actions at the rate for d, with the organiser's changes
// and the offers' acceptance alongside, and waits for the last to end.
func (s *soak) traffic(d time.Duration) {
	total := 0
	for _, a := range actions {
		total += a.weight
	}
	stop := make(chan struct{})
	var wg, side sync.WaitGroup
	side.Go(func() { s.every(stop, s.adminEvery, s.organiser) })
	side.Go(func() { s.every(stop, 2*time.Second, s.acceptOffers) })
	slots := make(chan struct{}, maxUnderWay)
	tick := time.NewTicker(time.Second / time.Duration(s.rate))
	end := time.After(d)
	for i := 0; ; i++ {
		select {
		case <-end:
			tick.Stop()
			close(stop)
			wg.Wait()
			side.Wait()
			return
		case <-tick.C:
		}
		select {
		case slots <- struct{}{}:
		default:
			s.mu.Lock()
			s.skipped++ // the service is behind: do not pile on
			s.mu.Unlock()
			continue
		}
		api := s.apis[i%len(s.apis)]
		n := rand.IntN(total)
		for _, a := range actions {
			if n -= a.weight; n < 0 {
				wg.Go(func() {
					defer func() { <-slots }()
					a.do(s, api)
				})
				break
			}
		}
	}
}

func (s *soak) every(stop <-chan struct{}, d time.Duration, f func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			f()
		}
	}
}

func (s *soak) api() *loadgen.API { return s.apis[rand.IntN(len(s.apis))] }

func (s *soak) randomPlace() place {
	return place{s.sessions[rand.IntN(len(s.sessions))], modes[rand.IntN(len(modes))]}
}

// send makes a request and records its answer under op; an answer that is
// neither one the contract allows (a 5xx other than 503 with Retry-After)
// nor any answer at all is a problem.
func (s *soak) send(op string, api *loadgen.API, method, path string, body any, bearer string) (loadgen.Answer, bool) {
	ans, err := api.Do(method, path, body, bearer)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.answers[op] == nil {
		s.answers[op] = map[string]int{}
	}
	switch {
	case err != nil:
		s.answers[op]["no answer"]++
		s.bad = append(s.bad, fmt.Sprintf("%s %s%s: no answer: %v", method, api.Base, path, err))
		return ans, false
	case ans.Status >= 500 && (ans.Status != http.StatusServiceUnavailable || ans.RetryAfter == ""):
		s.bad = append(s.bad, fmt.Sprintf("%s %s%s: %d (request %s) %.300s", method, api.Base, path, ans.Status, ans.RequestID, ans.Body))
	}
	s.answers[op][strconv.Itoa(ans.Status)]++
	return ans, ans.Status < 500
}

func (s *soak) count(what string) {
	s.mu.Lock()
	s.done[what]++
	s.mu.Unlock()
}

func (s *soak) sessionPath(id int64) string { return "/api/v1/sessions/" + strconv.FormatInt(id, 10) }

// madeBooking keeps a booking answered 201 (a booking or an accepted offer).
func (s *soak) madeBooking(ans loadgen.Answer, p place) {
	out := ans.JSON()
	ref, _ := out["reference"].(string)
	token := tokenOf(out)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bookings[ref] = &booked{ref: ref, token: token, session: p.session, mode: p.mode}
	s.idle = append(s.idle, ref)
}

func tokenOf(out map[string]any) string {
	u, _ := out["manage_url"].(string)
	parsed, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return parsed.Query().Get("token")
}

func (s *soak) holdAndBook(api *loadgen.API) {
	p := s.randomPlace()
	ans, ok := s.send("hold", api, http.MethodPost, s.sessionPath(p.session)+"/holds", map[string]any{"mode": p.mode}, "")
	if !ok || ans.Status != http.StatusCreated {
		s.full(ans, p)
		return
	}
	hold, _ := ans.JSON()["hold_id"].(string)
	// The person types their details, and sends them to whichever
	// instance the balancer picks.
	time.Sleep(time.Duration(200+rand.IntN(800)) * time.Millisecond)
	person := loadgen.Person("soak", s.person.Add(1))
	if ans, ok = s.send("book with hold", s.api(), http.MethodPost, "/api/v1/holds/"+hold+"/booking", person, ""); ok && ans.Status == http.StatusCreated {
		s.madeBooking(ans, p)
		s.count("booked with a hold")
	}
}

func (s *soak) bookDirect(api *loadgen.API) {
	p := s.randomPlace()
	body := loadgen.Person("soak", s.person.Add(1))
	body["mode"] = p.mode
	ans, ok := s.send("book", api, http.MethodPost, s.sessionPath(p.session)+"/bookings", body, "")
	switch {
	case ok && ans.Status == http.StatusCreated:
		s.madeBooking(ans, p)
		s.count("booked in one call")
	case ok:
		s.full(ans, p)
	}
}

// full: one in three people told there is no place join the waiting
// list (more, and every place freed goes to the list: nobody else books).
func (s *soak) full(ans loadgen.Answer, p place) {
	if ans.Status != http.StatusConflict || rand.IntN(3) != 0 {
		return
	}
	body := loadgen.Person("soak", s.person.Add(1))
	body["mode"] = p.mode
	ans, ok := s.send("join waiting list", s.api(), http.MethodPost, s.sessionPath(p.session)+"/waitlist", body, "")
	if !ok || ans.Status != http.StatusCreated {
		return
	}
	out := ans.JSON()
	ref, _ := out["reference"].(string)
	s.mu.Lock()
	s.waiting[p] = append(s.waiting[p], &entry{ref: ref, token: tokenOf(out)})
	s.done["joined a waiting list"]++
	s.mu.Unlock()
}

func (s *soak) holdAndRelease(api *loadgen.API) {
	p := s.randomPlace()
	ans, ok := s.send("hold", api, http.MethodPost, s.sessionPath(p.session)+"/holds", map[string]any{"mode": p.mode}, "")
	if !ok || ans.Status != http.StatusCreated {
		return
	}
	hold, _ := ans.JSON()["hold_id"].(string)
	time.Sleep(time.Duration(200+rand.IntN(800)) * time.Millisecond)
	if ans, ok := s.send("give up a hold", s.api(), http.MethodDelete, "/api/v1/holds/"+hold, nil, ""); ok && ans.Status == http.StatusNoContent {
		s.count("gave up a hold")
	}
}

// holdAndLeave holds a place and never comes back: the hold lapses.
func (s *soak) holdAndLeave(api *loadgen.API) {
	p := s.randomPlace()
	if ans, ok := s.send("hold", api, http.MethodPost, s.sessionPath(p.session)+"/holds", map[string]any{"mode": p.mode}, ""); ok && ans.Status == http.StatusCreated {
		s.count("left a hold to lapse")
	}
}

// take takes a live booking no other action is using, or nil.
func (s *soak) take() *booked {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.idle) > 0 {
		i := rand.IntN(len(s.idle))
		b := s.bookings[s.idle[i]]
		s.idle[i] = s.idle[len(s.idle)-1]
		s.idle = s.idle[:len(s.idle)-1]
		if !b.cancelled && !b.unsure {
			return b
		}
	}
	return nil
}

// give hands the booking back, changed by apply when the answer said so.
func (s *soak) give(b *booked, answered bool, apply func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !answered {
		b.unsure = true
		return
	}
	if apply != nil {
		apply()
	}
	if !b.cancelled {
		s.idle = append(s.idle, b.ref)
	}
}

func (s *soak) cancel(api *loadgen.API) {
	b := s.take()
	if b == nil {
		return
	}
	ans, ok := s.send("cancel", api, http.MethodDelete, "/api/v1/bookings/"+b.ref, nil, b.token)
	s.give(b, ok, func() {
		if ans.Status == http.StatusOK {
			b.cancelled = true
			s.done["cancelled"]++
		}
	})
}

// switchMode moves a booking to the other way of taking part, on the
// manage pages (there is no API for it).
func (s *soak) switchMode(api *loadgen.API) {
	b := s.take()
	if b == nil {
		return
	}
	to := "online"
	if b.mode == "online" {
		to = "in_person"
	}
	ans, ok := s.send("switch", api, http.MethodPost, "/bookings/"+b.ref+"/switch",
		url.Values{"token": {b.token}, "mode": {to}}, "")
	s.give(b, ok, func() {
		if ans.Status == http.StatusSeeOther {
			b.mode = to
			s.done["switched"]++
		}
	})
}

// move moves a booking to another session of the workshop, on the pages.
func (s *soak) move(api *loadgen.API) {
	b := s.take()
	if b == nil {
		return
	}
	to := s.randomPlace()
	for to.session == b.session {
		to = s.randomPlace()
	}
	ans, ok := s.send("move", api, http.MethodPost, "/bookings/"+b.ref+"/move",
		url.Values{"token": {b.token}, "session": {fmt.Sprintf("%d:%s", to.session, to.mode)}}, "")
	s.give(b, ok, func() {
		if ans.Status == http.StatusSeeOther {
			b.session, b.mode = to.session, to.mode
			s.done["moved to another session"]++
		}
	})
}

func (s *soak) read(api *loadgen.API) {
	id := s.sessions[rand.IntN(len(s.sessions))]
	if rand.IntN(2) == 0 {
		s.send("read a session", api, http.MethodGet, s.sessionPath(id), nil, "")
	} else {
		s.send("session page", api, http.MethodGet, "/sessions/"+strconv.FormatInt(id, 10), nil, "")
	}
}

func (s *soak) managePage(api *loadgen.API) {
	b := s.take()
	if b == nil {
		return
	}
	_, ok := s.send("manage page", api, http.MethodGet, "/bookings/"+b.ref+"?token="+url.QueryEscape(b.token), nil, "")
	s.give(b, ok, nil)
}

// acceptOffers asks after the first two in line of every waiting list
// and accepts a place offered, or declines it.
func (s *soak) acceptOffers() {
	s.mu.Lock()
	var ask []struct {
		p place
		e *entry
	}
	for p, q := range s.waiting {
		for _, e := range q[:min(2, len(q))] {
			ask = append(ask, struct {
				p place
				e *entry
			}{p, e})
		}
	}
	s.mu.Unlock()
	for _, a := range ask {
		api := s.api()
		ans, ok := s.send("waiting-list place", api, http.MethodGet, "/api/v1/waitlist/"+a.e.ref, nil, a.e.token)
		if !ok || ans.Status != http.StatusOK {
			continue
		}
		switch ans.JSON()["status"] {
		case "waiting":
			continue
		case "offered":
			// One in four says no: the place goes to the next in line.
			if rand.IntN(4) == 0 {
				dec, ok := s.send("decline an offer", api, http.MethodPost, "/api/v1/waitlist/"+a.e.ref+"/decline", nil, a.e.token)
				if !ok || dec.Status != http.StatusOK {
					continue
				}
				s.count("declined an offer")
				break
			}
			acc, ok := s.send("accept an offer", api, http.MethodPost, "/api/v1/waitlist/"+a.e.ref+"/accept", nil, a.e.token)
			if !ok || acc.Status != http.StatusCreated {
				continue
			}
			s.madeBooking(acc, a.p)
			s.count("accepted an offer")
		}
		s.mu.Lock()
		s.waiting[a.p] = slices.DeleteFunc(s.waiting[a.p], func(e *entry) bool { return e == a.e })
		s.mu.Unlock()
	}
}

// organiser moves a session an hour later or earlier (keeping within a
// few hours of where it began), or adds a place in each way of taking
// part; everyone booked is emailed the change.
func (s *soak) organiser() {
	i := rand.IntN(len(s.sessions))
	id := s.sessions[i]
	var body map[string]any
	if rand.IntN(3) == 0 {
		sess, ok := s.send("organiser reads", s.apis[0], http.MethodGet, s.sessionPath(id), nil, "")
		if !ok || sess.Status != http.StatusOK {
			return
		}
		m, _ := sess.JSON()["modes"].(map[string]any)
		capacity := map[string]any{}
		for _, mode := range modes {
			mm, _ := m[mode].(map[string]any)
			c, _ := mm["capacity"].(float64)
			capacity[mode] = int(c) + 1
		}
		body = map[string]any{"capacity": capacity}
	} else {
		// Between three and four days on, so never into the reminders.
		start := time.Now().Add(72 * time.Hour).Truncate(time.Hour).Add(time.Duration(rand.IntN(24)) * time.Hour)
		body = map[string]any{"starts_at": start.UTC().Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).UTC().Format(time.RFC3339)}
	}
	api := s.api()
	ans, ok := s.send("organiser changes a session", api, http.MethodPatch, "/api/v1/admin/sessions/"+strconv.FormatInt(id, 10), body, api.AdminToken)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ans.Status != http.StatusOK {
		// Nothing the organiser asks here may be refused.
		s.bad = append(s.bad, fmt.Sprintf("PATCH session %d: %d (request %s) %.300s", id, ans.Status, ans.RequestID, ans.Body))
		return
	}
	if _, moved := body["starts_at"]; moved {
		s.done["organiser moved a session"]++
	} else {
		s.done["organiser added places"]++
	}
}

func (s *soak) report(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintln(w, "\nanswers:")
	for _, op := range slices.Sorted(maps.Keys(s.answers)) {
		fmt.Fprintf(w, "  %-28s %v\n", op, s.answers[op])
	}
	fmt.Fprintln(w, "done:")
	for _, what := range slices.Sorted(maps.Keys(s.done)) {
		fmt.Fprintf(w, "  %-28s %d\n", what, s.done[what])
	}
	if s.skipped > 0 {
		fmt.Fprintf(w, "  actions not started, %d under way already: %d\n", maxUnderWay, s.skipped)
	}
}
