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
// (holds degrade to signed tokens), so it is reported but not fatal.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	body := gin.H{"postgres": "ok", "redis": "ok"}
	status := http.StatusOK
	if err := s.deps.Postgres.Ping(ctx); err != nil {
		body["postgres"] = "down"
		status = http.StatusServiceUnavailable
	}
	if s.deps.Redis == nil || s.deps.Redis.Ping(ctx) != nil {
		body["redis"] = "down"
	}
	c.JSON(status, body)
}
