package web

import (
	"context"
	"net/http"
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
var rateLimits = map[string]redis_rate.Limit{
	"hold":     {Rate: 30, Burst: 30, Period: time.Minute},
	"booking":  {Rate: 20, Burst: 20, Period: time.Minute},
	"waitlist": {Rate: 10, Burst: 10, Period: time.Minute},
}

// limitedRoutes names the limit of each route (method and Gin route
// pattern) that takes a place or joins a waiting list. A new route of that
// kind is added here.
var limitedRoutes = map[string]string{
	"POST /api/v1/sessions/:id/holds":         "hold",
	"POST /api/v1/holds/:hold_id/booking":     "booking",
	"POST /api/v1/sessions/:id/bookings":      "booking",
	"POST /api/v1/sessions/:id/waitlist":      "waitlist",
	"POST /sessions/:id":                      "hold",
	"POST /holds/:hold_id/details":            "booking",
	"POST /holds/:hold_id/confirm":            "booking",
	"POST /bookings/:reference/switch":        "booking",
	"POST /sessions/:id/waitlist":             "waitlist",
	"POST /waitlist/:reference/accept":        "booking",
	"POST /api/v1/waitlist/:reference/accept": "booking",
	"POST /staff/sessions/:id":                "hold",
	"POST /staff/holds/:hold_id/details":      "booking",
	"POST /staff/holds/:hold_id/confirm":      "booking",
	"POST /staff/verify/:token":               "booking",
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

// rateLimit applies limitedRoutes to every request.
func (s *Server) rateLimit(c *gin.Context) {
	if kind, ok := limitedRoutes[c.Request.Method+" "+c.FullPath()]; ok {
		s.checkLimit(c, kind)
		if c.IsAborted() {
			return
		}
	}
	c.Next()
}

func (s *Server) checkLimit(c *gin.Context, kind string) {
	if s.limiter == nil {
		return
	}
	ok, wait, err := s.limiter.allow(c.Request.Context(), kind, c.ClientIP())
	if err != nil {
		s.log.Warn("rate limits unavailable; letting requests through", "request_id", c.GetString("request_id"), "err", err)
	}
	if ok {
		return
	}
	secs := int(wait.Round(time.Second) / time.Second)
	c.Header("Retry-After", strconv.Itoa(max(secs, 1)))
	if wantsPage(c) {
		s.metrics.refusals.WithLabelValues(string(booking.ERateLimited)).Inc()
		s.renderError(c, http.StatusTooManyRequests, "")
		return
	}
	s.fail(c, booking.Errorf(booking.ERateLimited, "Too many requests from this connection. Wait a minute and try again."))
}

func newRateLimiter(rdb redis.UniversalClient) *rateLimiter {
	return &rateLimiter{limiter: redis_rate.NewLimiter(rdb)}
}
