package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/store"
)

func seqs(evs []store.AccessEvent) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.Seq
	}
	return out
}

// TestWhoSawPatient answers "who saw patient X" from the three ways an
// access names patients (one patient, a page of them, a whole batch),
// also after the batch is deleted, and the hash chain covers them.
func TestWhoSawPatient(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		b := newBatch(t, e.db, store.NewBatch{ID: "b-who"})
		check(t, e.db.SaveClaims(ctx, b.ID, 0, []store.ClaimRecord{
			record(sampleClaim("C-1", "P-1", "2026-02-03", 1), scrub.TierClean),
			record(sampleClaim("C-2", "P-2", "2026-02-03", 1), scrub.TierClean),
		}))
		p1, p2, p3 := claim.AccountKey(e.ring, "P-1"), claim.AccountKey(e.ring, "P-2"), claim.AccountKey(e.ring, "P-3")
		at := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
		add := func(ev store.AccessEvent) int64 {
			ev.At, ev.Outcome = at, store.AccessAllowed
			return must[store.AccessEvent](t)(e.db.AppendAccess(ctx, ev)).Seq
		}
		page := add(store.AccessEvent{Username: "rita", Action: store.AccessViewFindings, BatchID: b.ID, Patients: []string{p1, p2, p1}})
		one := add(store.AccessEvent{Username: "sam", Action: store.AccessViewClaim, BatchID: b.ID, ClaimID: "C-2", PatientID: p2})
		export := add(store.AccessEvent{Username: "bill", Action: store.AccessDownloadWorkbook, BatchID: b.ID, ShowedBatch: b.ID})
		other := add(store.AccessEvent{Username: "ann", Action: store.AccessViewEligibility, Patients: []string{p3}})
		add(store.AccessEvent{Username: "ann", Action: store.AccessCodecDecode})
		if n := e.count(t, "SELECT COUNT(*) FROM phi_access_patients WHERE seq = ?", page); n != 2 {
			t.Errorf("a page of two patients (one twice) stored %d rows", n)
		}

		check(t, e.db.DeleteBatch(ctx, b.ID)) // the record outlives the batch
		for _, c := range []struct {
			keys []string
			want []int64
		}{
			{[]string{p1}, []int64{export, page}},
			{[]string{p2}, []int64{export, one, page}},
			{[]string{p3, "P-3"}, []int64{other}},
			{[]string{claim.AccountKey(e.ring, "P-9")}, []int64{}},
		} {
			got := seqs(must[[]store.AccessEvent](t)(e.db.AccessEventsForPatient(ctx, c.keys, store.Page{})))
			if !slices.Equal(got, c.want) {
				t.Errorf("who saw %v: %v, want %v", c.keys, got, c.want)
			}
		}
		if _, err := e.db.AccessEventsForPatient(ctx, nil, store.Page{}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("no key: %v", err)
		}
		if n := must[int64](t)(e.db.VerifyAuditChain(ctx)); n != 5 {
			t.Fatalf("verified %d entries", n)
		}

		// The records are append-only, and a change made around the
		// triggers breaks the chain at its entry.
		if _, err := e.raw.Exec(e.raw.Rebind("DELETE FROM phi_access_patients WHERE seq = ?"), page); err == nil {
			t.Error("a patient record was deleted")
		}
		dropScopeGuards(t, e)
		e.exec(t, "DELETE FROM phi_access_patients WHERE seq = ? AND patient_key = ?", page, p2)
		var ce *store.ChainError
		if _, err := e.db.VerifyAuditChain(ctx); !errors.As(err, &ce) || ce.Seq != page {
			t.Errorf("removed patient record: %v, want a chain error at %d", err, page)
		}
		e.exec(t, "INSERT INTO phi_access_patients (seq, patient_key) VALUES (?, ?)", page, p2)
		e.exec(t, "INSERT INTO phi_access_patients (seq, patient_key) VALUES (?, ?)", 99, p2)
		if _, err := e.db.VerifyAuditChain(ctx); !errors.As(err, &ce) || ce.Seq != 99 {
			t.Errorf("a record of no entry: %v, want a chain error at 99", err)
		}
	})
}

// dropScopeGuards removes the patient records' append-only triggers.
func dropScopeGuards(t *testing.T, e env) {
	if e.db.Dialect() == store.Postgres {
		e.exec(t, "DROP TRIGGER phi_access_patients_no_change ON phi_access_patients")
		return
	}
	e.exec(t, "DROP TRIGGER phi_access_patients_no_delete")
}
