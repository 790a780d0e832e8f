package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz is ready while Postgres answers. Redis down still serves bookings
// (holds degrade to signed tokens), so it is reported but not fatal. Each
// is asked with a bound of its own, so a Postgres that hangs does not make
// Redis look down too.
func (s *Server) readyz(c *gin.Context) {
	body := gin.H{"postgres": "ok", "redis": "ok"}
	status := http.StatusOK
	if err := ping(c.Request.Context(), s.deps.Postgres.Ping); err != nil {
		body["postgres"] = "down"
		status = http.StatusServiceUnavailable
		c.Header("Retry-After", outageRetryAfter)
	}
	if s.deps.Redis == nil || ping(c.Request.Context(), s.deps.Redis.Ping) != nil {
		body["redis"] = "down"
	}
	c.JSON(status, body)
}

func ping(ctx context.Context, p func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	return p(ctx)
}
