package scrubfile

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/intake"
	"github.com/rcmbot/rcmbot/internal/practice"
	"github.com/rcmbot/rcmbot/internal/refdata"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/x12"
)

// A two-claim CSV: C1 is clean; C2's billing ZIP has only 5 digits (the
// 837P needs ZIP+4, which the scorer does not check) and its second line's
// charge cannot be read.
const sample = `claim_id,patient_id,patient_last_name,patient_first_name,patient_dob,patient_sex,member_id,payer_id,payer_name,billing_provider_name,billing_npi,billing_tin,billing_taxonomy,billing_address,billing_city,billing_state,billing_zip,place_of_service,dx1,service_date_from,procedure_code,units,line_charge,dx_pointers,patient_address,patient_city,patient_state,patient_zip
C1,P1,Testerson,Ann,1970-02-03,F,W100,60054,Aetna,Testville Family Practice,1647000003,041234567,207Q00000X,100 Main St,Testville,MA,021341234,11,I10,2026-11-20,99213,1,125.00,1,1 Test Ln,Springfield,IL,62704
C2,P2,Testley,Bo,1965-04-05,M,W200,60054,Aetna,Testville Family Practice,1647000003,041234567,207Q00000X,100 Main St,Testville,MA,02134,11,I10,2026-11-21,99213,1,125.00,1,1 Test Ln,Springfield,IL,62704
C2,,,,,,,,,,,,,,,,,,,2026-11-21,36415,1,twelve,1,1 Test Ln,Springfield,IL,62704
`

func scrubSample(t *testing.T) (*intake.Layout, []claim.Claim, []scrub.Result, []intake.RowError) {
	t.Helper()
	r, err := intake.NewReader(strings.NewReader(sample), int64(len(sample)), "sample.csv", intake.Options{AsOf: claim.MustDate("2026-11-29")})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	claims, rowErrs, _ := r.Next(10)
	ref, err := refdata.Load("")
	if err != nil {
		t.Fatal(err)
	}
	s, err := scrub.New(ref, scrub.Config{})
	if err != nil {
		t.Fatal(err)
	}
	results := s.Scrub(claims, scrub.Context{Today: claim.MustDate("2026-11-29")}).Results
	env := practice.Starter().Envelope837(x12.Envelope{}, ref.Payers)
	Assess(claims, results, rowErrs, &env)
	return r.Layout(), claims, results, rowErrs
}

func TestAssessAddsWhatTheScorerCannotSee(t *testing.T) {
	_, claims, results, rowErrs := scrubSample(t)
	if len(claims) != 2 || len(rowErrs) != 1 {
		t.Fatalf("%d claims, %d row errors", len(claims), len(rowErrs))
	}
	if results[0].Tier != scrub.TierClean || len(results[0].Findings) != 0 {
		t.Fatalf("C1 should be clean: %+v", results[0])
	}
	r := results[1]
	rules := map[string]scrub.Finding{}
	for _, f := range r.Findings {
		rules[f.RuleID] = f
	}
	zip, ok := rules[RuleNot837P]
	if !ok || zip.Field != claim.FieldBillingZip || zip.Row != 3 || !strings.Contains(zip.Message, "ZIP+4") {
		t.Errorf("no 837P finding on the billing ZIP: %+v", r.Findings)
	}
	bad, ok := rules[RuleUnreadable]
	if !ok || bad.Field != claim.FieldLineCharge || bad.Row != 4 || strings.Contains(bad.Message, "twelve") {
		t.Errorf("unreadable charge: %+v", bad)
	}
	if r.Tier != scrub.TierHold || r.Score > 100 || r.Score < unreadablePoints {
		t.Errorf("C2 verdict: tier %s score %d", r.Tier, r.Score)
	}
}

func TestReportAndMarksLocateCells(t *testing.T) {
	layout, claims, results, rowErrs := scrubSample(t)
	rep := NewReport(layout, claims, results, rowErrs)
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"file":"sample.csv"`, `"intake_errors":[{`, `"value":"twelve"`, `"rule_id":"X12-837P-001"`, `"column":"Q"`, `"charges_at_risk":"`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("report lacks %s: %s", key, b)
		}
	}
	s := rep.Summary
	if s.Claims != 2 || s.Lines != 3 || s.Clean != 1 || s.Flagged != 1 || s.Errors < 2 || s.ChargesAtRisk != claims[1].LineTotal() {
		t.Errorf("summary %+v", s)
	}
	marks := Marks(results)
	if len(marks) != len(results[1].Findings) || marks[0].ClaimID != "C2" {
		t.Errorf("marks %+v", marks)
	}
	ws := WorkbookSummary(claims, results)
	if ws.ChargesAtRiskByCategory["required"] != claims[1].LineTotal() || ws.Flagged != 1 {
		t.Errorf("workbook summary %+v", ws)
	}
	if got := RowErrorsWithoutClaim(rowErrs); len(got) != 0 {
		t.Errorf("row errors without a claim: %+v", got)
	}
}

// TestRenderingNameFromTheFile: a rendering provider nobody set up but the
// claims file names lets its claim go clean; the same NPI without a name
// holds the claim with the 837P finding and is a provider the batch needs.
func TestRenderingNameFromTheFile(t *testing.T) {
	header, row, _ := strings.Cut(sample, "\n")
	c1, _, _ := strings.Cut(row, "\n")
	body := header + ",rendering_npi,Rendering Provider\n" +
		c1 + `,1326046822,"WELBY, MARCUS A, MD"` + "\n" +
		strings.Replace(c1, "C1,P1", "C3,P3", 1) + ",1326046822,\n"
	r, err := intake.NewReader(strings.NewReader(body), int64(len(body)), "named.csv", intake.Options{AsOf: claim.MustDate("2026-11-29")})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	claims, rowErrs, _ := r.Next(10)
	if len(claims) != 2 || len(rowErrs) != 0 {
		t.Fatalf("%d claims, row errors %v", len(claims), rowErrs)
	}
	ref, err := refdata.Load("")
	if err != nil {
		t.Fatal(err)
	}
	s, err := scrub.New(ref, scrub.Config{})
	if err != nil {
		t.Fatal(err)
	}
	results := s.Scrub(claims, scrub.Context{Today: claim.MustDate("2026-11-29")}).Results
	env := practice.Starter().Envelope837(x12.Envelope{}, ref.Payers)
	Assess(claims, results, rowErrs, &env)
	if results[0].Tier != scrub.TierClean {
		t.Errorf("the claim whose file names its rendering provider: %+v", results[0])
	}
	if got := UnknownRendering(&env, &claims[0]); len(got) != 0 {
		t.Errorf("UnknownRendering of the named claim = %v", got)
	}
	if results[1].Tier != scrub.TierHold || !strings.Contains(results[1].Findings[0].Message, "has no name") {
		t.Errorf("the claim without the name: %+v", results[1])
	}
	if need := ProvidersNeeded(&env, claims, results); len(need) != 1 || need[0].NPI != "1326046822" || need[0].Claims != 1 {
		t.Errorf("ProvidersNeeded = %+v", need)
	}
}
