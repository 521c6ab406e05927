package sim

import (
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// FaultPlan is the failures both simulators can inject: throttling, server
// errors and hangs, the next N requests first, then a fraction of the rest.
type FaultPlan struct {
	// Throttles answers the next N requests 429 Too Many Requests, with
	// Retry-After (RetryAfter seconds, at least 1).
	Throttles int `json:"throttles,omitempty"`
	// ServerErrors answers the next N requests 503; ServerErrorRate
	// answers that fraction of later ones 500.
	ServerErrors    int     `json:"server_errors,omitempty"`
	ServerErrorRate float64 `json:"server_error_rate,omitempty"`
	// RetryAfter, in seconds, is sent with the 5xx answers (0: no header).
	RetryAfter int `json:"retry_after,omitempty"`
	// Hangs holds the next N requests without answering (past the
	// client's timeout); HangRate does so for that fraction of later ones.
	Hangs    int     `json:"hangs,omitempty"`
	HangRate float64 `json:"hang_rate,omitempty"`
}

// check validates the plan's rates (and any extra ones).
func (p *FaultPlan) check(more ...float64) error {
	for _, r := range append([]float64{p.ServerErrorRate, p.HangRate}, more...) {
		if r < 0 || r > 1 || math.IsNaN(r) {
			return errors.New("rates are fractions between 0 and 1")
		}
	}
	if p.Throttles < 0 || p.ServerErrors < 0 || p.Hangs < 0 || p.RetryAfter < 0 {
		return errors.New("counts cannot be negative")
	}
	return nil
}

// fault is what a simulator decided to do to one request.
type fault int

const (
	faultNone fault = iota
	faultThrottled
	faultServerError
	faultServerErrorNext
	faultHang
	faultUnavailable
)

// next draws the fault for one request, using up counts first. The
// caller holds the lock that guards p and rng.
func (p *FaultPlan) next(rng *rand.Rand) fault {
	switch {
	case p.Throttles > 0:
		p.Throttles--
		return faultThrottled
	case p.ServerErrors > 0:
		p.ServerErrors--
		return faultServerErrorNext
	case p.Hangs > 0:
		p.Hangs--
		return faultHang
	}
	if p.ServerErrorRate == 0 && p.HangRate == 0 {
		return faultNone
	}
	x := rng.Float64()
	switch {
	case x < p.ServerErrorRate:
		return faultServerError
	case x < p.ServerErrorRate+p.HangRate:
		return faultHang
	}
	return faultNone
}

// write answers a throttling, server-error or hang fault: 429 with
// Retry-After (at least 1 s); 503 (next-N) or 500 (rate) with Retry-After
// when retryAfter > 0; or nothing until the client gives up or hang
// passes (then 504).
func (f fault) write(w http.ResponseWriter, r *http.Request, retryAfter int, hang time.Duration) {
	switch f {
	case faultThrottled:
		w.Header().Set("Retry-After", strconv.Itoa(max(1, retryAfter)))
		http.Error(w, "simulated rate limit", http.StatusTooManyRequests)
	case faultServerError, faultServerErrorNext:
		status := http.StatusInternalServerError
		if f == faultServerErrorNext {
			status = http.StatusServiceUnavailable
		}
		if retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		}
		http.Error(w, "simulated failure", status)
	case faultHang:
		if sleep(r.Context(), hang) {
			http.Error(w, "simulated timeout", http.StatusGatewayTimeout)
		}
	}
}

// FaultCounts counts the injected faults a simulator answered with.
type FaultCounts struct {
	Throttled    int64 `json:"throttled"`     // 429 answers
	ServerErrors int64 `json:"server_errors"` // 5xx answers
	Hung         int64 `json:"hung"`          // requests held past the client's timeout
}

// count adds one answer with fault f.
func (c *FaultCounts) count(f fault) {
	switch f {
	case faultThrottled:
		c.Throttled++
	case faultServerError, faultServerErrorNext:
		c.ServerErrors++
	case faultHang:
		c.Hung++
	}
}

// answers reports whether write answers a request with f, instead of the
// simulator's own answer.
func (f fault) answers() bool {
	return f == faultThrottled || f == faultServerError || f == faultServerErrorNext || f == faultHang
}

// receipts copies a simulator's count of how often it received each thing
// (a claim, a purchase order) and lists, sorted, those received more than
// once: the duplicates a client's idempotency must prevent.
func receipts(counts map[string]int) (map[string]int, []string) {
	out, dups := make(map[string]int, len(counts)), []string{}
	for k, n := range counts {
		out[k] = n
		if n > 1 {
			dups = append(dups, k)
		}
	}
	slices.Sort(dups)
	return out, dups
}
