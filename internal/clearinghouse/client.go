// Package clearinghouse submits 837P interchanges to the clearinghouse and
// fetches their acknowledgements: the 999 that answers a submission, and
// the 277CA that says, claim by claim, whether the claims were accepted.
//
// The API (the clearinghouse simulator in package sim speaks it):
//
//	POST {url}/claims/837                  body: the 837P; header Idempotency-Key (required)
//	                                       200 → 999 (application/edi-x12), X-Interchange-Control-Number
//	GET  {url}/claims/277ca?interchange=N  202 + Retry-After while not ready; 200 → 277CA
//
// The Idempotency-Key makes a submission safe to repeat: the same key and
// body always get the same 999, and the claims are received once. Errors
// are classified as package payer does: *payer.RetryableError (5xx, 408,
// 429, 409 "still processing", timeouts, connection failures, a 277CA not
// ready yet) and *payer.PermanentError (other 4xx, unreadable answers);
// payer.RetryAfter and payer.IsPermanent read them.
package clearinghouse

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/rcmbot/rcmbot/internal/payer"
	"github.com/rcmbot/rcmbot/internal/x12"
)

// ErrNotReady is wrapped by the RetryableError Fetch277CA returns while the
// clearinghouse has not produced the 277CA yet.
var ErrNotReady = errors.New("277CA not ready yet")

// Options configure a Client.
type Options struct {
	// URL is the clearinghouse's base URL (RCMBOT_CLEARINGHOUSE_URL).
	URL string
	// Timeout bounds each request (default 60 s: a large 837 takes time).
	Timeout time.Duration
	// Transport replaces the HTTP transport (tests).
	Transport http.RoundTripper
}

// Client talks to one clearinghouse.
type Client struct {
	base    string
	timeout time.Duration
	http    *resty.Client
}

// maxAnswer bounds a 999 or 277CA.
const maxAnswer = 64 << 20

// New returns a Client.
func New(opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Minute
	}
	return &Client{base: strings.TrimRight(opts.URL, "/"), timeout: opts.Timeout, http: payer.NewHTTP(opts.Transport, maxAnswer)}
}

// Ack999 is the clearinghouse's answer to a submission.
type Ack999 struct {
	// Interchange is the ISA13 of the submitted 837, as the clearinghouse
	// echoed it: the key for Fetch277CA.
	Interchange string
	// Raw is the 999 as received, for audit.
	Raw []byte
	// Doc is the parsed 999: one acknowledgement per functional group.
	Doc *x12.Document999
}

// Accepted reports whether every transaction set was accepted (999 IK5 A
// or E, accepted with errors).
func (a *Ack999) Accepted() bool {
	if a.Doc == nil || len(a.Doc.Acks) == 0 {
		return false
	}
	for _, g := range a.Doc.Acks {
		for _, t := range g.Transactions {
			if t.Status != "A" && t.Status != "E" {
				return false
			}
		}
		if g.Status != "A" && g.Status != "E" {
			return false
		}
	}
	return true
}

// GroupRejected reports whether the 999 rejected a functional group as a
// whole (AK901 R, M, W or X): every transaction set in it is rejected,
// whether or not an IK5 names it.
func (a *Ack999) GroupRejected() bool {
	if a.Doc == nil {
		return false
	}
	for _, g := range a.Doc.Acks {
		switch g.Status {
		case x12.AckAccepted, x12.AckAcceptedWithError, x12.AckPartial:
		default:
			return true
		}
	}
	return false
}

// RejectedSets returns the ST02 control numbers of the transaction sets the
// 999 rejected (their claims were not received).
func (a *Ack999) RejectedSets() []string {
	var out []string
	if a.Doc == nil {
		return nil
	}
	for _, g := range a.Doc.Acks {
		for _, t := range g.Transactions {
			if t.Status != "A" && t.Status != "E" {
				out = append(out, t.Control)
			}
		}
	}
	return out
}

// Ack277CA is a claim acknowledgement report.
type Ack277CA struct {
	Interchange string
	Raw         []byte
	Doc         *x12.Document277CA
}

// Submit posts an 837P interchange under idempotencyKey. Use one key per
// interchange, persisted before the first attempt, and send the same
// bytes on every retry: the clearinghouse then receives the claims once
// however often the call is repeated.
func (c *Client) Submit(ctx context.Context, idempotencyKey string, doc []byte) (*Ack999, error) {
	if idempotencyKey == "" {
		return nil, &payer.PermanentError{Reason: "clearinghouse submit: an idempotency key is required"}
	}
	resp, err := c.do(ctx, "submit", func(r *resty.Request) (*resty.Response, error) {
		return r.SetHeader("Idempotency-Key", idempotencyKey).
			SetHeader("Content-Type", payer.ContentTypeX12).
			SetBody(doc).
			Post(c.base + "/claims/837")
	})
	if err != nil {
		return nil, err
	}
	ack := &Ack999{Interchange: resp.Header().Get("X-Interchange-Control-Number"), Raw: resp.Body()}
	if ack.Doc, err = x12.Parse999(ack.Raw); err != nil && ack.Doc == nil {
		return nil, &payer.PermanentError{Status: resp.StatusCode(), Reason: "clearinghouse submit: the answer is not a readable 999", Err: err}
	}
	if ack.Interchange == "" {
		if h, err := x12.Parse(doc); h != nil {
			ack.Interchange = h.Header.Control
		} else if err != nil {
			return nil, &payer.PermanentError{Reason: "clearinghouse submit: the submitted document has no readable ISA", Err: err}
		}
	}
	return ack, nil
}

// Fetch277CA asks for the 277CA of the interchange with control number
// icn. Before the clearinghouse has it, the error is a RetryableError
// wrapping ErrNotReady, with the clearinghouse's Retry-After.
func (c *Client) Fetch277CA(ctx context.Context, icn string) (*Ack277CA, error) {
	resp, err := c.do(ctx, "fetch 277CA", func(r *resty.Request) (*resty.Response, error) {
		return r.SetQueryParam("interchange", icn).SetHeader("Accept", payer.ContentTypeX12).Get(c.base + "/claims/277ca")
	})
	if err != nil {
		return nil, err
	}
	if resp.StatusCode() == http.StatusAccepted {
		return nil, &payer.RetryableError{Status: http.StatusAccepted, After: payer.ParseRetryAfter(resp.Header().Get("Retry-After"), time.Now()),
			Reason: "clearinghouse: 277CA for interchange " + icn + " not ready yet", Err: ErrNotReady}
	}
	ack := &Ack277CA{Interchange: icn, Raw: resp.Body()}
	if ack.Doc, err = x12.Parse277CA(ack.Raw); err != nil && ack.Doc == nil {
		return nil, &payer.PermanentError{Status: resp.StatusCode(), Reason: "clearinghouse: the answer is not a readable 277CA", Err: err}
	}
	return ack, nil
}

// do sends one request with the client's timeout and classifies failures.
func (c *Client) do(ctx context.Context, what string, send func(*resty.Request) (*resty.Response, error)) (*resty.Response, error) {
	if c.base == "" {
		return nil, &payer.PermanentError{Reason: "clearinghouse " + what + ": no clearinghouse URL is configured"}
	}
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := send(c.http.R().SetContext(actx))
	if err != nil {
		return nil, payer.TransportError(ctx, actx, err, "clearinghouse "+what, c.timeout)
	}
	status := resp.StatusCode()
	if status == http.StatusConflict && resp.Header().Get("Retry-After") != "" {
		// The same key is still being processed: ask again shortly.
		return nil, &payer.RetryableError{Status: status, After: payer.ParseRetryAfter(resp.Header().Get("Retry-After"), time.Now()),
			Reason: "clearinghouse " + what + ": the submission is still being processed"}
	}
	if err := payer.Classify(status, resp.Header().Get("Retry-After"), time.Now(), "clearinghouse "+what); err != nil {
		if pe := (*payer.PermanentError)(nil); errors.As(err, &pe) {
			pe.Reason += ": " + payer.OneLine(resp.Body())
		}
		return nil, err
	}
	return resp, nil
}
