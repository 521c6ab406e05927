package planner

import (
	"fmt"
	"slices"

	"github.com/rcmbot/rcmbot/internal/schedule"
)

// Rule is a booking rule clinics use: requests in the order they arrived,
// each into the earliest slot (date, then time, then provider) the rule
// opens for it, with no regard to cost. A slot is open for a regular
// booking when the visit's nominal time overlaps no regular booking; the
// rule may also open some slots for one extra patient on top (an
// overbooking that blocks nothing) and close some for regular bookings.
type Rule struct {
	Name string
	// extra reports whether slot k of session s takes one overbooked
	// patient; closed whether a regular booking may not start there.
	extra  func(s *session, k int) bool
	closed func(s *session, k int) bool
}

// FCFS is first-come-first-served, earliest slot, no overbooking.
func FCFS() Rule { return Rule{Name: "fcfs"} }

// FlatOverbook is FCFS with a second patient allowed in every k-th slot
// of each session (the k-th, 2k-th, … counting from the session's first
// slot).
func FlatOverbook(k int) Rule {
	return Rule{Name: fmt.Sprintf("flat-%d", k), extra: func(_ *session, i int) bool { return (i+1)%k == 0 }}
}

// BaileyWelch books two patients at each session's start and then one per
// slot: the first slot takes an extra patient and the last slot no
// regular start, so the session holds as many patients as slots.
func BaileyWelch() Rule {
	return Rule{Name: "bailey-welch",
		extra:  func(_ *session, i int) bool { return i == 0 },
		closed: func(s *session, i int) bool { return i == len(s.slots)-1 }}
}

// Apply plans the instance with the rule.
func (pb *Problem) Apply(rule Rule) (*schedule.Plan, error) {
	return pb.newRuleState(rule, false).plan()
}

// newRuleState books the requests by the rule; priced says whether the
// state keeps its chains (to compare with or improve on it).
func (pb *Problem) newRuleState(rule Rule, priced bool) *state {
	st := newState(pb)
	st.unpriced = !priced
	// Nominal occupancy of regular bookings, per session: intervals in
	// minutes after the session's start. Existing appointments are
	// regular unless another existing one already starts in their slot.
	busy := make([][][2]float64, len(pb.sessions))
	extras := make([][]int, len(pb.sessions))
	for si := range pb.sessions {
		s := &pb.sessions[si]
		extras[si] = make([]int, len(s.slots))
		firsts := map[int]bool{}
		for _, f := range s.existing {
			if f.slot >= 0 && firsts[f.slot] {
				extras[si][f.slot]++
				continue
			}
			firsts[f.slot] = true
			busy[si] = append(busy[si], [2]float64{f.at, f.at + f.minutes})
		}
	}
	order := make([]int, len(pb.requests))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(pb.requests[a].RequestedOn - pb.requests[b].RequestedOn) })
	for _, r := range order {
		req := &pb.requests[r]
		byTime := make([]int, len(req.cands))
		for i := range byTime {
			byTime[i] = i
		}
		slices.SortStableFunc(byTime, func(a, b int) int {
			ca, cb := &req.cands[a], &req.cands[b]
			sa, sb := &pb.sessions[ca.sess], &pb.sessions[cb.sess]
			if sa.Date != sb.Date {
				return int(sa.Date - sb.Date)
			}
			if ta, tb := sa.slots[ca.slot], sb.slots[cb.slot]; ta != tb {
				return int(ta - tb)
			}
			return ca.sess - cb.sess
		})
		for _, ci := range byTime {
			c := &req.cands[ci]
			s := &pb.sessions[c.sess]
			if st.sess[c.sess].count[c.slot] >= pb.perSlot {
				continue
			}
			at := float64(s.slots[c.slot] - s.Start)
			iv := [2]float64{at, at + req.minutes}
			regular := (rule.closed == nil || !rule.closed(s, c.slot)) && !overlaps(busy[c.sess], iv)
			extra := !regular && rule.extra != nil && rule.extra(s, c.slot) && extras[c.sess][c.slot] == 0 && pb.perSlot > 1
			if !regular && !extra {
				continue
			}
			if regular {
				busy[c.sess] = append(busy[c.sess], iv)
			} else {
				extras[c.sess][c.slot]++
			}
			_, hi := positions(st.sess[c.sess].entries, at)
			st.book(r, ci, hi)
			break
		}
	}
	return st
}

func overlaps(busy [][2]float64, iv [2]float64) bool {
	for _, b := range busy {
		if iv[0] < b[1] && b[0] < iv[1] {
			return true
		}
	}
	return false
}
