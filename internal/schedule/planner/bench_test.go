package planner_test

import (
	"testing"

	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/clinicsim"
	"github.com/rcmbot/rcmbot/internal/schedule/planner"
)

// BenchmarkPlan400 plans clinicsim.LargeInstance (400 requests, 10
// providers, 10 working days) from the checked instance: compiling it
// (fitting the no-show model, listing every feasible slot of every
// request) and planning. The goal is under 2 s per plan on one core: run
// with -cpu 1 and read cpu-s/op (wall time suffers from other work on
// the machine).
func BenchmarkPlan400(b *testing.B) {
	in := clinicsim.LargeInstance()
	if err := in.Check(); err != nil {
		b.Fatal(err)
	}
	var plan *schedule.Plan
	cpu0 := clinicsim.CPUTime()
	for b.Loop() {
		var err error
		if plan, err = planner.Plan(planner.Compile(in)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((clinicsim.CPUTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(len(plan.Assignments)), "booked")
	b.ReportMetric(plan.ExpectedCost, "cost")
}
