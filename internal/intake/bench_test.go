package intake

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rcmbot/rcmbot/fixtures/benchmem"
	"github.com/rcmbot/rcmbot/fixtures/demo"
	"github.com/rcmbot/rcmbot/internal/claim"
)

// benchLines is the size of the benchmark workbook (issue 4: 100,000 lines).
const benchLines = 100_000

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

// benchFile generates the 100,000-line workbook (or CSV) once per test run.
func benchFile(b *testing.B, format demo.Format) string {
	b.Helper()
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "rcmbot-intake-bench-")
		for _, f := range []demo.Format{demo.XLSX, demo.CSV} {
			if benchErr == nil {
				_, benchErr = demo.WriteFile(filepath.Join(benchDir, "claims."+string(f)), demo.Options{Lines: benchLines, Seed: 42, AsOf: asOf, Format: f})
			}
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return filepath.Join(benchDir, "claims."+string(format))
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// BenchmarkRead100k streams a 100,000-line claims file through Reader.Next
// in chunks of 500 claims, as the claims activity does, and reports lines
// per second and the peak heap and RSS of the read.
func BenchmarkRead100k(b *testing.B) {
	for _, format := range []demo.Format{demo.XLSX, demo.CSV} {
		b.Run(string(format), func(b *testing.B) {
			path := benchFile(b, format)
			fi, _ := os.Stat(path)
			b.SetBytes(fi.Size())
			b.ReportAllocs()
			var peak benchmem.Result
			lines := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m := benchmem.Start()
				lines = readLines(b, path)
				peak = peak.Max(m.Stop())
			}
			b.StopTimer()
			if lines < benchLines {
				b.Fatalf("read %d lines", lines)
			}
			b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
			b.ReportMetric(float64(lines)*float64(b.N)/peak.CPU.Seconds(), "lines/cpu-s")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/file")
			peak.Report(b)
		})
	}
}

func readLines(b *testing.B, path string) int {
	r, err := Open(path, Options{AsOf: asOf})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	var chunk []claim.Claim
	for {
		c, e, err := r.Next(500)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		if len(e) > 0 {
			b.Fatalf("row errors in the benchmark file: %v", e[0])
		}
		chunk = c // the activity would persist the chunk here
	}
	_ = chunk
	return r.Stats().Lines
}
