package planner

import (
	"fmt"
	"slices"

	"github.com/rcmbot/rcmbot/internal/schedule"
)

// improvement is the least gain, in cost units, a local-search move must
// bring to be taken (below it, rounding could make moves cycle).
const improvement = 1e-6

// maxPasses bounds the local search's rounds over all requests.
const maxPasses = 4

// Plan plans the instance: every request booked into a feasible slot or
// left unscheduled, at the lowest expected cost the search finds, and
// never more than the first-come-first-served plan costs. An error means
// a bug in the planner (the plan it built failed Evaluate), never bad
// input: Compile takes only checked instances.
func Plan(pb *Problem) (*schedule.Plan, error) {
	st := newState(pb)
	order := pb.bookingOrder()
	for _, r := range order {
		if o := st.bestOption(r, pb.Instance.Costs.Unscheduled); o.cand >= 0 {
			st.book(r, o.cand, o.pos)
		}
	}
	st.improve(order)
	if rule := pb.newRuleState(FCFS(), true); rule.total() < st.total()-improvement {
		rule.improve(order)
		if rule.total() < st.total() {
			st = rule
		}
	}
	return st.plan()
}

// bookingOrder is the greedy's order: urgent first, then the requests
// with the fewest feasible slots, longer visits, earlier requests.
func (pb *Problem) bookingOrder() []int {
	order := make([]int, len(pb.requests))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ra, rb := &pb.requests[a], &pb.requests[b]
		switch {
		case ra.Urgency.Rank() != rb.Urgency.Rank():
			return rb.Urgency.Rank() - ra.Urgency.Rank()
		case len(ra.cands) != len(rb.cands):
			return len(ra.cands) - len(rb.cands)
		case ra.minutes != rb.minutes:
			return cmpFloat(rb.minutes, ra.minutes)
		}
		return int(ra.RequestedOn - rb.RequestedOn)
	})
	return order
}

// improve runs local search: each request in turn is taken off the plan
// and put back where it costs least (possibly elsewhere, possibly
// unscheduled), then pairs of booked requests swap slots, until a round
// changes nothing. A request none of whose candidate sessions changed
// since it last found no move is skipped: its best move cannot have
// changed either.
func (st *state) improve(order []int) {
	stale := func(seen []int, r int) bool {
		for _, si := range st.pb.requests[r].touch {
			if st.version[si] > seen[r] {
				return true
			}
		}
		return false
	}
	for i := range st.seen {
		st.seen[i] = -1
	}
	swapSeen := slices.Clone(st.seen)
	for range maxPasses {
		moved := false
		for _, r := range order {
			if !stale(st.seen, r) {
				continue
			}
			if st.relocate(r) {
				moved = true
			} else {
				st.seen[r] = st.clock
			}
		}
		dirty := func(r int) bool {
			if !stale(swapSeen, r) {
				return false
			}
			swapSeen[r] = st.clock
			return true
		}
		if st.swaps(order, dirty) {
			moved = true
		}
		if !moved && !st.rebuild() {
			return
		}
	}
}

// relocate moves request r to its cheapest place if that gains more than
// improvement; it reports whether r moved.
func (st *state) relocate(r int) bool {
	here := st.pb.Instance.Costs.Unscheduled // what r's current place adds to the cost
	var u undo
	if st.choice[r] >= 0 {
		c := &st.pb.requests[r].cands[st.choice[r]]
		before := st.pb.weights.Of(st.fineChain(c.sess).Expect())
		u = st.unbookUndoably(r)
		here = before - st.pb.weights.Of(st.fineChain(c.sess).Expect()) + c.static
	}
	best := st.bestOption(r, here)
	if best.delta < here-improvement {
		if best.cand >= 0 {
			st.book(r, best.cand, best.pos)
		}
		return true
	}
	if u.fine.Valid() {
		st.redo(u)
	}
	return false
}

// plan writes the state as a schedule.Plan, assignments in service order
// (session by session), unscheduled requests in instance order, priced
// by Evaluate.
func (st *state) plan() (*schedule.Plan, error) {
	pb := st.pb
	p := &schedule.Plan{Assignments: []schedule.Assignment{}, Unscheduled: []string{}}
	for si, ss := range st.sess {
		s := &pb.sessions[si]
		starts := slices.Clone(s.held) // appointments starting in each slot so far
		for _, e := range ss.entries {
			if e.req < 0 {
				continue
			}
			r := &pb.requests[e.req]
			c := &r.cands[st.choice[e.req]]
			a := schedule.Assignment{RequestID: r.ID, ProviderID: s.ProviderID, Date: s.Date, Start: s.slots[c.slot], NoShowProbability: c.p,
				Overbooked: starts[c.slot] > 0}
			starts[c.slot]++
			if r.NoShowProbability == nil {
				a.NoShowReason = pb.Estimate(r.Request, s.Date, a.Start).String()
			}
			p.Assignments = append(p.Assignments, a)
		}
	}
	for r := range pb.requests {
		if st.choice[r] < 0 {
			p.Unscheduled = append(p.Unscheduled, pb.requests[r].ID)
		}
	}
	b, err := Evaluate(pb, p)
	if err != nil {
		return nil, fmt.Errorf("planner: the plan it built fails its own check: %w", err)
	}
	p.ExpectedCost, p.Breakdown = b.Cost, b
	return p, nil
}
