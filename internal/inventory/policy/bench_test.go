package policy

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rcmbot/rcmbot/internal/inventory"
)

// BenchmarkCompute times one item's forecast and policy for each demand
// shape, two years of history (the benchmark of 10,000 items is in
// invbench).
func BenchmarkCompute(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	shapes := []struct {
		name string
		p    float64
		size func() float64
	}{
		{"smooth", 0.95, func() float64 { return math.Round(20 + 5*rng.NormFloat64()) }},
		{"erratic", 0.9, func() float64 { return math.Round(math.Exp(2 + rng.NormFloat64())) }},
		{"intermittent", 0.2, func() float64 { return float64(2 + rng.IntN(3)) }},
		{"lumpy", 0.1, func() float64 { return math.Round(math.Exp(1.5 + 1.2*rng.NormFloat64())) }},
	}
	par := Params{UnitCost: 5, OrderCost: 25, TargetFill: 0.95, LeadTime: NewLeadTimeDist(inventory.LeadTime{MeanDays: 7, SDDays: 2})}
	for _, sh := range shapes {
		hist := make([]float64, 730)
		for d := range hist {
			if rng.Float64() < sh.p {
				hist[d] = max(1, sh.size())
			}
		}
		b.Run(sh.name, func(b *testing.B) {
			for b.Loop() {
				Compute(par, hist, Options{}, "X")
			}
		})
	}
}

// BenchmarkSimulateDay times one simulated day of the optimizer's loop.
func BenchmarkSimulateDay(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	hist := make([]float64, 730)
	for d := range hist {
		if rng.Float64() < 0.9 {
			hist[d] = math.Round(math.Exp(2 + rng.NormFloat64()))
		}
	}
	par := Params{UnitCost: 5, OrderCost: 25, TargetFill: 0.95, ShelfLifeDays: 200, LeadTime: NewLeadTimeDist(inventory.LeadTime{MeanDays: 7, SDDays: 2})}
	plan := Compute(par, hist, Options{}, "X")
	dm := NewDemandModel(hist, plan.Forecast, 8)
	n := 10000
	demand, level := dm.Path(rng, n)
	sc := Scenario{Demand: demand, LeadTime: make([]int32, n), OnHand: plan.OrderUpTo}
	for t := range sc.LeadTime {
		sc.LeadTime[t] = par.LeadTime.Draw(rng)
	}
	s := simulator{exp: newExpectation(dm, level)}
	for b.Loop() {
		s.run(par, plan.Policy, sc)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/day")
}
