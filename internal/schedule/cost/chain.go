package cost

// Chain is one session being edited: its visits in service order and the
// provider-free-time distribution before each, so that a change at visit
// j is priced from j on (what-if: Eval) or applied (Set) without
// re-running the visits before it.
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
	c := &Chain{e: e, length: length}
	c.Set(0, visits)
	return c
}

// Len returns the number of visits.
func (c *Chain) Len() int { return len(c.visits) }

// Visits returns the visits in service order (the chain's own slice: do
// not modify it).
func (c *Chain) Visits() []Visit { return c.visits }

// Length returns the session's length in minutes.
func (c *Chain) Length() float64 { return c.length }

// Expect returns the session's current expectation.
func (c *Chain) Expect() Expectation { return c.exp }

// Eval returns the expectation the session would have with its visits
// from position from on replaced by rest; the chain is unchanged.
func (c *Chain) Eval(from int, rest []Visit) Expectation {
	d := c.before[from]
	wait := c.wait[from]
	served := c.served[from]
	for _, v := range rest {
		var w float64
		d, w = c.e.visit(d, v)
		wait += w
		served += (1 - v.NoShow) * v.Minutes
	}
	return c.e.finishServed(c.length, d, wait, served)
}

// Set replaces the visits from position from on by rest and updates the
// cached distributions.
func (c *Chain) Set(from int, rest []Visit) {
	c.visits = append(c.visits[:from], rest...)
	if from == 0 {
		c.before = append(c.before[:0], start)
		c.wait = append(c.wait[:0], 0)
		c.served = append(c.served[:0], 0)
	} else {
		c.before = c.before[:from+1]
		c.wait = c.wait[:from+1]
		c.served = c.served[:from+1]
	}
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
