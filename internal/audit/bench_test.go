package audit_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/audit/synth"
)

var (
	benchOnce sync.Once
	benchSrc  audit.Sources
	benchDir  string
	benchErr  error
	benchLoc  *time.Location
)

// benchFiles writes the benchmark hospital once per test binary: the
// default configuration (about 550 staff, 40,000 patients, a million
// accesses over 30 days).
func benchFiles(b *testing.B) audit.Sources {
	benchOnce.Do(func() {
		cfg := synth.DefaultConfig()
		benchLoc = cfg.Location
		h := synth.Generate(cfg)
		benchDir, benchErr = os.MkdirTemp("", "audit-bench-")
		if benchErr == nil {
			benchSrc, benchErr = h.WriteFiles(benchDir)
		}
		if benchErr == nil {
			benchErr = writeDoubled(benchSrc.AccessLog, filepath.Join(benchDir, "access2.csv"))
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchSrc
}

// writeDoubled writes every data row of an access log twice: twice the
// events, the same users, patients, days and workstations.
func writeDoubled(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	header, rows, _ := bytes.Cut(b, []byte("\n"))
	var out bytes.Buffer
	out.Write(header)
	out.WriteByte('\n')
	for _, line := range bytes.SplitAfter(rows, []byte("\n")) {
		out.Write(line)
		out.Write(line)
	}
	return os.WriteFile(to, out.Bytes(), 0o644)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// BenchmarkScanFiles is the offline scan end to end: loading the rosters
// and encounters, then both passes over the access log, CSV parsing
// included. Run it with -cpu 1: the goal (500,000 accesses per second)
// is per core.
func BenchmarkScanFiles(b *testing.B) {
	src := benchFiles(b)
	b.ReportAllocs()
	events := 0
	var cpu time.Duration
	for b.Loop() {
		c0 := cpuTime()
		res, _, err := audit.ScanFiles(src, audit.Options{Location: benchLoc})
		if err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c0
		events += res.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	// The machine is shared: CPU time is the steadier measure.
	b.ReportMetric(float64(events)/cpu.Seconds(), "events/cpu-s")
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkScanMemory scans the benchmark log and the same log with every
// row twice, and reports the peak live heap of each (sampled): the scan
// streams, so twice the events should cost no more memory.
func BenchmarkScanMemory(b *testing.B) {
	src := benchFiles(b)
	for _, c := range []struct {
		name string
		log  string
	}{{"1x", src.AccessLog}, {"2x", filepath.Join(benchDir, "access2.csv")}} {
		b.Run(c.name, func(b *testing.B) {
			s := src
			s.AccessLog = c.log
			var peak uint64
			events := 0
			for b.Loop() {
				runtime.GC()
				stop := sampleHeap(&peak)
				res, _, err := audit.ScanFiles(s, audit.Options{Location: benchLoc})
				stop()
				if err != nil {
					b.Fatal(err)
				}
				events = res.Events
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-live-heap-MB")
			b.ReportMetric(float64(events), "events")
		})
	}
}

// sampleHeap records the largest live heap (as the last garbage
// collection measured it) seen until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	done := make(chan struct{})
	finished := make(chan struct{})
	read := func() {
		metrics.Read(sample)
		*peak = max(*peak, sample[0].Value.Uint64())
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	}()
	return func() { close(done); <-finished; read() }
}
