package payer

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/eligibility"
)

// RetryableError is a failure that asking again may cure: HTTP 429 and 5xx,
// 408, timeouts, connection failures, and a payer's AAA 42 ("unable to
// respond at current time"). After is how long the remote asked us to wait
// (Retry-After, or the AAA 42 delay); 0 means "use your own backoff".
type RetryableError struct {
	Status int           // HTTP status; 0 for transport failures and AAA rejections
	After  time.Duration // wait at least this long before retrying; 0 = caller's backoff
	Reason string        // what happened, without patient data
	Err    error         // underlying transport error, if any
}

func (e *RetryableError) Error() string {
	s := "retryable: " + e.Reason
	if e.After > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.After)
	}
	return s
}

func (e *RetryableError) Unwrap() error { return e.Err }

// PermanentError is a failure that asking again with the same request
// cannot cure: HTTP 4xx other than 408/429, an unreadable response, a 270
// that cannot be written, and payer rejections such as AAA 72 (invalid
// member ID) and 75 (member not found). It becomes a work item for staff.
type PermanentError struct {
	Status int    // HTTP status; 0 when the payer answered 200 with a rejection
	Reason string // what happened, without patient data
	Err    error
}

func (e *PermanentError) Error() string { return "permanent: " + e.Reason }

func (e *PermanentError) Unwrap() error { return e.Err }

// RetryAfter reports whether err is retryable and, if so, the delay the
// remote asked for (0 when it did not say).
func RetryAfter(err error) (time.Duration, bool) {
	var re *RetryableError
	if errors.As(err, &re) {
		return re.After, true
	}
	return 0, false
}

// IsPermanent reports whether err is a PermanentError.
func IsPermanent(err error) bool {
	var pe *PermanentError
	return errors.As(err, &pe)
}

// Classify turns an HTTP response status and its Retry-After header into
// a RetryableError or PermanentError; nil for 2xx. reason prefixes the
// message (e.g. "eligibility 60054") and must carry no patient data.
func Classify(status int, retryAfter string, now time.Time, reason string) error {
	switch {
	case status >= 200 && status < 300:
		return nil
	case status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500:
		return &RetryableError{Status: status, After: ParseRetryAfter(retryAfter, now),
			Reason: fmt.Sprintf("%s: HTTP %d %s", reason, status, http.StatusText(status))}
	default:
		return &PermanentError{Status: status, Reason: fmt.Sprintf("%s: HTTP %d %s", reason, status, http.StatusText(status))}
	}
}

// ParseRetryAfter reads a Retry-After header: delay-seconds or an HTTP
// date (RFC 9110 10.2.3). Unreadable or past values give 0.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// resultError is the error that goes with a payer's answer: nil for an
// active or inactive member, retryable for AAA 42/80, permanent for
// identity and other rejections.
func resultError(res *eligibility.Result, partner string, later time.Duration) error {
	switch res.Status {
	case eligibility.StatusActive, eligibility.StatusInactive:
		return nil
	case eligibility.StatusRetryLater:
		return &RetryableError{After: later, Reason: fmt.Sprintf("eligibility %s: %s", partner, res.Reason)}
	}
	return &PermanentError{Reason: fmt.Sprintf("eligibility %s: %s: %s", partner, res.Status, res.Reason)}
}
