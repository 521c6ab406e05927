package planner

import (
	"math/rand/v2"
	"slices"

	"github.com/rcmbot/rcmbot/internal/schedule/cost"
)

// maxTrials is the most orders rebuild tries for one session.
const maxTrials = 120

// sessionSnapshot is a session of the state as it was, for undoing a
// trial without re-pricing.
type sessionSnapshot struct {
	si           int
	entries      []entry
	count        []int
	fine, coarse cost.Mark
	version      int
}

// snapshot saves session si (chains made if need be).
func (st *state) snapshot(si int) sessionSnapshot {
	ss := st.editable(si)
	return sessionSnapshot{si: si, entries: slices.Clone(ss.entries), count: slices.Clone(ss.count),
		fine: ss.fine.Mark(0), coarse: ss.coarse.Mark(0), version: st.version[si]}
}

// restore puts a saved session back, with the positions of the requests
// booked in it; the caller restores their choices.
func (st *state) restore(x sessionSnapshot) {
	ss := &st.sess[x.si]
	ss.entries, ss.count = x.entries, x.count
	ss.fine.Restore(x.fine)
	ss.coarse.Restore(x.coarse)
	st.version[x.si] = x.version
	st.reindex(x.si, 0)
}

// booking is one call of state.book, recorded so that it can be replayed.
type booking struct{ r, cand, pos int }

// rebuild is the large-neighbourhood move of the local search ("ruin and
// recreate"): for each session in turn, take every new appointment out
// of it, together with the unscheduled requests that could go there, and
// book them again one by one at their cheapest places, in several
// orders; keep the best result if it gains more than improvement.
// Relocations and swaps move one or two requests; this moves a whole
// session's worth, as shifting everyone one slot down to make room for a
// double booking at the start requires. The bookings tried over all
// sessions are bounded (see rebuildBudget). It reports whether anything
// changed.
func (st *state) rebuild() bool {
	pb := st.pb
	groups := make([][]int, len(pb.sessions))
	size := 0
	for si := range pb.sessions {
		for _, e := range st.sess[si].entries {
			if e.req >= 0 {
				groups[si] = append(groups[si], e.req)
			}
		}
		if len(groups[si]) == 0 {
			continue // nothing to rearrange
		}
		for r := range pb.requests {
			if st.choice[r] < 0 && slices.Contains(pb.requests[r].touch, si) {
				groups[si] = append(groups[si], r)
			}
		}
		if len(groups[si]) >= 2 {
			size += len(groups[si])
		}
	}
	if size == 0 {
		return false
	}
	trials := min(maxTrials, max(2, st.rebuildBudget()/size))
	changed := false
	for si := range pb.sessions {
		var orig []booking
		for pos, e := range st.sess[si].entries {
			if e.req >= 0 {
				orig = append(orig, booking{e.req, st.choice[e.req], pos})
			}
		}
		group := groups[si]
		if len(group) < 2 {
			continue
		}
		base := st.total()
		for i := len(orig) - 1; i >= 0; i-- {
			st.unbook(orig[i].r)
		}
		best, bestCost := orig, base
		for _, order := range st.orders(group, si, trials) {
			var done []booking
			var saved []sessionSnapshot
			for _, r := range order {
				if o := st.bestOption(r, pb.Instance.Costs.Unscheduled); o.cand >= 0 {
					c := &pb.requests[r].cands[o.cand]
					if !slices.ContainsFunc(saved, func(x sessionSnapshot) bool { return x.si == c.sess }) {
						saved = append(saved, st.snapshot(c.sess))
					}
					st.book(r, o.cand, o.pos)
					done = append(done, booking{r, o.cand, o.pos})
				}
			}
			if c := st.total(); c < bestCost-improvement {
				best, bestCost = done, c
			}
			// Undo the trial: its bookings off, its sessions as they were.
			for _, b := range done {
				st.choice[b.r], st.pos[b.r] = -1, -1
				st.static -= pb.requests[b.r].cands[b.cand].static
				st.unscheduled++
			}
			for i := len(saved) - 1; i >= 0; i-- {
				st.restore(saved[i])
			}
		}
		for _, b := range best {
			st.book(b.r, b.cand, b.pos)
		}
		if bestCost < base-improvement {
			changed = true
		}
	}
	return changed
}

// orders returns up to n orders in which to rebook the requests of
// group: by falling and rising no-show risk at their current candidates'
// first slot, longest visit first, the group's own order, then
// pseudo-random shuffles (seeded by the session, so plans are
// reproducible).
func (st *state) orders(group []int, si, n int) [][]int {
	pb := st.pb
	risk := func(r int) float64 {
		if len(pb.requests[r].cands) == 0 {
			return 0
		}
		return pb.requests[r].cands[0].p
	}
	by := func(less func(a, b int) int) []int {
		o := slices.Clone(group)
		slices.SortStableFunc(o, less)
		return o
	}
	out := [][]int{
		slices.Clone(group),
		by(func(a, b int) int { return cmpFloat(risk(b), risk(a)) }),
		by(func(a, b int) int { return cmpFloat(risk(a), risk(b)) }),
		by(func(a, b int) int { return cmpFloat(pb.requests[b].minutes, pb.requests[a].minutes) }),
	}
	rng := rand.New(rand.NewPCG(uint64(si), uint64(len(group))))
	for len(out) < n {
		o := slices.Clone(group)
		rng.Shuffle(len(o), func(i, j int) { o[i], o[j] = o[j], o[i] })
		out = append(out, o)
	}
	return out[:min(n, len(out))]
}

// rebuildBudget bounds the bookings one rebuild round tries over all
// sessions, by the work each costs (pricing a request's candidates):
// up to 1000 on small instances, where they are cheap and a local
// optimum of single moves can sit a few percent above the optimum, down
// to 20 on large ones, whose time the greedy and single moves use.
func (st *state) rebuildBudget() int {
	n := 0
	for _, r := range st.pb.requests {
		n += len(r.cands)
	}
	avg := max(1, n/max(1, len(st.pb.requests)))
	return min(1000, max(20, 40000/avg))
}
