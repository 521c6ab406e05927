package planner

import (
	"slices"

	"github.com/rcmbot/rcmbot/internal/schedule/cost"
)

// candAt returns the index of request r's candidate at slot k of session
// si, or -1.
func (pb *Problem) candAt(r, si, k int) int {
	idx := pb.requests[r].bySlot
	key := si<<16 | k
	i, ok := slices.BinarySearchFunc(idx, key, func(e [2]int, key int) int { return e[0] - key })
	if !ok {
		return -1
	}
	return idx[i][1]
}

// swaps tries, for each booked request r1 of order (those for which
// dirty says so), exchanging slots with a booked request r2 in the same
// session (which changes who is served when and who is double-booked),
// or in another session when that lowers the lead-time and preference
// cost. A cross-session exchange can only lower that cost if one of the
// two gains, so r1 looks only at slots cheaper for itself: seen from r2's
// side the pair comes up too. It takes every exchange that gains more
// than improvement and reports whether it took any.
func (st *state) swaps(order []int, dirty func(r int) bool) bool {
	pb := st.pb
	moved := false
	for _, r1 := range order {
		if st.choice[r1] < 0 || !dirty(r1) {
			continue
		}
		for ci := range pb.requests[r1].cands {
			cur := &pb.requests[r1].cands[st.choice[r1]]
			c := &pb.requests[r1].cands[ci]
			if ci == st.choice[r1] || c.sess != cur.sess && c.static >= cur.static-improvement {
				continue
			}
			if st.sess[c.sess].count[c.slot] == pb.sessions[c.sess].held[c.slot] {
				continue // nobody new to swap with there
			}
			for _, e := range st.sess[c.sess].entries {
				if e.req >= 0 && e.req != r1 && e.slot == c.slot && st.trySwap(r1, e.req) {
					moved = true
					break
				}
			}
		}
	}
	return moved
}

// trySwap exchanges the slots of booked requests r1 and r2 if both may
// take the other's and the exchange gains more than improvement.
func (st *state) trySwap(r1, r2 int) bool {
	pb := st.pb
	a := &pb.requests[r1].cands[st.choice[r1]]
	b := &pb.requests[r2].cands[st.choice[r2]]
	a2 := pb.candAt(r2, a.sess, a.slot) // r2 into r1's slot
	b1 := pb.candAt(r1, b.sess, b.slot)
	if a2 < 0 || b1 < 0 {
		return false
	}
	na, nb := &pb.requests[r2].cands[a2], &pb.requests[r1].cands[b1]
	delta := na.static + nb.static - a.static - b.static
	if a.sess != b.sess && delta >= -improvement {
		return false
	}
	va, vb := st.pb.visitAt(r2, na), st.pb.visitAt(r1, nb)
	pa, pbPos := st.pos[r1], st.pos[r2]
	// The queue's part, screened on the coarse grid and then priced.
	queue := func(coarse bool) float64 {
		if a.sess == b.sess {
			c := st.chain(a.sess, coarse)
			from, to := min(pa, pbPos), max(pa, pbPos)
			rest := slices.Clone(c.Visits()[from : to+1])
			rest[pa-from], rest[pbPos-from] = va, vb
			return pb.weights.Of(c.Eval(from, to+1, rest)) - pb.weights.Of(c.Expect())
		}
		ca, cb := st.chain(a.sess, coarse), st.chain(b.sess, coarse)
		return pb.weights.Of(ca.Eval(pa, pa+1, []cost.Visit{va})) - pb.weights.Of(ca.Expect()) +
			pb.weights.Of(cb.Eval(pbPos, pbPos+1, []cost.Visit{vb})) - pb.weights.Of(cb.Expect())
	}
	if delta+queue(true) >= screenMargin || delta+queue(false) >= -improvement {
		return false
	}
	if a.sess == b.sess {
		from, to := min(pa, pbPos), max(pa, pbPos)
		rest := slices.Clone(st.fineChain(a.sess).Visits()[from : to+1])
		rest[pa-from], rest[pbPos-from] = va, vb
		st.setVisits(a.sess, from, rest)
	} else {
		st.setVisits(a.sess, pa, []cost.Visit{va})
		st.setVisits(b.sess, pbPos, []cost.Visit{vb})
	}
	ss := &st.sess[a.sess]
	ss.entries[pa].req = r2
	st.sess[b.sess].entries[pbPos].req = r1
	st.choice[r1], st.choice[r2] = b1, a2
	st.pos[r1], st.pos[r2] = pbPos, pa
	st.static += na.static + nb.static - a.static - b.static
	return true
}

// setVisits replaces the visits of session si from position from on with
// vs (same count), in the entries and both chains.
func (st *state) setVisits(si, from int, vs []cost.Visit) {
	ss := st.editable(si)
	st.touch(si)
	for i, v := range vs {
		ss.entries[from+i].visit = v
	}
	ss.fine.Replace(from, from+len(vs), vs)
	ss.coarse.Replace(from, from+len(vs), vs)
}
