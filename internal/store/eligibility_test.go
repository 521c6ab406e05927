package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/store"
)

func TestEligibilityResultsAndCoverage(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		dos := claim.MustDate("2026-03-02")
		t0 := time.Date(2026, 3, 1, 7, 0, 0, 0, time.UTC)
		save := func(r store.EligibilityResult) store.EligibilityResult {
			t.Helper()
			return must[store.EligibilityResult](t)(e.db.SaveEligibilityResult(ctx, r))
		}
		body := json.RawMessage(`{"member_id":"W123456789","plan":"Gold PPO","active":true}`)
		first := save(store.EligibilityResult{ID: "el-1", PayerID: "SX123", MemberKey: "mk-a", DOS: dos, Status: eligibility.CheckActive,
			Result: body, RawRef: "raw/el-1", CheckedAt: t0, PatientID: "P-1", SweepID: "sw-1"})
		if first.ID != "el-1" || string(first.Result) != string(body) || !first.CheckedAt.Equal(t0) || first.DOS != dos {
			t.Errorf("saved %+v", first)
		}
		// Retried activity: same ID, nothing changes.
		again := save(store.EligibilityResult{ID: "el-1", PayerID: "SX123", MemberKey: "mk-a", DOS: dos, Status: eligibility.CheckInactive, CheckedAt: t0.Add(time.Hour)})
		if again.Status != eligibility.CheckActive {
			t.Errorf("retry overwrote: %+v", again)
		}
		save(store.EligibilityResult{ID: "el-2", PayerID: "SX123", MemberKey: "mk-a", DOS: dos, Status: eligibility.CheckInactive, CheckedAt: t0.Add(2 * time.Hour), SweepID: "sw-1"})
		// Later but not definitive: ignored by LatestCoverage.
		save(store.EligibilityResult{ID: "el-3", PayerID: "SX123", MemberKey: "mk-a", DOS: dos, Status: eligibility.CheckPending, CheckedAt: t0.Add(3 * time.Hour), SweepID: "sw-1"})
		save(store.EligibilityResult{ID: "el-4", PayerID: "SX123", MemberKey: "mk-a", DOS: dos.AddDays(1), Status: eligibility.CheckActive, CheckedAt: t0.Add(4 * time.Hour)})
		save(store.EligibilityResult{ID: "el-5", PayerID: "SX123", MemberKey: "mk-b", DOS: dos, Status: eligibility.CheckUnknownMember, CheckedAt: t0, SweepID: "sw-1"})

		cov := must[store.EligibilityResult](t)(e.db.LatestCoverage(ctx, "SX123", "mk-a", dos))
		if cov.ID != "el-2" || cov.Status != eligibility.CheckInactive {
			t.Errorf("latest coverage %+v", cov)
		}
		if _, err := e.db.LatestCoverage(ctx, "OTHER", "mk-a", dos); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("no coverage: %v", err)
		}
		sweep := must[[]store.EligibilityResult](t)(e.db.EligibilityResults(ctx, store.EligibilityFilter{SweepID: "sw-1"}, store.All))
		var order []string
		for _, r := range sweep {
			order = append(order, r.ID)
		}
		if !reflect.DeepEqual(order, []string{"el-5", "el-2", "el-3", "el-1"}) {
			t.Errorf("problems first: %v", order)
		}
		byDate := must[[]store.EligibilityResult](t)(e.db.EligibilityResults(ctx, store.EligibilityFilter{DOS: dos, Status: []eligibility.CheckStatus{eligibility.CheckActive}}, store.All))
		if len(byDate) != 1 || byDate[0].ID != "el-1" {
			t.Errorf("by date %+v", byDate)
		}
		if _, err := e.db.EligibilityResults(ctx, store.EligibilityFilter{}, store.All); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("unfiltered: %v", err)
		}
		if _, err := e.db.SaveEligibilityResult(ctx, store.EligibilityResult{PayerID: "SX123", MemberKey: "k", DOS: dos, Status: "maybe"}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("bad status: %v", err)
		}
		// The member ID is only inside the JSON, never an indexed column.
		if n := e.count(t, "SELECT COUNT(*) FROM eligibility_results WHERE member_key = 'W123456789' OR patient_id = 'W123456789'"); n != 0 {
			t.Errorf("raw member ID in a column")
		}
	})
}

func TestSweepsAndWorkItems(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		date := claim.MustDate("2026-03-03")
		s := must[store.Sweep](t)(e.db.CreateSweep(ctx, store.Sweep{ID: "sw-1", Date: date, WorkflowID: "eligibility-sweep-2026-03-03", Counts: eligibility.SweepCounts{Members: 120}}))
		if s.Status != eligibility.SweepRunning || s.Counts.Members != 120 || s.StartedAt.IsZero() {
			t.Errorf("created %+v", s)
		}
		if again := must[store.Sweep](t)(e.db.CreateSweep(ctx, store.Sweep{ID: "sw-1", Date: date.AddDays(1)})); again.Date != date {
			t.Errorf("retry changed the sweep: %+v", again)
		}
		counts := eligibility.SweepCounts{Members: 120, Checked: 118, Active: 110, Inactive: 5, Unknown: 3, Failed: 2, Discrepancies: 7}
		check(t, e.db.UpdateSweep(ctx, "sw-1", eligibility.SweepCompleted, counts, "worklists/sw-1.xlsx"))
		done := must[store.Sweep](t)(e.db.Sweep(ctx, "sw-1"))
		if done.Counts != counts || done.Status != eligibility.SweepCompleted || done.WorklistRef != "worklists/sw-1.xlsx" || done.CompletedAt.IsZero() {
			t.Errorf("done %+v", done)
		}
		if err := e.db.UpdateSweep(ctx, "sw-404", eligibility.SweepFailed, counts, ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown sweep: %v", err)
		}
		must[store.Sweep](t)(e.db.CreateSweep(ctx, store.Sweep{ID: "sw-2", Date: date}))
		list := must[[]store.Sweep](t)(e.db.SweepsForDate(ctx, date))
		if len(list) != 2 || list[0].ID != "sw-2" {
			t.Errorf("sweeps %+v", list)
		}

		wi := must[store.WorkItem](t)(e.db.AddWorkItem(ctx, store.WorkItem{ID: "wi-sw-1-el-5", Kind: "eligibility", SweepID: "sw-1", ResultID: "el-5",
			PatientID: "P-5", PayerID: "SX123", ReasonCode: "75", Message: "Subscriber not found: check the member ID with the patient"}))
		if wi.Status != store.WorkItemOpen || wi.CreatedAt.IsZero() {
			t.Errorf("work item %+v", wi)
		}
		must[store.WorkItem](t)(e.db.AddWorkItem(ctx, store.WorkItem{ID: "wi-sw-1-el-5", Kind: "eligibility"})) // retry
		must[store.WorkItem](t)(e.db.AddWorkItem(ctx, store.WorkItem{Kind: "eligibility", SweepID: "sw-2", ReasonCode: "http_400"}))
		if open := must[[]store.WorkItem](t)(e.db.WorkItems(ctx, store.WorkItemOpen, "", store.All)); len(open) != 2 || open[0].Message == "" {
			t.Errorf("open %+v", open)
		}
		check(t, e.db.ResolveWorkItem(ctx, "wi-sw-1-el-5", "fran", "patient gave new card"))
		open := must[[]store.WorkItem](t)(e.db.WorkItems(ctx, store.WorkItemOpen, "", store.All))
		resolved := must[[]store.WorkItem](t)(e.db.WorkItems(ctx, store.WorkItemResolved, "sw-1", store.All))
		if len(open) != 1 || len(resolved) != 1 || resolved[0].ResolvedBy != "fran" || resolved[0].ResolvedAt.IsZero() || resolved[0].Note == "" {
			t.Errorf("open %+v resolved %+v", open, resolved)
		}
		if err := e.db.ResolveWorkItem(ctx, "wi-none", "fran", ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown: %v", err)
		}
		if wi := must[store.WorkItem](t)(e.db.WorkItem(ctx, "wi-sw-1-el-5")); wi.Status != store.WorkItemResolved || wi.ResolvedBy != "fran" || wi.ResolvedAt.IsZero() {
			t.Errorf("WorkItem = %+v", wi)
		}
		if _, err := e.db.WorkItem(ctx, "wi-none"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("WorkItem of an unknown ID: %v", err)
		}
	})
}
