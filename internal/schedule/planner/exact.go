package planner

import (
	"errors"
	"slices"

	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/cost"
)

// Limits of Exact: it enumerates, so only small instances finish.
const (
	MaxExactRequests = 10
	maxExactNodes    = 200_000_000
)

// ErrTooLarge is returned by Exact for an instance it will not enumerate.
var ErrTooLarge = errors.New("planner: instance too large to enumerate")

// Exact returns an optimal plan: it enumerates every plan (each request
// in one of its feasible slots, in any order among the new appointments
// of that slot, or unscheduled) by depth-first search over the sessions'
// slots in time order, pricing each session as the search walks through
// it, and prunes a branch when a lower bound on any completion costs no
// less than the best plan found so far, starting from incumbent (a plan
// of the same problem, e.g. Plan's; nil for none). The bound adds to the
// cost so far the queue cost already certain in the current session, an
// idle-time floor for the sessions to come, and for each request still
// open the cheaper of leaving it out and its cheapest remaining slot's
// static cost less the idle time it would save. It is meant for tests
// and the benchmark's small instances (one session, at most 8 slots and
// 6 requests enumerate in well under a second).
func Exact(pb *Problem, incumbent *schedule.Plan) (*schedule.Plan, error) {
	if len(pb.requests) > MaxExactRequests {
		return nil, ErrTooLarge
	}
	x := &exact{pb: pb, e: cost.New(pb.Instance.ServiceCV, cost.DefaultStep), best: inf, bestAt: make([]placement, len(pb.requests)),
		at: make([]placement, len(pb.requests))}
	if incumbent != nil {
		b, err := Evaluate(pb, incumbent)
		if err != nil {
			return nil, err
		}
		x.best = b.Cost + 1e-9
		x.fromIncumbent = true
	}
	// floor[si] is the least sessions si… can cost: idle time less what
	// their existing appointments serve.
	x.floor = make([]float64, len(pb.sessions)+1)
	for si := len(pb.sessions) - 1; si >= 0; si-- {
		s := &pb.sessions[si]
		f := s.length
		for _, e := range s.existing {
			f -= (1 - e.p) * e.minutes
		}
		x.floor[si] = x.floor[si+1] + pb.weights.Idle*f
	}
	for i := range x.at {
		x.at[i] = placement{cand: -1}
	}
	x.session(0, 0)
	if x.nodes > maxExactNodes {
		return nil, ErrTooLarge
	}
	if x.best == inf || x.fromIncumbent && !x.found {
		return incumbent, nil
	}
	return x.plan()
}

var inf = 1e300

// placement is where the search put a request: candidate and order of
// booking within its slot.
type placement struct{ cand, order int }

type exact struct {
	pb            *Problem
	e             *cost.Evaluator
	floor         []float64
	at, bestAt    []placement
	best          float64
	found         bool
	fromIncumbent bool
	nodes         int
	done          float64 // cost of the sessions finished and the static cost of the requests placed
	waitFloor     []float64
	items         []lpItem
	placed        uint64 // bit set of placed requests
}

// session starts session si with the cost so far.
func (x *exact) session(si int, order int) {
	if si == len(x.pb.sessions) {
		total := x.done + x.pb.Instance.Costs.Unscheduled*float64(x.open())
		if total < x.best {
			x.best, x.found = total, true
			copy(x.bestAt, x.at)
		}
		return
	}
	x.slot(si, 0, 0, x.e.Begin(), order)
}

// open counts the requests not placed.
func (x *exact) open() int {
	n := 0
	for i := range x.pb.requests {
		if x.placed&(1<<i) == 0 {
			n++
		}
	}
	return n
}

// slot decides which open requests start in slot k of session si, after
// the existing appointments up to it (ei: the next existing one).
func (x *exact) slot(si, k, ei int, cur cost.Cursor, order int) {
	x.nodes++
	if x.nodes > maxExactNodes {
		return
	}
	s := &x.pb.sessions[si]
	if k == len(s.slots) {
		for ; ei < len(s.existing); ei++ {
			cur = cur.Next(s.existingVisit(ei))
		}
		c := x.pb.weights.Of(cur.Finish(s.length))
		x.done += c
		x.session(si+1, order)
		x.done -= c
		return
	}
	at := float64(s.slots[k] - s.Start)
	for ; ei < len(s.existing) && s.existing[ei].at <= at; ei++ {
		cur = cur.Next(s.existingVisit(ei))
	}
	if x.bound(si, k, ei, cur) >= x.best {
		return
	}
	room := x.pb.perSlot - s.held[k]
	x.fill(si, k, ei, cur, order, room)
}

// fill books up to room more open requests into slot k, one at a time in
// every order, recursing to the next slot after each choice (including
// booking nobody more).
func (x *exact) fill(si, k, ei int, cur cost.Cursor, order, room int) {
	x.slot(si, k+1, ei, cur, order)
	if room == 0 {
		return
	}
	for r := range x.pb.requests {
		if x.placed&(1<<r) != 0 {
			continue
		}
		ci := x.pb.candAt(r, si, k)
		if ci < 0 {
			continue
		}
		c := &x.pb.requests[r].cands[ci]
		x.placed |= 1 << r
		x.at[r] = placement{cand: ci, order: order}
		x.done += c.static
		x.fill(si, k, ei, cur.Next(x.pb.visitAt(r, c)), order+1, room-1)
		x.done -= c.static
		x.at[r] = placement{cand: -1}
		x.placed &^= 1 << r
	}
}

// bound returns a lower bound on every completion's cost at slot k of
// session si (existing appointments before ei already walked).
//
// It is the cost so far, the session finished with no more bookings, the
// sessions to come at their idle floor, and for each open request the
// cheaper of its alternatives (leaving it out, a later session's slot at
// its static cost less the idle time it saves) and a remaining slot of
// this session: static cost, less the idle time it saves, plus the wait
// it has behind the current free-time distribution alone (whatever is
// booked later, the provider is free no earlier than now). The requests
// booked into this session also share its overtime: pathwise, idle time
// is at least the idle time I already past, so overtime = idle − L +
// service ≥ I − L + service, and every expected minute of service booked
// beyond L − I (less the overtime already certain) costs c_idle + c_over
// more. Which requests to book here is relaxed to a fractional choice,
// most profitable per minute first: a linear programme whose optimum
// bounds every integer choice.
func (x *exact) bound(si, k, ei int, cur cost.Cursor) float64 {
	pb := x.pb
	s := &pb.sessions[si]
	w := pb.weights
	// The rest of the session with no more bookings: what the existing
	// appointments still to come wait and leave as overtime can only grow.
	rest := cur
	for i := ei; i < len(s.existing); i++ {
		rest = rest.Next(s.existingVisit(i))
	}
	restExp := rest.Finish(s.length)
	b := x.done + w.Of(restExp) + x.floor[si+1]
	now := float64(s.slots[k] - s.Start)
	pastIdle := now - cur.Served() + cur.WaitFloor(now)
	room := s.length - pastIdle + restExp.Overtime - rest.Served() // service that fits before overtime must grow
	floor := x.waitFloor[:0]
	for j := k; j < len(s.slots); j++ {
		floor = append(floor, cur.WaitFloor(float64(s.slots[j]-s.Start)))
	}
	x.waitFloor = floor
	items := x.items[:0]
	for r := range pb.requests {
		if x.placed&(1<<r) != 0 {
			continue
		}
		out := pb.Instance.Costs.Unscheduled
		in, minServe := inf, inf
		for _, c := range pb.requests[r].cands {
			switch {
			case c.sess == si && c.slot >= k:
				in = min(in, c.bound+w.Wait*(1-c.p)*floor[c.slot-k])
				minServe = min(minServe, (1-c.p)*pb.requests[r].minutes)
			case c.sess > si:
				out = min(out, c.bound)
			}
		}
		b += out
		if in < out {
			items = append(items, lpItem{gain: out - in, serve: minServe})
		}
	}
	x.items = items
	// Fractional choice: most gain per minute of service first; beyond
	// room, each minute costs c_idle + c_over.
	slices.SortFunc(items, func(a, b lpItem) int { return cmpFloat(b.gain*a.serve, a.gain*b.serve) })
	penalty := w.Idle + w.Overtime
	for _, it := range items {
		if it.serve <= 0 || room >= it.serve {
			b -= it.gain
			room -= max(it.serve, 0)
			continue
		}
		// Part fits in the room, the rest pays the penalty per minute.
		fit := max(room, 0)
		perMinute := it.gain / it.serve
		if perMinute <= penalty {
			b -= perMinute * fit
			room -= fit
			break
		}
		b -= it.gain - penalty*(it.serve-fit)
		room -= it.serve
	}
	return b
}

// lpItem is an open request in bound's relaxation: what booking it in the
// current session gains over its best alternative, and the least expected
// service it brings.
type lpItem struct{ gain, serve float64 }

// existingVisit returns existing appointment i of the session as a visit.
func (s *session) existingVisit(i int) cost.Visit {
	e := &s.existing[i]
	return cost.Visit{At: e.at, Minutes: e.minutes, NoShow: e.p}
}

// visitAt returns the visit request r makes at candidate c.
func (pb *Problem) visitAt(r int, c *cand) cost.Visit {
	s := &pb.sessions[c.sess]
	return cost.Visit{At: float64(s.slots[c.slot] - s.Start), Minutes: pb.requests[r].minutes, NoShow: c.p}
}

// plan writes the best placement found as a plan.
func (x *exact) plan() (*schedule.Plan, error) {
	st := newState(x.pb)
	// Book in the search's order so that ties within a slot keep it.
	order := make([]int, 0, len(x.bestAt))
	for r, p := range x.bestAt {
		if p.cand >= 0 {
			order = append(order, r)
		}
	}
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && x.bestAt[order[j]].order < x.bestAt[order[j-1]].order; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	for _, r := range order {
		c := &x.pb.requests[r].cands[x.bestAt[r].cand]
		_, hi := positions(st.sess[c.sess].entries, x.pb.visitAt(r, c).At)
		st.book(r, x.bestAt[r].cand, hi)
	}
	return st.plan()
}
