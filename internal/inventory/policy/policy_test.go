package policy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/inventory/forecast"
)

func constant(n int, d float64) []float64 {
	y := make([]float64, n)
	for i := range y {
		y[i] = d
	}
	return y
}

func fixedLead(n int, l int32) []int32 {
	x := make([]int32, n)
	for i := range x {
		x[i] = l
	}
	return x
}

// The order of events in a day, checked on a five-day story.
func TestSimulateOrderOfEvents(t *testing.T) {
	par := Params{UnitCost: 1, ShelfLifeDays: 2}
	// A lot of 5 received on day 0 is usable on days 0 and 1, discarded on
	// day 2 before that day's demand; with no reorder (s = −1) days 2–4
	// are stock-outs.
	out := Simulate(par, Policy{ReorderPoint: -1}, Scenario{Demand: constant(5, 1), LeadTime: fixedLead(5, 1), OnHand: 5})
	if out.Met != 2 || out.Expired != 3 || out.StockOuts != 3 || out.Orders != 0 {
		t.Errorf("expiry story: %+v", out)
	}
	// Lead time 1: an order placed at the end of day 0 is usable on day 1
	// before its demand, so nothing is lost. Day 0: 3 on hand, demand 2,
	// position 1 ≤ s=1 → order 4−1=3; day 1: 1+3=4, demand 2, position 2 >
	// 1; day 2: demand 2 → 0, order 4.
	out = Simulate(Params{UnitCost: 1}, Policy{ReorderPoint: 1, OrderUpTo: 4},
		Scenario{Demand: constant(3, 2), LeadTime: fixedLead(3, 1), OnHand: 3})
	if out.Met != 6 || out.Orders != 2 || out.Ordered != 7 || out.StockDays != 1+2+0 || out.Unfinished != 4 {
		t.Errorf("lead-time story: %+v", out)
	}
	// MOQ and multiple: position 0, S=3, MOQ 5, multiple 4 → order 8.
	p := Policy{ReorderPoint: 0, OrderUpTo: 3}
	if q := p.OrderQty(0, Params{MinOrderQty: 5, OrderMultiple: 4}); q != 8 {
		t.Errorf("order qty %v, want max(3,5)=5 rounded up to 8", q)
	}
	if q := p.OrderQty(1, Params{}); q != 0 {
		t.Errorf("above the reorder point ordered %v", q)
	}
	// First-expiring-first, shelf life 3, s=2, S=5. Day 0: 3 on hand (lot
	// A, usable days 0–2), demand 1, position 2 → order 3 (lead time 1).
	// Day 1: lot B of 3 arrives (usable 1–3); demand takes A's units first
	// (A 1, B 3). Day 2: A empties. Day 3: A is discarded empty, demand
	// leaves B 2, position 2 → order 3 arriving after the end. Day 4: B
	// (received day 1) is discarded with 2 units; the demand is lost.
	out = Simulate(Params{UnitCost: 1, ShelfLifeDays: 3}, Policy{ReorderPoint: 2, OrderUpTo: 5},
		Scenario{Demand: []float64{1, 1, 1, 1, 1}, LeadTime: []int32{1, 9, 9, 9, 9}, OnHand: 3})
	if out.Expired != 2 || out.Met != 4 || out.StockOuts != 1 || out.Orders != 2 {
		t.Errorf("FEFO story: %+v", out)
	}
}

// deterministicFill is the fill rate of (s, S) for demand d every day and
// lead time L, when s = a·d with a < L−1 and S − 2s ≥ d a multiple of d:
// each cycle meets s during the lead time and S − 2s after the delivery,
// out of a demand of (L−1)·d + S − 2s; so fill = (S−s)/((L−1)d + S − 2s).
// With s ≥ (L−1)·d nothing is ever lost.
func deterministicFill(s, S, d float64, L int) float64 {
	if s >= float64(L-1)*d {
		return 1
	}
	return (S - s) / (float64(L-1)*d + S - 2*s)
}

func TestZeroVarianceFillRateProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for range 200 {
		d := float64(1 + rng.IntN(20))
		L := 2 + rng.IntN(20)
		a := rng.IntN(L + 2) // sometimes ≥ L−1: fill 1
		k := 2*a + 1 + rng.IntN(30)
		s, S := float64(a)*d, float64(k)*d
		n := 200_000
		// Start with S on hand: the first cycle has no lead-time loss, a
		// transient that vanishes over a long run.
		out := Simulate(Params{UnitCost: 1}, Policy{ReorderPoint: s, OrderUpTo: S},
			Scenario{Demand: constant(n, d), LeadTime: fixedLead(n, int32(L)), OnHand: S})
		want := deterministicFill(s, S, d, L)
		if math.Abs(out.FillRate()-want) > 2e-3 {
			t.Fatalf("d=%v L=%d s=%v S=%v: simulated fill %.5f, analytic %.5f", d, L, s, S, out.FillRate(), want)
		}
	}
}

func TestOptimizeZeroVariance(t *testing.T) {
	// Demand 10 a day, lead time 5 days exactly, target 0.95. Nothing is
	// random, so the optimizer's simulation is the analytic answer: the
	// least s meeting 95% for its chosen gap, and fill rate ≥ target.
	par := Params{UnitCost: 2, OrderCost: 20, TargetFill: 0.95,
		LeadTime: NewLeadTimeDist(inventory.LeadTime{MeanDays: 5})}
	history := constant(400, 10)
	p := Compute(par, history, Options{Seed: 1}, "GLOVE-M")
	if p.Forecast.DailyMean != 10 {
		t.Fatalf("forecast %v, want 10", p.Forecast.DailyMean)
	}
	s, S := p.ReorderPoint, p.OrderUpTo
	if got := deterministicFill(s, S, 10, 5); math.Abs(got-p.ExpectedFill) > 0.01 || got < 0.95-0.002 {
		t.Errorf("policy s=%v S=%v: analytic fill %.4f, optimizer expected %.4f", s, S, got, p.ExpectedFill)
	}
	// Meeting 95% exactly needs s < (L−1)·d = 40 only if the gap is large;
	// either way one unit less must miss the target (unless s is 0).
	if s > 0 && S-s >= 10 && deterministicFill(s-10, S-10, 10, 5) >= 0.95 && s-10 >= 0 {
		t.Errorf("s=%v is not the least reorder point: s−10 also meets the target", s)
	}
	if p.SafetyStock != s-50 {
		t.Errorf("safety stock %v, want s − 10·5", p.SafetyStock)
	}
}

func TestOptimizeMeetsTargetOnItsModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for i, cls := range []struct {
		p    float64 // demand probability
		size func() float64
	}{
		{0.95, func() float64 { return math.Round(20 + 5*rng.NormFloat64()) }},
		{0.9, func() float64 { return math.Round(math.Exp(2 + rng.NormFloat64())) }},
		{0.2, func() float64 { return float64(2 + rng.IntN(3)) }},
		{0.1, func() float64 { return math.Round(math.Exp(1.5 + 1.2*rng.NormFloat64())) }},
	} {
		hist := make([]float64, 730)
		for d := range hist {
			if rng.Float64() < cls.p {
				hist[d] = max(1, cls.size())
			}
		}
		for _, target := range []float64{0.9, 0.95, 0.99} {
			par := Params{UnitCost: 5, OrderCost: 25, TargetFill: target, OrderMultiple: 1,
				LeadTime: NewLeadTimeDist(inventory.LeadTime{MeanDays: 7, SDDays: 2})}
			// Without the one-year reliability band the long-run fill rate
			// is what the search aims at.
			plan := Compute(par, hist, Options{Seed: 3, YearShortfall: -1}, "X")
			if !plan.Feasible || plan.ExpectedFill < target {
				t.Errorf("case %d target %v: expected fill %v feasible %v", i, target, plan.ExpectedFill, plan.Feasible)
			}
			// Checked on a fresh future drawn from the same model, the
			// fill rate is close to the target: not below it by more than
			// sampling noise, and not far above it (the optimizer does not
			// overstock; one unit of reorder point is worth several points
			// of fill for a slow item, hence the wider upper bound).
			dm := NewDemandModel(hist, plan.Forecast, 8)
			r2 := rand.New(rand.NewPCG(99, uint64(i)))
			years := 40
			n := years * DaysPerYear
			demand, _ := dm.Path(r2, n)
			sc := Scenario{Demand: demand, LeadTime: make([]int32, n), OnHand: plan.OrderUpTo}
			for k := range sc.LeadTime {
				sc.LeadTime[k] = par.LeadTime.Draw(r2)
			}
			got := Simulate(par, plan.Policy, sc).FillRate()
			if got < target-0.015 || got > target+0.05 {
				t.Errorf("case %d target %v: fill on a fresh future %.4f", i, target, got)
			}
			// With the band (the default: nineteen years in twenty),
			// at least four years in five of that future are within 2
			// points of the target (40 years: room for sampling noise).
			plan = Compute(par, hist, Options{Seed: 3}, "X")
			within := 0
			for y := range years {
				yr := Scenario{Demand: demand[y*DaysPerYear : (y+1)*DaysPerYear], LeadTime: sc.LeadTime[y*DaysPerYear:], OnHand: plan.OrderUpTo}
				if Simulate(par, plan.Policy, yr).FillRate() >= target-0.02 {
					within++
				}
			}
			if share := float64(within) / float64(years); share < 0.8 {
				t.Errorf("case %d target %v: %d of %d years within 2 points", i, target, within, years)
			}
		}
	}
}

func TestExpiryCap(t *testing.T) {
	// 2 a day, shelf life 10 days, lead time 3: S may not exceed 2·(3+10)=26
	// and nothing should expire in the optimizer's own future.
	par := Params{UnitCost: 10, OrderCost: 500, TargetFill: 0.95, ShelfLifeDays: 10,
		LeadTime: NewLeadTimeDist(inventory.LeadTime{MeanDays: 3})}
	p := Compute(par, constant(365, 2), Options{}, "VAX")
	if p.Cap != 26 || p.OrderUpTo > 26 {
		t.Errorf("cap %v, S %v: want S ≤ 26", p.Cap, p.OrderUpTo)
	}
	if p.ExpectedCost.Expiry > 0.05*p.ExpectedCost.Total() {
		t.Errorf("expiry cost %v of %v", p.ExpectedCost.Expiry, p.ExpectedCost.Total())
	}
	// A shelf life too short for the lead time: the target is out of
	// reach and the policy says so.
	par.ShelfLifeDays, par.LeadTime = 1, NewLeadTimeDist(inventory.LeadTime{MeanDays: 6, SDDays: 3})
	p = Compute(par, constant(365, 2), Options{}, "VAX")
	if p.Feasible {
		t.Errorf("shelf life 1 day with a 6-day lead time reported feasible: %+v", p.Result)
	}
}

func TestLeadTimeDist(t *testing.T) {
	d := NewLeadTimeDist(inventory.LeadTime{MeanDays: 10, SDDays: 3})
	if m := d.Mean(); math.Abs(m-10) > 0.1 {
		t.Errorf("mean %v", m)
	}
	if v := d.Variance(); math.Abs(v-9) > 0.6 {
		t.Errorf("variance %v (want about 9, plus rounding)", v)
	}
	if d.Min < 1 {
		t.Errorf("min %d", d.Min)
	}
	c := NewLeadTimeDist(inventory.LeadTime{MeanDays: 0.4})
	if c.Min != 1 || c.Max() != 1 {
		t.Errorf("short lead time %+v: want exactly 1 day", c)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	var sum float64
	for range 20000 {
		sum += float64(d.Draw(rng))
	}
	if m := sum / 20000; math.Abs(m-d.Mean()) > 0.1 {
		t.Errorf("drawn mean %v, distribution mean %v", m, d.Mean())
	}
}

func TestNoDemand(t *testing.T) {
	p := Compute(Params{UnitCost: 1, TargetFill: 0.95, LeadTime: NewLeadTimeDist(inventory.LeadTime{MeanDays: 3})},
		make([]float64, 200), Options{}, "UNUSED")
	if p.Forecast.Spec.Method != forecast.Zero || p.ReorderPoint != -1 || p.OrderUpTo != 0 {
		t.Errorf("unused item: %+v", p)
	}
}

func TestStockoutRisk(t *testing.T) {
	hist := make([]float64, 200)
	rng := rand.New(rand.NewPCG(5, 5))
	for i := range hist {
		hist[i] = float64(rng.IntN(11)) // mean 5, variance 10
	}
	fc := forecast.Select(hist, forecast.Options{Horizon: 7})
	dm := NewDemandModel(hist, fc, 7).Risk()
	if r := StockoutRisk(dm, 0, 3); r != 1 {
		t.Errorf("nothing on hand: risk %v", r)
	}
	if r := StockoutRisk(dm, 100, 0); r != 0 {
		t.Errorf("delivery today: risk %v", r)
	}
	// Ten days of about 5 a day: 50 on hand is a coin toss, 100 is safe,
	// 20 is a near-certain stock-out.
	if r := StockoutRisk(dm, dm.DailyMean*10, 10); r < 0.35 || r > 0.6 {
		t.Errorf("on hand = mean demand: risk %v", r)
	}
	if r := StockoutRisk(dm, 100, 10); r > 0.01 {
		t.Errorf("twice the demand on hand: risk %v", r)
	}
	if r := StockoutRisk(dm, 20, 10); r < 0.99 {
		t.Errorf("two fifths of the demand on hand: risk %v", r)
	}
}

// TestYearLevelErrorInBand: a forecast error that lasts the year (the
// demand model's YearLevelError) raises the reorder point of a frequently
// ordered item, whose cycles alone would average out within a year, until
// a year whose demand runs one such error above the forecast throughout
// stays within the band (2 points of the target); without it that year
// falls below.
func TestYearLevelErrorInBand(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	hist := make([]float64, 730)
	for d := range hist {
		hist[d] = max(0, math.Round(20+4*rng.NormFloat64()))
	}
	par := Params{UnitCost: 5, OrderCost: 5, TargetFill: 0.95, OrderMultiple: 1,
		LeadTime: NewLeadTimeDist(inventory.LeadTime{MeanDays: 7})}
	fc := forecast.Select(hist, forecast.Options{Horizon: 8})
	dm := NewDemandModel(hist, fc, 8)
	dm.LevelError, dm.YearLevelError = 0.1, 0
	without := Optimize(par, dm, Options{Seed: 4}, "X")
	dm.YearLevelError = 0.1
	with := Optimize(par, dm, Options{Seed: 4}, "X")
	if with.ReorderPoint <= without.ReorderPoint {
		t.Fatalf("reorder point %v with a lasting error, %v without", with.ReorderPoint, without.ReorderPoint)
	}
	// A year of demand 10% above the forecast, every day.
	n := 20 * DaysPerYear
	dm.LevelError, dm.YearLevelError = 0, 0
	demand, _ := dm.Path(rand.New(rand.NewPCG(5, 5)), n)
	for d := range demand {
		demand[d] *= 1.1
	}
	sc := Scenario{Demand: demand, LeadTime: fixedLead(n, 7), Warmup: 60}
	fill := func(p Policy) float64 { sc.OnHand = p.OrderUpTo; return Simulate(par, p, sc).FillRate() }
	if f := fill(with.Policy); f < par.TargetFill-0.02 {
		t.Errorf("with the lasting error in the band: fill %.4f in a high year", f)
	}
	if f := fill(without.Policy); f >= par.TargetFill-0.02 {
		t.Errorf("without: fill %.4f in a high year, want below the band (or the test shows nothing)", f)
	}
}

func TestBusyFrom(t *testing.T) {
	means := []float64{4, 0, 9, 1, 7, 3, 8, 2, 6, 5}
	if got := BusyFrom(means, 0.2); got != 8 {
		t.Errorf("busiest 20%% of 0…9 from %v, want 8", got)
	}
	if got := BusyFrom(means, -1); !math.IsInf(got, 1) {
		t.Errorf("no busy share: from %v, want +Inf", got)
	}
	if got := BusyFrom([]float64{0, 0, 0}, 0.5); got <= 0 {
		t.Errorf("items without demand are busy from %v", got)
	}
}

// TestComputeAllBusyBand: ComputeAll plans the busiest items with the
// one-in-ten band and the others with one in twenty; peers ranked with
// them (the review's stored plans) can push an item out of the busy set.
func TestComputeAllBusyBand(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var in []Input
	for i := range 10 {
		h := make([]float64, 730)
		for d := range h {
			if rng.Float64() < 0.3 {
				h[d] = math.Round(float64(i+1) * math.Exp(1+0.8*rng.NormFloat64()))
			}
		}
		in = append(in, Input{Key: fmt.Sprintf("I%d", i), History: h, Params: Params{UnitCost: 50, OrderCost: 10, TargetFill: 0.95,
			OrderMultiple: 1, LeadTime: NewLeadTimeDist(inventory.LeadTime{MeanDays: 7, SDDays: 2})}})
	}
	o := Options{Seed: 3}
	plans := ComputeAll(in, o, 2)
	for i, p := range plans {
		want := Options{Seed: 3}
		if i >= 8 { // the busiest two of ten (defaultBusyShare)
			want.YearZ = BusyYearZ
		}
		if w := Compute(in[i].Params, in[i].History, want, in[i].Key); w.Policy != p.Policy {
			t.Errorf("item %d: ComputeAll %+v, Compute with band z %v %+v", i, p.Policy, want.YearZ, w.Policy)
		}
	}
	// The busiest item's band makes a difference, or the test above could
	// not tell the bands apart.
	last := len(in) - 1
	if a, b := Compute(in[last].Params, in[last].History, Options{Seed: 3}, in[last].Key),
		Compute(in[last].Params, in[last].History, Options{Seed: 3, YearZ: BusyYearZ}, in[last].Key); a.Policy == b.Policy {
		t.Fatalf("the two bands give the same policy %+v", a.Policy)
	}
	// Planned alone among ten busier peers, the busiest item is not busy.
	o.PeerMeans = []float64{1e4, 1e4, 1e4, 1e4, 1e4, 1e4, 1e4, 1e4, 1e4, 1e4}
	alone := ComputeAll(in[last:], o, 1)
	if w := Compute(in[last].Params, in[last].History, Options{Seed: 3}, in[last].Key); alone[0].Policy != w.Policy {
		t.Errorf("among busier peers: %+v, want the one-in-twenty policy %+v", alone[0].Policy, w.Policy)
	}
}
