package e2e

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/internal/bots"
	"github.com/rcmbot/rcmbot/internal/eligibilitybot"
	"github.com/rcmbot/rcmbot/internal/payer"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/workflows"
)

// timedTransport records when each payer request was sent, how long its
// answer took (as the client sees it, without the wait for the rate
// limit) and its status.
type timedTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []timedRequest
}

type timedRequest struct {
	sent    time.Time
	latency time.Duration
	status  int
}

func (t *timedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	rec := timedRequest{sent: start, latency: time.Since(start)}
	if resp != nil {
		rec.status = resp.StatusCode
	}
	t.mu.Lock()
	t.reqs = append(t.reqs, rec)
	t.mu.Unlock()
	return resp, err
}

// BenchmarkEligibilitySweep sweeps 5,000 members over 3 payers, each
// allowing 50 requests/s and answering in 100–800 ms (uniform), on a real
// Temporal dev server with in-process workers, SQLite and the payer
// simulator. The floor is 5000 / 150 = 33.3 s. It reports the whole
// sweep (plan, checks, worklist) and the checking phase against the
// floor, the achieved request rate, p50/p95 answer latency, 429s (all,
// and after the first second), and members lost (must be 0).
//
// go test ./internal/e2e -run '^$' -bench EligibilitySweep -benchtime 1x
func BenchmarkEligibilitySweep(b *testing.B) {
	if testing.Short() {
		b.Skip("the eligibility sweep benchmark runs for a minute on a real Temporal server")
	}
	const members = 5000
	payerIDs := []string{"01112", "60054", "87726"} // X12, JSON, JSON
	perProfile := members/(len(payerIDs)*(len(sim.Profiles)-1)) + 1
	s := Start(b, Options{NoWorkers: true, Payer: sim.PayerConfig{Payers: payerIDs, PerProfile: perProfile,
		LatencyMin: 100 * time.Millisecond, LatencyMax: 800 * time.Millisecond, Rate: 50}})
	ctx := context.Background()

	// The workers as `rcmbot worker` builds them, with the payer client's
	// transport timed.
	env := bots.Env{Config: s.Config, DB: s.DB, Ring: s.Ring, Log: s.Log}
	deps, err := bots.Build(env)
	if err != nil {
		b.Fatal(err)
	}
	tt := &timedTransport{next: payer.NewTransport()}
	deps.Eligibility.Payer = payer.New(deps.Eligibility.Payers, payer.NewPool(), payer.Options{DefaultURL: s.Config.EligibilityURL, Transport: tt})
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := bots.RunWorkers(wctx, s.Client, bots.Queues(), deps, s.Log, 5*time.Second); err != nil {
			b.Errorf("workers: %v", err)
		}
	}()
	b.Cleanup(func() { stop(); wg.Wait() })

	// 5,000 roster members, a third at each payer (no AAA 42 ones: those
	// wait a minute by design).
	byPayer := map[string][]sim.Member{}
	for _, m := range sim.Roster(sim.DefaultSeed, payerIDs, perProfile) {
		if m.Profile != sim.ProfileUnavailable {
			byPayer[m.PayerID] = append(byPayer[m.PayerID], m)
		}
	}
	var appts []store.Appointment
	for i := 0; len(appts) < members; i++ {
		m := byPayer[payerIDs[i%len(payerIDs)]][i/len(payerIDs)]
		appts = append(appts, store.Appointment{Date: rosterDate, PayerID: m.PayerID, PatientID: "PT-" + m.ID, MemberID: m.ID,
			LastName: m.LastName, FirstName: m.FirstName, DOB: m.DOB, SourceRow: len(appts) + 2})
	}
	if len(appts) != members {
		b.Fatalf("only %d roster members", len(appts))
	}
	if _, err := s.DB.ReplaceRoster(ctx, appts); err != nil {
		b.Fatal(err)
	}
	// Long-running workers are polling when the nightly sweep starts:
	// wait for this process's to answer a health check first.
	hc, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "bench-healthcheck", TaskQueue: eligibilitybot.TaskQueue},
		workflows.HealthCheck, workflows.HealthCheckInput{Queues: []string{eligibilitybot.TaskQueue}})
	if err == nil {
		err = hc.Get(ctx, nil)
	}
	if err != nil {
		b.Fatal(err)
	}
	svc := eligibilityService(b, s)
	floor := float64(members) / float64(50*len(payerIDs))

	// Metrics are averaged over the b.N sweeps (the first after start-up
	// pays for worker warm-up and new connections).
	sum := map[string]float64{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tt.mu.Lock()
		tt.reqs = nil
		tt.mu.Unlock()
		s.Payer.ResetStats()
		start := time.Now()
		id, err := svc.Sweep(ctx, rosterDate)
		if err != nil {
			b.Fatal(err)
		}
		p, err := svc.WaitSweep(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		total := time.Since(start)
		counts, err := s.DB.CountSweep(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		results, err := s.DB.EligibilityResults(ctx, store.EligibilityFilter{SweepID: id}, store.All)
		if err != nil {
			b.Fatal(err)
		}
		lost := members - min(counts.Checked, len(results))
		if lost != 0 || p.Counts.Members != members {
			b.Errorf("sweep %s: %d of %d members lost (counts %+v)", id, lost, members, counts)
		}

		tt.mu.Lock()
		reqs := append([]timedRequest(nil), tt.reqs...)
		tt.mu.Unlock()
		sort.Slice(reqs, func(i, j int) bool { return reqs[i].sent.Before(reqs[j].sent) })
		first, last := reqs[0].sent, reqs[0].sent
		var lat []time.Duration
		throttled, lateThrottled := 0, 0
		for _, r := range reqs {
			if end := r.sent.Add(r.latency); end.After(last) {
				last = end
			}
			if r.status == http.StatusTooManyRequests {
				throttled++
				if r.sent.Sub(first) > time.Second {
					lateThrottled++
				}
				continue
			}
			lat = append(lat, r.latency)
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		checking := last.Sub(first)
		var maxPerSecond int64
		for _, st := range s.Payer.Stats() {
			maxPerSecond = max(maxPerSecond, st.MaxPerSecond)
		}
		for name, v := range map[string]float64{
			"s/sweep": total.Seconds(), "sweep/floor": total.Seconds() / floor,
			"s-checking": checking.Seconds(), "checking/floor": checking.Seconds() / floor,
			"s-to-first-request": first.Sub(start).Seconds(), "s-after-last-answer": start.Add(total).Sub(last).Seconds(),
			"req/s":  float64(len(reqs)) / checking.Seconds(),
			"p50-ms": float64(lat[len(lat)/2].Milliseconds()), "p95-ms": float64(lat[len(lat)*95/100].Milliseconds()),
			"429s": float64(throttled), "429s-after-1s": float64(lateThrottled),
			"max-req/s/payer": float64(maxPerSecond), "lost": float64(lost),
		} {
			sum[name] += v
		}
	}
	for name, v := range sum {
		b.ReportMetric(v/float64(b.N), name)
	}
}
