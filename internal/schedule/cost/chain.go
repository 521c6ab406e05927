package cost

import (
	"math"
	"slices"
)

// Chain is one session being edited: its visits in service order and the
// provider-free-time distribution before each, so that a change at visit
// j is priced from j on (what-if: Eval) or applied (Replace) without
// re-running the visits before it.
//
// A change stops mattering once the queue forgets it: when, after some
// later visit, the free-time distribution is again the one the chain
// holds there (the provider fell idle in every case that differs), the
// rest of the session is the same and Eval stops. In a session with
// gaps that happens within a few visits, so pricing an insertion rarely
// costs the whole rest of the session.
type Chain struct {
	e      *Evaluator
	length float64
	visits []Visit
	// before[j] is the distribution before visit j (before[len] after the
	// last); wait[j] and served[j] the expected wait and served minutes
	// of visits 0 … j−1.
	before []dist
	wait   []float64
	served []float64
	exp    Expectation
}

// NewChain returns a chain for a session of length minutes with the
// visits in service order.
func (e *Evaluator) NewChain(length float64, visits []Visit) *Chain {
	c := &Chain{e: e, length: length, before: []dist{start}, wait: []float64{0}, served: []float64{0}}
	c.Replace(0, 0, visits)
	return c
}

// Len returns the number of visits.
func (c *Chain) Len() int { return len(c.visits) }

// Visits returns the visits in service order (the chain's own slice: do
// not modify it).
func (c *Chain) Visits() []Visit { return c.visits }

// Expect returns the session's current expectation.
func (c *Chain) Expect() Expectation { return c.exp }

// mergeTolerance is the total-variation distance under which two
// free-time distributions count as the same for Eval's early stop. What
// follows can differ by at most this share of the remaining session's
// minutes (under 10⁻⁴ minutes for any clinic session), far below any
// difference a planner decides on; Replace, which prices plans, never
// stops early. screenMerge is NewScreen's.
const (
	mergeTolerance = 1e-8
	screenMerge    = 1e-4
)

// Eval returns the expectation the session would have with visits
// [from, to) replaced by rest (an insertion is Eval(j, j, []Visit{v}), a
// removal Eval(i, i+1, nil)); the chain is unchanged.
func (c *Chain) Eval(from, to int, rest []Visit) Expectation {
	d := c.before[from]
	wait, served := c.wait[from], c.served[from]
	for _, v := range rest {
		var w float64
		d, w = c.e.visit(d, v)
		wait += w
		served += (1 - v.NoShow) * v.Minutes
	}
	n := len(c.visits)
	for k := to; k < n; k++ {
		if same(d, c.before[k], c.e.merge) {
			return Expectation{Wait: wait + c.wait[n] - c.wait[k], Idle: c.length - (served + c.served[n] - c.served[k]) + c.exp.Overtime,
				Overtime: c.exp.Overtime}
		}
		v := c.visits[k]
		var w float64
		d, w = c.e.visit(d, v)
		wait += w
		served += (1 - v.NoShow) * v.Minutes
	}
	return c.e.finishServed(c.length, d, wait, served)
}

// Replace replaces visits [from, to) by rest and updates the cached
// distributions.
func (c *Chain) Replace(from, to int, rest []Visit) {
	tail := slices.Clone(c.visits[to:])
	c.visits = append(append(c.visits[:from], rest...), tail...)
	c.before, c.wait, c.served = c.before[:from+1], c.wait[:from+1], c.served[:from+1]
	for j := from; j < len(c.visits); j++ {
		v := c.visits[j]
		d, w := c.e.visit(c.before[j], v)
		c.before = append(c.before, d.clone())
		c.wait = append(c.wait, c.wait[j]+w)
		c.served = append(c.served, c.served[j]+(1-v.NoShow)*v.Minutes)
	}
	n := len(c.visits)
	c.exp = c.e.finishServed(c.length, c.before[n], c.wait[n], c.served[n])
}

// same reports whether two distributions differ by less than tol in
// total variation.
func same(a, b dist, tol float64) bool {
	lo := min(a.lo, b.lo)
	hi := max(a.lo+len(a.p), b.lo+len(b.p))
	diff := 0.0
	for k := lo; k < hi; k++ {
		var x, y float64
		if i := k - a.lo; i >= 0 && i < len(a.p) {
			x = a.p[i]
		}
		if i := k - b.lo; i >= 0 && i < len(b.p) {
			y = b.p[i]
		}
		if diff += abs(x - y); diff > tol {
			return false
		}
	}
	return true
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// Cursor walks a session visit by visit, for searches that branch (the
// exact enumerator): each Next returns a new cursor and leaves the old
// one usable.
type Cursor struct {
	e            *Evaluator
	d            dist
	wait, served float64
}

// Begin returns a cursor at the start of a session: the provider free,
// nothing served.
func (e *Evaluator) Begin() Cursor { return Cursor{e: e, d: start} }

// Next returns the cursor after visit v.
func (c Cursor) Next(v Visit) Cursor {
	d, w := c.e.visit(c.d, v)
	return Cursor{e: c.e, d: d.clone(), wait: c.wait + w, served: c.served + (1-v.NoShow)*v.Minutes}
}

// Wait returns the expected wait of the visits so far.
func (c Cursor) Wait() float64 { return c.wait }

// Served returns the expected minutes served so far.
func (c Cursor) Served() float64 { return c.served }

// Finish returns the expectation of a session of length minutes whose
// visits were the cursor's.
func (c Cursor) Finish(length float64) Expectation {
	return c.e.finishServed(length, c.d, c.wait, c.served)
}

// OvertimeSoFar returns E[max(0, F − length)] for the free time F so
// far: a lower bound on the session's overtime whatever visits follow.
func (c Cursor) OvertimeSoFar(length float64) float64 {
	return c.e.finishServed(length, c.d, 0, 0).Overtime
}

// WaitBound returns a lower bound on how much inserting v at position pos
// raises the session's expected waiting, cheap enough to rule out
// insertions before pricing them (one pass over the free-time
// distribution, no convolution): v's own expected wait, plus the rise in
// the next visit's, with v's service time at its mean (by Jensen's
// inequality that understates the rise, and every later visit waits no
// less than before).
func (c *Chain) WaitBound(pos int, v Visit) float64 {
	d := c.before[pos]
	h := c.e.step
	next, nextShow := math.Inf(1), 0.0
	if pos < len(c.visits) {
		next, nextShow = c.visits[pos].At, 1-c.visits[pos].NoShow
	}
	var own, rise float64
	for i, m := range d.p {
		f := float64(d.lo+i) * h
		if f > v.At {
			own += (f - v.At) * m
		}
		if g := max(f, v.At) + v.Minutes; g > next {
			rise += m * (g - next - max(0, f-next))
		}
	}
	show := 1 - v.NoShow
	return show*own + nextShow*show*rise
}

// Mark is a chain's state from one position on, saved by Mark so that
// an edit there can be undone without re-running the session.
type Mark struct {
	from         int
	visits       []Visit
	before       []dist
	wait, served []float64
	exp          Expectation
}

// Mark saves the chain from position from on.
func (c *Chain) Mark(from int) Mark {
	return Mark{from: from, visits: slices.Clone(c.visits[from:]), before: slices.Clone(c.before[from:]),
		wait: slices.Clone(c.wait[from:]), served: slices.Clone(c.served[from:]), exp: c.exp}
}

// Restore puts back the state saved by m, undoing every Replace since
// that touched only positions from m's on.
func (c *Chain) Restore(m Mark) {
	c.visits = append(c.visits[:m.from], m.visits...)
	c.before = append(c.before[:m.from], m.before...)
	c.wait = append(c.wait[:m.from], m.wait...)
	c.served = append(c.served[:m.from], m.served...)
	c.exp = m.exp
}

// Valid reports whether m was made by Mark (the zero Mark is not).
func (m Mark) Valid() bool { return m.before != nil }

// WaitFloor returns E[max(0, F − at)] for the free time F so far: the
// least a patient who comes at time at can expect to wait, whatever
// visits come between (they only make the provider later).
func (c Cursor) WaitFloor(at float64) float64 {
	h := c.e.step
	w := 0.0
	for i, m := range c.d.p {
		if x := float64(c.d.lo+i)*h - at; x > 0 {
			w += x * m
		}
	}
	return w
}
