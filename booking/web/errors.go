package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// statusOf is the one table from error code to HTTP status.
var statusOf = map[booking.Code]int{
	booking.EInvalid:      http.StatusUnprocessableEntity,
	booking.ETooLarge:     http.StatusRequestEntityTooLarge,
	booking.ENotFound:     http.StatusNotFound,
	booking.EFull:         http.StatusConflict,
	booking.EDuplicate:    http.StatusConflict,
	booking.EConflict:     http.StatusConflict,
	booking.EHoldExpired:  http.StatusGone,
	booking.EUnauthorized: http.StatusUnauthorized,
	booking.EForbidden:    http.StatusForbidden,
	booking.ERateLimited:  http.StatusTooManyRequests,
	booking.EUnavailable:  http.StatusServiceUnavailable,
	booking.EInternal:     http.StatusInternalServerError,
}

// errNotJSON is a body that does not parse: the one invalid input that is a 400.
var errNotJSON = booking.Errorf(booking.EInvalid, "The request body must be a JSON object.")

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// fail is the one place an error becomes an answer: the error page for
// page routes (pages_errors.go), the contract's error shape for the rest.
// answer decides the status and logs.
func (s *Server) fail(c *gin.Context, err error) {
	code, status, err := s.answer(c, err)
	if isPage(c) {
		s.renderError(c, status, pageMessage(err, code))
		return
	}
	if errors.Is(err, errNotJSON) {
		status = http.StatusBadRequest
	}
	s.writeError(c, status, string(code), booking.ErrorMessage(err), booking.ErrorFields(err))
}

// outageRetryAfter is how many seconds a 503 asks clients to wait:
// Postgres restarting or failing over is usually back within it.
const outageRetryAfter = "30"

// errOutage is what people are told when Postgres cannot be reached.
var errOutage = booking.Errorf(booking.EUnavailable, "Sorry, the service is unavailable. Try again in a few minutes.")

// answer decides how err is answered, for the API and pages alike: its
// code and status. A failure to reach Postgres, or a request that ran past
// its deadline, becomes EUnavailable (503 with Retry-After): an outage, not
// a fault of ours. Internal errors are logged once, with the request id and
// without personal data; outages as a warning.
func (s *Server) answer(c *gin.Context, err error) (booking.Code, int, error) {
	code := booking.ErrorCode(err)
	if code == booking.EInternal && (errors.Is(err, context.DeadlineExceeded) || s.deps.Postgres.Unreachable(err)) {
		s.log.Warn("postgres unavailable", "request_id", c.GetString("request_id"), "route", c.FullPath(), "err", err)
		err, code = errOutage, booking.EUnavailable
	}
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status >= 500 && code != booking.EUnavailable {
		s.log.Error("request failed", "request_id", c.GetString("request_id"), "route", c.FullPath(), "err", err)
	}
	if status == http.StatusServiceUnavailable {
		c.Header("Retry-After", outageRetryAfter)
	}
	if code != booking.EInternal {
		s.metrics.refusals.WithLabelValues(string(code)).Inc()
	}
	return code, status, err
}

func (s *Server) writeError(c *gin.Context, status int, code, msg string, fields map[string]string) {
	c.AbortWithStatusJSON(status, errorBody{Error: errorDetail{Code: code, Message: msg, Fields: fields}})
}

// decode reads a JSON object body into v: 413 past the size limit, 400 for
// anything that is not JSON, 422 for text that is not UTF-8 or a field of
// the wrong type.
func decode(c *gin.Context, v any) error {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return booking.Errorf(booking.ETooLarge, "The request body is too large.")
		}
		return errNotJSON
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' || !json.Valid(body) {
		return errNotJSON
	}
	if !utf8.Valid(body) {
		return booking.Errorf(booking.EInvalid, "Text must be UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			field := typeErr.Field
			if field == "" {
				field = "body"
			}
			return booking.FieldErrors(map[string]string{field: "This field has the wrong type of value"})
		}
		return errNotJSON
	}
	return nil
}
