package payer

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/sim"
)

// expectations says, for each Expected Outcome of the roster fixture, the
// status a check ends in and the discrepancy it must raise ("" none).
var expectations = map[string]struct {
	status eligibility.Status
	kind   eligibility.DiscrepancyKind
}{
	"active":          {eligibility.StatusActive, ""},
	"dependent":       {eligibility.StatusActive, ""},
	"high_deductible": {eligibility.StatusActive, eligibility.HighDeductible},
	"other_payer":     {eligibility.StatusActive, eligibility.OtherCoverage},
	"id_changed":      {eligibility.StatusActive, eligibility.MemberIDMismatch},
	"name_mismatch":   {eligibility.StatusActive, eligibility.NameMismatch},
	"dob_mismatch":    {eligibility.StatusActive, eligibility.DOBMismatch},
	"inactive":        {eligibility.StatusInactive, eligibility.InactiveCoverage},
	"not_found":       {eligibility.StatusUnknownMember, eligibility.UnknownMember},
	"invalid_id":      {eligibility.StatusUnknownMember, eligibility.UnknownMember},
	"wrong_payer":     {eligibility.StatusUnknownMember, eligibility.UnknownMember},
	"unavailable":     {eligibility.StatusRetryLater, ""},
}

// Every row of the committed roster fixtures (xlsx and csv) reaches the
// outcome its "Expected Outcome" column names, through the real client and
// the simulator at its default seed, over both wire formats.
func TestRosterFixtureOutcomes(t *testing.T) {
	f := newFixture(t, sim.PayerConfig{}, Options{})
	rows := sim.FixtureRows(claim.MustDate("2026-03-02"))
	seen := map[string]bool{}
	for _, name := range []string{"roster.xlsx", "roster.csv"} {
		roster, err := eligibility.ReadRoster(filepath.Join("..", "..", "fixtures", "eligibility", name))
		if err != nil {
			t.Fatal(err)
		}
		if len(roster.Errors) != 0 || len(roster.Appointments) != len(rows) {
			t.Fatalf("%s: %d appointments, errors %v", name, len(roster.Appointments), roster.Errors)
		}
		for i, a := range roster.Appointments {
			want, ok := expectations[rows[i].Expect]
			if !ok {
				t.Fatalf("row %d: no expectation for %q", a.Row, rows[i].Expect)
			}
			seen[rows[i].Expect] = true
			req := a.Request()
			req.ProviderNPI, req.ProviderName = "1234567893", "Riverside Family Medicine"
			res, err := f.client.Check(context.Background(), req)
			if res == nil {
				t.Fatalf("%s row %d (%s): %v", name, a.Row, rows[i].Expect, err)
			}
			var kinds []eligibility.DiscrepancyKind
			for _, d := range eligibility.Discrepancies(req, *res) {
				kinds = append(kinds, d.Kind)
			}
			if res.Status != want.status || (want.kind == "") != (len(kinds) == 0) || want.kind != "" && !slices.Contains(kinds, want.kind) {
				t.Errorf("%s row %d (%s, payer %s): status %s, discrepancies %v; want %s and %q",
					name, a.Row, rows[i].Expect, req.PayerID, res.Status, kinds, want.status, want.kind)
			}
		}
	}
	for e := range expectations {
		if !seen[e] {
			t.Errorf("the fixture has no %s row", e)
		}
	}
}
