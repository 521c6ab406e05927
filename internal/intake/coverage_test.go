package intake

import (
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// coverageHeader is an export with the patient in one name column, the
// patient's address, the insured, a secondary payer with the primary's
// payment, a corrected claim's number, a service facility and NDC quantities.
var coverageHeader = []string{"Claim #", "Patient Name", "DOB", "Sex", "Patient Address", "City", "State", "Zip",
	"Relationship to Insured", "Insured Name", "Insured DOB", "Insured Sex", "Insured Address", "Insured City", "Insured State", "Insured Zip",
	"Payer ID", "Payer Name", "Member ID", "Payer Responsibility", "Secondary Payer ID", "Secondary Payer", "Secondary Member ID",
	"Primary Paid Amount", "Primary Paid Date", "Primary Adjustments", "Frequency Code", "Original Claim Number",
	"Service Facility", "Facility NPI", "Facility Address", "Facility City", "Facility State", "Facility Zip",
	"Billing NPI", "DOS", "CPT", "Charge", "Units", "Dx 1", "NDC", "NDC Qty", "NDC Unit", "Primary Line Paid", "Primary Line Adjustments"}

func coverageRow(cells map[string]string) []string {
	row := make([]string, len(coverageHeader))
	base := map[string]string{"Patient Name": "ROE JR, RICHARD A", "DOB": "2015-04-02", "Sex": "M", "Payer ID": "60054",
		"Payer Name": "Aetna", "Member ID": "W111", "Billing NPI": "1234567893", "DOS": "2026-02-10", "CPT": "99213",
		"Charge": "100", "Units": "1", "Dx 1": "J02.9", "Patient Address": "1 Main St", "City": "Austin", "State": "tx", "Zip": "78701"}
	for i, h := range coverageHeader {
		v, ok := cells[h]
		if !ok {
			v = base[h]
		}
		row[i] = `"` + v + `"`
	}
	return row
}

func TestReadCoverage(t *testing.T) {
	body := csvText(",", coverageHeader,
		coverageRow(map[string]string{"Claim #": "SELF1", "Relationship to Insured": "self"}),
		coverageRow(map[string]string{"Claim #": "KID1", "Relationship to Insured": "Child", "Insured Name": "ROE, MARY",
			"Insured DOB": "1985-06-07", "Insured Sex": "F", "Insured Address": "1 Main St", "Insured City": "Austin",
			"Insured State": "TX", "Insured Zip": "78701-1234"}),
		coverageRow(map[string]string{"Claim #": "SEC1", "Secondary Payer ID": "87726", "Secondary Payer": "UnitedHealthcare",
			"Secondary Member ID": "U222", "Primary Paid Amount": "60.00", "Primary Paid Date": "2026-03-01",
			"Primary Adjustments": "CO-45 30.00; PR-1 10.00"}),
		coverageRow(map[string]string{"Claim #": "SEC2", "Secondary Payer ID": "87726", "Secondary Payer": "UnitedHealthcare",
			"Secondary Member ID": "U222", "Primary Paid Amount": "60.00", "Primary Paid Date": "2026-03-01",
			"Primary Line Paid": "60.00", "Primary Line Adjustments": "CO-45 30.00; PR-1 10.00"}),
		coverageRow(map[string]string{"Claim #": "PRI1", "Payer Responsibility": "primary", "Secondary Payer ID": "87726",
			"Secondary Payer": "UnitedHealthcare", "Secondary Member ID": "U222"}),
		coverageRow(map[string]string{"Claim #": "COR1", "Frequency Code": "7", "Original Claim Number": "ICN2026000123",
			"Service Facility": "St David's Hospital", "Facility NPI": "1558598797", "Facility Address": "919 E 32nd St",
			"Facility City": "Austin", "Facility State": "TX", "Facility Zip": "78705", "CPT": "J1100", "NDC": "63323-0165-01",
			"NDC Qty": "1", "NDC Unit": "mL", "Units": "10"}),
	)
	res := readAll(t, writeFile(t, "cov.csv", []byte(body)), opts())
	if len(res.Errors) != 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	by := map[string]claim.Claim{}
	for _, c := range res.Claims {
		by[c.ID] = c
	}
	self := by["SELF1"]
	if p := self.Patient; p.LastName != "ROE" || p.FirstName != "RICHARD" || p.MiddleName != "A" || p.Suffix != "JR" ||
		p.Address != (claim.Address{Line1: "1 Main St", City: "Austin", State: "TX", Zip: "78701"}) {
		t.Errorf("patient = %+v", p)
	}
	if self.Relationship != claim.RelationshipSelf || self.IsDependant() {
		t.Errorf("self claim relationship %q", self.Relationship)
	}
	kid := by["KID1"]
	if !kid.IsDependant() || kid.Relationship != claim.RelationshipChild || kid.Insured.LastName != "ROE" || kid.Insured.FirstName != "MARY" ||
		kid.Insured.DOB != claim.MustDate("1985-06-07") || kid.Insured.Sex != claim.SexFemale || kid.Insured.Address.Zip != "787011234" {
		t.Errorf("dependant = %+v / %+v", kid.Relationship, kid.Insured)
	}
	sec := by["SEC1"]
	if sec.Responsibility != claim.Secondary || sec.PayerID != "87726" || sec.MemberID != "U222" || len(sec.OtherCoverage) != 1 {
		t.Fatalf("secondary claim billed to %s/%s (%s), other %+v", sec.PayerID, sec.MemberID, sec.Responsibility, sec.OtherCoverage)
	}
	o := sec.OtherCoverage[0]
	if o.Responsibility != claim.Primary || o.PayerID != "60054" || o.MemberID != "W111" || o.Adjudication == nil ||
		o.Adjudication.Paid != 6000 || o.Adjudication.PaidDate != claim.MustDate("2026-03-01") ||
		claim.FormatAdjustments(o.Adjudication.Adjustments) != "CO-45 30.00; PR-1 10.00" {
		t.Errorf("primary coverage on the secondary claim = %+v %+v", o, o.Adjudication)
	}
	if l := by["SEC2"].Lines[0]; by["SEC2"].Responsibility != claim.Secondary || l.Prior == nil || l.Prior.Paid != 6000 ||
		claim.FormatAdjustments(l.Prior.Adjustments) != "CO-45 30.00; PR-1 10.00" {
		t.Errorf("line-level adjudication = %+v", l.Prior)
	}
	pri := by["PRI1"]
	if pri.Responsibility != claim.Primary || pri.PayerID != "60054" || len(pri.OtherCoverage) != 1 ||
		pri.OtherCoverage[0].Responsibility != claim.Secondary || pri.OtherCoverage[0].Adjudication != nil {
		t.Errorf("primary claim with a secondary: %+v", pri)
	}
	cor := by["COR1"]
	if cor.FrequencyCode != claim.FrequencyReplacement || cor.OriginalClaimNumber != "ICN2026000123" ||
		cor.Facility.Name != "St David's Hospital" || cor.Facility.NPI != "1558598797" || cor.Facility.Address.Zip != "78705" {
		t.Errorf("corrected claim = %+v", cor)
	}
	if l := cor.Lines[0]; l.Units != 10 || l.NDCQuantity != 1 || l.NDCUnit != claim.NDCUnitMilliliter {
		t.Errorf("NDC line = %+v", l)
	}
}

func TestCoverageRowErrors(t *testing.T) {
	body := csvText(",", coverageHeader,
		coverageRow(map[string]string{"Claim #": "R1", "Relationship to Insured": "cousin"}),
		coverageRow(map[string]string{"Claim #": "R2", "Payer Responsibility": "P", "Secondary Payer ID": "87726",
			"Primary Paid Amount": "60.00"}),
		coverageRow(map[string]string{"Claim #": "R3", "NDC Unit": "tablets", "NDC Qty": "0"}),
		coverageRow(map[string]string{"Claim #": "R4", "Primary Adjustments": "XX-45 30.00", "Secondary Payer ID": "87726"}),
		coverageRow(map[string]string{"Claim #": "R5", "Payer Responsibility": "S"}),
		coverageRow(map[string]string{"Claim #": "R6", "Insured Name": "MARY ROE"}),
		coverageRow(map[string]string{"Claim #": "R7", "Primary Line Paid": "sixty"}),
	)
	res := readAll(t, writeFile(t, "bad.csv", []byte(body)), opts())
	type where struct{ claim, col string }
	got := map[where]RowError{}
	for _, e := range res.Errors {
		got[where{e.ClaimID, e.Column}] = e
		if strings.Contains(e.Error(), "cousin") || strings.Contains(e.Error(), "MARY") || strings.Contains(e.Error(), "tablets") {
			t.Errorf("error carries the value: %s", e.Error())
		}
	}
	for _, w := range []struct {
		claim, col string
		row        int
		msg        string
	}{
		{"R1", "I", 2, "relationship to the insured"},
		{"R2", "X", 3, "primary claim carries no prior payer"},
		{"R3", "AQ", 4, "unit of measure"},
		{"R3", "AP", 4, "drug quantity"},
		{"R4", "Z", 5, "group-reason amount"},
		{"R5", "T", 6, "names no other payer"},
		{"R6", "J", 7, "LAST, FIRST"},
		{"R7", "AR", 8, "the primary paid on the line"},
	} {
		e, ok := got[where{w.claim, w.col}]
		if !ok {
			t.Errorf("no error for claim %s column %s", w.claim, w.col)
			continue
		}
		if e.Row != w.row || !strings.Contains(e.Message, w.msg) {
			t.Errorf("claim %s column %s: row %d %q; want row %d, %q", w.claim, w.col, e.Row, e.Message, w.row, w.msg)
		}
	}
	if len(res.Errors) != 8 {
		t.Errorf("%d errors, want 8: %v", len(res.Errors), res.Errors)
	}
}

func TestParseCoverageValues(t *testing.T) {
	for in, want := range map[string]claim.Relationship{"": "", "Self": "18", "18": "18", "1": "01", "01": "01", "spouse": "01",
		"Child": "19", "19": "19", "g8": "G8", "Other": "G8", "life partner": "53"} {
		if got, err := ParseRelationship(in); err != nil || got != want {
			t.Errorf("ParseRelationship(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"17", "dependent", "X"} {
		if _, err := ParseRelationship(bad); err == nil {
			t.Errorf("ParseRelationship(%q) succeeded", bad)
		}
	}
	for in, want := range map[string]claim.Responsibility{"": "", "P": "P", "secondary": "S", "3": "T"} {
		if got, err := ParseResponsibility(in); err != nil || got != want {
			t.Errorf("ParseResponsibility(%q) = %q, %v", in, got, err)
		}
	}
	for in, want := range map[string]claim.NDCUnit{"": "", "UN": "UN", "ml": "ML", "Gram": "GR", "mg": "ME", "IU": "F2", "each": "UN"} {
		if got, err := ParseNDCUnit(in); err != nil || got != want {
			t.Errorf("ParseNDCUnit(%q) = %q, %v", in, got, err)
		}
	}
	if m, err := ParseMSPType("12"); err != nil || m != claim.MSPWorkingAged {
		t.Errorf("ParseMSPType(12) = %q, %v", m, err)
	}
	if _, err := ParseMSPType("11"); err == nil {
		t.Error("ParseMSPType(11) succeeded")
	}
	adj, err := ParseAdjustments("CO-45 25.00; pr1: 10\nOA-23 -5.50")
	if err != nil || claim.FormatAdjustments(adj) != "CO-45 25.00; PR-1 10.00; OA-23 -5.50" {
		t.Errorf("ParseAdjustments = %v, %v", adj, err)
	}
	for _, bad := range []string{"CO", "CO-45", "ZZ-45 1.00", "CO-123456 1.00", "CO-45 abc"} {
		if _, err := ParseAdjustments(bad); err == nil {
			t.Errorf("ParseAdjustments(%q) succeeded", bad)
		}
	}
}

// FuzzCoverageValues runs the coverage parsers on any text: none may
// panic, errors are value errors, and what they accept is normalised.
func FuzzCoverageValues(f *testing.F) {
	for _, s := range []string{"", "self", "01", "1", "G8", "child", "P", "secondary", "ML", "mg", "0.5", "-1",
		"CO-45 25.00; PR-1 10.00", "CO45 25", "co-45:1e3", "PR-\n", "OA-23 -5.50\r\nCR-1 (1.00)", "ROE JR, RICHARD A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if r, err := ParseRelationship(s); err == nil && r != "" && !r.Valid() {
			t.Errorf("ParseRelationship(%q) = %q", s, r)
		} else if err != nil && !isValueError(err) {
			t.Errorf("ParseRelationship(%q): %v is not a value error", s, err)
		}
		if m, err := ParseMSPType(s); err == nil && m != "" && !m.Valid() {
			t.Errorf("ParseMSPType(%q) = %q", s, m)
		}
		if r, err := ParseResponsibility(s); err == nil && r != "" && !r.Valid() {
			t.Errorf("ParseResponsibility(%q) = %q", s, r)
		}
		if u, err := ParseNDCUnit(s); err == nil && u != "" && !u.Valid() {
			t.Errorf("ParseNDCUnit(%q) = %q", s, u)
		}
		if q, err := ParseNDCQuantity(s); err == nil && (q < 0 || q != q || q > 1e6) {
			t.Errorf("ParseNDCQuantity(%q) = %v", s, q)
		}
		if p, err := parseLinePrior(s, s); err == nil && p != nil && strings.TrimSpace(s) == "" {
			t.Errorf("parseLinePrior of blank cells = %+v", p)
		} else if err != nil && !isValueError(err) {
			t.Errorf("parseLinePrior(%q): %v is not a value error", s, err)
		}
		adj, err := ParseAdjustments(s)
		if err != nil && !isValueError(err) {
			t.Errorf("ParseAdjustments(%q): %v is not a value error", s, err)
		}
		for _, a := range adj {
			if !a.Group.Valid() || a.Reason == "" || len(a.Reason) > 5 || strings.ToUpper(a.Reason) != a.Reason {
				t.Errorf("ParseAdjustments(%q) = %+v", s, a)
			}
		}
		if err == nil {
			back, err := ParseAdjustments(claim.FormatAdjustments(adj))
			if err != nil || claim.FormatAdjustments(back) != claim.FormatAdjustments(adj) {
				t.Errorf("ParseAdjustments(%q) = %v does not round-trip: %v %v", s, adj, back, err)
			}
		}
	})
}

func TestCorrectCoverageFields(t *testing.T) {
	c := claim.Claim{ID: "K1", Lines: []claim.Line{{Number: 1, NDC: "63323016501"}}}
	for _, fix := range []struct {
		f     claim.Field
		line  int
		value string
	}{
		{claim.FieldRelationship, 0, "child"}, {FieldInsuredName, 0, "ROE, MARY"}, {claim.FieldPatientAddress, 0, "1 Main St"},
		{claim.FieldPriorPaid, 0, "60"}, {claim.FieldOriginalClaimNumber, 0, "ICN1"}, {claim.FieldNDCQuantity, 1, "2"},
		{claim.FieldNDCUnit, 1, "ml"}, {claim.FieldLinePriorPaid, 1, "20"}, {claim.FieldLinePriorAdjustments, 1, "CO-45 5"},
	} {
		if _, err := Correct(&c, fix.f, fix.line, fix.value, asOf); err != nil {
			t.Errorf("Correct(%s): %v", fix.f, err)
		}
	}
	if c.Relationship != claim.RelationshipChild || c.Insured.FirstName != "MARY" || c.Patient.Address.Line1 != "1 Main St" ||
		c.OtherCoverage[0].Adjudication.Paid != 6000 || c.OriginalClaimNumber != "ICN1" || c.Lines[0].NDCQuantity != 2 || c.Lines[0].NDCUnit != claim.NDCUnitMilliliter ||
		c.Lines[0].Prior == nil || c.Lines[0].Prior.Paid != 2000 || len(c.Lines[0].Prior.Adjustments) != 1 {
		t.Errorf("corrected claim %+v", c)
	}
	if _, err := Correct(&c, claim.FieldRelationship, 0, "cousin", asOf); err == nil || strings.Contains(err.Error(), "cousin") {
		t.Errorf("bad relationship: %v", err)
	}
}

// TestReadOtherInsured: the secondary coverage's insured's DOB, sex and
// address are read into the other coverage, and move with it to the
// claim's insured when the claim is billed to the secondary; a bad cell
// is a row error on its column without the value.
func TestReadOtherInsured(t *testing.T) {
	header := []string{"Claim #", "Patient Name", "DOB", "Payer ID", "Member ID", "Billing NPI", "DOS", "CPT", "Charge", "Units", "Dx 1",
		"Secondary Payer ID", "Secondary Payer", "Secondary Member ID", "Secondary Relationship", "Secondary Insured Name",
		"Secondary Insured DOB", "Secondary Insured Sex", "Secondary Insured Address", "Secondary Insured City",
		"Secondary Insured State", "Secondary Insured Zip", "Payer Responsibility", "Primary Paid Amount", "Primary Paid Date"}
	row := func(id, dob, sex, resp, paid string) []string {
		r := []string{id, `"ROE, RICHARD"`, "1980-04-02", "60054", "W111", "1234567893", "2026-02-10", "99213", "100", "1", "J02.9",
			"87726", "UHC", "U222", "spouse", `"ROE, MARY"`, dob, sex, "9 Elm Ct", "Austin", "tx", "78701-1234", resp, paid, ""}
		if paid != "" {
			r[len(r)-1] = "2026-03-01"
		}
		return r
	}
	body := csvText(",", header,
		row("PRI1", "1982-06-07", "F", "P", ""),
		row("SEC1", "1982-06-07", "F", "S", "60.00"),
		row("BAD1", "1982-13-45", "Q", "P", ""),
	)
	res := readAll(t, writeFile(t, "oth.csv", []byte(body)), opts())
	by := map[string]claim.Claim{}
	for _, c := range res.Claims {
		by[c.ID] = c
	}
	want := claim.Patient{LastName: "ROE", FirstName: "MARY", DOB: claim.MustDate("1982-06-07"), Sex: claim.SexFemale,
		Address: claim.Address{Line1: "9 Elm Ct", City: "Austin", State: "TX", Zip: "787011234"}}
	if c := by["PRI1"]; len(c.OtherCoverage) != 1 || c.OtherCoverage[0].Insured != want || c.Value(claim.FieldOtherInsuredZip, 0) != "787011234" ||
		c.Value(claim.FieldOtherInsuredDOB, 0) != "1982-06-07" {
		t.Errorf("primary claim's other insured = %+v", c.OtherCoverage)
	}
	if c := by["SEC1"]; c.PayerID != "87726" || c.Insured != want || c.Relationship != claim.RelationshipSpouse {
		t.Errorf("secondary claim's insured = %+v (%s, billed to %s)", c.Insured, c.Relationship, c.PayerID)
	}
	cols := map[string]bool{}
	for _, e := range res.Errors {
		if e.ClaimID == "BAD1" && e.Row == 4 {
			cols[e.Column] = true
		}
		if strings.Contains(e.Error(), "1982-13-45") {
			t.Errorf("error shows the value: %v", e)
		}
	}
	if !cols["Q"] || !cols["R"] {
		t.Errorf("errors on the bad DOB (Q) and sex (R): %v", res.Errors)
	}
	c := by["PRI1"]
	if _, err := Correct(&c, claim.FieldOtherInsuredCity, 0, "Round Rock", asOf); err != nil || c.OtherCoverage[0].Insured.Address.City != "Round Rock" {
		t.Errorf("Correct(other_insured_city): %v %+v", err, c.OtherCoverage[0].Insured.Address)
	}
}
