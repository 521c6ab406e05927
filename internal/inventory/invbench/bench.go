package invbench

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rcmbot/rcmbot/internal/inventory/forecast"
	"github.com/rcmbot/rcmbot/internal/inventory/policy"
)

// PolicyKind names a compared policy.
type PolicyKind string

// The compared policies.
const (
	// RCMBot is rcmbot's policy, recomputed every RefitDays from all usage so far.
	RCMBot PolicyKind = "rcmbot"
	// MinMax is min/max as Odoo users set it, once, from the first year:
	// min = mean daily usage × lead time, max = min + 30 days of usage.
	MinMax PolicyKind = "minmax"
	// MinMaxSafety adds the rule-of-thumb safety stock of half the
	// lead-time usage (0.5 × mean daily usage × lead time) to min and max.
	MinMaxSafety PolicyKind = "minmax_safety"
	// MinMaxPeak adds the other common rule of thumb, maximum daily usage
	// × maximum lead time − average daily usage × average lead time
	// (maximum lead time = mean + 2 SD), to min and max.
	MinMaxPeak PolicyKind = "minmax_peak"
	// Floor is the best static (s,S) for the evaluated year, found by grid
	// search on the true demand and lead-time processes: for each gap
	// S − s on a geometric grid, the least s whose fill rate over
	// FloorRuns simulated years (after the same warm-up) meets the target;
	// the cheapest wins.
	Floor PolicyKind = "floor"
)

// Kinds lists the policies in report order.
var Kinds = []PolicyKind{RCMBot, MinMax, MinMaxSafety, MinMaxPeak, Floor}

// Result is one policy's evaluated year for one item.
type Result struct {
	Policy       policy.Policy `json:"policy"` // the first one, for rcmbot
	Fill         float64       `json:"fill_rate"`
	Demand       float64       `json:"demand"`
	Met          float64       `json:"met"`
	Cost         policy.Cost   `json:"cost"`
	AverageStock float64       `json:"average_stock"`
	Expired      float64       `json:"expired"`
	Orders       int           `json:"orders"`
	StockOutDays int           `json:"stock_out_days"`
}

// ItemReport is one item's results.
type ItemReport struct {
	SKU     string                `json:"sku"`
	Pattern Pattern               `json:"pattern"`
	Class   forecast.Class        `json:"class"` // as classified on the first year
	Method  forecast.Method       `json:"method"`
	Target  float64               `json:"target"`
	Results map[PolicyKind]Result `json:"results"`
}

// Summary aggregates one policy over the items.
type Summary struct {
	Policy PolicyKind `json:"policy"`
	// FillRate is demand-weighted: all met ÷ all demand; Target likewise
	// weights each item's target by its demand.
	FillRate float64 `json:"fill_rate"`
	Target   float64 `json:"target"`
	// WithinTwoPoints is the share of items whose fill rate is at least
	// their target − 0.02.
	WithinTwoPoints float64 `json:"within_two_points"`
	// MeanItemFill is the unweighted mean of the items' fill rates.
	MeanItemFill float64     `json:"mean_item_fill"`
	Cost         policy.Cost `json:"cost"` // summed over items, dollars a year
	AverageValue float64     `json:"average_stock_value"`
	ExpiredValue float64     `json:"expired_value"`
}

// Goal is one of the goals and whether the run met it.
type Goal struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Want  string  `json:"want"`
	Met   bool    `json:"met"`
}

// Report is a benchmark run.
type Report struct {
	Settings  Settings                           `json:"settings"`
	Summaries []Summary                          `json:"summaries"`
	ByPattern map[Pattern]map[PolicyKind]Summary `json:"by_pattern"`
	Goals     []Goal                             `json:"goals"`
	Items     []ItemReport                       `json:"items"`
	// Plans is how many rcmbot policies were computed, PlanCPU the process
	// CPU time that took (all workers) and PlanWall the elapsed time.
	Plans    int           `json:"plans"`
	PlanWall time.Duration `json:"plan_wall_ns"`
	Workers  int           `json:"workers"`
}

// Run runs the benchmark.
func Run(s Settings) Report {
	s = s.withDefaults()
	if s.Workers <= 0 {
		s.Workers = runtime.GOMAXPROCS(0)
	}
	cases := Cases(s)
	fit := s.Days - s.EvalDays
	rep := Report{Settings: s, Workers: s.Workers, Items: make([]ItemReport, len(cases))}

	// rcmbot: a plan at the start of the evaluated year and every RefitDays.
	var in []policy.Input
	for _, c := range cases {
		par := policy.ParamsFor(c.Item)
		for t := fit; t < s.Days; t += s.RefitDays {
			in = append(in, policy.Input{Key: string(c.Item.SKU), Params: par, History: c.Demand[:t]})
		}
	}
	start := time.Now()
	plans := policy.ComputeAll(in, policy.Options{Seed: s.Seed}, s.Workers)
	rep.PlanWall, rep.Plans = time.Since(start), len(plans)
	perItem := (s.EvalDays + s.RefitDays - 1) / s.RefitDays

	parallel(len(cases), s.Workers, func(i int) {
		c := cases[i]
		par := policy.ParamsFor(c.Item)
		ps := plans[i*perItem : (i+1)*perItem]
		ir := ItemReport{SKU: string(c.Item.SKU), Pattern: c.Pattern, Class: ps[0].Forecast.Class.Class,
			Method: ps[0].Forecast.Spec.Method, Target: par.TargetFill, Results: make(map[PolicyKind]Result)}
		// Each policy runs from WarmupDays before the evaluated year (the
		// bot runs all along; a full shelf on day one would flatter every
		// policy), rcmbot's first policy in force over the warm-up.
		w := s.WarmupDays
		sc := policy.Scenario{Demand: c.Demand[fit-w:], LeadTime: c.LeadTime[fit-w:], Warmup: w}
		for k, p := range ps[1:] {
			sc.Changes = append(sc.Changes, policy.Change{Day: w + (k+1)*s.RefitDays, Policy: p.Policy})
		}
		ir.Results[RCMBot] = evaluate(par, ps[0].Policy, sc)
		sc.Changes = nil
		mm, mms, mmp := minMax(c, fit)
		ir.Results[MinMax] = evaluate(par, mm, sc)
		ir.Results[MinMaxSafety] = evaluate(par, mms, sc)
		ir.Results[MinMaxPeak] = evaluate(par, mmp, sc)
		ir.Results[Floor] = evaluate(par, floor(c, par, fit, s), sc)
		rep.Items[i] = ir
	})
	rep.summarise()
	return rep
}

// evaluate runs pol, starting with S on hand, over the warm-up and the
// evaluated year.
func evaluate(par policy.Params, pol policy.Policy, sc policy.Scenario) Result {
	sc.OnHand = max(pol.OrderUpTo, 0)
	o := policy.Simulate(par, pol, sc)
	return Result{Policy: pol, Fill: o.FillRate(), Demand: o.Demand, Met: o.Met, Cost: o.AnnualCost(par),
		AverageStock: o.AverageStock(), Expired: o.Expired, Orders: o.Orders, StockOutDays: o.StockOuts}
}

// minMax returns the Odoo-style rules set from the first year.
func minMax(c Case, fit int) (plain, safety, peak policy.Policy) {
	var sum, top float64
	for _, d := range c.Demand[:fit] {
		sum += d
		top = max(top, d)
	}
	mu := sum / float64(fit)
	l := c.Item.LeadTime.MeanDays
	lMax := l + 2*c.Item.LeadTime.SDDays
	lo := math.Ceil(mu * l)
	plain = policy.Policy{ReorderPoint: lo, OrderUpTo: math.Ceil(lo + 30*mu)}
	with := func(ss float64) policy.Policy {
		lo := math.Ceil(mu*l + ss)
		return policy.Policy{ReorderPoint: lo, OrderUpTo: math.Ceil(lo + 30*mu)}
	}
	return plain, with(0.5 * mu * l), with(max(top*lMax-mu*l, 0))
}

// floor searches static policies on fresh years of the true process.
func floor(c Case, par policy.Params, fit int, s Settings) policy.Policy {
	rng := rand.New(rand.NewPCG(s.Seed, uint64(len(c.Item.SKU))*7919+uint64(c.Item.SKU[1])))
	runs := make([]policy.Scenario, s.FloorRuns)
	var total float64
	w := s.WarmupDays
	for r := range runs {
		n := w + s.EvalDays
		sc := policy.Scenario{Demand: make([]float64, n), LeadTime: make([]int32, n), Warmup: w}
		for t := range sc.Demand {
			sc.Demand[t] = c.proc.demand(fit-w+t, rng)
			sc.LeadTime[t] = c.proc.leadTime(rng)
			if t >= w {
				total += sc.Demand[t]
			}
		}
		runs[r] = sc
	}
	mu := total / float64(s.FloorRuns*s.EvalDays)
	if mu <= 0 {
		return policy.Policy{ReorderPoint: -1}
	}
	type scored struct {
		pol  policy.Policy
		fill float64
		cost float64
	}
	score := func(sp, delta float64) scored {
		pol := policy.Policy{ReorderPoint: sp, OrderUpTo: sp + delta}
		var met, dem, cost float64
		for _, sc := range runs {
			sc.OnHand = pol.OrderUpTo
			o := policy.Simulate(par, pol, sc)
			met, dem, cost = met+o.Met, dem+o.Demand, cost+o.AnnualCost(par).Total()
		}
		f := 1.0
		if dem > 0 {
			f = met / dem
		}
		return scored{pol, f, cost / float64(len(runs))}
	}
	best := scored{cost: math.Inf(1)}
	var fallback scored
	hiDelta := math.Max(4, mu*180)
	for k := 0; k < 16; k++ {
		delta := math.Max(1, math.Round(math.Pow(hiDelta, float64(k)/15)))
		// The least s meeting the target: double up, then bisect.
		lo, hi := -1.0, math.Max(0, math.Round(mu*par.LeadTime.Mean()))
		h := score(hi, delta)
		for h.fill < par.TargetFill && hi < 1e7 {
			if h.fill > fallback.fill {
				fallback = h
			}
			lo, hi = hi, math.Max(1, hi*2)
			h = score(hi, delta)
		}
		if h.fill < par.TargetFill {
			continue
		}
		for hi-lo > 1 {
			m := math.Floor((lo + hi) / 2)
			if t := score(m, delta); t.fill >= par.TargetFill {
				hi, h = m, t
			} else {
				lo = m
			}
		}
		if h.cost < best.cost {
			best = h
		}
	}
	if math.IsInf(best.cost, 1) {
		return fallback.pol
	}
	return best.pol
}

func parallel(n, workers int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, max(n, 1)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}

func (r *Report) summarise() {
	r.ByPattern = make(map[Pattern]map[PolicyKind]Summary)
	for _, k := range Kinds {
		r.Summaries = append(r.Summaries, summarise(k, r.Items, func(ItemReport) bool { return true }))
		for _, p := range Patterns {
			if r.ByPattern[p] == nil {
				r.ByPattern[p] = make(map[PolicyKind]Summary)
			}
			r.ByPattern[p][k] = summarise(k, r.Items, func(ir ItemReport) bool { return ir.Pattern == p })
		}
	}
	sum := func(k PolicyKind) Summary {
		for _, s := range r.Summaries {
			if s.Policy == k {
				return s
			}
		}
		return Summary{}
	}
	ours, fl, mms, mmp := sum(RCMBot), sum(Floor), sum(MinMaxSafety), sum(MinMaxPeak)
	gap := ours.FillRate - ours.Target
	r.Goals = []Goal{
		{Name: "demand-weighted fill rate − target", Value: gap, Want: "within ±0.01", Met: math.Abs(gap) <= 0.01},
		{Name: "items within 2 points of (or above) target", Value: ours.WithinTwoPoints, Want: "≥ 0.90", Met: ours.WithinTwoPoints >= 0.90},
		{Name: "annual cost ÷ floor's", Value: ours.Cost.Total() / fl.Cost.Total(), Want: "≤ 1.15", Met: ours.Cost.Total() <= 1.15*fl.Cost.Total()},
		{Name: "annual cost ÷ min/max with safety stock (half the lead-time usage)", Value: ours.Cost.Total() / mms.Cost.Total(), Want: "≤ 0.80", Met: ours.Cost.Total() <= 0.80*mms.Cost.Total()},
		{Name: "annual cost ÷ min/max with safety stock (peak × longest lead time)", Value: ours.Cost.Total() / mmp.Cost.Total(), Want: "≤ 0.80", Met: ours.Cost.Total() <= 0.80*mmp.Cost.Total()},
	}
}

func summarise(k PolicyKind, items []ItemReport, keep func(ItemReport) bool) Summary {
	s := Summary{Policy: k}
	var dem, met, wt float64
	n, within := 0, 0
	for _, ir := range items {
		if !keep(ir) {
			continue
		}
		res := ir.Results[k]
		n++
		dem += res.Demand
		met += res.Met
		wt += res.Demand * ir.Target
		s.MeanItemFill += res.Fill
		if res.Fill >= ir.Target-0.02 {
			within++
		}
		s.Cost.Holding += res.Cost.Holding
		s.Cost.Ordering += res.Cost.Ordering
		s.Cost.Expiry += res.Cost.Expiry
	}
	if n == 0 {
		return s
	}
	if dem > 0 {
		s.FillRate, s.Target = met/dem, wt/dem
	}
	s.WithinTwoPoints = float64(within) / float64(n)
	s.MeanItemFill /= float64(n)
	s.AverageValue = s.Cost.Holding / policy.HoldingRate
	s.ExpiredValue = s.Cost.Expiry
	return s
}
