// Package invbench is the inventory policy benchmark: synthetic supply
// items with known ("true") demand and lead-time processes, two years of
// usage (the first to fit, the second to evaluate), and the policies to
// compare under the policy package's semantics — rcmbot's, min/max as
// Odoo users set it, the same with a rule-of-thumb safety stock, and the
// best static (s,S) found by grid search on the true process (the floor).
//
// Everything is drawn from Settings.Seed, so a run is reproducible.
package invbench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/inventory"
)

// Pattern is the kind of demand an item is built with.
type Pattern string

// The patterns the issue asks for.
const (
	Smooth       Pattern = "smooth"       // every day, small variation
	Erratic      Pattern = "erratic"      // most days, sizes vary widely
	Intermittent Pattern = "intermittent" // few days, steady sizes
	Lumpy        Pattern = "lumpy"        // few days, sizes vary widely
	Trending     Pattern = "trending"     // mean drifts by −50% … +100% a year
	Shifting     Pattern = "shifting"     // mean steps ×½ or ×2 on one day
)

// Patterns lists them in report order.
var Patterns = []Pattern{Smooth, Erratic, Intermittent, Lumpy, Trending, Shifting}

// process is an item's true demand and lead-time process.
type process struct {
	pattern  Pattern
	p        float64 // probability of demand on an open day
	mean     float64 // mean size on a demand day, at day 0
	cv       float64 // coefficient of variation of sizes
	growth   float64 // trending: relative change of the mean per year
	shiftAt  int     // shifting: the day the mean steps
	shift    float64 // shifting: the factor
	weekdays bool    // closed Saturday and Sunday (day 0 is a Monday... see start)
	start    time.Weekday
	// The true lead time: lognormal with the item's nominal mean and SD,
	// rounded to whole days, at least 1 (the policy assumes a gamma).
	ltMean, ltSD float64
}

// level returns the size multiplier on day t.
func (pr *process) level(t int) float64 {
	switch pr.pattern {
	case Trending:
		return max(1+pr.growth*float64(t)/365, 0.05)
	case Shifting:
		if t >= pr.shiftAt {
			return pr.shift
		}
	}
	return 1
}

// demand draws day t's demand.
func (pr *process) demand(t int, rng *rand.Rand) float64 {
	if pr.weekdays {
		if wd := (pr.start + time.Weekday(t%7)) % 7; wd == time.Saturday || wd == time.Sunday {
			return 0
		}
	}
	if rng.Float64() >= pr.p {
		return 0
	}
	m := pr.mean * pr.level(t)
	var x float64
	if pr.cv < 0.45 {
		// Low variation: Poisson sizes, with a floor of 1 (a demand day
		// uses something).
		x = poisson(m, rng)
	} else {
		s2 := math.Log(1 + pr.cv*pr.cv)
		x = math.Round(math.Exp(math.Log(m) - s2/2 + math.Sqrt(s2)*rng.NormFloat64()))
	}
	return max(x, 1)
}

// poisson draws a Poisson variate (normal approximation above 50).
func poisson(m float64, rng *rand.Rand) float64 {
	if m > 50 {
		return max(0, math.Round(m+math.Sqrt(m)*rng.NormFloat64()))
	}
	l, k, p := math.Exp(-m), 0.0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// leadTime draws the lead time of an order.
func (pr *process) leadTime(rng *rand.Rand) int32 {
	if pr.ltSD <= 0 {
		return int32(max(1, math.Round(pr.ltMean)))
	}
	s2 := math.Log(1 + (pr.ltSD/pr.ltMean)*(pr.ltSD/pr.ltMean))
	x := math.Exp(math.Log(pr.ltMean) - s2/2 + math.Sqrt(s2)*rng.NormFloat64())
	return int32(max(1, math.Round(x)))
}

// Case is one benchmark item: its master data, true process and the
// realised two years.
type Case struct {
	Item    inventory.Item
	Pattern Pattern
	proc    process
	// Demand is the realised daily demand over both years; LeadTime the
	// lead time an order placed each day would take.
	Demand   []float64
	LeadTime []int32
}

// Cases draws n items over days days (see Settings for the mix).
func Cases(s Settings) []Case {
	s = s.withDefaults()
	rng := rand.New(rand.NewPCG(s.Seed, 0x1a2b3c))
	out := make([]Case, s.Items)
	for i := range out {
		pat := Patterns[i%len(Patterns)]
		c := Case{Pattern: pat}
		c.Item, c.proc = drawItem(i, pat, s, rng)
		c.Demand = make([]float64, s.Days)
		c.LeadTime = make([]int32, s.Days)
		for t := range c.Demand {
			c.Demand[t] = c.proc.demand(t, rng)
			c.LeadTime[t] = c.proc.leadTime(rng)
		}
		out[i] = c
	}
	return out
}

// criticalities cycle through the items.
var criticalities = []inventory.Criticality{inventory.Standard, inventory.High, inventory.Standard, inventory.Critical, inventory.Low}

func drawItem(i int, pat Pattern, s Settings, rng *rand.Rand) (inventory.Item, process) {
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	logU := func(lo, hi float64) float64 { return math.Exp(u(math.Log(lo), math.Log(hi))) }
	pr := process{pattern: pat, start: s.start().Time().Weekday()}
	switch pat {
	case Smooth:
		pr.p, pr.mean, pr.cv = 1, logU(3, 60), 0.2
	case Erratic:
		pr.p, pr.mean, pr.cv = u(0.85, 1), logU(3, 40), u(0.9, 1.6)
	case Intermittent:
		pr.p, pr.mean, pr.cv = u(0.08, 0.5), logU(1.5, 8), 0.2
	case Lumpy:
		pr.p, pr.mean, pr.cv = u(0.05, 0.4), logU(3, 30), u(0.9, 1.6)
	case Trending:
		pr.p, pr.mean, pr.cv = u(0.6, 1), logU(3, 40), u(0.2, 1)
		pr.growth = u(-0.5, 1)
	case Shifting:
		pr.p, pr.mean, pr.cv = u(0.4, 1), logU(3, 40), u(0.2, 1)
		pr.shiftAt = 120 + rng.IntN(s.Days-240)
		pr.shift = 0.5
		if rng.IntN(2) == 0 {
			pr.shift = 2
		}
	}
	if pat == Smooth || pat == Erratic || pat == Trending {
		pr.weekdays = rng.Float64() < 0.4
	}
	crit := criticalities[i%len(criticalities)]
	it := inventory.Item{
		SKU:         inventory.SKU(fmt.Sprintf("B%03d-%s", i+1, pat)),
		Description: fmt.Sprintf("benchmark item %d (%s)", i+1, pat),
		Criticality: crit, TargetFillRate: crit.FillRate(),
		UnitCost:      math.Round(logU(0.05, 150)*1000) / 1000,
		OrderCost:     math.Round(u(10, 60)),
		OrderMultiple: []float64{1, 1, 5, 10, 12, 50}[rng.IntN(6)],
	}
	it.LeadTime.MeanDays = math.Round(u(2, 21))
	it.LeadTime.SDDays = math.Round(it.LeadTime.MeanDays*u(0, 0.4)*10) / 10
	if rng.Float64() < 0.2 {
		it.MinOrderQty = it.OrderMultiple * float64(2+rng.IntN(4))
	}
	if rng.Float64() < 0.3 {
		it.ShelfLifeDays = 30 + rng.IntN(336)
	}
	pr.ltMean, pr.ltSD = it.LeadTime.MeanDays, it.LeadTime.SDDays
	return it, pr
}

// Settings are a benchmark run's knobs (fixtures/inventory/bench.json).
type Settings struct {
	Seed  uint64 `json:"seed"`
	Items int    `json:"items"` // patterns cycle: smooth, erratic, intermittent, lumpy, trending, shifting
	Days  int    `json:"days"`  // the first Days−EvalDays fit, the last EvalDays evaluate
	// EvalDays is the evaluated stretch at the end [365].
	EvalDays int `json:"eval_days"`
	// Start is the calendar date of day 0 (only weekdays depend on it).
	Start string `json:"start"`
	// RefitDays is how often rcmbot's policy is recomputed during the
	// evaluated year from all usage so far (the bot recomputes nightly; 7
	// keeps the run short) [7].
	RefitDays int `json:"refit_days"`
	// FloorRuns is how many simulated evaluation years of the true process
	// score each floor candidate [40].
	FloorRuns int `json:"floor_runs"`
	// WarmupDays is how long every policy runs before the evaluated year
	// starts counting, from a full shelf [180].
	WarmupDays int `json:"warmup_days"`
	// Workers computes items in parallel [GOMAXPROCS].
	Workers int `json:"workers"`
}

// DefaultSettings is the benchmark the issue defines: 200 items, two years.
var DefaultSettings = Settings{Seed: 1, Items: 200, Days: 730, EvalDays: 365, Start: "2025-01-06", RefitDays: 7, FloorRuns: 40, WarmupDays: 180}

func (s Settings) withDefaults() Settings {
	d := DefaultSettings
	if s.Items <= 0 {
		s.Items = d.Items
	}
	if s.Days <= 0 {
		s.Days = d.Days
	}
	if s.EvalDays <= 0 || s.EvalDays >= s.Days {
		s.EvalDays = min(d.EvalDays, s.Days/2)
	}
	if s.Start == "" {
		s.Start = d.Start
	}
	if s.RefitDays <= 0 {
		s.RefitDays = d.RefitDays
	}
	if s.FloorRuns <= 0 {
		s.FloorRuns = d.FloorRuns
	}
	if s.WarmupDays <= 0 {
		s.WarmupDays = d.WarmupDays
	}
	s.WarmupDays = min(s.WarmupDays, s.Days-s.EvalDays)
	return s
}

func (s Settings) start() claim.Date {
	d, err := claim.ParseDate(s.Start)
	if err != nil {
		return claim.MustDate(DefaultSettings.Start)
	}
	return d
}
