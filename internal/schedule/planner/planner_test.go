package planner_test

import (
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/clinicsim"
	"github.com/rcmbot/rcmbot/internal/schedule/planner"
)

// instances draws varied instances from the clinic simulator: sizes,
// fills, overbooking limits, with and without history.
func instances(t testing.TB, n int) []*schedule.Instance {
	var out []*schedule.Instance
	for seed := range uint64(n) {
		c := clinicsim.NewClinic(clinicsim.ClinicConfig{Seed: seed, Providers: 2 + int(seed%4), Patients: 400, PatientSpread: 0.8})
		cfg := clinicsim.InstanceConfig{Seed: seed, Start: claim.MustDate("2026-12-07"), Days: 5 + int(seed%3)*2,
			Requests: 10 + int(seed*7%50), Fill: []float64{0.3, 0.6, 0.85}[seed%3]}
		if seed%2 == 0 {
			cfg.History = 3000
		}
		in := c.Instance(cfg)
		in.MaxOverbookPerSlot = int(seed % 3)
		if err := in.Check(); err != nil {
			t.Fatalf("seed %d: generated instance fails its check: %v", seed, err)
		}
		out = append(out, in)
	}
	return out
}

// Plans are feasible, price as Evaluate prices them, and never cost more
// than first-come-first-served on the same instance.
func TestPlanProperties(t *testing.T) {
	for i, in := range instances(t, 24) {
		pb := planner.Compile(in)
		plan, err := planner.Plan(pb)
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		b, err := planner.Evaluate(pb, plan)
		if err != nil {
			t.Fatalf("instance %d: plan infeasible: %v", i, err)
		}
		if b.Cost != plan.ExpectedCost {
			t.Errorf("instance %d: plan says %v, Evaluate %v", i, plan.ExpectedCost, b.Cost)
		}
		if got := len(plan.Assignments) + len(plan.Unscheduled); got != len(in.Requests) {
			t.Errorf("instance %d: %d requests accounted for, want %d", i, got, len(in.Requests))
		}
		flagged := 0
		for _, a := range plan.Assignments {
			if a.Overbooked {
				flagged++
			}
		}
		if flagged != b.Overbooked {
			t.Errorf("instance %d: %d assignments flagged overbooked, breakdown counts %d", i, flagged, b.Overbooked)
		}
		fcfs, err := pb.Apply(planner.FCFS())
		if err != nil {
			t.Fatalf("instance %d: FCFS: %v", i, err)
		}
		if plan.ExpectedCost > fcfs.ExpectedCost+1e-9 {
			t.Errorf("instance %d: plan %.3f costs more than FCFS %.3f", i, plan.ExpectedCost, fcfs.ExpectedCost)
		}
		t.Logf("instance %d: %d requests, plan %.1f (%d unscheduled) FCFS %.1f (%d unscheduled) gain %.1f%%", i, len(in.Requests),
			plan.ExpectedCost, len(plan.Unscheduled), fcfs.ExpectedCost, len(fcfs.Unscheduled), 100*(1-plan.ExpectedCost/fcfs.ExpectedCost))
	}
}
