package claim

import (
	"slices"
	"testing"
)

func TestPatientRecordFillsWhatAFileLeavesOut(t *testing.T) {
	mom := Patient{LastName: "Roe", FirstName: "Mary", DOB: MustDate("1985-06-07"), Sex: SexFemale}
	addr := Address{Line1: "1 Main St", City: "Austin", State: "TX", Zip: "78701"}
	first := Claim{ID: "A", Patient: Patient{ID: "P1", LastName: "Roe", FirstName: "Kid", DOB: MustDate("2015-01-02"), Sex: SexMale, Address: addr},
		PayerID: "60054", PayerName: "Aetna", MemberID: "W1", GroupNumber: "G1", Relationship: RelationshipChild, Insured: mom,
		OtherCoverage: []Coverage{{Responsibility: Secondary, PayerID: "87726", PayerName: "UHC", MemberID: "U1",
			Adjudication: &Adjudication{Paid: 100}}}}
	var r PatientRecord
	r.Merge(RecordOf(&first))
	if len(r.Coverages) != 2 || r.Coverages[0].PayerID != "60054" || r.Coverages[1].Adjudication != nil || r.Coverages[0].Insured.FirstName != "Mary" {
		t.Fatalf("record %+v", r)
	}

	// The next upload names only the account number, the payer and the lines.
	next := Claim{ID: "B", Patient: Patient{ID: "P1"}, PayerID: "60054"}
	filled := r.Fill(&next)
	if next.Patient.LastName != "Roe" || next.Patient.Address != addr || next.MemberID != "W1" || next.GroupNumber != "G1" ||
		next.Relationship != RelationshipChild || next.Insured.FirstName != "Mary" || len(next.OtherCoverage) != 0 {
		t.Errorf("filled claim %+v", next)
	}
	for _, f := range []Field{FieldPatientLastName, FieldPatientDOB, FieldPatientAddress, FieldMemberID, FieldRelationship, FieldInsuredLastName} {
		if !slices.Contains(filled, f) {
			t.Errorf("filled %v lacks %s", filled, f)
		}
	}
	// What the file gives stays.
	given := Claim{ID: "C", Patient: Patient{ID: "P1", LastName: "Roe", FirstName: "Kidd", Address: Address{Line1: "9 Elm"}}, PayerID: "60054", MemberID: "W2"}
	r.Fill(&given)
	if given.Patient.FirstName != "Kidd" || given.Patient.Address.Line1 != "9 Elm" || given.MemberID != "W2" {
		t.Errorf("fill overwrote the file: %+v", given)
	}
	// A secondary claim without the primary gets it from the record.
	sec := Claim{ID: "D", Patient: Patient{ID: "P1"}, PayerID: "87726", Responsibility: Secondary}
	r.Fill(&sec)
	if sec.MemberID != "U1" || len(sec.OtherCoverage) != 1 || sec.OtherCoverage[0].PayerID != "60054" || sec.OtherCoverage[0].MemberID != "W1" {
		t.Errorf("secondary claim %+v", sec)
	}
	// A newer primary replaces the old one; the newer address wins.
	newer := Claim{Patient: Patient{ID: "P1", Address: Address{Line1: "2 Oak"}}, PayerID: "62308", MemberID: "C9"}
	r.Merge(RecordOf(&newer))
	if r.Patient.Address.Line1 != "2 Oak" || r.Patient.FirstName != "Kid" || len(r.Coverages) != 2 || r.Coverages[0].PayerID != "62308" {
		t.Errorf("merged record %+v", r)
	}
}
