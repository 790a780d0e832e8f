package web

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/coventry/workshops/booking"
)

// Per-client limits on the requests that take places. They are generous:
// a whole office or a library's public computers may share one address, and
// one person booking makes only a few of these requests. Counts live in
// Redis so every instance shares them.
// The route table (routes.go) names each route's limit.
var rateLimits = map[string]redis_rate.Limit{
	holdLimit:     {Rate: 30, Burst: 30, Period: time.Minute},
	bookingLimit:  {Rate: 20, Burst: 20, Period: time.Minute},
	waitlistLimit: {Rate: 10, Burst: 10, Period: time.Minute},
	// Each sends a confirmation email; a person registers once.
	interestLimit: {Rate: 5, Burst: 5, Period: time.Minute},
	// Emailed tokens are 256 random bits, so this slows the probing of
	// references more than the guessing of tokens; a person managing a
	// booking makes a handful of these requests.
	tokenLimit: {Rate: 30, Burst: 30, Period: time.Minute},
	// Each sends emails: a person who lost theirs asks once or twice.
	linkLimit: {Rate: 5, Burst: 5, Period: time.Minute},
	// A young person sends one poster, a school class a few dozen from one
	// address; each costs a decode.
	entryLimit: {Rate: 60, Burst: 30, Period: time.Hour},
	// A person answers a survey once; a household or an office sharing
	// an address a few times (survey responses, pages and API alike).
	surveyLimit: {Rate: 10, Burst: 10, Period: time.Minute},
	// Per address, whoever asks (pages_booking_link.go).
	linkAddressLimit: {Rate: 3, Burst: 3, Period: 10 * time.Minute},
	// Counted only when a bearer token is not the admin token (auth.go).
	adminAuthLimit: {Rate: 10, Burst: 10, Period: time.Minute},
}

// rateLimiter counts requests per client in Redis. When Redis fails it lets
// requests through (a limit is protection, not correctness) and stops
// asking for a few seconds, so a dead Redis costs one timeout, not one per
// request.
type rateLimiter struct {
	limiter   *redis_rate.Limiter
	skipUntil atomic.Int64 // unix nanoseconds
}

const rateLimiterPause = 5 * time.Second

// allow counts one request of kind from client and reports whether it may
// go on, and if not, how long to wait.
func (l *rateLimiter) allow(ctx context.Context, kind, client string) (bool, time.Duration, error) {
	return l.take(ctx, kind, client, 1)
}

// left reports, without counting anything, whether client may make one
// more request of kind, and if not, how long to wait.
func (l *rateLimiter) left(ctx context.Context, kind, client string) (bool, time.Duration, error) {
	return l.take(ctx, kind, client, 0)
}

func (l *rateLimiter) take(ctx context.Context, kind, client string, n int) (bool, time.Duration, error) {
	limit, ok := rateLimits[kind]
	if !ok || l == nil {
		return true, 0, nil
	}
	if time.Now().UnixNano() < l.skipUntil.Load() {
		return true, 0, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	res, err := l.limiter.AllowN(ctx, kind+":"+client, limit, n)
	if err != nil {
		l.skipUntil.Store(time.Now().Add(rateLimiterPause).UnixNano())
		return true, 0, err
	}
	if n == 0 {
		// Looking costs nothing and is always "allowed": what is left says.
		if res.Remaining >= 1 {
			return true, 0, nil
		}
		return false, max(res.RetryAfter, limit.Period/time.Duration(limit.Rate)), nil
	}
	return res.Allowed > 0, res.RetryAfter, nil
}

// limitOf is the middleware that holds each client to the limit kind.
func (s *Server) limitOf(kind string) gin.HandlerFunc {
	if _, ok := rateLimits[kind]; !ok {
		panic("web: no rate limit " + kind) // a typo in the route table
	}
	return func(c *gin.Context) {
		if !s.within(c, kind, c.ClientIP()) {
			s.fail(c, errTooMany)
		}
	}
}

// within counts one request of kind against key (a client, or what a
// handler limits on its own, such as an address) and reports whether it
// may go on; if not, the answer says when it may.
func (s *Server) within(c *gin.Context, kind, key string) bool {
	if s.limiter == nil {
		return true
	}
	ok, wait, err := s.limiter.allow(c.Request.Context(), kind, key)
	s.limitUnknown(c, err)
	if !ok {
		retryAfter(c, wait)
	}
	return ok
}

// authAttemptsLeft says whether the client may try another admin token;
// if not, the answer says when it may.
func (s *Server) authAttemptsLeft(c *gin.Context) bool {
	if s.limiter == nil {
		return true
	}
	ok, wait, err := s.limiter.left(c.Request.Context(), adminAuthLimit, c.ClientIP())
	s.limitUnknown(c, err)
	if !ok {
		retryAfter(c, wait)
	}
	return ok
}

// authFailed counts an admin token that was wrong against the client.
func (s *Server) authFailed(c *gin.Context) {
	if s.limiter != nil {
		_, _, err := s.limiter.allow(c.Request.Context(), adminAuthLimit, c.ClientIP())
		s.limitUnknown(c, err)
	}
}

func (s *Server) limitUnknown(c *gin.Context, err error) {
	if err != nil {
		s.log.Warn("rate limits unavailable; letting requests through", "request_id", c.GetString("request_id"), "err", err)
	}
}

// retryAfter tells the client how long to wait, in whole seconds.
func retryAfter(c *gin.Context, wait time.Duration) {
	secs := int(wait.Round(time.Second) / time.Second)
	c.Header("Retry-After", strconv.Itoa(max(secs, 1)))
}

var errTooMany = booking.Errorf(booking.ERateLimited, "Too many requests from this connection. Wait a minute and try again.")

func newRateLimiter(rdb redis.UniversalClient) *rateLimiter {
	return &rateLimiter{limiter: redis_rate.NewLimiter(rdb)}
}
