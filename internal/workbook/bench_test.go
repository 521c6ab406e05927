package workbook

import (
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rcmbot/rcmbot/fixtures/benchmem"
	"github.com/rcmbot/rcmbot/fixtures/demo"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/intake"
)

// benchLines is the size of the benchmark workbook (issue 4: 100,000 lines).
const benchLines = 100_000

var (
	benchOnce   sync.Once
	benchDir    string
	benchInput  Input
	benchErr    error
	benchMarked int
)

// benchSetup generates the 100,000-line workbook, reads it with intake and
// builds marks the way a scrubbed batch has them: one claim in four has an
// error on a line cell, one in ten a warning on a claim-level cell.
func benchSetup(b testing.TB) Input {
	b.Helper()
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "rcmbot-workbook-bench-")
		if benchErr != nil {
			return
		}
		path := filepath.Join(benchDir, "claims.xlsx")
		if _, benchErr = demo.WriteFile(path, demo.Options{Lines: benchLines, Seed: 42, AsOf: asOf}); benchErr != nil {
			return
		}
		var res *intake.Result
		if res, benchErr = intake.ReadFile(path, intake.Options{AsOf: asOf}); benchErr != nil {
			return
		}
		var marks []Mark
		sum := Summary{Claims: len(res.Claims)}
		for i, c := range res.Claims {
			sum.Lines += len(c.Lines)
			if i%4 == 0 {
				l := c.Lines[len(c.Lines)-1]
				marks = append(marks, Mark{ClaimID: c.ID, Line: l.Number, Row: l.Row, Field: claim.FieldProcedureCode, Severity: Error,
					Category: "ncci_ptp", RuleID: "NCCI-PTP-001", Message: "Code " + l.Procedure + " is bundled into another code billed the same day.",
					Fix: "Remove the line or add an NCCI-associated modifier when the service was distinct.", CARC: "97"})
			}
			if i%10 == 0 {
				marks = append(marks, Mark{ClaimID: c.ID, Row: c.Row, Field: claim.FieldMemberID, Severity: Warning,
					Category: "eligibility", RuleID: "ELIG-UNKNOWN", Message: "Member not found on the date of service.", Fix: "Check the member ID."})
			}
		}
		sum.Flagged = len(marks)
		sum.Clean = sum.Claims - sum.Flagged
		benchMarked = len(marks)
		benchInput = Input{Path: path, Layout: res.Layout, Marks: marks, Summary: sum}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchInput
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// BenchmarkAnnotate100k writes the annotated workbook of a 100,000-line
// upload; BenchmarkFloor100k is the floor it is measured against: bare
// excelize streaming read (Rows) and write (StreamWriter) of the same file.
func BenchmarkAnnotate100k(b *testing.B) {
	in := benchSetup(b)
	b.ReportAllocs()
	var peak benchmem.Result
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := benchmem.Start()
		if err := Write(io.Discard, in); err != nil {
			b.Fatal(err)
		}
		peak = peak.Max(m.Stop())
	}
	b.StopTimer()
	b.ReportMetric(float64(benchMarked), "marks")
	b.ReportMetric(float64(in.Summary.Lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	peak.Report(b)
}

func BenchmarkFloor100k(b *testing.B) {
	in := benchSetup(b)
	b.ReportAllocs()
	var peak benchmem.Result
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := benchmem.Start()
		if err := benchmem.CopyXLSX(in.Path, in.Layout.Sheet, io.Discard); err != nil {
			b.Fatal(err)
		}
		peak = peak.Max(m.Stop())
	}
	b.StopTimer()
	b.ReportMetric(float64(in.Summary.Lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	peak.Report(b)
}
