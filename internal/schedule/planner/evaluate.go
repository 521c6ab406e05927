package planner

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sync"

	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/cost"
)

// Evaluate checks that plan is feasible for the problem's instance and
// returns its expected cost term by term, computed from scratch with the
// probabilities the plan states. This is the cost model's reference
// implementation: Plan prices its answers with it, and a tool that
// recomputes expected_cost should agree with it. An infeasible plan
// gives a *fault.Error (Invalid) naming the request and the rule broken.
func Evaluate(pb *Problem, plan *schedule.Plan) (*schedule.Breakdown, error) {
	in := pb.Instance
	seen := map[string]bool{}
	index := map[string]int{}
	for i := range in.Requests {
		index[in.Requests[i].ID] = i
	}
	bad := func(id, format string, args ...any) error {
		return fault.Errorf(fault.Invalid, "plan: request %q: %s", id, fmt.Sprintf(format, args...))
	}
	b := &schedule.Breakdown{Sessions: len(pb.sessions)}
	type placed struct {
		order int
		visit cost.Visit
	}
	perSession := make([][]placed, len(pb.sessions))
	count := make([][]int, len(pb.sessions))
	for si := range pb.sessions {
		count[si] = slices.Clone(pb.sessions[si].held)
	}
	for i, a := range plan.Assignments {
		ri, ok := index[a.RequestID]
		switch {
		case !ok:
			return nil, bad(a.RequestID, "not a request of the instance")
		case seen[a.RequestID]:
			return nil, bad(a.RequestID, "assigned twice")
		}
		seen[a.RequestID] = true
		r := &in.Requests[ri]
		vt, _ := in.VisitType(r.VisitType)
		ref, err := pb.checkPlace(r, schedule.Slot{ProviderID: a.ProviderID, Date: a.Date, Start: a.Start})
		if err != nil {
			return nil, bad(r.ID, "%v", err)
		}
		if !(a.NoShowProbability >= 0 && a.NoShowProbability <= 1) {
			return nil, bad(r.ID, "no_show_probability must be between 0 and 1")
		}
		s := &pb.sessions[ref.sess]
		if count[ref.sess][ref.slot] > 0 {
			b.Overbooked++
		}
		if count[ref.sess][ref.slot]++; count[ref.sess][ref.slot] > pb.perSlot {
			return nil, bad(r.ID, "its slot would hold more than 1 + max_overbook_per_slot appointments")
		}
		perSession[ref.sess] = append(perSession[ref.sess], placed{order: i,
			visit: cost.Visit{At: float64(a.Start - s.Start), Minutes: float64(vt.Minutes), NoShow: a.NoShowProbability}})
		b.Booked++
		b.LeadDays += r.LeadDays(a.Date)
		if r.Misses(schedule.WeekdayOf(a.Date), a.Start) {
			b.PreferenceMisses++
		}
	}
	for _, id := range plan.Unscheduled {
		switch {
		case !containsKey(index, id):
			return nil, bad(id, "listed as unscheduled but not a request of the instance")
		case seen[id]:
			return nil, bad(id, "both assigned and unscheduled, or unscheduled twice")
		}
		seen[id] = true
		b.Unscheduled++
	}
	for i := range in.Requests {
		if !seen[in.Requests[i].ID] {
			return nil, bad(in.Requests[i].ID, "neither assigned nor unscheduled")
		}
	}
	e := cost.New(in.ServiceCV, cost.DefaultStep)
	var total cost.Expectation
	for si := range pb.sessions {
		s := &pb.sessions[si]
		// Service order: by start; at equal starts existing first, then
		// the plan's order.
		var vs []placed
		for _, f := range s.existing {
			vs = append(vs, placed{order: -1, visit: cost.Visit{At: f.at, Minutes: f.minutes, NoShow: f.p}})
		}
		vs = append(vs, perSession[si]...)
		slices.SortStableFunc(vs, func(x, y placed) int {
			if c := cmpFloat(x.visit.At, y.visit.At); c != 0 {
				return c
			}
			return x.order - y.order
		})
		visits := make([]cost.Visit, len(vs))
		for i, p := range vs {
			visits[i] = p.visit
		}
		total = total.Add(pb.cache.price(e, s.length, visits))
	}
	b.WaitMinutes, b.IdleMinutes, b.OvertimeMinutes = total.Wait, total.Idle, total.Overtime
	b.Cost = b.CostOf(in.Costs)
	return b, nil
}

// checkPlace checks every feasibility rule but the slot's capacity for
// booking request r at slot, and returns where the slot is.
func (pb *Problem) checkPlace(r *schedule.Request, slot schedule.Slot) (slotRef, error) {
	in := pb.Instance
	vt, _ := in.VisitType(r.VisitType)
	ref, ok := pb.bySlot[slot]
	switch {
	case !in.Horizon().Contains(slot.Date):
		return ref, errors.New("date outside the horizon")
	case slot.Date < r.Earliest || slot.Date > r.Latest:
		return ref, errors.New("date outside the request's earliest–latest window")
	case !r.Allows(slot.ProviderID):
		return ref, errors.New("provider not allowed by the request")
	case !vt.OfferedBy(slot.ProviderID):
		return ref, errors.New("the provider does not offer the visit type")
	case !ok:
		return ref, errors.New("start is not a slot boundary inside a session of the provider")
	case slot.Start+schedule.Clock(vt.Minutes) > pb.sessions[ref.sess].End:
		return ref, errors.New("the visit would end after the session")
	}
	return ref, nil
}

func containsKey(m map[string]int, k string) bool {
	_, ok := m[k]
	return ok
}

// SessionCache remembers the expectations of sessions priced by
// Evaluate, keyed by everything they depend on (service variability, grid
// step, length, visits in order), so that problems of one calendar share
// the work for the sessions they have in common. It is safe for
// concurrent use. The zero value is not usable; use NewSessionCache. A
// nil *SessionCache prices every session afresh.
type SessionCache struct {
	mu sync.Mutex
	m  map[uint64]cost.Expectation
}

// NewSessionCache returns an empty cache.
func NewSessionCache() *SessionCache { return &SessionCache{m: map[uint64]cost.Expectation{}} }

// price returns e.Session(length, vs), from the cache when it has it.
func (c *SessionCache) price(e *cost.Evaluator, length float64, vs []cost.Visit) cost.Expectation {
	if c == nil {
		return e.Session(length, vs)
	}
	h := fnv.New64a()
	var buf [8]byte
	put := func(x float64) {
		binary.LittleEndian.PutUint64(buf[:], math.Float64bits(x))
		h.Write(buf[:])
	}
	put(e.CV())
	put(e.Step())
	put(length)
	for _, v := range vs {
		put(v.At)
		put(v.Minutes)
		put(v.NoShow)
	}
	k := h.Sum64()
	c.mu.Lock()
	x, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return x
	}
	x = e.Session(length, vs)
	c.mu.Lock()
	c.m[k] = x
	c.mu.Unlock()
	return x
}
