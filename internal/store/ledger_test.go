package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/store"
)

func TestReviewActions(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		b := newBatch(t, e.db, store.NewBatch{})
		var recs []store.ClaimRecord
		for i := 1; i <= 4; i++ {
			recs = append(recs, record(sampleClaim(fmt.Sprintf("C-%d", i), "P-1", "2026-01-05", 1), scrub.TierReview, finding("npi", "npi.x", scrub.SevError, 0)))
		}
		check(t, e.db.SaveClaims(ctx, b.ID, 0, recs))
		for _, a := range []store.ReviewAction{
			{ID: "upd-1", BatchID: b.ID, ClaimID: "C-1", Action: batch.Approve, Reviewer: "rita"},
			{BatchID: b.ID, ClaimID: "C-2", Action: batch.Override, Reviewer: "rita", Reason: "payer waived"},
			{BatchID: b.ID, ClaimID: "C-3", Action: batch.Reject, Reviewer: "sam", Reason: "wrong patient"},
		} {
			check(t, e.db.ApplyReview(ctx, a))
		}
		// The same update ID again (a retried activity) is not logged twice.
		check(t, e.db.ApplyReview(ctx, store.ReviewAction{ID: "upd-1", BatchID: b.ID, ClaimID: "C-1", Action: batch.Approve, Reviewer: "rita"}))
		for _, bad := range []store.ReviewAction{
			{BatchID: b.ID, ClaimID: "C-4", Action: batch.Override, Reviewer: "rita"},
			{BatchID: b.ID, ClaimID: "C-4", Action: "delete", Reviewer: "rita"},
			{BatchID: b.ID, ClaimID: "C-4", Action: batch.Approve},
		} {
			if err := e.db.ApplyReview(ctx, bad); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		if err := e.db.ApplyReview(ctx, store.ReviewAction{BatchID: b.ID, ClaimID: "C-404", Action: batch.Approve, Reviewer: "rita"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown claim: %v", err)
		}
		log := must[[]store.ReviewAction](t)(e.db.ReviewActions(ctx, b.ID, ""))
		if len(log) != 3 {
			t.Fatalf("log %+v", log)
		}
		if log[1].ClaimID != "C-2" || log[1].Reason != "payer waived" || log[1].Action != batch.Override || log[1].At.IsZero() {
			t.Errorf("log[1] %+v", log[1])
		}
		states := map[string]batch.ReviewState{}
		for _, r := range must[[]store.ClaimRecord](t)(e.db.Claims(ctx, store.ClaimFilter{BatchID: b.ID}, store.All)) {
			states[r.Claim.ID] = r.State
		}
		want := map[string]batch.ReviewState{"C-1": "approved", "C-2": "overridden", "C-3": "rejected", "C-4": "pending"}
		if !reflect.DeepEqual(states, want) {
			t.Errorf("states %v", states)
		}
		c3 := must[[]store.ReviewAction](t)(e.db.ReviewActions(ctx, b.ID, "C-3"))
		if len(c3) != 1 || c3[0].Reviewer != "sam" {
			t.Errorf("C-3 log %+v", c3)
		}
	})
}

func TestControlNumbers(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		const workers, each = 8, 40
		var mu sync.Mutex
		seen := map[int64]bool{}
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					n, err := e.db.NextControlNumber(ctx, "isa")
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if seen[n] {
						t.Errorf("control number %d handed out twice", n)
					}
					seen[n] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		for i := int64(1); i <= workers*each; i++ {
			if !seen[i] {
				t.Errorf("control number %d skipped", i)
			}
		}
		// Kinds count separately.
		if n := must[int64](t)(e.db.NextControlNumber(ctx, "gs")); n != 1 {
			t.Errorf("first gs = %d", n)
		}
		// After 999999999 comes 1.
		e.exec(t, "UPDATE control_numbers SET last_number = ? WHERE kind = 'isa'", store.ControlNumberMax-1)
		for _, want := range []int64{store.ControlNumberMax, 1, 2} {
			if n := must[int64](t)(e.db.NextControlNumber(ctx, "isa")); n != want {
				t.Errorf("got %d, want %d", n, want)
			}
		}
	})
}

func TestSubmissionLedgerExactlyOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		b := newBatch(t, e.db, store.NewBatch{})
		check(t, e.db.SaveClaims(ctx, b.ID, 0, []store.ClaimRecord{
			record(sampleClaim("C-1", "P-1", "2026-01-05", 1), scrub.TierClean),
			record(sampleClaim("C-2", "P-2", "2026-01-05", 1), scrub.TierClean),
			record(sampleClaim("C-3", "P-3", "2026-01-05", 1), scrub.TierReview, finding("npi", "npi.x", scrub.SevError, 0)),
			record(sampleClaim("C-4", "P-4", "2026-01-05", 1), scrub.TierReview, finding("npi", "npi.x", scrub.SevError, 0)),
		}))
		check(t, e.db.ApplyReview(ctx, store.ReviewAction{BatchID: b.ID, ClaimID: "C-3", Action: batch.Approve, Reviewer: "rita"}))
		ready := must[[]store.ClaimRecord](t)(e.db.ClaimsToSubmit(ctx, b.ID, store.All))
		if g := claimIDs(ready); !reflect.DeepEqual(g, []string{"C-1", "C-2", "C-3"}) {
			t.Fatalf("ready %v (pending C-4 must wait)", g)
		}

		isa := must[int64](t)(e.db.NextControlNumber(ctx, "isa"))
		ic := store.Interchange{BatchID: b.ID, ControlNumber: isa, GroupNumber: 1, IdempotencyKey: b.ID + "/SX123/1234567893",
			PayerID: "SX123", Content: "ISA*00*...~IEA*1*000000001~"}
		got := must[store.Interchange](t)(e.db.ReserveInterchange(ctx, ic, []string{"C-1", "C-2"}))
		if got.ID == "" || got.Status != store.InterchangeReserved || !reflect.DeepEqual(got.ClaimIDs, []string{"C-1", "C-2"}) {
			t.Fatalf("reserved %+v", got)
		}
		// A retry with the same key gets the same interchange back, even with other claims.
		again := must[store.Interchange](t)(e.db.ReserveInterchange(ctx, store.Interchange{BatchID: b.ID, ControlNumber: isa + 1, IdempotencyKey: ic.IdempotencyKey}, []string{"C-3"}))
		if again.ID != got.ID || again.ControlNumber != isa || again.Content != ic.Content || !reflect.DeepEqual(again.ClaimIDs, []string{"C-1", "C-2"}) {
			t.Errorf("retry got %+v", again)
		}
		// A claim in the ledger never goes into a second interchange.
		_, err := e.db.ReserveInterchange(ctx, store.Interchange{BatchID: b.ID, IdempotencyKey: "other"}, []string{"C-3", "C-2"})
		if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "C-2") {
			t.Errorf("second interchange: %v", err)
		}
		if n := e.count(t, "SELECT COUNT(*) FROM interchanges"); n != 1 {
			t.Errorf("%d interchanges after a refused reserve", n)
		}
		if g := claimIDs(must[[]store.ClaimRecord](t)(e.db.ClaimsToSubmit(ctx, b.ID, store.All))); !reflect.DeepEqual(g, []string{"C-3"}) {
			t.Errorf("ready after reserve %v", g)
		}
		unsent := must[[]store.Interchange](t)(e.db.Interchanges(ctx, b.ID, store.InterchangeReserved))
		if len(unsent) != 1 || unsent[0].ID != got.ID {
			t.Errorf("unsent %+v", unsent)
		}

		check(t, e.db.MarkInterchangeSent(ctx, got.ID))
		check(t, e.db.MarkInterchangeSent(ctx, got.ID)) // retry
		if err := e.db.MarkInterchangeSent(ctx, "ic-none"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown: %v", err)
		}
		sent := must[store.Interchange](t)(e.db.Interchange(ctx, got.ID))
		if sent.Status != store.InterchangeSent || sent.SentAt.IsZero() {
			t.Errorf("sent %+v", sent)
		}
		check(t, e.db.RecordInterchangeAck(ctx, got.ID, store.InterchangeAck{Code: "A"}))
		check(t, e.db.RecordClaimAck(ctx, b.ID, "C-1", store.ClaimAck{Status: store.SubmissionAccepted, Category: "A2", Code: "20", PayerClaimNumber: "PCN-889"}))
		// A1 first (pending), then the payer's rejection replaces it.
		check(t, e.db.RecordClaimAck(ctx, b.ID, "C-2", store.ClaimAck{Status: store.SubmissionPending, Category: "A1", Code: "19"}))
		if l := must[[]store.SubmittedClaim](t)(e.db.SubmittedClaims(ctx, b.ID)); l[1].Status != store.SubmissionPending || l[1].AckCategory != "A1" {
			t.Errorf("pending %+v", l[1])
		}
		check(t, e.db.RecordClaimAck(ctx, b.ID, "C-2", store.ClaimAck{Status: store.SubmissionRejected, Category: "A7", Code: "21", Message: "Invalid subscriber ID"}))
		if err := e.db.RecordClaimAck(ctx, b.ID, "C-4", store.ClaimAck{Status: store.SubmissionAccepted}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ack for a claim never sent: %v", err)
		}
		if err := e.db.RecordClaimAck(ctx, b.ID, "C-1", store.ClaimAck{Status: store.SubmissionQueued}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("bad status: %v", err)
		}
		ledger := must[[]store.SubmittedClaim](t)(e.db.SubmittedClaims(ctx, b.ID))
		if len(ledger) != 2 || ledger[0].Status != store.SubmissionAccepted || ledger[0].PayerClaimNumber != "PCN-889" ||
			ledger[0].SentAt.IsZero() || ledger[0].AckedAt.IsZero() || ledger[1].Status != store.SubmissionRejected ||
			ledger[1].Message != "Invalid subscriber ID" || ledger[1].AckCategory != "A7" || ledger[1].InterchangeID != got.ID {
			t.Errorf("ledger %+v", ledger)
		}
		acked := must[store.Interchange](t)(e.db.Interchange(ctx, got.ID))
		if acked.Status != store.InterchangeAcknowledged || acked.AckCode != "A" || acked.AckedAt.IsZero() {
			t.Errorf("acked %+v", acked)
		}
	})
}

func TestInterchangeRejectedBy999(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		b := newBatch(t, e.db, store.NewBatch{})
		var recs []store.ClaimRecord
		for i := 1; i <= 4; i++ {
			recs = append(recs, record(sampleClaim(fmt.Sprintf("C-%d", i), "P-1", "2026-01-05", 1), scrub.TierClean))
		}
		check(t, e.db.SaveClaims(ctx, b.ID, 0, recs))
		whole := must[store.Interchange](t)(e.db.ReserveInterchange(ctx, store.Interchange{BatchID: b.ID, IdempotencyKey: "k1"}, []string{"C-1", "C-2"}))
		part := must[store.Interchange](t)(e.db.ReserveInterchange(ctx, store.Interchange{BatchID: b.ID, IdempotencyKey: "k2"}, []string{"C-3", "C-4"}))
		check(t, e.db.MarkInterchangeSent(ctx, whole.ID))
		check(t, e.db.MarkInterchangeSent(ctx, part.ID))
		check(t, e.db.RecordInterchangeAck(ctx, whole.ID, store.InterchangeAck{Code: "R", Detail: "IK5*R*5"}))
		check(t, e.db.RecordInterchangeAck(ctx, part.ID, store.InterchangeAck{Code: "P", RejectedClaimIDs: []string{"C-4"}}))
		status := map[string]store.SubmissionStatus{}
		for _, s := range must[[]store.SubmittedClaim](t)(e.db.SubmittedClaims(ctx, b.ID)) {
			status[s.ClaimID] = s.Status
			if s.Status == store.SubmissionRejected && !strings.Contains(s.Message, "999") {
				t.Errorf("%s message %q", s.ClaimID, s.Message)
			}
		}
		want := map[string]store.SubmissionStatus{"C-1": "rejected", "C-2": "rejected", "C-3": "sent", "C-4": "rejected"}
		if !reflect.DeepEqual(status, want) {
			t.Errorf("status %v", status)
		}
	})
}

func TestConcurrentReservesNeverDoubleSubmit(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		b := newBatch(t, e.db, store.NewBatch{})
		check(t, e.db.SaveClaims(ctx, b.ID, 0, []store.ClaimRecord{
			record(sampleClaim("C-1", "P-1", "2026-01-05", 1), scrub.TierClean),
			record(sampleClaim("C-2", "P-2", "2026-01-05", 1), scrub.TierClean),
		}))
		// Two workers (e.g. a retried activity and a zombie) race with
		// different keys for overlapping claims: exactly one wins.
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, conflicts := 0, 0
		for i := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.db.ReserveInterchange(ctx, store.Interchange{BatchID: b.ID, IdempotencyKey: fmt.Sprintf("worker-%d", i)}, []string{"C-2", "C-1"})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, store.ErrConflict):
					conflicts++
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || conflicts != 5 {
			t.Errorf("wins %d conflicts %d", wins, conflicts)
		}
		if n := e.count(t, "SELECT COUNT(*) FROM submitted_claims"); n != 2 {
			t.Errorf("%d ledger rows", n)
		}
		// Racing retries with one key all get the same interchange.
		check(t, e.db.SaveClaims(ctx, b.ID, 1, []store.ClaimRecord{record(sampleClaim("C-3", "P-3", "2026-01-05", 1), scrub.TierClean)}))
		got := make([]string, 6)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ic, err := e.db.ReserveInterchange(ctx, store.Interchange{BatchID: b.ID, IdempotencyKey: "same"}, []string{"C-3"})
				if err != nil {
					t.Error(err)
				}
				got[i] = ic.ID
			}()
		}
		wg.Wait()
		for _, id := range got {
			if id != got[0] || id == "" {
				t.Errorf("same key gave interchanges %v", got)
				break
			}
		}
	})
}
