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

// allow reports whether the client may make one more request of kind, and
// if not, how long to wait.
func (l *rateLimiter) allow(ctx context.Context, kind, client string) (bool, time.Duration, error) {
	limit, ok := rateLimits[kind]
	if !ok || l == nil {
		return true, 0, nil
	}
	if time.Now().UnixNano() < l.skipUntil.Load() {
		return true, 0, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	res, err := l.limiter.Allow(ctx, kind+":"+client, limit)
	if err != nil {
		l.skipUntil.Store(time.Now().Add(rateLimiterPause).UnixNano())
		return true, 0, err
	}
	return res.Allowed > 0, res.RetryAfter, nil
}

// limitOf is the middleware that holds each client to the limit kind.
func (s *Server) limitOf(kind string) gin.HandlerFunc {
	if _, ok := rateLimits[kind]; !ok {
		panic("web: no rate limit " + kind) // a typo in the route table
	}
	return func(c *gin.Context) {
		if s.limiter == nil {
			return
		}
		ok, wait, err := s.limiter.allow(c.Request.Context(), kind, c.ClientIP())
		s.limitUnknown(c, err)
		if !ok {
			retryAfter(c, wait)
			s.fail(c, errTooMany)
		}
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
