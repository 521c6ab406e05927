package intake

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// TestBriefSynonyms checks the header texts real exports use, as written
// in the issue and seen in Kareo/Tebra, AdvancedMD, athena and eCW exports.
func TestBriefSynonyms(t *testing.T) {
	want := map[string]claim.Field{
		"Claim #": claim.FieldClaimID, "Claim No.": claim.FieldClaimID, "CLAIM_NUMBER": claim.FieldClaimID,
		"Encounter ID": claim.FieldClaimID, "Patient Control Number": claim.FieldClaimID,
		"Patient Account No": claim.FieldPatientID, "Acct #": claim.FieldPatientID, "MRN": claim.FieldPatientID,
		"Last Name": claim.FieldPatientLastName, "Patient First Name": claim.FieldPatientFirstName,
		"DOB": claim.FieldPatientDOB, "Date of Birth": claim.FieldPatientDOB, "Birth Date": claim.FieldPatientDOB,
		"Gender": claim.FieldPatientSex, "Sex": claim.FieldPatientSex,
		"Member ID": claim.FieldMemberID, "Subscriber ID": claim.FieldMemberID, "Policy #": claim.FieldMemberID,
		"Insurance ID": claim.FieldMemberID, "Insured's ID Number": claim.FieldMemberID,
		"Group #": claim.FieldGroupNumber, "Payer ID": claim.FieldPayerID, "Payor ID": claim.FieldPayerID,
		"Payer Name": claim.FieldPayerName, "Primary Insurance": claim.FieldPayerName,
		"Billing Provider": claim.FieldBillingName, "Billing NPI": claim.FieldBillingNPI, "Group NPI": claim.FieldBillingNPI,
		"Tax ID": claim.FieldBillingTIN, "EIN": claim.FieldBillingTIN, "Federal Tax ID": claim.FieldBillingTIN,
		"Taxonomy": claim.FieldBillingTaxonomy, "Billing Address 1": claim.FieldBillingAddress,
		"Billing City": claim.FieldBillingCity, "Billing State": claim.FieldBillingState, "Billing ZIP+4": claim.FieldBillingZip,
		"Rendering NPI": claim.FieldRenderingNPI, "Rendering Provider NPI": claim.FieldRenderingNPI,
		"Referring NPI": claim.FieldReferringNPI, "POS": claim.FieldPlaceOfService, "Place of Service": claim.FieldPlaceOfService,
		"Claim Frequency Code": claim.FieldFrequencyCode, "Prior Auth #": claim.FieldPriorAuth,
		"Authorization": claim.FieldPriorAuth, "Total Charges": claim.FieldTotalCharge, "Claim Total": claim.FieldTotalCharge,
		"Diagnosis Codes": claim.FieldDiagnosisCodes, "ICD-10 Codes": claim.FieldDiagnosisCodes,
		"Line #": claim.FieldLineNumber, "DOS": claim.FieldDateFrom, "Date of Service": claim.FieldDateFrom,
		"From Date": claim.FieldDateFrom, "Service Date": claim.FieldDateFrom, "DOS From": claim.FieldDateFrom,
		"To Date": claim.FieldDateTo, "Thru": claim.FieldDateTo, "Thru Date": claim.FieldDateTo, "DOS To": claim.FieldDateTo,
		"CPT": claim.FieldProcedureCode, "HCPCS": claim.FieldProcedureCode, "CPT/HCPCS": claim.FieldProcedureCode,
		"Proc Code": claim.FieldProcedureCode, "CPT Code": claim.FieldProcedureCode,
		"Modifiers": claim.FieldModifiers, "Mod 1": claim.FieldModifier(1), "Modifier 1": claim.FieldModifier(1),
		"Modifier4": claim.FieldModifier(4), "Mod 2": claim.FieldModifier(2),
		"Qty": claim.FieldUnits, "Days/Units": claim.FieldUnits, "Units": claim.FieldUnits,
		"Billed Amount": claim.FieldLineCharge, "Charges": claim.FieldLineCharge, "Charge Amt": claim.FieldLineCharge,
		"Dx Pointer": claim.FieldDxPointers, "Diagnosis Pointer": claim.FieldDxPointers, "NDC": claim.FieldNDC,
		"Dx 1": claim.FieldDx(1), "ICD-10 1": claim.FieldDx(1), "Diagnosis 1": claim.FieldDx(1),
		"Diag Code 1": claim.FieldDx(1), "Dx A": claim.FieldDx(1), "Primary Diagnosis": claim.FieldDx(1),
		"ICD-10 10": claim.FieldDx(10), "Dx 12": claim.FieldDx(12), "Diagnosis L": claim.FieldDx(12),
		"dx_pointers": claim.FieldDxPointers, "service_date_from": claim.FieldDateFrom,
	}
	for h, f := range want {
		if got, ok := FieldForHeader(h); !ok || got != f {
			t.Errorf("FieldForHeader(%q) = %q, %v; want %q", h, got, ok, f)
		}
	}
	for _, h := range []string{"Notes", "Balance", "Insurance Balance", "Rendering Provider Phone", "Appointment Type"} {
		if f, ok := FieldForHeader(h); ok {
			t.Errorf("FieldForHeader(%q) = %q; want unknown", h, f)
		}
	}
}

// TestEverySynonym reads a header row made of each synonym in turn (the
// canonical name first) and checks the layout puts it in that field.
func TestEverySynonym(t *testing.T) {
	n := 0
	check := func(h string, f claim.Field) {
		t.Helper()
		l, err := newLayout([]string{"x", h})
		if err != nil {
			t.Fatal(err)
		}
		c, ok := l.Column(f)
		if !ok || c.Header != h || c.Letter != "B" {
			t.Errorf("header %q: column for %s = %+v, %v", h, f, c, ok)
		}
		n++
	}
	for f, names := range synonyms {
		check(string(f), f)
		for _, h := range names {
			check(h, f)
		}
	}
	for d := 1; d <= claim.MaxDiagnoses; d++ {
		for _, s := range dxStems {
			if numberedTaken[s+" "+strconv.Itoa(d)] {
				continue
			}
			check(s+" "+strconv.Itoa(d), claim.FieldDx(d))
			check(s+" "+string(rune('A'+d-1)), claim.FieldDx(d))
		}
	}
	for m := 1; m <= claim.MaxModifiers; m++ {
		for _, s := range modifierStems {
			check(s+" "+strconv.Itoa(m), claim.FieldModifier(m))
		}
	}
	t.Logf("%d header texts", n)
}

func TestNormalizeHeader(t *testing.T) {
	for in, want := range map[string]string{
		"Claim #": "claimno", "CLAIM_NO.": "claimno", "Claim Number": "claimno", "Days/Units": "daysunits",
		" Date of  Service ": "dateofservice", "ICD-10 1": "icd101", "R&D": "randd",
	} {
		if got := NormalizeHeader(in); got != want {
			t.Errorf("NormalizeHeader(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestColumnLetter(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA", 16383: "XFD"} {
		if got := ColumnLetter(i); got != want {
			t.Errorf("ColumnLetter(%d) = %q; want %q", i, got, want)
		}
	}
}

func TestLayoutDuplicateAndJSON(t *testing.T) {
	if _, err := newLayout([]string{"DOS", "Claim #", "Date of Service"}); err == nil {
		t.Error("two date-of-service columns accepted")
	}
	l, err := newLayout([]string{"Claim #", "", "Notes", "CPT", "Dx 1"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	var back Layout
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if cell, ok := back.Cell(claim.FieldProcedureCode, 7); !ok || cell != "D7" {
		t.Errorf("Cell after JSON = %q, %v; want D7", cell, ok)
	}
	if c, ok := back.columnAt(2); !ok || c.Header != "Notes" || c.Field != "" {
		t.Errorf("unknown column kept: %+v %v", c, ok)
	}
	if _, ok := back.columnAt(1); ok {
		t.Error("blank header cell has a column")
	}
	if _, ok := back.Cell(claim.FieldNDC, 7); ok {
		t.Error("absent field has a cell")
	}
}
