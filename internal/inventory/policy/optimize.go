package policy

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/rcmbot/rcmbot/internal/inventory/forecast"
)

// Options control the optimizer. Zero fields take the defaults in brackets.
type Options struct {
	// Days is how many days each candidate policy is simulated [730, two
	// years]; items with rare demand get more (at least minDemandDays days
	// with demand, at most maxDays).
	Days int
	// Seed makes the simulated futures reproducible; each item's future
	// also depends on its key (Compute's sku).
	Seed uint64
	// Margin is added to the target fill rate while searching [0].
	Margin float64
	// YearShortfall is the reliability band: besides the long-run fill
	// rate meeting the target, a single year's fill rate may fall more
	// than YearShortfall below it at most one year in twenty [0.02;
	// negative turns the check off]. A year of a slow or lumpy item holds
	// few order cycles, so its fill rate strays far from the long-run
	// average (Thomas 2005, finite-horizon fill rates); and the part of
	// the forecast's error that lasts the year
	// (DemandModel.YearLevelError) moves the whole year's fill rate.
	YearShortfall float64
}

// yearZ is the normal quantile of the reliability check (one year in twenty).
const yearZ = 1.6449

func (o Options) withDefaults() Options {
	if o.Days <= 0 {
		o.Days = 2 * DaysPerYear
	}
	if o.YearShortfall == 0 {
		o.YearShortfall = 0.02
	}
	return o
}

// Result is a computed policy with what the optimizer expects of it.
type Result struct {
	Policy
	// SafetyStock is the reorder point less the mean demand over the mean
	// lead time; it may be negative when the order quantity alone covers
	// the target.
	SafetyStock float64 `json:"safety_stock"`
	// ExpectedFill and ExpectedCost are the simulated fill rate and annual
	// cost of the policy on the demand model.
	ExpectedFill float64 `json:"expected_fill_rate"`
	ExpectedCost Cost    `json:"expected_cost"`
	// Feasible is false when the target fill rate cannot be met without
	// buying stock that would expire before use (the expiry cap): the
	// policy is then the one with the highest fill rate under the cap.
	Feasible bool `json:"feasible"`
	// ExpectedWaste is the share of ordered units the simulation saw
	// expire.
	ExpectedWaste float64 `json:"expected_waste"`
	// Cap is the largest order-up-to level allowed by the shelf life (0:
	// no cap).
	Cap float64 `json:"cap,omitempty"`
}

// Optimize finds the policy that meets par.TargetFill on the demand model
// at the least expected annual cost. It simulates every candidate on the
// same drawn future (common random numbers), so candidates are compared
// on equal terms: for each order-up-to gap Δ = S − s it finds the least s
// that meets the target (bracketing from a normal-approximation start,
// then bisection), and it walks Δ geometrically from the economic order
// quantity toward lower cost.
//
// The expiry cap: with a shelf life, S may not exceed the demand expected
// over the mean lead time plus the shelf life (at the forecast less its
// relative error), and a policy may not let
// more than MaxWaste of what it orders expire in the simulation; when the
// target needs more, the policy is the highest reorder point within the
// cap (Feasible false).
func Optimize(par Params, dm DemandModel, o Options, key string) Result {
	o = o.withDefaults()
	mu := dm.Mean
	if mu <= 0 {
		return Result{Policy: Policy{ReorderPoint: -1, OrderUpTo: 0}, ExpectedFill: 1, Feasible: true}
	}
	rng := rand.New(rand.NewPCG(o.Seed, keyHash(key)))
	h := HoldingRate * par.UnitCost
	eoq := 1.0
	if h > 0 {
		eoq = math.Sqrt(2 * par.OrderCost * mu * DaysPerYear / h)
	}
	delta := math.Max(1, math.Round(max(eoq, par.MinOrderQty)))
	// Enough days for minDemandDays days with demand and minCycles order
	// cycles at the starting gap (the one-year check needs cycles).
	days := max(o.Days, int(minCycles*(par.LeadTime.Mean()+delta/mu)))
	if p := dm.nonZeroShare(); p > 0 {
		days = max(days, int(minDemandDays/p))
	}
	days = min(days, maxDays)
	demand, level := dm.Path(rng, days)
	sc := Scenario{Demand: demand, LeadTime: make([]int32, days)}
	for t := range sc.LeadTime {
		sc.LeadTime[t] = par.LeadTime.Draw(rng)
	}
	target := min(par.TargetFill+o.Margin, 0.9999)
	meanL := par.LeadTime.Mean()
	opt := optimizer{par: par, sc: sc, target: target, mu: mu, meanL: par.LeadTime.Mean(), band: o.YearShortfall}
	opt.sim.exp, opt.sim.cycles = newExpectation(dm, level), true
	if k := dm.YearLevelError; k > 0 && o.YearShortfall >= 0 {
		opt.up, opt.upSim = scaled(sc, opt.sim.exp, 1+k)
	}
	if par.ShelfLifeDays > 0 {
		// Cap with a cautious mean: demand may well be below the forecast.
		opt.cap = math.Floor(mu * (1 - dm.LevelError) * (meanL + float64(par.ShelfLifeDays)))
	}
	// Start: a normal approximation of demand over the lead time (the
	// exposure with daily review and arrival before the day's demand).
	sdL := math.Sqrt(meanL*dm.DailyVariance() + mu*mu*par.LeadTime.Variance() + math.Pow(dm.LevelError*mu*meanL, 2))
	z := distuv.UnitNormal.Quantile(target)
	opt.sd = max(sdL, 1)
	start := math.Max(0, math.Round(mu*meanL+z*sdL))

	if opt.cap > 0 {
		delta = math.Min(delta, math.Max(1, opt.cap-start))
	}
	opt.tol = math.Max(1, math.Round(0.2*opt.sd))
	best := opt.bestFor(delta, start)
	// Try Δ a factor 1.5 either side; keep walking while cost falls.
	for _, f := range []float64{1.5, 1 / 1.5} {
		cur := best
		for range 8 {
			d := math.Max(1, math.Round(cur.delta*f))
			if d == cur.delta || (opt.cap > 0 && d > opt.cap) {
				break
			}
			c := opt.bestFor(d, cur.s)
			if !c.better(cur) {
				break
			}
			cur = c
		}
		if cur.better(best) {
			best = cur
			if best.ok {
				break // improving upward: no need to look downward
			}
		}
	}
	pol := Policy{ReorderPoint: best.s, OrderUpTo: best.s + best.delta}
	return Result{Policy: pol, SafetyStock: best.s - mu*meanL, ExpectedFill: best.out.expectedFill(),
		ExpectedCost: best.out.AnnualCost(par), Feasible: best.ok, Cap: opt.cap, ExpectedWaste: best.out.waste()}
}

// MaxWaste is the largest share of ordered units a policy may plan to
// lose to expiry.
const MaxWaste = 0.02

// waste returns the share of ordered units that expired.
func (o Outcome) waste() float64 {
	if o.Ordered <= 0 {
		return 0
	}
	return o.Expired / o.Ordered
}

// candidate is one evaluated policy.
type candidate struct {
	s, delta float64
	out      Outcome
	cost     float64
	meets    bool // the fill rate meets the target
	ok       bool // meets the target without wasting
	wasteful bool // more than MaxWaste expires
}

// better reports whether c beats d: meeting the target first, then cost;
// when neither does, not wasting, then fill rate, then cost.
func (c candidate) better(d candidate) bool {
	if c.ok != d.ok {
		return c.ok
	}
	if c.ok {
		return c.cost < d.cost
	}
	if c.wasteful != d.wasteful {
		return !c.wasteful
	}
	if c.wasteful {
		return c.out.waste() < d.out.waste()
	}
	if cf, df := c.out.expectedFill(), d.out.expectedFill(); cf != df {
		return cf > df
	}
	return c.cost < d.cost
}

type optimizer struct {
	par    Params
	sc     Scenario
	target float64
	cap    float64
	band   float64 // Options.YearShortfall
	mu     float64 // mean daily demand
	meanL  float64 // mean lead time
	sd     float64 // standard deviation of lead-time demand (≥ 1)
	tol    float64 // how close the search brings s to the least that meets the target
	sim    simulator
	// up is the same future with demand a year's level error above the
	// forecast throughout, simulated by upSim (nil: no such error).
	up    Scenario
	upSim *simulator
}

// scaled returns sc with every day's demand multiplied by f, and a
// simulator whose expectations see the same factor.
func scaled(sc Scenario, e *expectation, f float64) (Scenario, *simulator) {
	up := sc
	up.Demand = make([]float64, len(sc.Demand))
	for t, d := range sc.Demand {
		up.Demand[t] = d * f
	}
	ue := *e
	ue.level = make([]float64, len(sc.Demand))
	for t := range ue.level {
		ue.level[t] = f
		if e.level != nil {
			ue.level[t] *= e.level[t]
		}
	}
	return up, &simulator{exp: &ue, cycles: true}
}

func (op *optimizer) eval(s, delta float64) candidate {
	pol := Policy{ReorderPoint: s, OrderUpTo: s + delta}
	out := op.run(&op.sim, pol, op.sc)
	wasteful := op.par.ShelfLifeDays > 0 && out.waste() > MaxWaste
	c := candidate{s: s, delta: delta, out: out, cost: out.AnnualCost(op.par).Total(), wasteful: wasteful}
	c.meets = op.meets(c)
	c.ok = c.meets && !wasteful
	return c
}

// run simulates pol on sc from a full shelf, warmed up for one cycle (a
// lead time and the gap's worth of demand) so that the full starting
// shelf does not flatter the fill rate.
func (op *optimizer) run(sim *simulator, pol Policy, sc Scenario) Outcome {
	sc.OnHand = pol.OrderUpTo
	sc.Warmup = min(int(op.meanL+(pol.OrderUpTo-pol.ReorderPoint)/op.mu)+1, len(sc.Demand)/3)
	return sim.run(op.par, pol, sc)
}

// meets reports whether c's fill rate meets the target, in the long run
// and, with the reliability band, nineteen years in twenty: the year's
// fill rate taken as normal, its variance the cycles' (the
// cycle-variance estimate) plus the forecast's persistent error's, the
// fall in fill rate when demand runs a year's level error above the
// forecast all year.
func (op *optimizer) meets(c candidate) bool {
	f := c.out.expectedFill()
	if f < op.target {
		return false
	}
	if op.band < 0 {
		return true
	}
	sd := c.out.cyc.yearSD(c.out.Days)
	if f-yearZ*sd < op.target-op.band {
		return false
	}
	if op.upSim != nil {
		up := op.run(op.upSim, Policy{ReorderPoint: c.s, OrderUpTo: c.s + c.delta}, op.up)
		sd = math.Hypot(sd, max(f-up.expectedFill(), 0))
	}
	return f-yearZ*sd >= op.target-op.band
}

// bestFor returns the least reorder point meeting the target for gap
// delta (or, when none does under the cap, the highest allowed), starting
// the search at guess. Fill rate and waste both rise with s, so when the
// least s meeting the target wastes too much, the answer is the largest s
// that does not.
func (op *optimizer) bestFor(delta, guess float64) candidate {
	c := op.leastMeeting(delta, guess)
	if !c.wasteful {
		return c
	}
	lo, hi := -1.0, c.s // lo does not waste (s = −1 never orders), hi does
	best := candidate{s: -1, delta: delta}
	for hi-lo > op.tol {
		t := op.eval(math.Floor((lo+hi)/2), delta)
		if t.wasteful {
			hi = t.s
		} else {
			lo, best = t.s, t
		}
	}
	if best.s < 0 {
		best = op.eval(0, delta)
	}
	return best
}

// leastMeeting is the least s whose fill rate meets the target for gap
// delta, or the highest the cap allows.
func (op *optimizer) leastMeeting(delta, guess float64) candidate {
	hiS := math.Inf(1)
	if op.cap > 0 {
		hiS = math.Max(0, op.cap-delta)
	}
	guess = math.Min(math.Max(0, guess), hiS)
	step := math.Max(op.tol, math.Round(op.sd/4))
	meets := func(c candidate) bool { return c.meets }
	c := op.eval(guess, delta)
	var lo, hi candidate // lo fails, hi meets
	if meets(c) {
		hi = c
		for {
			if hi.s == 0 {
				return hi
			}
			s := math.Max(0, hi.s-step)
			step *= 2
			t := op.eval(s, delta)
			if !meets(t) {
				lo = t
				break
			}
			hi = t
		}
	} else {
		lo = c
		for {
			if lo.s >= hiS {
				return lo // the cap stops the search short of the target
			}
			s := math.Min(hiS, lo.s+step)
			step *= 2
			t := op.eval(s, delta)
			if meets(t) {
				hi = t
				break
			}
			lo = t
			if s > 1e9 {
				return lo
			}
		}
	}
	for hi.s-lo.s > op.tol {
		t := op.eval(math.Floor((lo.s+hi.s)/2), delta)
		if meets(t) {
			hi = t
		} else {
			lo = t
		}
	}
	// Between the last failing and meeting points the fill rate is about
	// linear: one more evaluation where the line crosses the target.
	if fl, fh := lo.out.expectedFill(), hi.out.expectedFill(); hi.s-lo.s > 1 && fh > fl {
		s := math.Ceil(lo.s + (op.target-fl)/(fh-fl)*(hi.s-lo.s))
		if s > lo.s && s < hi.s {
			if t := op.eval(s, delta); meets(t) {
				hi = t
			}
		}
	}
	return hi
}

// The optimizer's simulated future holds at least minDemandDays days with
// demand and minCycles order cycles, and at most maxDays days.
const (
	minDemandDays = 300
	minCycles     = 12
	maxDays       = 10 * DaysPerYear
)

// expectedFill is the fill rate the optimizer scores: expected sales ÷
// expected demand (see simulator.exp).
func (o Outcome) expectedFill() float64 {
	if o.ExpDemand <= 0 {
		return o.FillRate()
	}
	return o.ExpMet / o.ExpDemand
}

func keyHash(key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return h.Sum64()
}

// Plan is an item's forecast and policy together, what the nightly review
// and the offline report compute per item.
type Plan struct {
	Forecast forecast.Result `json:"forecast"`
	Result
}

// Compute forecasts an item's demand from its daily usage history and
// optimizes its policy. key (the SKU) seeds the item's simulated future,
// so a plan is reproducible.
func Compute(par Params, history []float64, o Options, key string) Plan {
	h := int(math.Ceil(par.LeadTime.Mean())) + 1
	fc := forecast.Select(history, forecast.Options{Horizon: h})
	dm := NewDemandModel(history, fc, h)
	return Plan{Forecast: fc, Result: Optimize(par, dm, o, key)}
}

// Input is one item to plan.
type Input struct {
	Key     string // the SKU: seeds the item's simulated future
	Params  Params
	History []float64 // daily usage, oldest first
}

// ComputeAll plans every input on workers goroutines (GOMAXPROCS when
// workers < 1); plans come back in input order and do not depend on the
// number of workers.
func ComputeAll(in []Input, o Options, workers int) []Plan {
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	out := make([]Plan, len(in))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, max(len(in), 1)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(in) {
					return
				}
				out[i] = Compute(in[i].Params, in[i].History, o, in[i].Key)
			}
		})
	}
	wg.Wait()
	return out
}
