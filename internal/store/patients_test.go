package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
)

func TestPatientRecordsAreMergedAndSealed(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		kid := claim.Claim{Patient: claim.Patient{ID: "P-77", LastName: "Roe", FirstName: "Kid", DOB: claim.MustDate("2015-01-02"),
			Address: claim.Address{Line1: "1 Main St", City: "Austin", State: "TX", Zip: "78701"}},
			PayerID: "60054", PayerName: "Aetna", MemberID: "W884412907", Relationship: claim.RelationshipChild,
			Insured: claim.Patient{LastName: "Roe", FirstName: "Mary"}}
		key := "pt-key-77"
		check(t, e.db.MergePatientRecords(ctx, map[string]claim.PatientRecord{key: claim.RecordOf(&kid)}))
		// A later upload gives a new address only.
		moved := claim.PatientRecord{Patient: claim.Patient{ID: "P-77", Address: claim.Address{Line1: "2 Oak Ave", City: "Austin", State: "TX", Zip: "78702"}}}
		check(t, e.db.MergePatientRecords(ctx, map[string]claim.PatientRecord{key: moved}))
		check(t, e.db.MergePatientRecords(ctx, map[string]claim.PatientRecord{key: moved})) // a retry changes nothing

		got := must[map[string]claim.PatientRecord](t)(e.db.PatientRecords(ctx, []string{key, "pt-unknown", key}))
		rec, ok := got[key]
		if len(got) != 1 || !ok {
			t.Fatalf("records %v", got)
		}
		if rec.Patient.LastName != "Roe" || rec.Patient.Address.Line1 != "2 Oak Ave" || rec.Patient.DOB != kid.Patient.DOB ||
			len(rec.Coverages) != 1 || rec.Coverages[0].MemberID != "W884412907" || rec.Coverages[0].Insured.FirstName != "Mary" {
			t.Errorf("record %+v", rec)
		}
		// At rest the record is sealed: no name, member ID or address in the row.
		var data string
		if err := e.raw.QueryRowContext(ctx, e.raw.Rebind("SELECT data FROM patients WHERE patient_key = ?"), key).Scan(&data); err != nil {
			t.Fatal(err)
		}
		for _, phi := range []string{"Roe", "W884412907", "Oak", "2015"} {
			if strings.Contains(data, phi) {
				t.Errorf("patients.data holds %q in plaintext", phi)
			}
		}
		if !strings.HasPrefix(data, "enc1:") {
			t.Errorf("patients.data is not sealed: %.20s…", data)
		}
		if err := e.db.MergePatientRecords(ctx, map[string]claim.PatientRecord{"": moved}); err == nil {
			t.Error("a record without a key was stored")
		}
	})
}
