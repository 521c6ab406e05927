package intake

import (
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
)

func correctionClaim() claim.Claim {
	return claim.Claim{ID: "C1", Billing: claim.Provider{NPI: "1234567890"}, PlaceOfService: "11",
		Diagnoses: []string{"E119", "I10"},
		Lines: []claim.Line{
			{Number: 1, From: claim.MustDate("2026-03-02"), To: claim.MustDate("2026-03-02"), Procedure: "99213", Modifiers: []string{"25"}, Units: 1, Charge: 12500, DxPointers: []int{1, 2}},
			{Number: 2, From: claim.MustDate("2026-03-02"), To: claim.MustDate("2026-03-02"), Procedure: "36415", Units: 1, Charge: 1500, DxPointers: []int{2}},
		}}
}

func TestCorrect(t *testing.T) {
	asOf := claim.MustDate("2026-03-10")
	cases := []struct {
		field claim.Field
		line  int
		value string
		old   string
		check func(c *claim.Claim) bool
	}{
		{claim.FieldBillingNPI, 0, " 1234567893 ", "1234567890", func(c *claim.Claim) bool { return c.Billing.NPI == "1234567893" }},
		{claim.FieldPlaceOfService, 0, "2", "11", func(c *claim.Claim) bool { return c.PlaceOfService == "02" }},
		{claim.FieldPatientDOB, 0, "5/17/61", "", func(c *claim.Claim) bool { return c.Patient.DOB.String() == "1961-05-17" }},
		{claim.FieldDx(1), 0, "e11.65", "E119", func(c *claim.Claim) bool { return c.Diagnoses[0] == "E1165" }},
		{claim.FieldDx(3), 0, "Z79.4", "", func(c *claim.Claim) bool { return len(c.Diagnoses) == 3 && c.Diagnoses[2] == "Z794" }},
		{claim.FieldDiagnosisCodes, 0, "I10, E11.9", "E119,I10", func(c *claim.Claim) bool { return strings.Join(c.Diagnoses, ",") == "I10,E119" }},
		{claim.FieldLineCharge, 2, "$18.00", "15.00", func(c *claim.Claim) bool { return c.Lines[1].Charge == 1800 }},
		{claim.FieldUnits, 1, "2", "1", func(c *claim.Claim) bool { return c.Lines[0].Units == 2 }},
		{claim.FieldDateFrom, 1, "03/01/2026", "2026-03-02", func(c *claim.Claim) bool {
			return c.Lines[0].From.String() == "2026-03-01" && c.Lines[0].To.String() == "2026-03-01"
		}},
		{claim.FieldDxPointers, 2, "AB", "2", func(c *claim.Claim) bool { return joinInts(c.Lines[1].DxPointers) == "1,2" }},
		{claim.FieldModifier(2), 1, "59", "", func(c *claim.Claim) bool { return strings.Join(c.Lines[0].Modifiers, ",") == "25,59" }},
		{claim.FieldModifier(1), 1, "", "25", func(c *claim.Claim) bool { return len(c.Lines[0].Modifiers) == 0 }},
		{claim.FieldModifiers, 2, "90, 91", "", func(c *claim.Claim) bool { return strings.Join(c.Lines[1].Modifiers, ",") == "90,91" }},
		{claim.FieldProcedureCode, 2, "g0008", "36415", func(c *claim.Claim) bool { return c.Lines[1].Procedure == "G0008" }},
	}
	for _, tc := range cases {
		c := correctionClaim()
		old, err := Correct(&c, tc.field, tc.line, tc.value, asOf)
		if err != nil {
			t.Errorf("%s@%d=%q: %v", tc.field, tc.line, tc.value, err)
			continue
		}
		if old != tc.old || !tc.check(&c) {
			t.Errorf("%s@%d=%q: old %q, claim %+v", tc.field, tc.line, tc.value, old, c)
		}
	}
}

func TestCorrectRefusesAndLeavesClaimAlone(t *testing.T) {
	asOf := claim.MustDate("2026-03-10")
	cases := []struct {
		field claim.Field
		line  int
		value string
		want  string
	}{
		{claim.FieldLineCharge, 3, "1", "no line 3"},
		{claim.FieldLineCharge, 1, "twelve", ""},
		{claim.FieldPatientDOB, 0, "31/31/1990", ""},
		{claim.FieldBillingNPI, 1, "1234567893", "claim-level"},
		{claim.FieldClaimID, 0, "C2", "cannot be corrected"},
		{claim.Field("favourite_colour"), 0, "blue", "not a claim field"},
		{claim.FieldDx(5), 0, "I10", "add dx3 before dx5"},
		{claim.FieldDx(2), 0, "", "points at diagnosis 2"},
		{claim.FieldDx(1), 0, "12345", ""},
	}
	for _, tc := range cases {
		c := correctionClaim()
		before := c.Lines[0].Charge
		_, err := Correct(&c, tc.field, tc.line, tc.value, asOf)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s@%d=%q: err %v, want %q", tc.field, tc.line, tc.value, err, tc.want)
		}
		if tc.value != "" && strings.Contains(errString(err), tc.value) && len(tc.value) > 3 {
			t.Errorf("error echoes the value: %v", err)
		}
		if c.Lines[0].Charge != before || c.Billing.NPI != "1234567890" || len(c.Diagnoses) != 2 {
			t.Errorf("%s: claim changed on error: %+v", tc.field, c)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
