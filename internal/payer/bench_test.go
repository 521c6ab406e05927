package payer

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/sim"
)

// timing records every HTTP round trip's duration.
// and when each 429 came.
type timing struct {
	rt    http.RoundTripper
	start time.Time
	mu    sync.Mutex
	d     []time.Duration
	t429  []time.Duration // since start
}

func (t *timing) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.rt.RoundTrip(r)
	t.mu.Lock()
	t.d = append(t.d, time.Since(start))
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		t.t429 = append(t.t429, start.Sub(t.start))
	}
	t.mu.Unlock()
	return resp, err
}

// late429s counts the 429s after the first second (the first burst).
func (t *timing) late429s() int {
	n := 0
	for _, d := range t.t429 {
		if d > time.Second {
			n++
		}
	}
	return n
}

func (t *timing) percentile(p float64) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.d) == 0 {
		return 0
	}
	s := slices.Clone(t.d)
	slices.Sort(s)
	return s[int(p*float64(len(s)-1))]
}

// sweepDirectory configures payers with the same limits, formats cycling
// through formats.
func sweepDirectory(b *testing.B, url string, ids []string, formats []string, rps float64, burst, conc int) *payers.Directory {
	b.Helper()
	yaml := "payers:\n"
	for i, id := range ids {
		yaml += fmt.Sprintf("  - id: %q\n    name: Payer %s\n    eligibility: {format: %s, url: %s, rate_per_second: %g, burst: %d, concurrency: %d, timeout: 5s}\n",
			id, id, formats[i%len(formats)], url, rps, burst, conc)
	}
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "payers.yaml"), []byte(yaml), 0o600); err != nil {
		b.Fatal(err)
	}
	d, err := payers.Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// sweep checks n members spread over the payers, one goroutine each, and
// reports what a nightly sweep cares about.
func sweep(b *testing.B, cfg sim.PayerConfig, ids, formats []string, n int, rps float64, burst, conc int) {
	s, err := sim.NewPayerSim(cfg)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	dir := sweepDirectory(b, srv.URL, ids, formats, rps, burst, conc)
	floor := float64(n) / (rps * float64(len(ids)))
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		s.ResetStats()
		tm := &timing{rt: NewTransport(), start: time.Now()}
		client := New(dir, NewPool(), Options{Transport: tm})
		var wg sync.WaitGroup
		var mu sync.Mutex
		answered, lost := 0, 0
		start := time.Now()
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				payer := ids[i%len(ids)]
				req := eligibility.Request{PayerID: payer, ProviderNPI: "1234567893", ProviderName: "Riverside Family Medicine",
					MemberID: fmt.Sprintf("B%09d", i), FirstName: "Test", LastName: "Member", DOB: claim.MustDate("1970-01-01"),
					DateOfService: claim.MustDate("2026-03-02")}
				res, err := checkRetrying(client, req)
				mu.Lock()
				defer mu.Unlock()
				if res != nil && (err == nil || IsPermanent(err)) {
					answered++
				} else {
					lost++
				}
			}(i)
		}
		wg.Wait()
		elapsed := time.Since(start).Seconds()
		var throttled, sent int64
		for _, st := range s.Stats() {
			throttled += st.Throttled
			sent += st.Requests
		}
		b.ReportMetric(elapsed, "s/sweep")
		b.ReportMetric(float64(answered)/elapsed, "answers/s")
		b.ReportMetric(floor, "floor-s")
		b.ReportMetric(elapsed/floor, "ratio-to-floor")
		b.ReportMetric(float64(tm.percentile(0.50).Milliseconds()), "p50-ms")
		b.ReportMetric(float64(tm.percentile(0.95).Milliseconds()), "p95-ms")
		b.ReportMetric(float64(throttled), "429s")
		b.ReportMetric(float64(tm.late429s()), "429s-after-1s")
		b.ReportMetric(float64(sent-int64(n)), "extra-requests")
		b.ReportMetric(float64(lost), "lost")
	}
}

// checkRetrying asks like a caller with a retry policy does (the sweep
// activity in place, Temporal otherwise): a retryable failure is asked
// again after the payer's Retry-After, or 250 ms doubling, up to five
// times.
func checkRetrying(client *Client, req eligibility.Request) (*eligibility.Result, error) {
	for try := 0; ; try++ {
		res, err := client.Check(context.Background(), req)
		after, retryable := RetryAfter(err)
		if !retryable || try == 5 {
			return res, err
		}
		time.Sleep(max(after, 250*time.Millisecond<<try))
	}
}

// BenchmarkSweep5000 is the goal: 5,000 members over 3 payers,
// each allowing 50 requests/s, answering in 100–800 ms. The floor is
// 5000 / 150 = 33.3 s; the goal is within 5% of it, no 429 beyond the
// first burst, nothing lost.
func BenchmarkSweep5000(b *testing.B) {
	if testing.Short() {
		b.Skip("takes about 35 s")
	}
	cfg := sim.PayerConfig{Seed: 7, LatencyMin: 100 * time.Millisecond, LatencyMax: 800 * time.Millisecond, Rate: 50, Burst: 10}
	sweep(b, cfg, []string{"60054", "87726", "62308"}, []string{"json", "json", "x12"}, 5000, 50, 5, 64)
}

// BenchmarkRateLimit500 sends 500 requests to one payer limited to 50/s
// (the simulator's bucket holds 10, the client's 5: the difference is the
// slack that absorbs scheduling jitter): the client must stay under it.
func BenchmarkRateLimit500(b *testing.B) {
	if testing.Short() {
		b.Skip("takes about 10 s")
	}
	cfg := sim.PayerConfig{Seed: 7, LatencyMin: 5 * time.Millisecond, LatencyMax: 50 * time.Millisecond, Rate: 50, Burst: 10}
	sweep(b, cfg, []string{"60054"}, []string{"json"}, 500, 50, 5, 16)
}
