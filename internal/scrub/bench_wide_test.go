package scrub

import (
	"fmt"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/refdata"
)

// BenchmarkScrubWideCodes is BenchmarkScrub with thousands of distinct
// procedure codes and diagnoses instead of a family practice's few dozen:
// the scrubber's lookup caches (PTP pairs, diagnoses) then miss most of the
// time, so this is the figure for a batch of a multi-specialty group. The
// claims are not clean (random codes collide with edits); what is measured
// is the time to judge them.
func BenchmarkScrubWideCodes(b *testing.B) {
	ref := shared(b)
	procs, dxs := widePools(ref)
	b.Logf("%d procedure codes, %d diagnoses", len(procs), len(dxs))
	benchScrub(b, ref, benchBatchOf(10_000, ref, dxs, procs))
}

// widePools returns up to 3,000 procedure codes with an MUE and 3,000
// billable FY2026 diagnoses, spread over the code sets.
func widePools(ref *refdata.Data) (procs, dxs []string) {
	for n := 10000; n <= 99999 && len(procs) < 3000; n += 7 {
		code := fmt.Sprintf("%05d", n)
		if p := ref.Proc.Lookup(refdata.KeyOf(code)); p != nil && p.MUE.MAI != 0 && p.MUE.Limit > 0 && p.AddOn == nil {
			procs = append(procs, code)
		}
	}
	fy := ref.ICD10.YearFor(claim.MustDate("2025-12-01"))
	for c := 'A'; c <= 'Z' && len(dxs) < 3000; c++ {
		for d := 0; d <= 9; d++ {
			dxs = append(dxs, ref.ICD10.BillableChildren(fmt.Sprintf("%c%d", c, d), fy, 12)...)
		}
	}
	return procs, dxs[:min(len(dxs), 3000)]
}
