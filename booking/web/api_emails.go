package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/notify/outbox"
)

// EmailOutbox is what admins see of emails the sender gave up on.
type EmailOutbox interface {
	Failures(ctx context.Context, limit int) ([]outbox.Failure, error)
	Retry(ctx context.Context, id int64) error
}

// Admins see failed emails and send them again once the cause is mended.

func (s *Server) adminFailedEmails(c *gin.Context) error {
	if s.deps.Outbox == nil {
		return booking.Errorf(booking.EUnavailable, "Emails are not sent by this instance.")
	}
	limit := 100
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return booking.FieldErrors(map[string]string{"limit": "Give a limit from 1 to 1000"})
		}
		limit = n
	}
	failed, err := s.deps.Outbox.Failures(c.Request.Context(), limit)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"failed": failed})
	return nil
}

func (s *Server) adminRetryEmail(c *gin.Context) error {
	if s.deps.Outbox == nil {
		return booking.Errorf(booking.EUnavailable, "Emails are not sent by this instance.")
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return booking.Errorf(booking.ENotFound, "There is no such email.")
	}
	if err := s.deps.Outbox.Retry(c.Request.Context(), id); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"id": id, "status": "pending"})
	return nil
}
