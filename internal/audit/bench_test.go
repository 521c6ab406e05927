package audit_test

import (
	"os"
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
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchSrc
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
