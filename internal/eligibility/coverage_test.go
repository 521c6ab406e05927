package eligibility

import (
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
)

func TestResultPatientRecord(t *testing.T) {
	r := Result{MemberFound: true, CoverageActive: true, Payer: Party{Name: "UHC"},
		Subscriber:  Person{MemberID: "U1", LastName: "Roe", FirstName: "Mary", GroupNumber: "G9", Sex: "F"},
		Patient:     &Person{LastName: "Roe", FirstName: "Kid", Relationship: "19", DOB: claim.MustDate("2015-01-02")},
		OtherPayers: []OtherPayer{{Name: "Aetna", ID: "60054", Order: "primary", MemberID: "W1"}, {Name: "?", Order: ""}}}
	rec, ok := r.PatientRecord("87726", "UnitedHealthcare")
	if !ok || rec.Patient.FirstName != "Kid" || len(rec.Coverages) != 2 {
		t.Fatalf("record %+v %v", rec, ok)
	}
	plan, other := rec.Coverages[0], rec.Coverages[1]
	if plan.Responsibility != claim.Secondary || plan.PayerName != "UHC" || plan.MemberID != "U1" || plan.GroupNumber != "G9" ||
		plan.Relationship != claim.RelationshipChild || plan.Insured.FirstName != "Mary" || plan.Insured.Sex != claim.SexFemale {
		t.Errorf("plan %+v", plan)
	}
	if other.Responsibility != claim.Primary || other.PayerID != "60054" || other.MemberID != "W1" {
		t.Errorf("other payer %+v", other)
	}
	self := Result{MemberFound: true, CoverageActive: true, Subscriber: Person{MemberID: "W2", LastName: "Doe"}}
	if rec, ok := self.PatientRecord("60054", "Aetna"); !ok || rec.Coverages[0].Relationship != claim.RelationshipSelf ||
		rec.Coverages[0].Responsibility != claim.Primary || rec.Coverages[0].PayerName != "Aetna" || rec.Patient.LastName != "Doe" {
		t.Errorf("subscriber's record %+v", rec)
	}
	inactive := Result{MemberFound: true}
	if _, ok := inactive.PatientRecord("60054", "Aetna"); ok {
		t.Error("an inactive answer gave a record")
	}
}
