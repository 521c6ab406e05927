//go:build topology

package topology_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/topology"
)

// Benchmark load: claims batches uploaded at once, and the sweep's members
// over three payers that each allow 50 requests/s and answer in 100-800 ms
// (floor: members / 150 s).
const (
	benchBatches     = 10
	benchBatchClaims = 500
	benchMembers     = 3000
)

var benchPayers = []string{"01112", "60054", "87726"} // X12, JSON, JSON

// benchFiles numbers the claims files benchmarks generate.
var benchFiles int

// BenchmarkTopology measures throughput on the production topology (the
// Temporal server on PostgreSQL with mutual TLS) and on the same rcmbot
// processes against the Temporal dev server, with one and with two
// all-queue workers (no claims-only worker):
//
//   - claims: 10 batches of 500 claims uploaded at once through the REST
//     API, reviewed through it, until every batch has completed (submitted
//     and acknowledged; the clearinghouse simulator acknowledges at once):
//     batches/min and claims/s;
//   - eligibility: a sweep of 3,000 members (rcmbot eligibility sweep
//     --wait) against payers limited to 50 requests/s each: checks/s
//     against the 150/s floor, and the payers' 429s.
//
// CPU seconds of the workers and the Temporal server are reported too:
// steadier than wall time on a shared machine. Run it as
//
//	make topology-bench
//	go test -tags topology -run '^$' -bench Topology -benchtime 1x ./internal/topology/
func BenchmarkTopology(b *testing.B) {
	for _, server := range []struct {
		name string
		dev  bool
	}{{"server=postgres-mtls", false}, {"server=dev", true}} {
		b.Run(server.name, func(b *testing.B) {
			top := startBench(b, server.dev)
			for _, workers := range []int{1, 2} {
				for len(top.Procs[topology.ServiceWorker]) < workers {
					p, err := top.AddProcess(topology.ServiceWorker, fmt.Sprintf("%s-%d", topology.ServiceWorker, workers))
					if err != nil {
						b.Fatal(err)
					}
					if err := top.WaitPolling(context.Background(), p); err != nil {
						b.Fatal(err)
					}
				}
				b.Run(fmt.Sprintf("workers=%d/claims", workers), func(b *testing.B) { benchClaims(b, top) })
				b.Run(fmt.Sprintf("workers=%d/eligibility", workers), func(b *testing.B) { benchEligibility(b, top) })
			}
		})
	}
}

// startBench starts a topology with one all-queue worker, payers at 50/s
// with realistic latency, and a roster of benchMembers for the bench date.
func startBench(b *testing.B, dev bool) *topology.Topology {
	perProfile := benchMembers/(len(benchPayers)*(len(sim.Profiles)-1)) + 1
	top := start(b, topology.Options{DevServer: dev,
		Replicas: map[string]int{topology.ServiceWorker: 1, topology.ServiceWorkerClaims: 0},
		PayerFlags: []string{"--rate", "50", "--latency-min", "100ms", "--latency-max", "800ms",
			"--per-profile", fmt.Sprint(perProfile), "--payers", strings.Join(benchPayers, ",")}})
	byPayer := map[string][]sim.Member{}
	for _, m := range sim.Roster(sim.DefaultSeed, benchPayers, perProfile) {
		if m.Profile != sim.ProfileUnavailable {
			byPayer[m.PayerID] = append(byPayer[m.PayerID], m)
		}
	}
	var appts []store.Appointment
	for i := 0; len(appts) < benchMembers; i++ {
		m := byPayer[benchPayers[i%len(benchPayers)]][i/len(benchPayers)]
		appts = append(appts, store.Appointment{Date: benchDate(), PayerID: m.PayerID, PatientID: "PT-" + m.ID, MemberID: m.ID,
			LastName: m.LastName, FirstName: m.FirstName, DOB: m.DOB, Source: "benchmark", SourceRow: len(appts) + 2})
	}
	if _, err := top.DB.ReplaceRoster(context.Background(), appts); err != nil {
		b.Fatal(err)
	}
	return top
}

func benchDate() claim.Date { return today().NextBusinessDay() }

// cpu sums the processor time of the workers and the Temporal server.
func cpu(b *testing.B, top *topology.Topology) (workers, temporal time.Duration) {
	for _, p := range top.Procs[topology.ServiceWorker] {
		d, err := p.CPUTime()
		if err != nil {
			b.Fatal(err)
		}
		workers += d
	}
	d, err := top.Temporal.CPUTime()
	if err != nil {
		b.Fatal(err)
	}
	return workers, d
}

func benchClaims(b *testing.B, top *topology.Topology) {
	dir := b.TempDir()
	var files [][]string
	for range b.N {
		var round []string
		for range benchBatches {
			benchFiles++ // new patients each time: no duplicates of earlier runs' claims
			round = append(round, claimsFile(b, dir, fmt.Sprintf("B%04d", benchFiles), benchBatchClaims, uint64(1000+benchFiles)))
		}
		files = append(files, round)
	}
	if err := top.ResetSimulators(context.Background()); err != nil {
		b.Fatal(err)
	}
	w0, t0 := cpu(b, top)
	b.ResetTimer()
	for i := range b.N {
		submitAll(b, top, files[i])
	}
	b.StopTimer()
	w1, t1 := cpu(b, top)
	st, err := top.ClearinghouseStats(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if len(st.Duplicates) > 0 {
		b.Errorf("claims sent twice: %v", head(st.Duplicates))
	}
	n := float64(b.N * benchBatches)
	secs := b.Elapsed().Seconds()
	b.ReportMetric(n/(secs/60), "batches/min")
	b.ReportMetric(n*benchBatchClaims/secs, "claims/s")
	b.ReportMetric((w1-w0).Seconds()/n, "worker-CPU-s/batch")
	b.ReportMetric((t1-t0).Seconds()/n, "temporal-CPU-s/batch")
}

func benchEligibility(b *testing.B, top *topology.Topology) {
	ctx := context.Background()
	if err := top.ResetSimulators(ctx); err != nil {
		b.Fatal(err)
	}
	w0, t0 := cpu(b, top)
	b.ResetTimer()
	var checking time.Duration
	for range b.N {
		out, err := top.Rcmbot(ctx, "eligibility", "sweep", "--date", benchDate().String(), "--wait")
		if err != nil {
			b.Fatal(err)
		}
		sw, err := top.DB.Sweep(ctx, sweepID(b, out))
		if err != nil {
			b.Fatal(err)
		}
		if sw.Status != eligibility.SweepCompleted || sw.Counts.Checked != benchMembers {
			b.Fatalf("sweep %s: %s, %+v; want %d members checked", sw.ID, sw.Status, sw.Counts, benchMembers)
		}
		checking += sw.CompletedAt.Sub(sw.StartedAt)
	}
	b.StopTimer()
	w1, t1 := cpu(b, top)
	st, err := top.PayerStats(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var throttled, requests int64
	for _, p := range benchPayers {
		throttled += st[p].Throttled
		requests += st[p].Requests
	}
	floor := float64(benchMembers) / float64(50*len(benchPayers))
	secs := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(benchMembers/secs, "checks/s")
	b.ReportMetric(secs/floor, "sweep/floor")
	b.ReportMetric(checking.Seconds()/float64(b.N), "s-sweep-in-store")
	b.ReportMetric(float64(throttled)/float64(b.N), "429s/sweep")
	b.ReportMetric(float64(requests)/float64(b.N), "requests/sweep")
	b.ReportMetric((w1-w0).Seconds()/float64(b.N), "worker-CPU-s/sweep")
	b.ReportMetric((t1-t0).Seconds()/float64(b.N), "temporal-CPU-s/sweep")
}
