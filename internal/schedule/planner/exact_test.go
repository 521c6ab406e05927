package planner_test

import (
	"slices"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/clinicsim"
	"github.com/rcmbot/rcmbot/internal/schedule/planner"
)

// The optimality goal: within 5% of the exact optimum on small
// instances (one session, ≤ 8 slots, ≤ 6 requests). The exact answer
// must also never beat... itself: with and without the planner's plan as
// the incumbent it finds the same cost.
func TestWithinFivePercentOfExact(t *testing.T) {
	worst := 0.0
	for seed := range uint64(40) {
		in := clinicsim.SmallInstance(seed)
		if err := in.Check(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		pb := planner.Compile(in)
		plan, err := planner.Plan(pb)
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		opt, err := planner.Exact(pb, plan)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		t.Logf("seed %d: %d requests, %d slots, exact in %v, gap %.2f%%", seed, len(in.Requests), len(pb.Instance.Sessions()[0].Slots(15)), time.Since(t0), 100*(plan.ExpectedCost/opt.ExpectedCost-1))
		if opt.ExpectedCost > plan.ExpectedCost+1e-9 {
			t.Errorf("seed %d: exact %.4f worse than the planner %.4f", seed, opt.ExpectedCost, plan.ExpectedCost)
		}
		gap := plan.ExpectedCost/opt.ExpectedCost - 1
		worst = max(worst, gap)
		if gap > 0.05 {
			t.Errorf("seed %d: planner %.3f is %.2f%% above the optimum %.3f", seed, plan.ExpectedCost, 100*gap, opt.ExpectedCost)
		}
		if seed%8 == 0 {
			cold, err := planner.Exact(pb, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := cold.ExpectedCost - opt.ExpectedCost; d > 1e-9 || d < -1e-9 {
				t.Errorf("seed %d: exact without incumbent %.6f, with %.6f", seed, cold.ExpectedCost, opt.ExpectedCost)
			}
		}
	}
	t.Logf("worst gap to the optimum: %.3f%%", 100*worst)
}

// Exact agrees with brute force (every assignment, every order, priced by
// Evaluate) on instances small enough for it.
func TestExactAgainstBruteForce(t *testing.T) {
	for seed := range uint64(6) {
		in := clinicsim.SmallInstance(100 + seed)
		in.Requests = in.Requests[:min(3, len(in.Requests))]
		pb := planner.Compile(in)
		opt, err := planner.Exact(pb, nil)
		if err != nil {
			t.Fatal(err)
		}
		best := bruteForce(t, pb, in)
		if d := best - opt.ExpectedCost; d > 1e-9 || d < -1e-9 {
			t.Errorf("seed %d: brute force %.6f, exact %.6f", seed, best, opt.ExpectedCost)
		}
	}
}

func bruteForce(t *testing.T, pb *planner.Problem, in *schedule.Instance) float64 {
	s := in.Sessions()[0]
	slots := s.Slots(in.SlotMinutes)
	best := 1e300
	n := len(in.Requests)
	choice := make([]int, n) // -1 unscheduled, else slot index
	var rec func(i int)
	rec = func(i int) {
		if i == n {
			var booked []int
			for r, c := range choice {
				if c >= 0 {
					booked = append(booked, r)
				}
			}
			permute(booked, func(order []int) {
				p := &schedule.Plan{}
				for _, r := range order {
					p.Assignments = append(p.Assignments, schedule.Assignment{RequestID: in.Requests[r].ID, ProviderID: s.ProviderID,
						Date: s.Date, Start: slots[choice[r]], NoShowProbability: *in.Requests[r].NoShowProbability})
				}
				for r, c := range choice {
					if c < 0 {
						p.Unscheduled = append(p.Unscheduled, in.Requests[r].ID)
					}
				}
				if b, err := planner.Evaluate(pb, p); err == nil {
					best = min(best, b.Cost)
				}
			})
			return
		}
		for c := -1; c < len(slots); c++ {
			choice[i] = c
			rec(i + 1)
		}
	}
	rec(0)
	return best
}

func permute(xs []int, f func([]int)) {
	xs = slices.Clone(xs)
	var rec func(k int)
	rec = func(k int) {
		if k == len(xs) {
			f(xs)
			return
		}
		for i := k; i < len(xs); i++ {
			xs[k], xs[i] = xs[i], xs[k]
			rec(k + 1)
			xs[k], xs[i] = xs[i], xs[k]
		}
	}
	rec(0)
}
