package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/store"
)

// phi is what the sample claim and result carry that must never be in a
// column as text.
var phi = []string{"Okafor", "Adaeze", "1958-07-04", "W123456789", "12 Elm St", "P-77"}

func rawText(t *testing.T, e env, q string, args ...any) string {
	t.Helper()
	var s string
	if err := e.raw.Get(&s, e.raw.Rebind(q), args...); err != nil {
		t.Fatalf("raw %q: %v", q, err)
	}
	return s
}

func assertSealed(t *testing.T, what, stored string) {
	t.Helper()
	if !strings.HasPrefix(stored, "enc1:") {
		t.Errorf("%s is not sealed: %.60q", what, stored)
	}
	for _, p := range phi {
		if strings.Contains(stored, p) {
			t.Errorf("%s holds %q in plaintext", what, p)
		}
	}
}

// TestPatientDataIsSealedAtRest reads the rows as the database's owner
// would: claims, eligibility answers and signed decisions hold only
// ciphertext, and patients are indexed by opaque keys.
func TestPatientDataIsSealedAtRest(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		b := newBatch(t, e.db, store.NewBatch{ID: "b-seal"})
		c := sampleClaim("C-1", "P-77", "2026-02-03", 2)
		check(t, e.db.SaveClaims(ctx, b.ID, 0, []store.ClaimRecord{record(c, scrub.TierClean)}))
		assertSealed(t, "claims.data", rawText(t, e, "SELECT data FROM claims WHERE claim_id = 'C-1'"))
		key := claim.AccountKey(e.ring, "P-77")
		if got := rawText(t, e, "SELECT patient_id || '|' || patient_key FROM claims WHERE claim_id = 'C-1'"); got != "|"+key {
			t.Errorf("claims patient_id|patient_key = %q, want |%s", got, key)
		}
		if got := rawText(t, e, "SELECT DISTINCT patient_key FROM claim_lines WHERE claim_id = 'C-1'"); got != key {
			t.Errorf("claim_lines.patient_key = %q", got)
		}
		res := json.RawMessage(`{"member_id":"W123456789","subscriber":{"last_name":"Okafor","dob":"1958-07-04"}}`)
		r := must[store.EligibilityResult](t)(e.db.SaveEligibilityResult(ctx, store.EligibilityResult{ID: "el-1", PayerID: "SX123",
			MemberKey: claim.MemberKey(e.ring, "SX123", "W123456789"), DOS: claim.MustDate("2026-02-03"), Status: eligibility.CheckActive, Result: res}))
		assertSealed(t, "eligibility_results.result", rawText(t, e, "SELECT result FROM eligibility_results WHERE id = 'el-1'"))
		if string(r.Result) != string(res) {
			t.Errorf("result read back %s", r.Result)
		}
		check(t, e.db.RecordDecision(ctx, store.SignedDecision{ID: "sd-1", Kind: "claims.review", Subject: "claims-batch-b-seal", BatchID: b.ID,
			Actor: "rita", SignedAt: time.Now(), Note: `{"payload":{"reason":"Okafor called"}}`}))
		assertSealed(t, "signed_decisions.note", rawText(t, e, "SELECT note FROM signed_decisions WHERE id = 'sd-1'"))
		sd := must[store.SignedDecision](t)(e.db.Decision(ctx, "sd-1"))
		if sd.Actor != "rita" || !strings.Contains(sd.Note, "Okafor") || sd.BatchID != b.ID {
			t.Errorf("decision read back %+v", sd)
		}

		got := must[store.ClaimRecord](t)(e.db.Claim(ctx, b.ID, "C-1"))
		if got.Claim.Patient.LastName != "Okafor" || got.PatientKey != key {
			t.Errorf("claim read back %+v", got)
		}
	})
}

// TestSealedRowsAreBoundToTheirRow: ciphertext copied from one row into
// another (by someone with write access to the database) does not open.
func TestSealedRowsAreBoundToTheirRow(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		b := newBatch(t, e.db, store.NewBatch{ID: "b-swap"})
		other := sampleClaim("C-2", "P-78", "2026-02-03", 1)
		other.Patient.LastName = "Someone"
		check(t, e.db.SaveClaims(ctx, b.ID, 0, []store.ClaimRecord{record(sampleClaim("C-1", "P-77", "2026-02-03", 1), scrub.TierClean), record(other, scrub.TierClean)}))
		e.exec(t, "UPDATE claims SET data = (SELECT data FROM claims WHERE claim_id = 'C-1') WHERE claim_id = 'C-2'")
		if _, err := e.db.Claim(ctx, b.ID, "C-2"); !errors.Is(err, keyring.ErrAuthFailed) {
			t.Fatalf("swapped ciphertext read as %v, want ErrAuthFailed", err)
		}
	})
}

// TestSealedRowsSurviveKeyRotation: rows sealed under the old key open
// after rotation; new rows use the new key.
func TestSealedRowsSurviveKeyRotation(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		b := newBatch(t, e.db, store.NewBatch{ID: "b-rot"})
		check(t, e.db.SaveClaims(ctx, b.ID, 0, []store.ClaimRecord{record(sampleClaim("C-old", "P-77", "2026-02-03", 1), scrub.TierClean)}))
		rotated := must[*keyring.Ring](t)(e.ring.Rotate())
		e.db.SetSealer(rotated)
		check(t, e.db.SaveClaims(ctx, b.ID, 1, []store.ClaimRecord{record(sampleClaim("C-new", "P-77", "2026-02-03", 1), scrub.TierClean)}))
		recs := must[[]store.ClaimRecord](t)(e.db.Claims(ctx, store.ClaimFilter{BatchID: b.ID}, store.All))
		if len(recs) != 2 || recs[0].Claim.Patient.LastName != "Okafor" || recs[1].Claim.Patient.LastName != "Okafor" {
			t.Fatalf("after rotation read %+v", recs)
		}
		if !strings.HasPrefix(rawText(t, e, "SELECT data FROM claims WHERE claim_id = 'C-new'"), "enc1:"+rotated.ActiveID()+":") ||
			!strings.HasPrefix(rawText(t, e, "SELECT data FROM claims WHERE claim_id = 'C-old'"), "enc1:"+e.ring.ActiveID()+":") {
			t.Error("rows do not name the key that sealed them")
		}
		// Patient keys come from the tag key, which rotation keeps.
		if recs[0].PatientKey != recs[1].PatientKey {
			t.Errorf("patient key changed with rotation: %s / %s", recs[0].PatientKey, recs[1].PatientKey)
		}
	})
}

// TestSealLegacyRows: rows written in plaintext before rows were sealed
// read as they are, and SealLegacyRows seals them and replaces their
// plaintext patient identifiers, once.
func TestSealLegacyRows(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		b := newBatch(t, e.db, store.NewBatch{ID: "b-legacy"})
		c := sampleClaim("C-1", "P-77", "2026-02-03", 2)
		data, _ := json.Marshal(c)
		e.exec(t, `INSERT INTO claims (batch_id, claim_id, chunk_index, chunk_pos, patient_id, patient_key, payer_id, tier, state, data, created_at, updated_at)
			VALUES (?, 'C-1', 0, 0, 'P-77', 'P-77', 'SX123', 'clean', 'clean', ?, '2026-02-03T10:00:00.000000Z', '2026-02-03T10:00:00.000000Z')`, b.ID, string(data))
		e.exec(t, `INSERT INTO claim_lines (batch_id, claim_id, line_no, patient_key, payer_id, dos_from) VALUES (?, 'C-1', 1, 'P-77', 'SX123', '2026-02-03')`, b.ID)
		e.exec(t, `INSERT INTO eligibility_results (id, payer_id, member_key, dos, status, result, checked_at)
			VALUES ('el-old', 'SX123', 'mk', '2026-02-03', 'active', '{"member_id":"W123456789"}', '2026-02-03T10:00:00.000000Z')`)
		if got := must[store.ClaimRecord](t)(e.db.Claim(ctx, b.ID, "C-1")); got.Claim.Patient.LastName != "Okafor" {
			t.Fatalf("legacy claim read as %+v", got.Claim.Patient)
		}
		if n := must[int](t)(e.db.SealLegacyRows(ctx)); n != 2 {
			t.Errorf("sealed %d rows, want 2", n)
		}
		if n := must[int](t)(e.db.SealLegacyRows(ctx)); n != 0 {
			t.Errorf("second run sealed %d rows", n)
		}
		assertSealed(t, "legacy claims.data", rawText(t, e, "SELECT data FROM claims WHERE claim_id = 'C-1'"))
		assertSealed(t, "legacy eligibility result", rawText(t, e, "SELECT result FROM eligibility_results WHERE id = 'el-old'"))
		key := claim.AccountKey(e.ring, "P-77")
		if got := rawText(t, e, "SELECT patient_id || '|' || patient_key FROM claims WHERE claim_id = 'C-1'"); got != "|"+key {
			t.Errorf("legacy claim identifiers %q", got)
		}
		if got := rawText(t, e, "SELECT patient_key FROM claim_lines WHERE claim_id = 'C-1'"); got != key {
			t.Errorf("legacy line key %q", got)
		}
		if got := must[store.ClaimRecord](t)(e.db.Claim(ctx, b.ID, "C-1")); got.Claim.Patient.LastName != "Okafor" {
			t.Errorf("sealed legacy claim read as %+v", got.Claim.Patient)
		}
	})
}

// TestNoKeyRingNoPatientData: a store opened without the key ring writes
// no patient data and cannot read sealed rows.
func TestNoKeyRingNoPatientData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rcmbot.db")
	db := must[*store.DB](t)(store.Open(ctx, "sqlite://"+path))
	defer db.Close()
	must[[]string](t)(db.Migrate(ctx))
	b := newBatch(t, db, store.NewBatch{ID: "b-1"})
	err := db.SaveClaims(ctx, b.ID, 0, []store.ClaimRecord{record(sampleClaim("C-1", "P-77", "2026-02-03", 1), scrub.TierClean)})
	if err == nil || !strings.Contains(err.Error(), "key ring") {
		t.Fatalf("SaveClaims without a sealer: %v", err)
	}
}
