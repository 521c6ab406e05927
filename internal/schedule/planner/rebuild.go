package planner

import (
	"math/rand/v2"
	"slices"
)

// maxTrials is the most orders rebuild tries for one session.
const maxTrials = 120

// booking is one call of state.book, recorded so that it can be replayed.
type booking struct{ r, cand, pos int }

// rebuild is the large-neighbourhood move of the local search ("ruin and
// recreate"): for each session in turn, take every new appointment out
// of it, together with the unscheduled requests that could go there, and
// book them again one by one at their cheapest places, in several
// orders; keep the best result if it gains more than improvement.
// Relocations and swaps move one or two requests; this moves a whole
// session's worth, as shifting everyone one slot down to make room for a
// double booking at the start requires. budget bounds the bookings
// tried over all sessions. It reports whether anything changed.
func (st *state) rebuild(budget int) bool {
	pb := st.pb
	groups := make([][]int, len(pb.sessions))
	size := 0
	for si := range pb.sessions {
		for _, e := range st.sess[si].entries {
			if e.req >= 0 {
				groups[si] = append(groups[si], e.req)
			}
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
	trials := min(maxTrials, max(2, budget/size))
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
			for _, r := range order {
				if o := st.bestOption(r, pb.Instance.Costs.Unscheduled); o.cand >= 0 {
					st.book(r, o.cand, o.pos)
					done = append(done, booking{r, o.cand, o.pos})
				}
			}
			if c := st.total(); c < bestCost-improvement {
				best, bestCost = done, c
			}
			for i := len(done) - 1; i >= 0; i-- {
				st.unbook(done[i].r)
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
