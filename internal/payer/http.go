package payer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
)

// NewHTTP returns the resty client every partner client of rcmbot uses
// (payers, the clearinghouse, suppliers): over tr (nil: NewTransport),
// silent (resty's own log lines can quote URLs and bodies, which carry
// PHI), and refusing answers larger than limit bytes.
func NewHTTP(tr http.RoundTripper, limit int) *resty.Client {
	if tr == nil {
		tr = NewTransport()
	}
	return resty.NewWithClient(&http.Client{Transport: tr}).SetLogger(quietLogger{}).SetResponseBodyLimit(limit)
}

// NewTransport returns an HTTP transport that keeps enough idle
// connections per host for a payer's whole concurrency (the standard
// library keeps 2, which would reconnect on almost every request).
func NewTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 512
	tr.MaxIdleConnsPerHost = 256
	tr.IdleConnTimeout = 90 * time.Second
	return tr
}

// quietLogger drops resty's own log lines.
type quietLogger struct{}

func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}

// TransportError classifies a request that got no HTTP response: ctx is
// the caller's context, actx the per-request one whose deadline is
// timeout. The caller's own cancellation is returned as is; an answer over
// the client's size limit is permanent; everything else (the per-request
// timeout, refused or reset connections) is retryable. what names the
// request ("clearinghouse submit") and carries no patient data.
func TransportError(ctx, actx context.Context, err error, what string, timeout time.Duration) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(actx.Err(), context.DeadlineExceeded) {
		return &RetryableError{Reason: fmt.Sprintf("%s: no answer within %s", what, timeout), Err: context.DeadlineExceeded}
	}
	if errors.Is(err, resty.ErrResponseBodyTooLarge) {
		return &PermanentError{Reason: what + ": answer too large", Err: err}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &RetryableError{Reason: what + ": network timeout", Err: err}
	}
	return &RetryableError{Reason: what + ": connection failed", Err: err}
}

// OneLine returns a partner's text answer on one line (line breaks become
// "; "), at most 300 bytes: the reason quoted in a PermanentError. Partners
// answer with control numbers and positions, never patient data.
func OneLine(b []byte) string {
	s := strings.Join(strings.Fields(strings.ReplaceAll(string(b), "\n", "; ")), " ")
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}
