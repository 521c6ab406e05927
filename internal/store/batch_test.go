package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/store"
)

func TestBatchLifecycle(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		b := newBatch(t, e.db, store.NewBatch{ID: "b-first", FileName: "Claims 03-01.xlsx", UploadRef: "uploads/b-first",
			WorkflowID: "claims-batch-b-first", UploadedBy: "alice"})
		if b.Status != batch.Parsing {
			t.Errorf("default status %s", b.Status)
		}
		if _, err := e.db.CreateBatch(ctx, store.NewBatch{ID: "b-first", FileName: "again.csv"}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate ID: %v", err)
		}
		if _, err := e.db.CreateBatch(ctx, store.NewBatch{FileName: "x.csv", Status: "done"}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("bad status: %v", err)
		}
		got := must[store.Batch](t)(e.db.Batch(ctx, "b-first"))
		if got.FileName != "Claims 03-01.xlsx" || got.UploadRef != "uploads/b-first" || got.WorkflowID != "claims-batch-b-first" ||
			got.UploadedBy != "alice" || !got.CreatedAt.Equal(b.CreatedAt) {
			t.Errorf("got %+v", got)
		}

		check(t, e.db.SetBatchStatus(ctx, b.ID, batch.Scrubbing, ""))
		if b := must[store.Batch](t)(e.db.Batch(ctx, b.ID)); b.Status != batch.Scrubbing || !b.CompletedAt.IsZero() {
			t.Errorf("scrubbing: %+v", b)
		}
		check(t, e.db.SetBatchStatus(ctx, b.ID, batch.Failed, "the file has no header row"))
		failed := must[store.Batch](t)(e.db.Batch(ctx, b.ID))
		if failed.Status != batch.Failed || failed.FailureReason != "the file has no header row" || failed.CompletedAt.IsZero() {
			t.Errorf("failed: %+v", failed)
		}
		if err := e.db.SetBatchStatus(ctx, "b-nope", batch.Completed, ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown batch: %v", err)
		}
		if err := e.db.SetBatchStatus(ctx, b.ID, "finished", ""); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("bad status: %v", err)
		}

		counts := store.BatchCounts{Claims: 3, Lines: 9, Clean: 2, Flagged: 1, Errors: 1, Warnings: 2, Approved: 1,
			Submitted: 3, Accepted: 2, PayerRejected: 1, ChargesTotal: 123456, ChargesHeld: 0, ChargesAtRisk: 5000}
		check(t, e.db.SetBatchCounts(ctx, b.ID, counts))
		if got := must[store.Batch](t)(e.db.Batch(ctx, b.ID)); got.Counts != counts {
			t.Errorf("counts %+v, want %+v", got.Counts, counts)
		}
	})
}

func TestBatchesPageNewestFirst(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		for i := range 5 {
			newBatch(t, e.db, store.NewBatch{ID: "b-" + string(rune('a'+i)), CreatedAt: base.Add(time.Duration(i) * time.Hour)})
		}
		check(t, e.db.DeleteBatch(ctx, "b-c"))
		p1 := must[[]store.Batch](t)(e.db.Batches(ctx, store.Page{Limit: 2}))
		p2 := must[[]store.Batch](t)(e.db.Batches(ctx, store.Page{Limit: 2, Offset: 2}))
		got := append(ids(p1), ids(p2)...)
		want := []string{"b-e", "b-d", "b-b", "b-a"}
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
	})
}

func TestRecountBatch(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		b := newBatch(t, e.db, store.NewBatch{})
		recs := []store.ClaimRecord{
			record(sampleClaim("C-1", "P-1", "2026-01-05", 2), scrub.TierClean), // 30.00
			record(sampleClaim("C-2", "P-2", "2026-01-05", 1), scrub.TierReview, // 10.00
				finding("npi", "npi.check_digit", scrub.SevError, 0), finding("modifier", "mod.25", scrub.SevWarning, 1)),
			record(sampleClaim("C-3", "P-3", "2026-01-06", 3), scrub.TierHold, // 60.00
				finding("icd10", "icd10.billable", scrub.SevError, 0)),
			record(sampleClaim("C-4", "P-4", "2026-01-06", 1), scrub.TierReview, // 10.00
				finding("duplicate", "dup.suspect", scrub.SevWarning, 1)),
		}
		check(t, e.db.SaveClaims(ctx, b.ID, 0, recs))
		check(t, e.db.ApplyReview(ctx, store.ReviewAction{BatchID: b.ID, ClaimID: "C-2", Action: batch.Override, Reviewer: "rita", Reason: "payer accepts this NPI"}))
		check(t, e.db.ApplyReview(ctx, store.ReviewAction{BatchID: b.ID, ClaimID: "C-3", Action: batch.Reject, Reviewer: "rita"}))
		ic := must[store.Interchange](t)(e.db.ReserveInterchange(ctx, store.Interchange{BatchID: b.ID, ControlNumber: 1, GroupNumber: 1, IdempotencyKey: b.ID + "/1"}, []string{"C-1", "C-2"}))
		check(t, e.db.MarkInterchangeSent(ctx, ic.ID))
		check(t, e.db.RecordClaimAck(ctx, b.ID, "C-1", store.ClaimAck{Status: store.SubmissionAccepted, Category: "A2", Code: "20"}))
		check(t, e.db.RecordClaimAck(ctx, b.ID, "C-2", store.ClaimAck{Status: store.SubmissionRejected, Category: "A7", Code: "562"}))

		c := must[store.BatchCounts](t)(e.db.RecountBatch(ctx, b.ID))
		want := store.BatchCounts{Claims: 4, Lines: 7, Clean: 1, Flagged: 3, Errors: 2, Warnings: 2, Approved: 0, Rejected: 1,
			Overridden: 1, Submitted: 2, Accepted: 1, PayerRejected: 1, Unreviewed: 1,
			ChargesTotal: 11000, ChargesHeld: 7000, ChargesAtRisk: 8000}
		if c != want {
			t.Errorf("recount\n got %+v\nwant %+v", c, want)
		}
		if got := must[store.Batch](t)(e.db.Batch(ctx, b.ID)); got.Counts != want {
			t.Errorf("stored counts %+v", got.Counts)
		}
	})
}

func TestDeleteBatchRemovesEverything(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		keep := newBatch(t, e.db, store.NewBatch{ID: "b-keep", UploadRef: "u/keep"})
		gone := newBatch(t, e.db, store.NewBatch{ID: "b-gone", UploadRef: "u/gone"})
		for _, b := range []store.Batch{keep, gone} {
			check(t, e.db.SaveClaims(ctx, b.ID, 0, []store.ClaimRecord{
				record(sampleClaim("C-1", "P-1", "2026-01-05", 2), scrub.TierReview, finding("npi", "npi.x", scrub.SevError, 0)),
				record(sampleClaim("C-2", "P-2", "2026-01-05", 1), scrub.TierClean),
			}))
			check(t, e.db.SaveRowErrors(ctx, b.ID, 0, []store.RowError{{Sheet: "Claims", Row: 9, Column: "F", Message: "not a date"}}))
			check(t, e.db.ApplyReview(ctx, store.ReviewAction{BatchID: b.ID, ClaimID: "C-1", Action: batch.Approve, Reviewer: "rita"}))
			must[store.Interchange](t)(e.db.ReserveInterchange(ctx, store.Interchange{BatchID: b.ID, IdempotencyKey: b.ID + "/k"}, []string{"C-2"}))
		}
		check(t, e.db.DeleteBatch(ctx, gone.ID))
		check(t, e.db.DeleteBatch(ctx, gone.ID)) // again: no-op
		for _, table := range []string{"claims", "claim_lines", "findings", "row_errors", "review_actions", "interchanges", "submitted_claims", "batch_chunks"} {
			if n := e.count(t, "SELECT COUNT(*) FROM "+table+" WHERE batch_id = ?", gone.ID); n != 0 {
				t.Errorf("%s: %d rows left for the deleted batch", table, n)
			}
			if n := e.count(t, "SELECT COUNT(*) FROM "+table+" WHERE batch_id = ?", keep.ID); n == 0 {
				t.Errorf("%s: the other batch lost its rows", table)
			}
		}
		b := must[store.Batch](t)(e.db.Batch(ctx, gone.ID))
		if b.DeletedAt.IsZero() || b.UploadRef != "" {
			t.Errorf("tombstone %+v", b)
		}
		if list := must[[]store.Batch](t)(e.db.Batches(ctx, store.All)); len(list) != 1 || list[0].ID != keep.ID {
			t.Errorf("list after delete: %v", ids(list))
		}
		if err := e.db.DeleteBatch(ctx, "b-never"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown: %v", err)
		}
		// A deleted batch's history no longer counts as a duplicate source.
		h := must[[]store.HistoryRow](t)(e.db.HistoryForPatients(ctx, "b-other", []string{"P-1"}, claim.MustDate("2026-01-01"), claim.MustDate("2026-01-31")))
		for _, r := range h {
			if r.BatchID == gone.ID {
				t.Errorf("history still has deleted batch: %+v", r)
			}
		}
	})
}

func TestExpiredUploads(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		now := time.Now().UTC()
		newBatch(t, e.db, store.NewBatch{ID: "b-old1", UploadRef: "u/1", CreatedAt: now.Add(-100 * 24 * time.Hour)})
		newBatch(t, e.db, store.NewBatch{ID: "b-old2", UploadRef: "u/2", CreatedAt: now.Add(-95 * 24 * time.Hour)})
		newBatch(t, e.db, store.NewBatch{ID: "b-oldnoref", CreatedAt: now.Add(-120 * 24 * time.Hour)})
		newBatch(t, e.db, store.NewBatch{ID: "b-new", UploadRef: "u/3", CreatedAt: now.Add(-1 * time.Hour)})
		cutoff := now.Add(-90 * 24 * time.Hour)
		got := must[[]store.Batch](t)(e.db.ExpiredUploads(ctx, cutoff, 0))
		if g := ids(got); len(g) != 2 || g[0] != "b-old1" || g[1] != "b-old2" {
			t.Fatalf("expired %v", g)
		}
		check(t, e.db.UploadPurged(ctx, "b-old1"))
		got = must[[]store.Batch](t)(e.db.ExpiredUploads(ctx, cutoff, 0))
		if g := ids(got); len(g) != 1 || g[0] != "b-old2" {
			t.Fatalf("after purge %v", g)
		}
		if b := must[store.Batch](t)(e.db.Batch(ctx, "b-old1")); b.UploadRef != "" || b.UploadPurgedAt.IsZero() || !b.DeletedAt.IsZero() {
			t.Errorf("purged batch %+v", b)
		}
		if err := e.db.UploadPurged(ctx, "b-zzz"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown: %v", err)
		}
	})
}
