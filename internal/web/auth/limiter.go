package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter throttles sign-in attempts per client address (a token bucket
// each), so that guessing passwords across many accounts from one machine
// is slow even though each account locks only itself.
type Limiter struct {
	mu      sync.Mutex
	every   time.Duration
	burst   int
	now     func() time.Time
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// maxBuckets bounds the limiter's memory; beyond it, buckets idle long
// enough to be full again are dropped.
const maxBuckets = 10000

// NewLimiter allows burst attempts at once per key, refilled one every
// every. now nil means time.Now.
func NewLimiter(every time.Duration, burst int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{every: every, burst: burst, now: now, buckets: map[string]*bucket{}}
}

// Allow reports whether key (a client address) may make an attempt now,
// and takes one from its bucket if so.
func (l *Limiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.prune(now)
		}
		b = &bucket{lim: rate.NewLimiter(rate.Every(l.every), l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// prune drops buckets that have refilled completely.
func (l *Limiter) prune(now time.Time) {
	full := l.every * time.Duration(l.burst)
	for k, b := range l.buckets {
		if now.Sub(b.seen) > full {
			delete(l.buckets, k)
		}
	}
}
