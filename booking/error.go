package booking

import (
	"errors"
	"fmt"
)

// Code is a kind of failure a caller can act on. The web layer maps each
// code to one HTTP status; see CONTRACT.md.
type Code string

const (
	EInvalid      Code = "invalid"
	ETooLarge     Code = "too_large"
	ENotFound     Code = "not_found"
	EFull         Code = "full"
	EDuplicate    Code = "duplicate"
	EConflict     Code = "conflict"
	EHoldExpired  Code = "hold_expired"
	EUnauthorized Code = "unauthorized"
	EForbidden    Code = "forbidden"
	ERateLimited  Code = "rate_limited"
	EUnavailable  Code = "unavailable"
	EInternal     Code = "internal"
)

// Error is a failure with a code and a message meant for the person who
// made the request. Internal errors carry the cause in Err and show a
// generic message.
type Error struct {
	Code    Code
	Message string
	// Fields names the fields at fault, with a message for each.
	Fields map[string]string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrors is an invalid-input error naming each field at fault.
func FieldErrors(fields map[string]string) *Error {
	return &Error{Code: EInvalid, Message: "Check the highlighted fields and try again.", Fields: fields}
}

// ErrorCode returns the code of err, EInternal for errors without one, and
// "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the message of err meant for people; internal errors
// get a generic message so nothing of the system leaks.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EInternal {
		return e.Message
	}
	return "Sorry, something went wrong on our side. Please try again."
}

// ErrorFields returns the field messages of err, if any.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
