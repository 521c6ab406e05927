// Package fault is rcmbot's one user-facing error type. An *Error carries
// a Code that says what kind of failure it is (the web app maps it to an
// HTTP status, the CLI to an exit status) and a Message written for the
// member of staff who caused or can fix it: which file, row, column or
// claim, and what to do. Messages never carry patient data (names, dates
// of birth, member IDs, addresses) or the offending value itself: they
// reach logs, Temporal failures and screens.
//
// Errors without a Code are internal: their text is logged, never shown.
// This follows the shape of Ben Johnson's wtf.Error.
package fault

import (
	"errors"
	"fmt"
)

// Code classifies an Error.
type Code string

// The codes. Each says what the person who sees the error can do about it.
const (
	// Invalid: the request, file or value is wrong; the message says what to fix.
	Invalid Code = "invalid"
	// NotFound: the batch, claim, request or other record does not exist.
	NotFound Code = "not_found"
	// Conflict: the record exists but its state does not allow this now
	// (a batch no longer awaiting review, a slot already taken).
	Conflict Code = "conflict"
	// Unauthorized: the caller is not signed in or its credentials are bad.
	Unauthorized Code = "unauthorized"
	// Forbidden: the caller is signed in but its role does not allow this.
	Forbidden Code = "forbidden"
	// Unavailable: a dependency (the database, Temporal, a payer) is not
	// answering; the same request may succeed later.
	Unavailable Code = "unavailable"
	// Internal: anything else; the message is generic and the cause logged.
	Internal Code = "internal"
)

// internalMessage is what staff see for an error that is not theirs to fix.
const internalMessage = "Something went wrong inside rcmbot; the error has been logged. Try again, or ask an administrator."

// Error is an error meant for staff.
type Error struct {
	Code    Code
	Message string
	// Err is the underlying cause, for logs and errors.Is/As; it is not
	// shown to staff.
	Err error
}

// Error returns the message, followed by the cause when there is one.
func (e *Error) Error() string {
	if e.Err == nil {
		return e.Message
	}
	return e.Message + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an Error with a formatted message and cause err.
func Wrap(err error, code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// CodeOf returns the Code of the first *Error in err's chain: "" for nil,
// Internal for an error without one.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return e.Code
	}
	return Internal
}

// MessageOf returns what staff may be shown for err: the Message of the
// first *Error in its chain, or a generic sentence for internal errors.
func MessageOf(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != "" && e.Code != Internal {
		return e.Message
	}
	return internalMessage
}

// Is reports whether err's Code is code.
func Is(err error, code Code) bool { return CodeOf(err) == code }
