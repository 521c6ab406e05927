package payer

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is how hard one payer may be asked: a token bucket of Rate
// requests per second holding Burst tokens, and at most Concurrency
// requests in flight.
type Limit struct {
	Rate        float64
	Burst       int
	Concurrency int
}

// Defaults for a payer whose directory entry leaves a limit at zero.
const (
	DefaultRate        = 10
	DefaultBurst       = 1
	DefaultConcurrency = 4
	DefaultTimeout     = 20 * time.Second // CAQH CORE real-time response time
)

func (l Limit) withDefaults() Limit {
	if l.Rate <= 0 {
		l.Rate = DefaultRate
	}
	if l.Burst <= 0 {
		l.Burst = DefaultBurst
	}
	if l.Concurrency <= 0 {
		l.Concurrency = DefaultConcurrency
	}
	return l
}

// Pool holds the rate limiter and concurrency cap of every payer, shared
// by all callers in the process: however many workers check eligibility,
// each payer sees at most its configured rate and concurrency. The zero
// Pool is not usable; call NewPool.
type Pool struct {
	mu     sync.Mutex
	payers map[string]*gate
}

// gate is one payer's limiter, semaphore and 429 pause.
type gate struct {
	lim   *rate.Limiter
	slots chan struct{}
	conc  int

	mu    sync.Mutex
	stats GateStats
}

// GateStats counts what a payer's gate let through.
type GateStats struct {
	Requests  int64 // requests sent
	Throttled int64 // 429 answers
}

// NewPool returns an empty pool.
func NewPool() *Pool { return &Pool{payers: map[string]*gate{}} }

// gate returns the payer's gate, creating it with l on first use. A later
// call with a different rate or burst updates the limiter; the
// concurrency cap is fixed when the gate is created.
func (p *Pool) gate(payerID string, l Limit) *gate {
	l = l.withDefaults()
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.payers[payerID]
	if !ok {
		g = &gate{lim: rate.NewLimiter(rate.Limit(l.Rate), l.Burst), slots: make(chan struct{}, l.Concurrency), conc: l.Concurrency}
		p.payers[payerID] = g
		return g
	}
	if g.lim.Limit() != rate.Limit(l.Rate) {
		g.lim.SetLimit(rate.Limit(l.Rate))
	}
	if g.lim.Burst() != l.Burst {
		g.lim.SetBurst(l.Burst)
	}
	return g
}

// Acquire waits until the payer may be sent one more request: a free
// concurrency slot, then a rate token, in that order (so a token is never spent while the request still waits for a
// slot). It returns the function that frees the slot; call it when the
// response has been read. It fails only when ctx ends first.
func (p *Pool) Acquire(ctx context.Context, payerID string, l Limit) (release func(), err error) {
	g := p.gate(payerID, l)
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for a connection slot to payer %s: %w", payerID, ctx.Err())
	}
	release = func() { <-g.slots }
	if err := g.lim.Wait(ctx); err != nil {
		release()
		return nil, fmt.Errorf("wait for payer %s's rate limit: %w", payerID, err)
	}
	g.mu.Lock()
	g.stats.Requests++
	g.mu.Unlock()
	return release, nil
}

// Throttled records a 429 from the payer. It only counts: the request
// that got it waits its Retry-After (Check's own retry, or the caller's),
// while the others keep to the token bucket. Pausing every caller for a
// whole-second Retry-After would cost far more throughput than the 429
// did; a 429 means the remote's bucket had less slack than ours, which
// the configured burst (keep it below the payer's) prevents.
func (p *Pool) Throttled(payerID string) {
	p.mu.Lock()
	g := p.payers[payerID]
	p.mu.Unlock()
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stats.Throttled++
}

// Stats returns the counts for one payer (zero for a payer never asked).
func (p *Pool) Stats(payerID string) GateStats {
	p.mu.Lock()
	g := p.payers[payerID]
	p.mu.Unlock()
	if g == nil {
		return GateStats{}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stats
}
