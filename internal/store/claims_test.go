package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/store"
)

func TestSaveClaimsRoundTripAndIdempotence(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		b := newBatch(t, e.db, store.NewBatch{})
		c1 := sampleClaim("C-100", "P-7", "2026-02-03", 3)
		c1.Lines[2].Modifiers = []string{"59", "XU", "RT", "LT"}
		c1.Lines[1].Units = 2.5
		f1 := finding("ncci_ptp", "ncci.ptp", scrub.SevError, 2)
		f2 := finding("mue", "mue.units", scrub.SevWarning, 2)
		chunk0 := []store.ClaimRecord{
			record(c1, scrub.TierReview, f1, f2),
			record(sampleClaim("C-101", "P-8", "2026-02-03", 1), scrub.TierClean),
		}
		chunk0[0].PatientKey = "pk-7"
		check(t, e.db.SaveClaims(ctx, b.ID, 0, chunk0))
		check(t, e.db.SaveClaims(ctx, b.ID, 0, chunk0)) // retried activity
		check(t, e.db.SaveClaims(ctx, b.ID, 1, []store.ClaimRecord{record(sampleClaim("C-099", "P-9", "2026-02-01", 2), scrub.TierClean)}))
		if n := e.count(t, "SELECT COUNT(*) FROM claims"); n != 3 {
			t.Fatalf("%d claims after a repeated chunk", n)
		}
		if n := e.count(t, "SELECT COUNT(*) FROM claim_lines"); n != 6 {
			t.Errorf("%d lines", n)
		}
		if n := e.count(t, "SELECT COUNT(*) FROM findings"); n != 2 {
			t.Errorf("%d findings", n)
		}

		got := must[store.ClaimRecord](t)(e.db.Claim(ctx, b.ID, "C-100"))
		if !reflect.DeepEqual(got.Claim, c1) {
			t.Errorf("claim changed in the round trip:\n got %+v\nwant %+v", got.Claim, c1)
		}
		if got.Tier != scrub.TierReview || got.State != batch.StatePending || got.Score != 20 || got.Errors != 1 ||
			got.Warnings != 1 || got.PatientKey != "pk-7" || got.BatchID != b.ID || got.CreatedAt.IsZero() {
			t.Errorf("record fields %+v", got)
		}
		want := []store.Finding{f1, f2}
		for i := range want {
			want[i].BatchID, want[i].ClaimID = b.ID, "C-100"
		}
		if !reflect.DeepEqual(got.Findings, want) {
			t.Errorf("findings\n got %+v\nwant %+v", got.Findings, want)
		}
		if _, err := e.db.Claim(ctx, b.ID, "C-404"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing claim: %v", err)
		}

		// File order is chunk order, then position, not claim ID order.
		all := must[[]store.ClaimRecord](t)(e.db.Claims(ctx, store.ClaimFilter{BatchID: b.ID}, store.All))
		if g := claimIDs(all); !reflect.DeepEqual(g, []string{"C-100", "C-101", "C-099"}) {
			t.Errorf("order %v", g)
		}
		if all[0].Findings != nil {
			t.Errorf("findings loaded without WithFindings")
		}
	})
}

func TestSaveClaimsRejectsBadInput(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		b := newBatch(t, e.db, store.NewBatch{})
		check(t, e.db.SaveClaims(ctx, b.ID, 0, []store.ClaimRecord{record(sampleClaim("C-1", "P-1", "2026-01-05", 1), scrub.TierClean)}))
		err := e.db.SaveClaims(ctx, b.ID, 1, []store.ClaimRecord{
			record(sampleClaim("C-2", "P-1", "2026-01-05", 1), scrub.TierClean),
			record(sampleClaim("C-1", "P-1", "2026-01-05", 1), scrub.TierClean),
		})
		if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "C-1") {
			t.Errorf("repeat across chunks: %v", err)
		}
		// Nothing of the failed chunk was kept, and it can be saved once fixed.
		if n := e.count(t, "SELECT COUNT(*) FROM claims"); n != 1 {
			t.Errorf("%d claims after a failed chunk", n)
		}
		check(t, e.db.SaveClaims(ctx, b.ID, 1, []store.ClaimRecord{record(sampleClaim("C-2", "P-1", "2026-01-05", 1), scrub.TierClean)}))

		dup := []store.ClaimRecord{record(sampleClaim("C-5", "P-1", "2026-01-05", 1), scrub.TierClean), record(sampleClaim("C-5", "P-1", "2026-01-05", 1), scrub.TierClean)}
		if err := e.db.SaveClaims(ctx, b.ID, 2, dup); !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "C-5") {
			t.Errorf("repeat within chunk: %v", err)
		}
		bad := record(sampleClaim("C-6", "P-1", "2026-01-05", 1), "amber")
		if err := e.db.SaveClaims(ctx, b.ID, 3, []store.ClaimRecord{bad}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("bad tier: %v", err)
		}
		if err := e.db.SaveClaims(ctx, "b-missing", 0, []store.ClaimRecord{record(sampleClaim("C-7", "P-1", "2026-01-05", 1), scrub.TierClean)}); err == nil {
			t.Error("claims saved into a batch that does not exist")
		}
	})
}

func claimIDs(rs []store.ClaimRecord) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Claim.ID)
	}
	return out
}

func TestClaimFiltersAndReviewQueue(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		b1 := newBatch(t, e.db, store.NewBatch{ID: "b-1"})
		b2 := newBatch(t, e.db, store.NewBatch{ID: "b-2"})
		err1 := finding("npi", "npi.check_digit", scrub.SevError, 0)
		check(t, e.db.SaveClaims(ctx, b1.ID, 0, []store.ClaimRecord{
			record(sampleClaim("A-1", "P-1", "2026-01-05", 1), scrub.TierClean),
			record(sampleClaim("A-2", "P-2", "2026-01-05", 1), scrub.TierReview, err1),
			record(sampleClaim("A-3", "P-3", "2026-01-05", 1), scrub.TierHold, err1, err1),
		}))
		check(t, e.db.SaveClaims(ctx, b2.ID, 0, []store.ClaimRecord{
			record(sampleClaim("B-1", "P-4", "2026-01-06", 1), scrub.TierReview, err1),
		}))
		check(t, e.db.ApplyReview(ctx, store.ReviewAction{BatchID: b1.ID, ClaimID: "A-3", Action: batch.Reject, Reviewer: "rita"}))

		queue := must[[]store.ClaimRecord](t)(e.db.Claims(ctx, store.ClaimFilter{Flagged: true, States: []batch.ReviewState{batch.StatePending}, WithFindings: true}, store.Page{}))
		if g := claimIDs(queue); !reflect.DeepEqual(g, []string{"A-2", "B-1"}) {
			t.Errorf("review queue %v", g)
		}
		for _, r := range queue {
			if len(r.Findings) != 1 {
				t.Errorf("%s findings %d", r.Claim.ID, len(r.Findings))
			}
		}
		hold := must[[]store.ClaimRecord](t)(e.db.Claims(ctx, store.ClaimFilter{BatchID: b1.ID, Tiers: []scrub.Tier{scrub.TierHold}, WithFindings: true}, store.All))
		if len(hold) != 1 || len(hold[0].Findings) != 2 || hold[0].State != batch.StateRejected || hold[0].Reviewer != "rita" {
			t.Errorf("hold %+v", hold)
		}
		// Paging with findings pages claims, not finding rows.
		p := must[[]store.ClaimRecord](t)(e.db.Claims(ctx, store.ClaimFilter{WithFindings: true}, store.Page{Limit: 2, Offset: 1}))
		if g := claimIDs(p); !reflect.DeepEqual(g, []string{"A-2", "A-3"}) || len(p[1].Findings) != 2 {
			t.Errorf("page %v", g)
		}
		some := must[[]store.ClaimRecord](t)(e.db.Claims(ctx, store.ClaimFilter{ClaimIDs: []string{"B-1", "A-1"}}, store.All))
		if g := claimIDs(some); !reflect.DeepEqual(g, []string{"A-1", "B-1"}) {
			t.Errorf("by ID %v", g)
		}
		var streamed []string
		check(t, e.db.EachClaim(ctx, store.ClaimFilter{BatchID: b1.ID, WithFindings: true}, func(r store.ClaimRecord) error {
			streamed = append(streamed, fmt.Sprintf("%s:%d", r.Claim.ID, len(r.Findings)))
			return nil
		}))
		if !reflect.DeepEqual(streamed, []string{"A-1:0", "A-2:1", "A-3:2"}) {
			t.Errorf("streamed %v", streamed)
		}
		stop := errors.New("stop")
		if err := e.db.EachClaim(ctx, store.ClaimFilter{}, func(store.ClaimRecord) error { return stop }); !errors.Is(err, stop) {
			t.Errorf("callback error not returned: %v", err)
		}
	})
}

func TestUpdateClaimAfterCorrection(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		b := newBatch(t, e.db, store.NewBatch{})
		c := sampleClaim("C-1", "P-1", "2026-01-05", 2)
		c.Billing.NPI = "1234567890" // bad check digit
		check(t, e.db.SaveClaims(ctx, b.ID, 0, []store.ClaimRecord{record(c, scrub.TierHold, finding("npi", "npi.check_digit", scrub.SevError, 0))}))
		check(t, e.db.ApplyReview(ctx, store.ReviewAction{BatchID: b.ID, ClaimID: "C-1", Action: batch.Correct, Reviewer: "rita",
			Changes: []store.FieldChange{{Field: claim.FieldBillingNPI, From: "1234567890", To: "1234567893"}}}))
		c.Billing.NPI = "1234567893"
		c.Lines = c.Lines[:1]
		rec := record(c, scrub.TierClean)
		rec.BatchID, rec.State = b.ID, batch.StateCorrected
		check(t, e.db.UpdateClaim(ctx, rec))
		got := must[store.ClaimRecord](t)(e.db.Claim(ctx, b.ID, "C-1"))
		if got.Claim.Billing.NPI != "1234567893" || len(got.Claim.Lines) != 1 || got.Tier != scrub.TierClean ||
			got.State != batch.StateCorrected || len(got.Findings) != 0 || got.Errors != 0 || got.Reviewer != "rita" {
			t.Errorf("after update %+v", got)
		}
		if n := e.count(t, "SELECT COUNT(*) FROM claim_lines WHERE claim_id = 'C-1'"); n != 1 {
			t.Errorf("%d lines after correction", n)
		}
		var npi string
		check(t, e.raw.Get(&npi, "SELECT billing_npi FROM claims WHERE claim_id = 'C-1'"))
		if npi != "1234567893" {
			t.Errorf("indexed column not updated: %s", npi)
		}
		// Corrected claims that re-scrubbed clean are ready to submit.
		ready := must[[]store.ClaimRecord](t)(e.db.ClaimsToSubmit(ctx, b.ID, store.All))
		if g := claimIDs(ready); !reflect.DeepEqual(g, []string{"C-1"}) {
			t.Errorf("ready %v", g)
		}
		rec.Claim.ID = "C-404"
		if err := e.db.UpdateClaim(ctx, rec); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("update missing: %v", err)
		}
	})
}

func TestHistoryForPatients(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		old := newBatch(t, e.db, store.NewBatch{ID: "b-old"})
		cur := newBatch(t, e.db, store.NewBatch{ID: "b-cur"})
		a := sampleClaim("H-1", "P-1", "2026-01-05", 2)
		a.Lines[1].Modifiers = []string{"59", "XU"}
		b := sampleClaim("H-2", "P-2", "2026-01-20", 1) // other patient
		c := sampleClaim("H-3", "P-1", "2025-11-30", 1) // outside the window
		check(t, e.db.SaveClaims(ctx, old.ID, 0, []store.ClaimRecord{record(a, scrub.TierClean), record(b, scrub.TierClean), record(c, scrub.TierClean)}))
		check(t, e.db.SaveClaims(ctx, cur.ID, 0, []store.ClaimRecord{record(sampleClaim("N-1", "P-1", "2026-01-05", 1), scrub.TierClean)}))
		ic := must[store.Interchange](t)(e.db.ReserveInterchange(ctx, store.Interchange{BatchID: old.ID, IdempotencyKey: "k"}, []string{"H-1"}))
		check(t, e.db.MarkInterchangeSent(ctx, ic.ID))

		// Claims saved without a key are keyed by the tag of their
		// patient account number. Many keys: more than one IN list.
		p1 := claim.AccountKey(e.ring, "P-1")
		keys := []string{p1}
		for i := range 1200 {
			if i == 700 {
				keys = append(keys, p1) // a repeat must not repeat rows
			}
			keys = append(keys, fmt.Sprintf("P-x%d", i))
		}
		rows := must[[]store.HistoryRow](t)(e.db.HistoryForPatients(ctx, cur.ID, keys, claim.MustDate("2025-12-01"), claim.MustDate("2026-01-31")))
		if len(rows) != 2 {
			t.Fatalf("history rows %+v", rows)
		}
		r := rows[1]
		if r.BatchID != "b-old" || r.ClaimID != "H-1" || r.Line != 2 || r.PatientKey != p1 || r.From != claim.MustDate("2026-01-05") ||
			r.Procedure != "36415" || !reflect.DeepEqual(r.Modifiers, []string{"59", "XU"}) || r.Charge != 2000 || r.Units != 1 ||
			r.RenderingNPI != "1558598797" || r.BillingNPI != "1234567893" || r.PayerID != "SX123" ||
			r.State != batch.StateClean || r.Submission != "sent" {
			t.Errorf("row %+v", r)
		}
		if rows[0].Line != 1 || !reflect.DeepEqual(rows[0].Modifiers, []string{"25"}) {
			t.Errorf("row 0 %+v", rows[0])
		}
		// The current batch itself is excluded; without exclusion it appears.
		all := must[[]store.HistoryRow](t)(e.db.HistoryForPatients(ctx, "", []string{p1}, claim.MustDate("2026-01-05"), claim.MustDate("2026-01-05")))
		if len(all) != 3 {
			t.Errorf("unexcluded %d rows", len(all))
		}
		none := must[[]store.HistoryRow](t)(e.db.HistoryForPatients(ctx, cur.ID, nil, claim.MustDate("2026-01-01"), claim.MustDate("2026-01-31")))
		if len(none) != 0 {
			t.Errorf("no keys gave %d rows", len(none))
		}
	})
}

func TestFindingsAndRowErrors(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		b := newBatch(t, e.db, store.NewBatch{})
		check(t, e.db.SaveClaims(ctx, b.ID, 0, []store.ClaimRecord{
			record(sampleClaim("C-2", "P-1", "2026-01-05", 2), scrub.TierReview,
				finding("npi", "npi.check_digit", scrub.SevError, 0), finding("modifier", "mod.invalid", scrub.SevWarning, 1)),
			record(sampleClaim("C-1", "P-2", "2026-01-05", 2), scrub.TierReview,
				finding("npi", "npi.check_digit", scrub.SevError, 0), finding("npi", "npi.rendering", scrub.SevWarning, 0)),
		}))
		all := must[[]store.Finding](t)(e.db.Findings(ctx, b.ID, store.FindingFilter{}, store.All))
		if len(all) != 4 || all[0].ClaimID != "C-2" || all[1].RuleID != "mod.invalid" || all[2].ClaimID != "C-1" {
			t.Errorf("all findings %+v", all)
		}
		npiErr := must[[]store.Finding](t)(e.db.Findings(ctx, b.ID, store.FindingFilter{Category: "npi", Severity: scrub.SevError}, store.All))
		if len(npiErr) != 2 {
			t.Errorf("npi errors %+v", npiErr)
		}
		one := must[[]store.Finding](t)(e.db.Findings(ctx, b.ID, store.FindingFilter{ClaimID: "C-1"}, store.Page{Limit: 1, Offset: 1}))
		if len(one) != 1 || one[0].RuleID != "npi.rendering" || one[0].Row != 2 || one[0].Column != "AB" || one[0].CARC != "16" {
			t.Errorf("page of C-1 %+v", one)
		}
		counts := must[[]store.FindingCount](t)(e.db.FindingCounts(ctx, b.ID))
		want := []store.FindingCount{{"modifier", "warning", 1}, {"npi", "error", 2}, {"npi", "warning", 1}}
		if !reflect.DeepEqual(counts, want) {
			t.Errorf("counts %+v", counts)
		}

		errs := []store.RowError{
			{Sheet: "Claims", Row: 14, Column: "G", Header: "DOB", Value: "13/45/1990", Message: "not a date (expected MM/DD/YYYY)", ClaimID: "C-9"},
			{Sheet: "Claims", Row: 15, Column: "P", Header: "Charges", Value: "12,3456.00", Message: "not an amount of money"},
		}
		check(t, e.db.SaveRowErrors(ctx, b.ID, 1, errs[1:]))
		check(t, e.db.SaveRowErrors(ctx, b.ID, 0, errs[:1]))
		check(t, e.db.SaveRowErrors(ctx, b.ID, 0, errs[:1])) // retry
		got := must[[]store.RowError](t)(e.db.RowErrors(ctx, b.ID, store.All))
		if !reflect.DeepEqual(got, errs) {
			t.Errorf("row errors\n got %+v\nwant %+v", got, errs)
		}
	})
}

func TestClaimOrderIsFileOrder(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		// Batch IDs that sort against upload order.
		later := newBatch(t, e.db, store.NewBatch{ID: "b-a", CreatedAt: t0.Add(time.Hour)})
		earlier := newBatch(t, e.db, store.NewBatch{ID: "b-z", CreatedAt: t0})
		// Chunk 1 is saved before chunk 0 (a retried activity).
		check(t, e.db.SaveClaims(ctx, earlier.ID, 1, []store.ClaimRecord{record(sampleClaim("Z-3", "P-1", "2026-01-05", 1), scrub.TierClean)}))
		time.Sleep(2 * time.Millisecond)
		check(t, e.db.SaveClaims(ctx, earlier.ID, 0, []store.ClaimRecord{
			record(sampleClaim("Z-2", "P-1", "2026-01-05", 1), scrub.TierReview, finding("npi", "npi.x", scrub.SevError, 0)),
			record(sampleClaim("Z-1", "P-1", "2026-01-05", 1), scrub.TierClean),
		}))
		check(t, e.db.SaveClaims(ctx, later.ID, 0, []store.ClaimRecord{record(sampleClaim("A-1", "P-1", "2026-01-05", 1), scrub.TierClean)}))
		want := []string{"Z-2", "Z-1", "Z-3", "A-1"}
		for _, withFindings := range []bool{false, true} {
			got := claimIDs(must[[]store.ClaimRecord](t)(e.db.Claims(ctx, store.ClaimFilter{WithFindings: withFindings}, store.All)))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("withFindings=%t: order %v, want %v", withFindings, got, want)
			}
		}
	})
}
