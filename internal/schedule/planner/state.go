package planner

import (
	"github.com/rcmbot/rcmbot/internal/schedule/cost"
)

// entry is one appointment in a session's service order.
type entry struct {
	req   int // request index, or -1 for an existing appointment
	slot  int // slot index; -1 for an existing one before the first whole slot
	visit cost.Visit
}

// sessState is a session of a plan being built. Its chains are made
// when first needed (most sessions of a large horizon are only screened,
// on the coarse grid, or not looked at at all); a session's entries
// differ from its existing appointments only once both exist.
type sessState struct {
	entries      []entry
	count        []int // appointments starting in each slot
	fine, coarse *cost.Chain
	base         float64 // the fine cost of its existing appointments alone
}

// state is a plan being built: each request's chosen candidate and the
// sessions with their priced chains.
type state struct {
	pb           *Problem
	fine, coarse *cost.Evaluator
	choice       []int // per request: index into its cands, -1 unscheduled
	pos          []int // per request: its entry's position in the session, -1 unscheduled
	sess         []sessState
	static       float64 // Σ static cost of the booked requests
	unscheduled  int
	scratch      []cost.Visit
	// clock counts changes; version[s] is the clock when session s last
	// changed (a restored session gets its old version back); seen[r] is
	// the clock when the local search last found no move for request r.
	clock   int
	version []int
	seen    []int
	// memo[r][ci] is the best coarse insertion of request r at candidate
	// ci, valid while the session's version is memo's.
	memo [][]memoEntry
	// unpriced states (a rule's bookings) keep no chains: book only
	// records, and the plan is priced by Evaluate alone.
	unpriced bool
}

// memoEntry is a remembered coarse insertion: position and delta
// (static cost included), computed at session version ver (-1: none).
type memoEntry struct {
	ver, pos int
	delta    float64
}

func newState(pb *Problem) *state {
	st := &state{pb: pb, fine: cost.New(pb.Instance.ServiceCV, cost.DefaultStep), coarse: cost.NewScreen(pb.Instance.ServiceCV, pb.coarse),
		choice: make([]int, len(pb.requests)), pos: make([]int, len(pb.requests)), sess: make([]sessState, len(pb.sessions)),
		unscheduled: len(pb.requests), version: make([]int, len(pb.sessions)), seen: make([]int, len(pb.requests)),
		memo: make([][]memoEntry, len(pb.requests))}
	for i := range st.choice {
		st.choice[i], st.pos[i] = -1, -1
		st.memo[i] = make([]memoEntry, len(pb.requests[i].cands))
		for j := range st.memo[i] {
			st.memo[i][j].ver = -1
		}
	}
	for si := range pb.sessions {
		s := &pb.sessions[si]
		ss := &st.sess[si]
		ss.count = append([]int(nil), s.held...)
		for _, f := range s.existing {
			ss.entries = append(ss.entries, entry{req: -1, slot: f.slot, visit: cost.Visit{At: f.at, Minutes: f.minutes, NoShow: f.p}})
		}
	}
	return st
}

// fineChain returns session si's fine chain, making it if need be.
func (st *state) fineChain(si int) *cost.Chain {
	ss := &st.sess[si]
	if ss.fine == nil {
		ss.fine = st.fine.NewChain(st.pb.sessions[si].length, st.visits(ss.entries))
		ss.base = st.pb.weights.Of(ss.fine.Expect())
	}
	return ss.fine
}

// coarseChain returns session si's coarse chain, making it if need be.
func (st *state) coarseChain(si int) *cost.Chain {
	ss := &st.sess[si]
	if ss.coarse == nil {
		ss.coarse = st.coarse.NewChain(st.pb.sessions[si].length, st.visits(ss.entries))
	}
	return ss.coarse
}

// editable returns session si with both chains made, ready to change.
func (st *state) editable(si int) *sessState {
	st.fineChain(si)
	st.coarseChain(si)
	return &st.sess[si]
}

func (st *state) visits(es []entry) []cost.Visit {
	vs := make([]cost.Visit, len(es))
	for i, e := range es {
		vs[i] = e.visit
	}
	return vs
}

// total returns the plan's expected cost less that of the calendar of
// existing appointments alone (a constant of the problem): what plans of
// one problem are compared by.
func (st *state) total() float64 {
	c := st.static + st.pb.Instance.Costs.Unscheduled*float64(st.unscheduled)
	for i := range st.sess {
		if ss := &st.sess[i]; ss.fine != nil {
			c += st.pb.weights.Of(ss.fine.Expect()) - ss.base
		}
	}
	return c
}

// positions returns the range [lo, hi] of positions where a new
// appointment at time at may go in a session's service order: after
// every earlier appointment and every existing one at the same time, in
// any place among new ones at the same time.
func positions(es []entry, at float64) (lo, hi int) {
	lo = len(es)
	for i, e := range es {
		if e.visit.At > at || e.visit.At == at && e.req >= 0 {
			lo = i
			break
		}
	}
	hi = lo
	for hi < len(es) && es[hi].visit.At == at {
		hi++
	}
	return lo, hi
}

// chain returns session si's fine or coarse chain.
func (st *state) chain(si int, coarse bool) *cost.Chain {
	if coarse {
		return st.coarseChain(si)
	}
	return st.fineChain(si)
}

// insertDelta returns what inserting v at position pos of session si
// adds to the session's expected cost.
func (st *state) insertDelta(si, pos int, v cost.Visit, coarse bool) float64 {
	c := st.chain(si, coarse)
	st.scratch = append(st.scratch[:0], v)
	return st.pb.weights.Of(c.Eval(pos, pos, st.scratch)) - st.pb.weights.Of(c.Expect())
}

// book books request r at candidate ci, position pos.
func (st *state) book(r, ci, pos int) {
	c := &st.pb.requests[r].cands[ci]
	ss := &st.sess[c.sess]
	if !st.unpriced {
		ss = st.editable(c.sess)
	}
	v := st.pb.visitAt(r, c)
	ss.entries = append(ss.entries, entry{})
	copy(ss.entries[pos+1:], ss.entries[pos:])
	ss.entries[pos] = entry{req: r, slot: c.slot, visit: v}
	ss.count[c.slot]++
	if !st.unpriced {
		ss.fine.Replace(pos, pos, []cost.Visit{v})
		ss.coarse.Replace(pos, pos, []cost.Visit{v})
	}
	st.choice[r] = ci
	st.static += c.static
	st.unscheduled--
	st.touch(c.sess)
	st.reindex(c.sess, pos)
}

// unbook takes request r off the plan.
func (st *state) unbook(r int) {
	ci := st.choice[r]
	c := &st.pb.requests[r].cands[ci]
	ss := st.editable(c.sess)
	pos := st.pos[r]
	ss.entries = append(ss.entries[:pos], ss.entries[pos+1:]...)
	ss.count[c.slot]--
	ss.fine.Replace(pos, pos+1, nil)
	ss.coarse.Replace(pos, pos+1, nil)
	st.choice[r], st.pos[r] = -1, -1
	st.static -= c.static
	st.unscheduled++
	st.touch(c.sess)
	st.reindex(c.sess, pos)
}

// touch records a change to session si.
func (st *state) touch(si int) {
	st.clock++
	st.version[si] = st.clock
}

// undo is what it takes to put back a booking taken off by unbook
// without re-pricing its session.
type undo struct {
	r, cand, pos, version int
	fine, coarse          cost.Mark
}

// unbookUndoably takes request r off the plan and returns how to put it
// back.
func (st *state) unbookUndoably(r int) undo {
	c := &st.pb.requests[r].cands[st.choice[r]]
	ss := st.editable(c.sess)
	u := undo{r: r, cand: st.choice[r], pos: st.pos[r], version: st.version[c.sess],
		fine: ss.fine.Mark(st.pos[r]), coarse: ss.coarse.Mark(st.pos[r])}
	st.unbook(r)
	return u
}

// redo puts back the booking u took off; the session must not have
// changed since.
func (st *state) redo(u undo) {
	c := &st.pb.requests[u.r].cands[u.cand]
	ss := &st.sess[c.sess]
	ss.entries = append(ss.entries, entry{})
	copy(ss.entries[u.pos+1:], ss.entries[u.pos:])
	ss.entries[u.pos] = entry{req: u.r, slot: c.slot, visit: st.pb.visitAt(u.r, c)}
	ss.count[c.slot]++
	ss.fine.Restore(u.fine)
	ss.coarse.Restore(u.coarse)
	st.choice[u.r] = u.cand
	st.static += c.static
	st.unscheduled--
	st.version[c.sess] = u.version
	st.reindex(c.sess, u.pos)
}

// reindex refreshes the positions of the new appointments of session si
// from position from on.
func (st *state) reindex(si, from int) {
	for i := from; i < len(st.sess[si].entries); i++ {
		if e := st.sess[si].entries[i]; e.req >= 0 {
			st.pos[e.req] = i
		}
	}
}

// option is a place for a request: candidate and position, and what
// booking it there adds to the plan's expected cost (static cost
// included). cand -1 is leaving the request unscheduled.
type option struct {
	cand, pos int
	delta     float64
}

// screenTop is how many candidates, best on the coarse grid, are priced
// on the fine one, if within screenMargin (cost units) of the best: the
// coarse grid's error on a booking's cost is a small fraction of that.
const (
	screenTop    = 3
	screenMargin = 2.0
)

// bestOption returns the cheapest place for unbooked request r that adds
// less than limit (at most the unscheduled cost) to the cost, or the
// unscheduled option when there is none.
func (st *state) bestOption(r int, limit float64) option {
	top := st.screen(r, screenTop, min(limit, st.pb.Instance.Costs.Unscheduled))
	best := option{cand: -1, pos: -1, delta: st.pb.Instance.Costs.Unscheduled}
	for _, o := range top {
		if o.delta > top[0].delta+screenMargin {
			break
		}
		c := &st.pb.requests[r].cands[o.cand]
		d := c.static + st.insertDelta(c.sess, o.pos, st.pb.visitAt(r, c), false)
		if d < best.delta {
			best = option{cand: o.cand, pos: o.pos, delta: d}
		}
	}
	return best
}

// screen returns up to k options for unbooked request r with the lowest
// coarse-grid cost below limit, skipping full slots and, without pricing
// them, candidates whose lower bound shows they cannot make the list.
func (st *state) screen(r, k int, limit float64) []option {
	req := &st.pb.requests[r]
	var top []option
	for ci := range req.cands {
		c := &req.cands[ci]
		if c.bound >= limit {
			break
		}
		ss := &st.sess[c.sess]
		if ss.count[c.slot] >= st.pb.perSlot {
			continue
		}
		o, ok := st.coarseInsertion(r, ci, limit)
		if !ok || len(top) == k && o.delta >= top[k-1].delta {
			continue
		}
		top = insertSorted(top, o, k)
		if len(top) == k {
			limit = min(limit, top[k-1].delta)
		}
	}
	return top
}

// coarseInsertion returns the best position for unbooked request r at
// candidate ci and its coarse-grid cost, from the memo when the session
// has not changed since; ok is false when the wait bound shows the cost
// is at least limit.
func (st *state) coarseInsertion(r, ci int, limit float64) (option, bool) {
	c := &st.pb.requests[r].cands[ci]
	m := &st.memo[r][ci]
	if m.ver == st.version[c.sess] && m.ver >= 0 {
		return option{cand: ci, pos: m.pos, delta: m.delta}, true
	}
	ss := &st.sess[c.sess]
	v := st.pb.visitAt(r, c)
	lo, hi := positions(ss.entries, v.At)
	best := option{cand: ci, pos: -1}
	for pos := lo; pos <= hi; pos++ {
		if c.bound+st.pb.weights.Wait*st.coarseChain(c.sess).WaitBound(pos, v) >= limit {
			continue
		}
		if d := c.static + st.insertDelta(c.sess, pos, v, true); best.pos < 0 || d < best.delta {
			best.pos, best.delta = pos, d
		}
	}
	if best.pos < 0 {
		return best, false
	}
	if lo == hi || best.delta < limit {
		// Remember only what was priced in full: a bounded-out position
		// might have been the best.
		*m = memoEntry{ver: st.version[c.sess], pos: best.pos, delta: best.delta}
	}
	return best, true
}

func insertSorted(top []option, o option, k int) []option {
	i := len(top)
	for i > 0 && top[i-1].delta > o.delta {
		i--
	}
	top = append(top, option{})
	copy(top[i+1:], top[i:])
	top[i] = o
	if len(top) > k {
		top = top[:k]
	}
	return top
}
