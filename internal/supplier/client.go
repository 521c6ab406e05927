// Package supplier places purchase orders with a supplier's API and reads
// its acknowledgments. The API (the supplier simulator in package sim
// speaks it):
//
//	POST {url}/orders  inventory.SupplierOrder JSON, header Idempotency-Key = po_number
//	                   201 (placed) or 200 (placed before) → inventory.SupplierAck
//
// The PO number is the idempotency key: sending an order again, after a
// timeout or a crash between sending and reading the answer, gets the
// acknowledgment of the order already placed, never a second order.
// Errors are classified as package payer does: *payer.RetryableError
// (5xx, 408, 429 with its Retry-After, timeouts, connection failures) and
// *payer.PermanentError (other 4xx, unreadable answers).
package supplier

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/payer"
)

// Options configure a Client.
type Options struct {
	// URL is the supplier API's base URL (RCMBOT_SUPPLIER_URL).
	URL string
	// Timeout bounds each request (default 30 s).
	Timeout time.Duration
}

// Client talks to one supplier API.
type Client struct {
	base    string
	timeout time.Duration
	http    *resty.Client
}

// New returns a Client.
func New(o Options) *Client {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	return &Client{base: strings.TrimRight(o.URL, "/"), timeout: o.Timeout, http: payer.NewHTTP(nil, 1<<20)}
}

// Place sends an order under its PO number and returns the supplier's
// acknowledgment. It asks once: retrying is the caller's (Temporal's).
func (c *Client) Place(ctx context.Context, o inventory.SupplierOrder) (inventory.SupplierAck, error) {
	var ack inventory.SupplierAck
	what := "supplier order " + o.Number
	if c.base == "" {
		return ack, &payer.PermanentError{Reason: what + ": no supplier URL is configured (RCMBOT_SUPPLIER_URL)"}
	}
	if err := o.Validate(); err != nil {
		return ack, &payer.PermanentError{Reason: what + ": " + err.Error()}
	}
	body, err := json.Marshal(o)
	if err != nil {
		return ack, err
	}
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.http.R().SetContext(actx).SetHeader("Idempotency-Key", o.Number).
		SetHeader("Content-Type", "application/json").SetBody(body).Post(c.base + "/orders")
	if err != nil {
		return ack, payer.TransportError(ctx, actx, err, what, c.timeout)
	}
	if err := payer.Classify(resp.StatusCode(), resp.Header().Get("Retry-After"), time.Now(), what); err != nil {
		if pe := (*payer.PermanentError)(nil); errors.As(err, &pe) {
			pe.Reason += ": " + payer.OneLine(resp.Body())
		}
		return ack, err
	}
	if err := json.Unmarshal(resp.Body(), &ack); err != nil || ack.Number != o.Number {
		return ack, &payer.PermanentError{Status: resp.StatusCode(), Reason: what + ": the answer is not an acknowledgment of this order", Err: err}
	}
	return ack, nil
}
