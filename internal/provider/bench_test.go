package provider

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkReadNPPES measures an import of MaxImportRows NPPES-layout
// rows, in rows per second.
func BenchmarkReadNPPES(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(nppesHeader + "\n")
	n := 0
	for i := 0; n < MaxImportRows; i++ {
		npi := fmt.Sprintf("1%08d", i)
		// The check digit that makes the NPI valid.
		for d := '0'; d <= '9'; d++ {
			if cand := npi + string(d); validCheck(cand) {
				fmt.Fprintf(&sb, "\"%s\",\"1\",\"\",\"\",\"\",\"DOC%d\",\"PAT\",\"1 MAIN ST\",\"\",\"AUSTIN\",\"TX\",\"78701\",\"207Q00000X\"\n", cand, i)
				n++
				break
			}
		}
	}
	data := sb.String()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		ps, errs, err := ReadNPPES(strings.NewReader(data), "bench.csv")
		if err != nil || len(errs) > 0 || len(ps) != MaxImportRows {
			b.Fatalf("%d providers, %d row errors, %v", len(ps), len(errs), err)
		}
	}
	b.ReportMetric(float64(b.N*MaxImportRows)/b.Elapsed().Seconds(), "rows/s")
}

func validCheck(npi string) bool {
	p := Provider{NPI: npi, Entity: Individual, LastName: "X"}
	return p.Validate() == nil
}
