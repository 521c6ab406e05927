package claim

import "testing"

func TestCoveragesInPaymentOrder(t *testing.T) {
	c := Claim{PayerID: "B", MemberID: "M2", Responsibility: Secondary, Relationship: RelationshipChild,
		Patient: Patient{LastName: "Kid"}, Insured: Patient{LastName: "Parent"},
		OtherCoverage: []Coverage{
			{Responsibility: Tertiary, PayerID: "C"},
			{Responsibility: Primary, PayerID: "A", Adjudication: &Adjudication{Paid: 8000, PaidDate: MustDate("2026-03-01"),
				Adjustments: []Adjustment{{Group: GroupContractual, Reason: "45", Amount: 2000}, {Group: GroupPatientResponse, Reason: "1", Amount: 500}}}},
		}}
	cov := c.Coverages()
	if len(cov) != 3 || cov[0].PayerID != "A" || cov[1].PayerID != "B" || cov[2].PayerID != "C" {
		t.Fatalf("coverages %+v, want A, B, C", cov)
	}
	if cov[1].Relationship != RelationshipChild || cov[1].Insured.LastName != "Parent" {
		t.Errorf("billed coverage %+v lost its insured", cov[1])
	}
	if !c.IsDependant() || c.Subscriber().LastName != "Parent" {
		t.Errorf("a child's claim: dependant %v, subscriber %q", c.IsDependant(), c.Subscriber().LastName)
	}
	c.Relationship = RelationshipSelf
	if c.IsDependant() || c.Subscriber().LastName != "Kid" {
		t.Errorf("self: dependant %v, subscriber %q", c.IsDependant(), c.Subscriber().LastName)
	}
	if (Claim{}).Responsibility.Or() != Primary {
		t.Error("no responsibility should mean primary")
	}
	c.OtherCoverage[0], c.OtherCoverage[1] = c.OtherCoverage[1], c.OtherCoverage[0]
	for f, want := range map[Field]string{FieldOtherPayerID: "A", FieldPriorPaid: "80.00", FieldPriorPaidDate: "2026-03-01",
		FieldPriorAdjustments: "CO-45 20.00; PR-1 5.00", FieldResponsibility: "S", FieldRelationship: "18", FieldInsuredLastName: "Parent"} {
		if got := c.Value(f, 0); got != want {
			t.Errorf("Value(%s) = %q, want %q", f, got, want)
		}
	}
}

func TestRelationshipAndFrequency(t *testing.T) {
	for _, r := range Relationships {
		if !r.Valid() {
			t.Errorf("%s not valid", r)
		}
	}
	if Relationship("17").Valid() || !Relationship("").IsSelf() || RelationshipSpouse.IsSelf() {
		t.Error("relationship checks wrong")
	}
	if FrequencyOriginal.NeedsOriginal() || !FrequencyReplacement.NeedsOriginal() || !FrequencyVoid.NeedsOriginal() {
		t.Error("NeedsOriginal wrong")
	}
	if !NDCUnitMilliliter.Valid() || NDCUnit("MG").Valid() || !GroupPatientResponse.Valid() || AdjustmentGroup("XX").Valid() {
		t.Error("code checks wrong")
	}
}
