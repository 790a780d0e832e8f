package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/coventry/workshops/booking/postgres"
	"github.com/coventry/workshops/internal/loadgen"
	"github.com/coventry/workshops/internal/rediscluster"
)

// checker looks at the service's state once the traffic has stopped.
type checker struct {
	db    *pgxpool.Pool
	redis *redis.ClusterClient
	sink  *loadgen.Sink
	last  figures // of the last check, for the report
}

type figures struct {
	places, capacity, booked, offered int
	mirrors, noMirror                 int
	outbox, skipped                   int
	received, distinct, copies        int
	answered201, waitlistJoins        int
}

func newChecker(ctx context.Context, dbURL string, cluster *rediscluster.Cluster, sink *loadgen.Sink) (*checker, error) {
	db, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	return &checker{db: db, redis: cluster.Client(), sink: sink}, nil
}

func (c *checker) close() {
	c.db.Close()
	_ = c.redis.Close()
}

// check returns every problem it finds, each on one line.
func (c *checker) check(ctx context.Context, s *soak) []string {
	c.last = figures{}
	var problems []string
	for _, f := range []func(context.Context, *soak) ([]string, error){c.places, c.mirrors, c.emails, c.bookings} {
		p, err := f(ctx, s)
		if err != nil {
			p = append(p, "the check could not run: "+err.Error())
		}
		problems = append(problems, p...)
	}
	s.mu.Lock()
	problems = append(problems, s.bad...)
	s.mu.Unlock()
	return problems
}

// places: no session and way of taking part has more taken than it has,
// and its counts are those of its bookings and offers (a walk-in over
// capacity holds no place: postgres.CountedPlace).
func (c *checker) places(ctx context.Context, _ *soak) ([]string, error) {
	rows, err := c.db.Query(ctx, `
		SELECT c.session_id, c.mode, c.capacity, c.booked, c.offered,
		       (SELECT count(*) FROM bookings b
		        WHERE b.session_id = c.session_id AND b.mode = c.mode AND `+postgres.CountedPlace+`),
		       (SELECT count(*) FROM waitlist_entries w
		        WHERE w.session_id = c.session_id AND w.mode = c.mode AND w.status = 'offered')
		FROM session_capacity c ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var (
			session                                int64
			mode                                   string
			capacity, booked, offered, live, offer int
		)
		if err := rows.Scan(&session, &mode, &capacity, &booked, &offered, &live, &offer); err != nil {
			return nil, err
		}
		c.last.places++
		c.last.capacity += capacity
		c.last.booked += live
		c.last.offered += offer
		if live+offer > capacity {
			problems = append(problems, fmt.Sprintf("session %d %s: %d booked and %d offered, of %d places", session, mode, live, offer, capacity))
		}
		if booked != live || offered != offer {
			problems = append(problems, fmt.Sprintf("session %d %s: counts say %d booked and %d offered, the rows %d and %d", session, mode, booked, offered, live, offer))
		}
	}
	return problems, rows.Err()
}

// mirrors: what Redis keeps of each session's places is what Postgres has.
func (c *checker) mirrors(ctx context.Context, _ *soak) ([]string, error) {
	rows, err := c.db.Query(ctx, `SELECT session_id, mode, capacity, booked + offered FROM session_capacity ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	type want struct {
		session         int64
		mode            string
		capacity, taken int
	}
	var all []want
	for rows.Next() {
		var w want
		if err := rows.Scan(&w.session, &w.mode, &w.capacity, &w.taken); err != nil {
			rows.Close()
			return nil, err
		}
		all = append(all, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var problems []string
	for _, w := range all {
		key := fmt.Sprintf("{s:%d}:%s", w.session, w.mode)
		got, err := c.redis.HMGet(ctx, key, "capacity", "taken").Result()
		if err != nil {
			return problems, fmt.Errorf("redis %s: %w", key, err)
		}
		if got[0] == nil && got[1] == nil {
			// None yet or expired: the next hold loads it from Postgres.
			c.last.noMirror++
			continue
		}
		c.last.mirrors++
		if fmt.Sprint(got[0]) != fmt.Sprint(w.capacity) || fmt.Sprint(got[1]) != fmt.Sprint(w.taken) {
			problems = append(problems, fmt.Sprintf("session %d %s: Redis says %v places, %v taken; Postgres %d, %d",
				w.session, w.mode, got[0], got[1], w.capacity, w.taken))
		}
	}
	return problems, nil
}

// emails: every email in the outbox was sent and arrived once (or was
// skipped, out of date before it went, and never arrived), and nothing
// else arrived.
func (c *checker) emails(ctx context.Context, _ *soak) ([]string, error) {
	rows, err := c.db.Query(ctx, `SELECT message_id, status FROM outbox`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	received := c.sink.ByMessageID()
	c.last.received, c.last.distinct = c.sink.Total(), len(received)
	queued := map[string]bool{}
	var problems []string
	unsent := 0
	for rows.Next() {
		var id, status string
		if err := rows.Scan(&id, &status); err != nil {
			return nil, err
		}
		c.last.outbox++
		queued[id] = true
		n := received["<"+id+">"]
		switch {
		case status == "skipped" && n == 0:
			// Out of date before it went (an offer accepted first): the
			// worker leaves it unsent on purpose.
			c.last.skipped++
		case status == "skipped":
			problems = append(problems, fmt.Sprintf("email %s: skipped, and arrived %d times", id, n))
		case status != "sent":
			unsent++
		case n == 0:
			problems = append(problems, fmt.Sprintf("email %s: sent, never arrived", id))
		case n > 1:
			c.last.copies += n - 1
			problems = append(problems, fmt.Sprintf("email %s: arrived %d times", id, n))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if unsent > 0 {
		problems = append(problems, fmt.Sprintf("%d emails in the outbox not sent", unsent))
	}
	for id := range received {
		if !queued[strings.Trim(id, "<>")] {
			problems = append(problems, fmt.Sprintf("email %s arrived, and is not in the outbox", id))
		}
	}
	return problems, nil
}

// bookings: every booking answered 201 is in Postgres, in the session,
// way of taking part and state its last answer left it; every waiting-list
// place answered 201 is there too.
func (c *checker) bookings(ctx context.Context, s *soak) ([]string, error) {
	type row struct {
		session int64
		mode    string
		live    bool
	}
	have := map[string]row{}
	rows, err := c.db.Query(ctx, `SELECT reference, session_id, mode, status <> 'cancelled' FROM bookings`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var ref string
		var r row
		if err := rows.Scan(&ref, &r.session, &r.mode, &r.live); err != nil {
			rows.Close()
			return nil, err
		}
		have[ref] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	entries := map[string]bool{}
	rows, err = c.db.Query(ctx, `SELECT reference FROM waitlist_entries`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var ref string
		if err := rows.Scan(&ref); err != nil {
			rows.Close()
			return nil, err
		}
		entries[ref] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var problems []string
	for ref, b := range s.bookings {
		c.last.answered201++
		r, ok := have[ref]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("booking %s: answered 201, not in Postgres", ref))
		case b.unsure:
		case r.live == b.cancelled || r.session != b.session || r.mode != b.mode:
			problems = append(problems, fmt.Sprintf("booking %s: answers left it session %d %s cancelled %t; Postgres has %d %s cancelled %t",
				ref, b.session, b.mode, b.cancelled, r.session, r.mode, !r.live))
		}
	}
	for _, q := range s.waiting {
		for _, e := range q {
			c.last.waitlistJoins++
			if !entries[e.ref] {
				problems = append(problems, fmt.Sprintf("waiting-list place %s: answered 201, not in Postgres", e.ref))
			}
		}
	}
	return problems, nil
}

func (c *checker) report(w io.Writer) {
	f := c.last
	fmt.Fprintln(w, "once quiet:")
	fmt.Fprintf(w, "  places: %d sessions × ways of taking part, %d places, %d booked, %d offered\n", f.places, f.capacity, f.booked, f.offered)
	fmt.Fprintf(w, "  Redis mirrors compared with Postgres: %d (%d not in Redis)\n", f.mirrors, f.noMirror)
	fmt.Fprintf(w, "  emails: %d in the outbox, %d of them out of date before they went (skipped); received %d, %d distinct Message-IDs, %d extra copies\n",
		f.outbox, f.skipped, f.received, f.distinct, f.copies)
	fmt.Fprintf(w, "  bookings answered 201 and checked in Postgres: %d; waiting-list places still waiting checked: %d\n", f.answered201, f.waitlistJoins)
}
