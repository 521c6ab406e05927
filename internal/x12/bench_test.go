package x12

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/fixtures/benchmem"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// benchClaims returns n claims over 3 payers and 2 billing providers,
// about 3 claims per patient, 1–4 lines each.
func benchClaims(n int) []claim.Claim {
	demo := demoClaims()
	claims := make([]claim.Claim, n)
	for i := range claims {
		c := demo[i%len(demo)]
		c.ID = fmt.Sprintf("BENCH%07d", i)
		c.MemberID = fmt.Sprintf("M%08d", i/3)
		c.Patient.ID = c.MemberID
		claims[i] = c
	}
	return claims
}

// BenchmarkWrite837P measures 837P generation in claims per second.
func BenchmarkWrite837P(b *testing.B) {
	claims := benchClaims(10_000)
	env := testEnvelope837()
	var buf bytes.Buffer
	if _, err := Write837P(&buf, env, claims); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Write837P(io.Discard, env, claims); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(claims))/b.Elapsed().Seconds(), "claims/s")
}

// BenchmarkWrite837PCoverage measures 837P generation, in claims per
// second, for the claims of issue 15 (a subscriber, a dependant, a
// secondary claim with the primary's payment, a replacement, a void, an
// outpatient-hospital claim, NDC lines), about 3 claims per patient.
func BenchmarkWrite837PCoverage(b *testing.B) {
	kinds := coverageClaims()
	claims := make([]claim.Claim, 10_000)
	for i := range claims {
		c := kinds[i%len(kinds)]
		c.ID = fmt.Sprintf("COV%07d", i)
		c.MemberID = fmt.Sprintf("M%08d", i/3)
		c.Patient.ID = c.MemberID
		claims[i] = c
	}
	env := testEnvelope837()
	var buf bytes.Buffer
	if _, err := Write837P(&buf, env, claims); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Write837P(io.Discard, env, claims); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(claims))/b.Elapsed().Seconds(), "claims/s")
}

// BenchmarkParse271 measures reading a full 271 (every EB01 code, 4
// members, 2120 loops) in documents per second.
func BenchmarkParse271(b *testing.B) {
	var buf bytes.Buffer
	if err := Write271(&buf, testEnvelope(), richResponse()); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse271(data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}

// BenchmarkRead837P measures reading a large 837P (10,000 claims), as the
// clearinghouse simulator does, in claims per second.
func BenchmarkRead837P(b *testing.B) {
	var buf bytes.Buffer
	if _, err := Write837P(&buf, testEnvelope837(), benchClaims(10_000)); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		doc, err := Read837P(data)
		if err != nil || len(doc.Claims) != 10_000 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*10_000)/b.Elapsed().Seconds(), "claims/s")
}

// hostileInputs are interchanges shaped to cost the reader the most per
// input byte, each about 3.4 MB (issue 14's probe file was 3.4 MB): an
// ISA and then one-character segments, the shortest well-formed segments,
// segments of empty elements, and a valid 837P for comparison.
func hostileInputs(b *testing.B) map[string][]byte {
	const size = 3400 << 10
	var buf bytes.Buffer
	if _, err := Write837P(&buf, testEnvelope837(), benchClaims(10_000)); err != nil {
		b.Fatal(err)
	}
	isa := buf.Bytes()[:isaLength]
	fill := func(unit string) []byte {
		out := append([]byte{}, isa...)
		for len(out) < size {
			out = append(out, unit...)
		}
		return out
	}
	return map[string][]byte{
		"tiny-segments":  fill("A~"),
		"short-segments": fill("N3*A~"),
		"empty-elements": fill("N3" + strings.Repeat("*", 200) + "~"),
		"valid-837P":     buf.Bytes()[:min(buf.Len(), size)],
	}
}

// BenchmarkParseHostile reads each hostile interchange and reports the
// bytes allocated per input byte and the peak heap of the read.
func BenchmarkParseHostile(b *testing.B) {
	inputs := hostileInputs(b)
	for _, name := range []string{"tiny-segments", "short-segments", "empty-elements", "valid-837P"} {
		data := inputs[name]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var peak benchmem.Result
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				m := benchmem.Start()
				_, _ = Parse(data)
				peak = peak.Max(m.Stop())
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(len(data)), "alloc-B/input-B")
			peak.Report(b)
		})
	}
}

// BenchmarkAcknowledgements measures reading a 277CA of 10,000 claims
// under 10 billing providers, one rejected at the billing provider level,
// and applying it to the 10,000 claims sent, in claims per second.
func BenchmarkAcknowledgements(b *testing.B) {
	const n, providers = 10_000, 10
	rep := Report277CA{Reference: "B1", Received: claim.MustDate("2026-03-02"), Processed: claim.MustDate("2026-03-02"),
		Payer: Entity277{EntityID: "AY", EntityType: "2", Name: "CH", IDQualifier: "46", ID: "CH"}, ReceiverTrace: "B1",
		Receiver: Entity277{EntityID: "41", EntityType: "2", Name: "SUB", IDQualifier: "46", ID: "SUB"}}
	sent := make([]Claim837Summary, n)
	for p := range providers {
		npi := fmt.Sprintf("%010d", 1000000000+p)
		pr := Provider277{Entity: Entity277{EntityID: "85", EntityType: "2", Name: "P", IDQualifier: "XX", ID: npi}}
		if p == 0 {
			pr.Statuses = []Status277{{StatusCode: StatusCode{Category: "A7", Code: "562", Entity: "85"}, Action: "U"}}
		}
		for i := p; i < n; i += providers {
			id := fmt.Sprintf("C%07d", i)
			sent[i] = Claim837Summary{ClaimID: id, Reference: "B1", BillingNPI: npi}
			if p == 0 {
				continue // not listed under a rejected provider
			}
			amt := claim.Money(10000)
			pr.Claims = append(pr.Claims, ClaimStatus277{Patient: Entity277{EntityID: "QC", EntityType: "1", Name: "X"}, PatientControlNumber: id,
				Statuses: []Status277{{StatusCode: StatusCode{Category: "A2", Code: "20"}, Action: "WQ", Amount: &amt}}})
		}
		rep.Providers = append(rep.Providers, pr)
	}
	var buf bytes.Buffer
	if err := Write277CA(&buf, testEnvelope(), []Report277CA{rep}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		doc, err := Parse277CA(data)
		if err != nil {
			b.Fatal(err)
		}
		if got := len(doc.Acknowledgements(sent)); got != n {
			b.Fatalf("%d acknowledgements, want %d", got, n)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "claims/s")
}
