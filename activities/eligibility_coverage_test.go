package activities

import (
	"context"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/store"
)

// An active answer becomes the patient's record: the claims of the visit
// can leave the coverage out. A dependant's answer names the subscriber
// and the relationship; an inactive answer records nothing.
func TestCheckEligibilityKeepsCoverage(t *testing.T) {
	a, ps, db := newEligibility(t, sim.PayerConfig{})
	ctx := context.Background()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	check := func(p sim.Profile, patientID string) sim.Member {
		m := rosterMember(t, ps, p, "60054", 0)
		ap, err := db.AddCheckRequest(ctx, store.Appointment{Date: claim.MustDate("2026-03-02"), PayerID: m.PayerID, MemberID: m.ID,
			PatientID: patientID, LastName: m.LastName, FirstName: m.FirstName, DOB: m.DOB})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.ExecuteActivity(a.CheckEligibility, CheckInput{RequestID: ap.ID}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	active := check(sim.ProfileActive, "MRN-1")
	dependant := check(sim.ProfileDependent, "MRN-2")
	check(sim.ProfileInactive, "MRN-3")

	keys := []string{claim.AccountKey(a.Ring, "MRN-1"), claim.AccountKey(a.Ring, "MRN-2"), claim.AccountKey(a.Ring, "MRN-3")}
	recs, err := db.PatientRecords(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records, want the two active answers'", len(recs))
	}
	r := recs[keys[0]]
	if len(r.Coverages) == 0 || r.Coverages[0].PayerID != "60054" || r.Coverages[0].MemberID != active.ID ||
		r.Coverages[0].Relationship != claim.RelationshipSelf || r.Patient.LastName == "" {
		t.Errorf("subscriber's record %+v", r)
	}
	d := recs[keys[1]]
	if len(d.Coverages) == 0 || !d.Coverages[0].Relationship.Valid() || d.Coverages[0].Relationship.IsSelf() ||
		d.Coverages[0].Insured.LastName == "" || d.Coverages[0].MemberID != dependant.ID {
		t.Errorf("dependant's record %+v", d)
	}
	// A claim of the visit with only the account number and payer is completed.
	c := claim.Claim{Patient: claim.Patient{ID: "MRN-2"}, PayerID: "60054"}
	d.Fill(&c)
	if c.MemberID != dependant.ID || !c.IsDependant() || c.Insured.LastName == "" {
		t.Errorf("claim filled from the answer: %+v", c)
	}
}
