package scrub

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/refdata"
	"github.com/rcmbot/rcmbot/internal/shareddata"
)

var (
	fullOnce sync.Once
	fullData *refdata.Data
	fullErr  error
)

// full loads the shared code sets once, or skips.
func full(tb testing.TB) *refdata.Data {
	tb.Helper()
	dir := shareddata.Dir(tb, "codesets")
	fullOnce.Do(func() { fullData, fullErr = refdata.Load(dir) })
	if fullErr != nil {
		tb.Fatal(fullErr)
	}
	return fullData
}

// benchBatch builds n realistic claims: 3–6 lines, 2–5 diagnoses, patients
// seen more than once (so the cross-claim checks have work), about one
// claim in eight carrying a typical error.
func benchBatch(n int, ref *refdata.Data) []claim.Claim {
	dxPool := []string{"E119", "I10", "E785", "E1165", "J069", "J209", "M545" + "0", "M25561", "K219", "N390", "F411", "F32A",
		"G4733", "R0602", "R051", "Z23", "Z0000", "E039", "E559", "D649", "M1711", "R7303", "Z79899", "J449", "I4891"}
	// Pairs with NCCI edits between them (80053/82374, 90471/G0008) are
	// left out: clean claims must be clean.
	procPool := []string{"99213", "99214", "99212", "36415", "85025", "80053", "81002", "93000", "96372", "J1100",
		"97110", "71046", "90686", "90471", "20610", "J3301", "73721"}
	return benchBatchOf(n, ref, dxPool, procPool)
}

// benchBatchOf is benchBatch drawing diagnoses and codes from the pools given.
func benchBatchOf(n int, ref *refdata.Data, dxPool, procPool []string) []claim.Claim {
	rng := rand.New(rand.NewPCG(1, 2))
	base := claim.MustDate("2025-12-01")
	out := make([]claim.Claim, n)
	for i := range out {
		if plantedKind(i) == plantDuplicate {
			// The previous claim uploaded twice.
			c := out[i-1]
			c.ID = fmt.Sprintf("B%06d", i)
			c.Row = i*6 + 2
			out[i] = c
			continue
		}
		c := cleanClaim(fmt.Sprintf("B%06d", i))
		c.Row = i*6 + 2
		patients := n/3 + 1
		pat := i % patients
		c.Patient.ID = fmt.Sprintf("PAT%05d", pat)
		c.MemberID = fmt.Sprintf("M%08d", pat)
		// Each patient is seen about every ten days.
		dos := base.AddDays(10*(i/patients) + pat%7)
		ndx := 2 + rng.IntN(4)
		c.Diagnoses = make([]string, 0, ndx)
		for len(c.Diagnoses) < ndx {
			dx := dxPool[rng.IntN(len(dxPool))]
			if indexOf(c.Diagnoses, dx) < 0 && !excludes1With(ref, c.Diagnoses, dx) {
				c.Diagnoses = append(c.Diagnoses, dx)
			}
		}
		nl := 3 + rng.IntN(4)
		c.Lines = make([]claim.Line, 0, nl)
		for len(c.Lines) < nl {
			p := procPool[rng.IntN(len(procPool))]
			if slicesContainsProc(c.Lines, p) {
				continue
			}
			l := claim.Line{Number: len(c.Lines) + 1, From: dos, To: dos, Procedure: p, Units: 1, Charge: claim.Money(2000 + rng.IntN(20000)),
				DxPointers: []int{1 + rng.IntN(ndx)}, Row: c.Row + len(c.Lines)}
			switch {
			case p == "20610":
				l.Modifiers = []string{"RT"}
			case p == "96372" || p == "93000":
				// distinct from a joint injection billed the same day
				// (NCCI edits with 20610, indicator 1)
				l.Modifiers = []string{"XU"}
			case isEM(p):
				l.Modifiers = []string{"25"}
			}
			c.Lines = append(c.Lines, l)
		}
		switch plantedKind(i) {
		case plantNPI:
			c.Billing.NPI = "1234567890"
		case plantHeader:
			c.Diagnoses[0] = "E11"
		case plantPointer:
			c.Lines[1].DxPointers = []int{ndx + 1}
		case plantNCCI:
			c.Lines = append(c.Lines[:2], claim.Line{Number: 3, From: dos, To: dos, Procedure: "29881", Modifiers: []string{"RT"}, Units: 1, Charge: 150000, DxPointers: []int{1}},
				claim.Line{Number: 4, From: dos, To: dos, Procedure: "29877", Modifiers: []string{"RT"}, Units: 1, Charge: 90000, DxPointers: []int{1}})
		}
		out[i] = c
	}
	return out
}

// The errors planted in one claim in eight of the benchmark batch (the
// clean-claim rate of a typical practice is 80–95%).
const (
	plantNone = iota
	plantNPI
	plantHeader
	plantPointer
	plantNCCI
	plantDuplicate
)

func plantedKind(i int) int {
	if i%8 != 1 {
		return plantNone
	}
	return 1 + (i/8)%5
}

// excludes1With reports whether dx forms an Excludes1 pair with one of have.
func excludes1With(ref *refdata.Data, have []string, dx string) bool {
	for _, h := range have {
		if _, ok := ref.Excludes1.Conflict(h, dx); ok {
			return true
		}
	}
	return false
}

func slicesContainsProc(ls []claim.Line, p string) bool {
	for i := range ls {
		if ls[i].Procedure == p {
			return true
		}
	}
	return false
}

// benchHistory returns stored lines of earlier claims of the same patients.
func benchHistory(batch []claim.Claim) []HistoryLine {
	var h []HistoryLine
	for i := 0; i < len(batch); i += 2 {
		c := batch[i]
		c.ID = "OLD-" + c.ID
		c.Lines = append([]claim.Line(nil), c.Lines...)
		for j := range c.Lines {
			c.Lines[j].From = c.Lines[j].From.AddDays(-30)
		}
		h = append(h, HistoryFromClaim(&c)...)
	}
	return h
}

// TestFullCodesets runs the clean claim, the tricky valid cases and a few
// errors against the complete public code sets.
func TestFullCodesets(t *testing.T) {
	ref := full(t)
	runCases(t, []scrubCase{
		{name: "clean claim", refdat: ref},
		{name: "7th-character codes", refdat: ref, edit: func(c *claim.Claim) {
			c.Diagnoses = []string{"S72001A", "T450X1A", "S0181XA", "W19XXXA"}
			c.Lines[0].DxPointers = []int{1, 2, 3, 4}
		}},
		{name: "codes outside the starter set", refdat: ref, edit: func(c *claim.Claim) { c.Diagnoses = []string{"E1122", "N1830", "Z794"} }},
		{name: "unknown ICD code", refdat: ref, edit: func(c *claim.Claim) { c.Diagnoses[1] = "E1199" }, want: []string{"ICD-002"}},
		{name: "header with children", refdat: ref, edit: func(c *claim.Claim) { c.Diagnoses[0] = "I25" }, want: []string{"ICD-003"}, inFix: "I25.10"},
		{name: "unknown HCPCS in the HCPCS file's quarter", refdat: ref, edit: func(c *claim.Claim) {
			atDOS(claim.MustDate("2024-08-05"))(c)
			c.Lines[1].Procedure = "J0001"
		}, ctx: func(x *Context) { x.Today = claim.MustDate("2024-08-20") }, want: []string{"PRC-002"}},
		{name: "unknown HCPCS after the HCPCS file's quarter", refdat: ref, edit: func(c *claim.Claim) { c.Lines[1].Procedure = "J0001" }, want: []string{"PRC-005"}, inMsg: "2024 Q3"},
		{name: "unknown taxonomy", refdat: ref, edit: func(c *claim.Claim) { c.Billing.Taxonomy = "207Q99999X" }, want: []string{"TAX-002"}},
		{name: "NCCI 11042 with 99213 needs 25", refdat: ref, edit: ncciLines(claim.Line{Procedure: "11042"}, claim.Line{Procedure: "99213"}), want: []string{"NCCI-PTP-004"}},
		{name: "NCCI 11042 with 99213-25", refdat: ref, edit: ncciLines(claim.Line{Procedure: "11042"}, claim.Line{Procedure: "99213", Modifiers: []string{"25"}})},
		{name: "MUE J1100 121 units", refdat: ref, edit: func(c *claim.Claim) {
			c.Lines[1] = claim.Line{From: c.Lines[0].From, Procedure: "J1100", Units: 121, Charge: 12100, DxPointers: []int{1}}
		}, want: []string{"MUE-003"}},
		{name: "male-only code for a woman", refdat: ref, edit: func(c *claim.Claim) { c.Diagnoses = []string{"N401", "I10"} }, want: []string{"MCE-002"}},
	})
	// The benchmark batch's findings on full data are the planted errors only.
	batch := benchBatch(400, ref)
	s := newScrubber(t, ref)
	rep := s.Scrub(batch, Context{Today: today, History: benchHistory(batch)})
	for i, r := range rep.Results {
		for _, f := range r.Findings {
			k := plantedKind(i)
			planted := (k == plantNPI && f.RuleID == "NPI-001") || (k == plantHeader && f.RuleID == "ICD-003") ||
				(k == plantPointer && f.RuleID == "PTR-003") || (k == plantNCCI && f.Category == CatNCCIPTP) ||
				// a repeated claim: duplicates, and the day's MUE totals double
				(k == plantDuplicate && (f.Category == CatDuplicate || f.Category == CatMUE))
			if !planted {
				t.Errorf("claim %d: unexpected %s: %s", i, f.RuleID, f.Message)
			}
		}
	}
	t.Logf("400 claims: %d clean, %d review, %d hold; by category %v", rep.Summary.Clean, rep.Summary.Review, rep.Summary.Hold, rep.Summary.ByCategory)
}

// BenchmarkScrub scrubs batches of 10,000 realistic claims with history,
// against the full public code sets when present (else the starter set).
func BenchmarkScrub(b *testing.B) {
	ref := (*refdata.Data)(nil)
	if _, ok := shareddata.Find("codesets"); ok {
		ref = full(b)
	} else {
		b.Log("shared code sets not found: benchmarking against the starter set")
		ref = starter(b)
	}
	benchScrub(b, ref, benchBatch(10_000, ref))
}

// benchScrub scrubs batch (with a stored history of earlier visits)
// b.N times and reports claims per second, per CPU second and allocations.
func benchScrub(b *testing.B, ref *refdata.Data, batch []claim.Claim) {
	n := len(batch)
	ctx := Context{Today: today, History: benchHistory(batch)}
	s := newScrubber(b, ref)
	s.Scrub(batch, ctx) // warm the buffers
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Scrub(batch, ctx)
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	runtime.ReadMemStats(&after)
	claims := float64(b.N) * float64(n)
	b.ReportMetric(claims/b.Elapsed().Seconds(), "claims/s")
	// claims per CPU second of the whole process (GC included) is the
	// figure to trust on a busy machine, where wall time includes waiting.
	b.ReportMetric(claims/cpu.Seconds(), "claims/cpu-s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/claims, "allocs/claim")
}

// cpuTime returns the CPU time (user + system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
