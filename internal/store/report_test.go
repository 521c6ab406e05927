package store_test

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/store"
)

func TestWeeklyReport(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		ny, err := time.LoadLocation("America/New_York")
		if err != nil {
			t.Fatal("no time zone data:", err)
		}
		// Sunday 1 March 22:00 in New York (week 9) is Monday in UTC (week 10).
		b0 := newBatch(t, e.db, store.NewBatch{ID: "b-0", CreatedAt: time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC)})
		b1 := newBatch(t, e.db, store.NewBatch{ID: "b-1", CreatedAt: time.Date(2026, 3, 4, 15, 0, 0, 0, time.UTC)})
		b2 := newBatch(t, e.db, store.NewBatch{ID: "b-2", CreatedAt: time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)})
		deleted := newBatch(t, e.db, store.NewBatch{ID: "b-x", CreatedAt: time.Date(2026, 3, 5, 15, 0, 0, 0, time.UTC)})

		check(t, e.db.SaveClaims(ctx, b0.ID, 0, []store.ClaimRecord{record(sampleClaim("W9-1", "P-1", "2026-02-27", 1), scrub.TierClean)}))
		check(t, e.db.SaveClaims(ctx, b1.ID, 0, []store.ClaimRecord{
			record(sampleClaim("C-1", "P-1", "2026-03-02", 2), scrub.TierClean),                                                   // 30.00
			record(sampleClaim("C-2", "P-2", "2026-03-02", 1), scrub.TierReview, finding("npi", "npi.x", scrub.SevError, 0)),      // 10.00
			record(sampleClaim("C-3", "P-3", "2026-03-02", 3), scrub.TierHold, finding("modifier", "mod.x", scrub.SevWarning, 1)), // 60.00
		}))
		check(t, e.db.SaveClaims(ctx, deleted.ID, 0, []store.ClaimRecord{record(sampleClaim("D-1", "P-9", "2026-03-02", 1), scrub.TierHold, finding("npi", "npi.x", scrub.SevError, 0))}))
		check(t, e.db.DeleteBatch(ctx, deleted.ID))
		check(t, e.db.ApplyReview(ctx, store.ReviewAction{BatchID: b1.ID, ClaimID: "C-2", Action: batch.Approve, Reviewer: "rita"}))
		ic := must[store.Interchange](t)(e.db.ReserveInterchange(ctx, store.Interchange{BatchID: b1.ID, IdempotencyKey: "k1"}, []string{"C-1", "C-2"}))
		check(t, e.db.MarkInterchangeSent(ctx, ic.ID))
		check(t, e.db.RecordClaimAck(ctx, b1.ID, "C-1", store.ClaimAck{Status: store.SubmissionAccepted}))
		check(t, e.db.RecordClaimAck(ctx, b1.ID, "C-2", store.ClaimAck{Status: store.SubmissionRejected}))

		// Week 11: C-2 corrected and resubmitted (not a first submission), and a new claim awaiting its 277CA.
		check(t, e.db.SaveClaims(ctx, b2.ID, 0, []store.ClaimRecord{
			record(sampleClaim("C-2", "P-2", "2026-03-02", 1), scrub.TierClean),
			record(sampleClaim("C-9", "P-4", "2026-03-09", 1), scrub.TierClean),
		}))
		ic2 := must[store.Interchange](t)(e.db.ReserveInterchange(ctx, store.Interchange{BatchID: b2.ID, IdempotencyKey: "k2"}, []string{"C-2", "C-9"}))
		check(t, e.db.MarkInterchangeSent(ctx, ic2.ID))
		check(t, e.db.RecordClaimAck(ctx, b2.ID, "C-2", store.ClaimAck{Status: store.SubmissionAccepted}))

		weeks := must[[]store.WeekReport](t)(e.db.WeeklyReport(ctx, store.ReportOptions{Location: ny, MinutesPerRework: 20}))
		if len(weeks) != 3 {
			t.Fatalf("weeks %+v", weeks)
		}
		w9, w10, w11 := weeks[0], weeks[1], weeks[2]
		if w9.Week != "2026-W09" || w9.Claims != 1 || w9.Clean != 1 || w9.CleanClaimRate != 1 ||
			!w9.Start.Equal(time.Date(2026, 2, 23, 0, 0, 0, 0, ny)) {
			t.Errorf("w9 %+v", w9)
		}
		if w10.Week != "2026-W10" || w10.Claims != 3 || w10.Clean != 1 || math.Abs(w10.CleanClaimRate-1.0/3) > 1e-9 ||
			w10.Submitted != 2 || w10.AcceptedFirstPass != 1 || w10.FirstPassAcceptance != 0.5 || w10.AwaitingAck != 0 ||
			w10.DollarsAtRisk != 7000 || w10.DenialsPrevented != 1 || math.Abs(w10.HoursSaved-20.0/60) > 1e-9 ||
			!reflect.DeepEqual(w10.FindingsByCategory, map[string]int{"npi": 1, "modifier": 1}) {
			t.Errorf("w10 %+v", w10)
		}
		if w11.Week != "2026-W11" || w11.Claims != 2 || w11.Clean != 2 || w11.Submitted != 1 || w11.AcceptedFirstPass != 0 ||
			w11.AwaitingAck != 1 || w11.DollarsAtRisk != 0 || w11.HoursSaved != 0 || len(w11.FindingsByCategory) != 0 {
			t.Errorf("w11 %+v", w11)
		}
		// In UTC the Sunday-night batch falls in week 10; a range selects weeks.
		utc := must[[]store.WeekReport](t)(e.db.WeeklyReport(ctx, store.ReportOptions{
			From: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)}))
		if len(utc) != 1 || utc[0].Week != "2026-W10" || utc[0].Claims != 4 || utc[0].HoursSaved != 0.25 {
			t.Errorf("utc %+v", utc)
		}
	})
}
