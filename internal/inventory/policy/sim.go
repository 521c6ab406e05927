// Package policy computes an item's reorder policy: a reorder point s and
// an order-up-to level S, reviewed daily, that meet a target fill rate at
// the least expected annual cost. It also holds the simulator that defines
// what those numbers mean (Simulate), shared by the optimizer and the
// benchmark.
//
// The semantics, fixed by the offline policy report:
//
//   - Each day t: orders due arrive first, then expired lots are
//     discarded, then the day's demand is met, then the review.
//   - Review: when the inventory position (on hand + on order) is ≤ s,
//     order max(S − position, min_order_qty) rounded up to order_multiple.
//   - An order placed on day t with lead time L (whole days, ≥ 1) is
//     usable on day t+L.
//   - Demand not met from stock is lost.
//   - Stock is issued first-expiring-first; a lot received on day r is
//     usable on days r … r+shelf_life−1 and discarded on day r+shelf_life.
//   - Annual cost = 25% of unit cost per unit-year of average stock (end of
//     day on hand) + order_cost per order + unit cost of every expired unit.
//   - Fill rate = demand met from stock ÷ demand.
package policy

import (
	"math"

	"github.com/rcmbot/rcmbot/internal/inventory"
)

// HoldingRate is the yearly holding cost as a share of unit cost.
const HoldingRate = 0.25

// DaysPerYear turns simulated days into years.
const DaysPerYear = 365

// Params is what the policy needs to know about an item.
type Params struct {
	UnitCost      float64 // dollars per unit
	OrderCost     float64 // dollars per order
	OrderMultiple float64 // pack size, 0 or 1 = any whole quantity
	MinOrderQty   float64
	ShelfLifeDays int // 0 = does not expire
	TargetFill    float64
	LeadTime      LeadTimeDist
}

// ParamsFor returns the policy parameters of an item.
func ParamsFor(it inventory.Item) Params {
	return Params{
		UnitCost: it.UnitCost, OrderCost: it.OrderCost, OrderMultiple: it.OrderMultiple, MinOrderQty: it.MinOrderQty,
		ShelfLifeDays: it.ShelfLifeDays, TargetFill: it.FillRateTarget(), LeadTime: NewLeadTimeDist(it.LeadTime),
	}
}

// Policy is a reorder rule: when the inventory position is at or below
// ReorderPoint, order up to OrderUpTo (see the package semantics).
type Policy struct {
	ReorderPoint float64 `json:"reorder_point"`
	OrderUpTo    float64 `json:"order_up_to"`
}

// OrderQty returns what the policy orders at inventory position ip: 0 when
// ip is above the reorder point, else max(S − ip, min_order_qty) rounded
// up to the order multiple.
func (p Policy) OrderQty(ip float64, par Params) float64 {
	if ip > p.ReorderPoint {
		return 0
	}
	return orderQty(p.OrderUpTo-ip, par.MinOrderQty, par.OrderMultiple)
}

// Outcome is what a simulation saw.
type Outcome struct {
	Days       int     `json:"days"`
	Demand     float64 `json:"demand"`
	Met        float64 `json:"met"`
	Expired    float64 `json:"expired"`
	Orders     int     `json:"orders"`
	Ordered    float64 `json:"ordered"`
	StockDays  float64 `json:"stock_days"` // Σ end-of-day on hand (unit-days)
	StockOuts  int     `json:"stock_outs"` // days with demand not met in full
	Unfinished float64 `json:"unfinished"` // ordered but not arrived when the simulation ended
	// ExpDemand and ExpMet are the expected demand and sales the
	// optimizer scores with (zero from Simulate).
	ExpDemand float64 `json:"-"`
	ExpMet    float64 `json:"-"`
	// cyc holds per-cycle sums in the optimizer's cycle mode.
	cyc cycleStats
}

// cycleStats sums, over order cycles, each cycle's demand d and shortage
// u (demand not met): n, Σd, Σd², Σu, Σu², Σud.
type cycleStats struct {
	n                int
	d, d2, u, u2, ud float64
}

func (c *cycleStats) add(d, u float64) {
	c.n++
	c.d += d
	c.d2 += d * d
	c.u += u
	c.u2 += u * u
	c.ud += u * d
}

// yearSD estimates the standard deviation of the fill rate measured over
// one year of days days' worth of cycles: the ratio estimator's variance,
// Var(u − (1−F)d) / (cycles a year · E[d]²).
func (c cycleStats) yearSD(days int) float64 {
	if c.n < 3 || c.d <= 0 || days <= 0 {
		return 0
	}
	n := float64(c.n)
	q := c.u / c.d // 1 − F
	v := (c.u2 - 2*q*c.ud + q*q*c.d2) / n
	perYear := DaysPerYear * n / float64(days)
	md := c.d / n
	return math.Sqrt(max(v, 0)/perYear) / md
}

// FillRate returns demand met ÷ demand (1 when there was no demand).
func (o Outcome) FillRate() float64 {
	if o.Demand <= 0 {
		return 1
	}
	return o.Met / o.Demand
}

// AverageStock returns the mean end-of-day stock on hand.
func (o Outcome) AverageStock() float64 {
	if o.Days == 0 {
		return 0
	}
	return o.StockDays / float64(o.Days)
}

// Cost splits an annual cost into its parts, in dollars per year.
type Cost struct {
	Holding  float64 `json:"holding"`
	Ordering float64 `json:"ordering"`
	Expiry   float64 `json:"expiry"`
}

// Total returns the annual cost.
func (c Cost) Total() float64 { return c.Holding + c.Ordering + c.Expiry }

// AnnualCost returns the outcome's cost per year for an item with p's costs.
func (o Outcome) AnnualCost(p Params) Cost {
	if o.Days == 0 {
		return Cost{}
	}
	years := float64(o.Days) / DaysPerYear
	return Cost{
		Holding:  HoldingRate * p.UnitCost * o.AverageStock(),
		Ordering: p.OrderCost * float64(o.Orders) / years,
		Expiry:   p.UnitCost * o.Expired / years,
	}
}

// Scenario is one future to simulate: the demand on each day and the lead
// time an order placed that day would take (whole days ≥ 1). Drawing the
// lead time per day rather than per order lets several policies face the
// same future (common random numbers).
type Scenario struct {
	Demand   []float64
	LeadTime []int32
	// OnHand is the stock on day 0 before anything happens, as one lot
	// received that day.
	OnHand float64
	// Warmup is how many days run before the outcome starts counting, so
	// that the starting stock does not flatter the result.
	Warmup int
	// Changes replace the policy from a day's review on, in day order
	// (a policy recomputed every night, or every week).
	Changes []Change
}

// Change is a new policy taking effect at the review of Day.
type Change struct {
	Day    int
	Policy Policy
}

// Simulate runs pol over sc with the package semantics and returns what
// happened. It allocates only its lot queue and pipeline.
func Simulate(par Params, pol Policy, sc Scenario) Outcome {
	var s simulator
	return s.run(par, pol, sc)
}

// simulator holds the buffers Simulate needs, so that the optimizer's
// many runs reuse them.
type simulator struct {
	// exp, when set, makes run score each day by the demand model's
	// expected demand and expected sales given the stock on hand
	// (ExpDemand, ExpMet) alongside the drawn demand that moves the stock:
	// the same mean, far less noise from rare large demands.
	exp *expectation
	// cycles, when set, makes run report only the complete order cycles
	// after the warm-up (from the first order placed to the last), so a
	// run that ends part-way through a cycle does not bias the result.
	cycles bool
	pipe   []float64 // quantity arriving on day t at pipe[t % len]
	lotQ   []float64 // lots in receipt order (= expiry order: one shelf life per item)
	lotR   []int32   // their receipt days
}

func (s *simulator) run(par Params, pol Policy, sc Scenario) Outcome {
	n := len(sc.Demand)
	lead := sc.LeadTime[:n]
	maxL := int32(1)
	for _, l := range lead {
		maxL = max(maxL, l)
	}
	ps := int(maxL) + 1
	if cap(s.pipe) < ps {
		s.pipe = make([]float64, ps)
	}
	pipe := s.pipe[:ps]
	clear(pipe)
	shelf := par.ShelfLifeDays
	lotQ, lotR := s.lotQ[:0], s.lotR[:0]
	head := 0
	var o Outcome
	warm := min(max(sc.Warmup, 0), n)
	o.Days = n - warm
	onHand, onOrder := 0.0, 0.0
	if sc.OnHand > 0 {
		onHand = sc.OnHand
		if shelf > 0 {
			lotQ, lotR = append(lotQ, sc.OnHand), append(lotR, 0)
		}
	}
	rp, upTo := pol.ReorderPoint, pol.OrderUpTo
	changes := sc.Changes
	moq, mult := par.MinOrderQty, par.OrderMultiple
	e := s.exp
	var level []float64
	wd := 0
	if e != nil {
		level, wd = e.level, e.next%7
	}
	var expDemand, expMet, demand, met, stockDays float64
	var first, last Outcome // the outcome so far when the first and last counted orders were placed
	var cyc cycleStats
	firstT, lastT, marks := 0, 0, 0
	slot := 0
	for t := 0; t < n; t++ {
		if t == warm {
			// Start counting: forget what the warm-up saw.
			o.Expired, o.StockOuts, o.Orders, o.Ordered = 0, 0, 0, 0
			expDemand, expMet, demand, met, stockDays = 0, 0, 0, 0, 0
		}
		if q := pipe[slot]; q > 0 {
			pipe[slot] = 0
			onOrder -= q
			onHand += q
			if shelf > 0 {
				lotQ, lotR = append(lotQ, q), append(lotR, int32(t))
			}
		}
		if shelf > 0 {
			for head < len(lotQ) && int(lotR[head])+shelf <= t {
				o.Expired += lotQ[head]
				onHand -= lotQ[head]
				head++
			}
		}
		if e != nil {
			// Inlined expectation.day (this loop is the optimizer's cost).
			f := 1.0
			if level != nil {
				f = level[t]
			}
			dm := f * e.mean[wd]
			expDemand += dm
			if onHand >= f*e.top[wd] {
				expMet += dm
			} else if f > 0 && onHand > 0 {
				g := onHand / (f * e.step[wd])
				if i := int(g); i < expGrid {
					tab := e.table[wd]
					expMet += f * (tab[i] + (g-float64(i))*(tab[i+1]-tab[i]))
				} else {
					expMet += dm
				}
			}
			if wd++; wd == 7 {
				wd = 0
			}
		}
		if d := sc.Demand[t]; d > 0 {
			demand += d
			m := d
			if m > onHand {
				m = onHand
				o.StockOuts++
			}
			met += m
			onHand -= m
			if shelf > 0 {
				for r := m; r > 0 && head < len(lotQ); {
					if lotQ[head] > r {
						lotQ[head] -= r
						break
					}
					r -= lotQ[head]
					head++
				}
			}
			if onHand < 1e-9 {
				onHand = 0
			}
		}
		for len(changes) > 0 && changes[0].Day <= t {
			rp, upTo = changes[0].Policy.ReorderPoint, changes[0].Policy.OrderUpTo
			changes = changes[1:]
		}
		if ip := onHand + onOrder; ip <= rp {
			if q := orderQty(upTo-ip, moq, mult); q > 0 {
				if s.cycles && t >= warm {
					mark := Outcome{Expired: o.Expired, StockOuts: o.StockOuts, Orders: o.Orders, Ordered: o.Ordered,
						Demand: demand, Met: met, StockDays: stockDays, ExpDemand: expDemand, ExpMet: expMet}
					if marks == 0 {
						first, firstT = mark, t
					} else {
						cd := mark.Demand - last.Demand
						cyc.add(cd, cd-(mark.Met-last.Met))
					}
					last, lastT = mark, t
					marks++
				}
				l := int(lead[t])
				at := slot + l
				if at >= ps {
					at -= ps
				}
				pipe[at] += q
				onOrder += q
				o.Orders++
				o.Ordered += q
			}
		}
		stockDays += onHand
		if shelf > 0 && head > 1024 && head*2 > len(lotQ) {
			k := copy(lotQ, lotQ[head:])
			copy(lotR, lotR[head:])
			lotQ, lotR, head = lotQ[:k], lotR[:k], 0
		}
		if slot++; slot == ps {
			slot = 0
		}
	}
	s.lotQ, s.lotR = lotQ, lotR
	o.Demand, o.Met, o.StockDays, o.ExpDemand, o.ExpMet = demand, met, stockDays, expDemand, expMet
	if marks >= 3 {
		o = Outcome{Days: lastT - firstT, Expired: last.Expired - first.Expired, StockOuts: last.StockOuts - first.StockOuts,
			Orders: last.Orders - first.Orders, Ordered: last.Ordered - first.Ordered, Demand: last.Demand - first.Demand,
			Met: last.Met - first.Met, StockDays: last.StockDays - first.StockDays,
			ExpDemand: last.ExpDemand - first.ExpDemand, ExpMet: last.ExpMet - first.ExpMet, Unfinished: onOrder, cyc: cyc}
	}
	o.Unfinished = onOrder
	if math.Abs(o.Unfinished) < 1e-9 {
		o.Unfinished = 0
	}
	return o
}

// orderQty is Policy.OrderQty's rule for a wanted quantity q.
func orderQty(q, moq, mult float64) float64 {
	if q <= 0 && moq <= 0 {
		return 0
	}
	return inventory.RoundOrderQty(q, moq, mult)
}
