package e2e

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/fixtures/benchmem"
	"github.com/rcmbot/rcmbot/fixtures/demo"
	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/intake"
	"github.com/rcmbot/rcmbot/internal/sim"
)

const benchLines = 100_000

var (
	benchOnce sync.Once
	benchFile string
	benchErr  error
)

// benchWorkbook generates the 100,000-line claims workbook once per run.
func benchWorkbook(b *testing.B) string {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rcmbot-e2e-bench-")
		if err != nil {
			benchErr = err
			return
		}
		benchFile = filepath.Join(dir, "claims-100k.xlsx")
		_, benchErr = demo.WriteFile(benchFile, demo.Options{Lines: benchLines, Seed: 42, AsOf: DemoAsOf})
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchFile
}

// BenchmarkBatch100k takes a 100,000-line workbook from upload to the
// annotated workbook through Temporal: the upload check, the ClaimsBatch
// workflow on a real dev server with an in-process worker (read, scrub,
// save every claim and finding to SQLite), then the annotated workbook
// from the stored findings. Compare with BenchmarkFloor100k, a bare
// excelize streaming read and write of the same file; run each in its own
// `go test -bench` so each peak RSS is its own:
//
//	go test ./internal/e2e -run '^$' -bench 'Batch100k|Floor100k' -benchtime 1x
//
// The clearinghouse is slowed to a halt so that submitting the clean
// claims, which follows the scrub, does not compete for the CPU.
func BenchmarkBatch100k(b *testing.B) {
	path := benchWorkbook(b)
	s := Start(b, Options{Clearinghouse: sim.ClearinghouseConfig{Delay: time.Hour}})
	ctx := context.Background()
	var peak benchmem.Result
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := benchmem.Start()
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		bt, err := s.Claims.SubmitBatch(ctx, f, "claims-100k.xlsx", "bench")
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		bt = s.WaitStatus(b, bt.ID, 10*time.Minute, batch.AwaitingReview, batch.Submitting, batch.Completed, batch.Failed)
		if bt.Status == batch.Failed || bt.Counts.Lines != benchLines {
			b.Fatalf("batch %s: %s %q, %d lines", bt.ID, bt.Status, bt.FailureReason, bt.Counts.Lines)
		}
		scrubbed := m.Stop()
		m = benchmem.Start()
		if err := s.Claims.WriteAnnotated(ctx, bt.ID, io.Discard); err != nil {
			b.Fatal(err)
		}
		annotated := m.Stop()
		b.ReportMetric(float64(scrubbed.PeakRSSBytes)/(1<<20), "scrub-RSS-MB")
		b.ReportMetric(float64(annotated.PeakRSSBytes)/(1<<20), "annotate-RSS-MB")
		peak = peak.Max(scrubbed).Max(annotated)
		b.ReportMetric(float64(bt.Counts.Claims), "claims")
	}
	b.StopTimer()
	b.ReportMetric(float64(benchLines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	peak.Report(b)
}

// BenchmarkFloor100k is the floor: excelize's streaming row iterator
// reading the same workbook and its StreamWriter writing every row.
func BenchmarkFloor100k(b *testing.B) {
	path := benchWorkbook(b)
	r, err := intake.Open(path, intake.Options{AsOf: DemoAsOf})
	if err != nil {
		b.Fatal(err)
	}
	sheet := r.Layout().Sheet
	r.Close()
	var peak benchmem.Result
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := benchmem.Start()
		if err := benchmem.CopyXLSX(path, sheet, io.Discard); err != nil {
			b.Fatal(err)
		}
		peak = peak.Max(m.Stop())
	}
	b.StopTimer()
	b.ReportMetric(float64(benchLines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	peak.Report(b)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchFile != "" {
		os.RemoveAll(filepath.Dir(benchFile))
	}
	os.Exit(code)
}
