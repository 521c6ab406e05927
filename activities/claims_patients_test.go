package activities

import (
	"context"
	"slices"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/sim"
)

// tuesday leaves out what Monday's file gave for patient P501 (name, date
// of birth, member ID, address): the patient record fills it. P900 was
// never seen, so nothing fills its blank address.
const tuesday = `claim_id,patient_id,patient_last_name,patient_first_name,patient_dob,patient_sex,member_id,payer_id,payer_name,billing_provider_name,billing_npi,billing_tin,billing_taxonomy,billing_address,billing_city,billing_state,billing_zip,rendering_npi,place_of_service,frequency_code,dx1,line_number,service_date_from,service_date_to,procedure_code,units,line_charge,dx_pointers,patient_address,patient_city,patient_state,patient_zip
C2001,P501,,,,,,60054,Aetna,Sunrise Family Clinic,1234567893,123456789,207Q00000X,12 Main St,Springfield,IL,627011234,1299000012,11,1,J06.9,1,2026-02-21,2026-02-21,99213,1,125.00,1,,,,
C2002,P900,Moe,Maxine,1960-03-03,F,MEM9000,60054,Aetna,Sunrise Family Clinic,1234567893,123456789,207Q00000X,12 Main St,Springfield,IL,627011234,1299000012,11,1,J06.9,1,2026-02-21,2026-02-21,99213,1,125.00,1,,,,
`

// The scrub keeps each patient's record and the next upload is completed
// from it, matched on the account number, never on the name.
func TestScrubBatchFillsFromPatientRecords(t *testing.T) {
	f := newClaimsFixture(t, sim.ClearinghouseConfig{})
	f.scrub(t, f.upload(t, "monday.csv", threeClaims))
	recs, err := f.db.PatientRecords(context.Background(), []string{claim.AccountKey(f.a.Ring, "P501"), claim.AccountKey(f.a.Ring, "P503")})
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := recs[claim.AccountKey(f.a.Ring, "P501")]; !ok || r.Patient.LastName != "Doe" || r.Patient.Address.Line1 != "1 Test Ln" ||
		len(r.Coverages) != 1 || r.Coverages[0].MemberID != "MEM1001" {
		t.Errorf("P501's record %+v", r)
	}
	if _, ok := recs[claim.AccountKey(f.a.Ring, "P503")]; ok {
		t.Error("C1003 is held by a row error: its patient should not be recorded from it")
	}

	id := f.upload(t, "tuesday.csv", tuesday)
	res := f.scrub(t, id)
	if res.Claims != 2 || res.Clean != 1 {
		t.Errorf("scrub result %+v", res)
	}
	c := f.claim(t, id, "C2001")
	p := c.Claim.Patient
	if c.Tier != scrub.TierClean || p.LastName != "Doe" || p.FirstName != "Jane" || p.DOB != claim.MustDate("1980-02-14") ||
		p.Address.Line1 != "1 Test Ln" || c.Claim.MemberID != "MEM1001" {
		t.Errorf("C2001 stored as %s: %+v member %s (findings %+v)", c.Tier, p, c.Claim.MemberID, c.Findings)
	}
	want := []claim.Field{claim.FieldPatientLastName, claim.FieldPatientFirstName, claim.FieldPatientDOB, claim.FieldPatientSex,
		claim.FieldPatientAddress, claim.FieldMemberID} // not the payer, which the file gave
	if !slices.Equal(c.Claim.Filled, want) {
		t.Errorf("C2001's filled fields %v, want %v", c.Claim.Filled, want)
	}
	if u := f.claim(t, id, "C2002"); len(u.Claim.Filled) != 0 {
		t.Errorf("C2002 (a new patient) has filled fields %v", u.Claim.Filled)
	}
	unknown := f.claim(t, id, "C2002")
	found := false
	for _, fd := range unknown.Findings {
		found = found || fd.Field == claim.FieldPatientAddress
	}
	if unknown.Tier != scrub.TierHold || !found {
		t.Errorf("C2002 (no address anywhere) stored as %s with %+v", unknown.Tier, unknown.Findings)
	}
	// A retried scrub fills the same.
	again := f.scrub(t, id)
	if again.Clean != res.Clean || again.Claims != res.Claims {
		t.Errorf("retry %+v, first %+v", again, res)
	}
}
