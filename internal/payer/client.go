// Package payer asks payers about eligibility over HTTP, in the wire format
// each payer's directory entry names: the clearinghouse JSON API (POST
// {url}/eligibility/v3) or X12 (POST {url}/x12/270 with a 270 document,
// answered by a 271). Answers become eligibility.Results.
//
// Every request goes through a Pool that holds each payer's rate limit and
// concurrency cap for the whole process. Check asks once: retrying is the
// caller's (a Temporal activity's retry policy, with the payer's
// Retry-After as the next retry delay), so there is one retry layer.
// Failures are classified for the caller: RetryableError for 429 (with Retry-After), 408, 5xx, timeouts, broken
// connections and AAA 42; PermanentError for other 4xx, unreadable answers
// and rejections such as AAA 72/75. RetryAfter and IsPermanent read them.
//
// Nothing here logs, and no error string carries a member ID, name or date
// of birth: errors name the payer and what went wrong.
package payer

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/x12"
)

// Paths of the two eligibility endpoints under a payer's base URL.
const (
	PathJSON = "/eligibility/v3"
	PathX12  = "/x12/270"
)

// ContentTypeX12 is the media type X12 documents are posted with.
const ContentTypeX12 = "application/edi-x12"

// maxResponse bounds an eligibility answer; real 271s are tens of kilobytes.
const maxResponse = 8 << 20

// Options configure a Client. Zero values take the documented defaults.
type Options struct {
	// DefaultURL is the base URL for payers whose directory entry has none.
	DefaultURL string
	// SubmitterID is the 270's ISA06/GS02 sender ID ("RCMBOT").
	SubmitterID string
	// TraceOriginator is TRN03 of each 270 inquiry: 10 characters, "1"
	// followed by the practice's EIN ("9" + 9 characters for a
	// self-assigned ID). Default "9RCMBOT000".
	TraceOriginator string
	// Usage is ISA15: "T" (default) or "P".
	Usage string
	// UnavailableDelay is the RetryableError.After given for AAA 42 (the
	// payer cannot answer now). Default 1 minute.
	UnavailableDelay time.Duration
	// Transport replaces the HTTP transport (tests); nil builds one sized
	// for many concurrent requests per payer.
	Transport http.RoundTripper
	// Now replaces the clock stamped on 270s (tests).
	Now func() time.Time
}

// Client checks eligibility with the payers of a directory.
type Client struct {
	dir  *payers.Directory
	pool *Pool
	opts Options
	http *resty.Client
}

// New returns a Client for the payers in dir, sharing pool's limits.
func New(dir *payers.Directory, pool *Pool, opts Options) *Client {
	if opts.SubmitterID == "" {
		opts.SubmitterID = "RCMBOT"
	}
	if opts.TraceOriginator == "" {
		opts.TraceOriginator = "9RCMBOT000"
	}
	if opts.Usage == "" {
		opts.Usage = "T"
	}
	if opts.UnavailableDelay <= 0 {
		opts.UnavailableDelay = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Client{dir: dir, pool: pool, opts: opts, http: NewHTTP(opts.Transport, maxResponse)}
}

// Check asks req.PayerID's eligibility API about req, once. The payer must
// be in the directory. When the payer answered, the Result is returned
// even with an error (a rejection): store it for audit either way.
//
// Errors: *RetryableError and *PermanentError as the package describes;
// the context's error when ctx ends.
func (c *Client) Check(ctx context.Context, req eligibility.Request) (*eligibility.Result, error) {
	p := c.dir.Payer(req.PayerID)
	if p == nil {
		return nil, &PermanentError{Reason: fmt.Sprintf("payer %q is not in the payer directory", req.PayerID)}
	}
	if req.TradingPartnerID == "" {
		req.TradingPartnerID = p.Eligibility.TradingPartnerID
	}
	if req.ControlNumber == "" {
		req.ControlNumber = NewControlNumber()
	} else if n, err := strconv.Atoi(req.ControlNumber); err != nil || n < 1 || len(req.ControlNumber) != 9 {
		return nil, &PermanentError{Reason: fmt.Sprintf("control number %q must be 9 digits, not all zero", req.ControlNumber)}
	}
	return c.attempt(ctx, p, &req)
}

// NewControlNumber returns a random 9-digit control number (never zero).
func NewControlNumber() string {
	n, err := rand.Int(rand.Reader, big.NewInt(999_999_999))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return fmt.Sprintf("%09d", n.Int64()+1)
}

func (c *Client) attempt(ctx context.Context, p *payers.Payer, req *eligibility.Request) (*eligibility.Result, error) {
	e := &p.Eligibility
	partner := req.Partner()
	base := strings.TrimRight(e.URL, "/")
	if base == "" {
		base = strings.TrimRight(c.opts.DefaultURL, "/")
	}
	if base == "" {
		return nil, &PermanentError{Reason: fmt.Sprintf("payer %s has no eligibility URL and no default is configured", p.ID)}
	}
	var body []byte
	var path, ctype string
	switch e.Format {
	case payers.FormatX12:
		doc, err := c.write270(p, req)
		if err != nil {
			return nil, &PermanentError{Reason: fmt.Sprintf("eligibility %s: cannot write the 270", partner), Err: err}
		}
		body, path, ctype = doc, PathX12, ContentTypeX12
	default:
		b, err := json.Marshal(eligibility.NewJSONRequest(req))
		if err != nil {
			return nil, &PermanentError{Reason: "encode the eligibility request", Err: err}
		}
		body, path, ctype = b, PathJSON, "application/json"
	}

	release, err := c.pool.Acquire(ctx, p.ID, Limit{Rate: e.RatePerSecond, Burst: e.Burst, Concurrency: e.Concurrency})
	if err != nil {
		return nil, err
	}
	defer release()
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := c.http.R().SetContext(actx).
		SetHeader("Content-Type", ctype).
		SetHeader("Accept", ctype).
		SetHeader("X-Control-Number", req.ControlNumber).
		SetBody(body).
		Post(base + path)
	if err != nil {
		return nil, TransportError(ctx, actx, err, "eligibility "+partner, timeout)
	}
	if err := Classify(resp.StatusCode(), resp.Header().Get("Retry-After"), time.Now(), "eligibility "+partner); err != nil {
		if resp.StatusCode() == http.StatusTooManyRequests {
			c.pool.Throttled(p.ID)
		}
		return nil, err
	}
	var res *eligibility.Result
	if e.Format == payers.FormatX12 {
		res, err = eligibility.FromX12(resp.Body(), req)
	} else {
		res, err = eligibility.FromJSON(resp.Body(), req)
	}
	if err != nil {
		return nil, &PermanentError{Status: resp.StatusCode(), Reason: fmt.Sprintf("eligibility %s: unreadable answer", partner), Err: err}
	}
	if res.ControlNumber == "" {
		res.ControlNumber = req.ControlNumber
	}
	return res, resultError(res, partner, c.opts.UnavailableDelay)
}

// write270 renders req as a one-inquiry 270 interchange whose control
// numbers are the request's control number.
func (c *Client) write270(p *payers.Payer, req *eligibility.Request) ([]byte, error) {
	ctl, _ := strconv.Atoi(req.ControlNumber)
	env := x12.Envelope270{
		Envelope: x12.Envelope{SenderID: c.opts.SubmitterID, ReceiverID: req.Partner(), InterchangeControl: ctl,
			GroupControl: ctl, TransactionControl: 1, Usage: c.opts.Usage, Time: c.opts.Now()},
		Originator: c.opts.TraceOriginator,
	}
	var buf bytes.Buffer
	err := x12.Write270(&buf, env, []x12.Inquiry270{{
		TraceNumber: req.ControlNumber, PayerID: req.Partner(), PayerName: firstNonEmpty(p.Name, p.ID),
		ProviderName: req.ProviderName, ProviderNPI: req.ProviderNPI, MemberID: req.MemberID,
		LastName: req.LastName, FirstName: req.FirstName, DOB: req.DOB, ServiceDate: req.DateOfService,
		ServiceTypes: req.ServiceTypes,
	}})
	return buf.Bytes(), err
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
