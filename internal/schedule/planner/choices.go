package planner

import (
	"cmp"
	"math"
	"slices"

	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/cost"
	"github.com/rcmbot/rcmbot/internal/schedule/noshow"
)

// Choice is one place a request could be booked and what booking it
// there adds to the clinic's expected cost: the options a person (staff,
// or the patient through a link) chooses from.
type Choice struct {
	Slot schedule.Slot `json:"slot"`
	// Cost is what the booking adds to the expected cost (queue, lead
	// time, preference); Queue its queue part in expected minutes (idle
	// time falls, waiting and overtime rise).
	Cost           float64          `json:"cost"`
	Queue          cost.Expectation `json:"queue_minutes"`
	LeadDays       int              `json:"lead_days"`
	PreferenceMiss bool             `json:"preference_miss,omitempty"`
	Overbooked     bool             `json:"overbooked,omitempty"` // another appointment already starts in the slot
	NoShow         noshow.Estimate  `json:"no_show"`
}

// Choices returns up to n places for request id, cheapest first, on the
// calendar of the instance's existing appointments (its other requests
// are not booked). Candidates are screened on the coarse grid and the
// best 3n priced exactly. An unknown request is a fault.NotFound.
func (pb *Problem) Choices(id string, n int) ([]Choice, error) {
	r, err := pb.requestIndex(id)
	if err != nil {
		return nil, err
	}
	st := newState(pb)
	top := st.screen(r, max(3*n, n+4), math.Inf(1))
	req := &pb.requests[r]
	var out []Choice
	for _, o := range top {
		c := &req.cands[o.cand]
		s := &pb.sessions[c.sess]
		v := pb.visitAt(r, c)
		chain := st.fineChain(c.sess)
		q := chain.Eval(o.pos, o.pos, []cost.Visit{v}).Sub(chain.Expect())
		slot := schedule.Slot{ProviderID: s.ProviderID, Date: s.Date, Start: s.slots[c.slot]}
		out = append(out, Choice{Slot: slot, Cost: c.static + pb.weights.Of(q), Queue: q, LeadDays: req.LeadDays(s.Date),
			PreferenceMiss: req.Misses(schedule.WeekdayOf(s.Date), slot.Start), Overbooked: st.sess[c.sess].count[c.slot] > 0,
			NoShow: pb.Estimate(req.Request, s.Date, slot.Start)})
	}
	slices.SortStableFunc(out, func(a, b Choice) int { return cmp.Compare(a.Cost, b.Cost) })
	return out[:min(n, len(out))], nil
}

func (pb *Problem) requestIndex(id string) (int, error) {
	for i := range pb.requests {
		if pb.requests[i].ID == id {
			return i, nil
		}
	}
	return -1, fault.Errorf(fault.NotFound, "request %q is not in the instance", id)
}

// CheckBooking checks that request id may be booked at slot on the
// calendar of the instance's existing appointments: every feasibility
// rule (fault.Invalid naming the rule), and room in the slot
// (fault.Conflict when 1 + max_overbook_per_slot appointments already
// start there). It is what validates a person's choice before the
// booking is made.
func (pb *Problem) CheckBooking(id string, slot schedule.Slot) error {
	r, err := pb.requestIndex(id)
	if err != nil {
		return err
	}
	ref, err := pb.checkPlace(pb.requests[r].Request, slot)
	if err != nil {
		return fault.Errorf(fault.Invalid, "request %q: %v", id, err)
	}
	if pb.sessions[ref.sess].held[ref.slot] >= pb.perSlot {
		return fault.Errorf(fault.Conflict, "request %q: the slot is full (%d appointments start there)", id, pb.sessions[ref.sess].held[ref.slot])
	}
	return nil
}

// Offer is a waitlisted request ranked for a freed slot.
type Offer struct {
	RequestID string `json:"request_id"`
	// Delta is what moving the request into the slot changes in the
	// expected cost: negative is a gain. A request not booked at all
	// gains its unscheduled cost; one booked later gives its current
	// appointment up (Current).
	Delta   float64          `json:"delta"`
	Current *schedule.Slot   `json:"current,omitempty"`
	Urgency schedule.Urgency `json:"urgency,omitempty"`
	NoShow  noshow.Estimate  `json:"no_show"`
}

// RankWaitlist ranks the instance's requests (the waitlist) for slot, a
// slot just freed by a cancellation: the requests that may be booked
// there, most urgent first, then by the gain in expected cost, then the
// earliest requested; only those that gain are listed. A request's
// current booking, if any, is the existing appointment whose RequestID
// names it, which the move would free. The slot must have room
// (fault.Conflict otherwise).
func (pb *Problem) RankWaitlist(slot schedule.Slot) ([]Offer, error) {
	ref, ok := pb.bySlot[slot]
	if !ok {
		return nil, fault.Errorf(fault.Invalid, "no session of provider %q has a slot at that date and time", slot.ProviderID)
	}
	if pb.sessions[ref.sess].held[ref.slot] >= pb.perSlot {
		return nil, fault.Errorf(fault.Conflict, "the slot is full")
	}
	st := newState(pb)
	in := pb.Instance
	var out []Offer
	for r := range pb.requests {
		ci := pb.candAt(r, ref.sess, ref.slot)
		if ci < 0 {
			continue
		}
		req := &pb.requests[r]
		c := &req.cands[ci]
		v := pb.visitAt(r, c)
		o := Offer{RequestID: req.ID, Urgency: req.Urgency, NoShow: pb.Estimate(req.Request, slot.Date, slot.Start)}
		cur, curSess, curPos := pb.currentBooking(req.ID)
		if cur == nil {
			_, hi := positions(st.sess[ref.sess].entries, v.At)
			o.Delta = c.static + st.insertDelta(ref.sess, hi, v, false) - in.Costs.Unscheduled
		} else {
			o.Current = cur
			o.Delta = c.static - in.Costs.LeadTimePerDay*float64(req.LeadDays(cur.Date))
			if req.Misses(schedule.WeekdayOf(cur.Date), cur.Start) {
				o.Delta -= in.Costs.PreferenceMiss
			}
			o.Delta += st.moveDelta(curSess, curPos, ref.sess, v)
		}
		if o.Delta < -improvement {
			out = append(out, o)
		}
	}
	slices.SortStableFunc(out, func(a, b Offer) int {
		if c := cmp.Compare(b.Urgency.Rank(), a.Urgency.Rank()); c != 0 {
			return c
		}
		return cmp.Compare(a.Delta, b.Delta)
	})
	return out, nil
}

// currentBooking finds the existing appointment booked for request id:
// its slot, session and position in the session's service order (a
// fresh state's entries are the existing appointments in order).
func (pb *Problem) currentBooking(id string) (*schedule.Slot, int, int) {
	for si := range pb.sessions {
		for pos, f := range pb.sessions[si].existing {
			if a := &pb.Instance.Existing[f.index]; a.RequestID == id {
				return &schedule.Slot{ProviderID: a.ProviderID, Date: a.Date, Start: a.Start}, si, pos
			}
		}
	}
	return nil, -1, -1
}

// moveDelta is the queue cost change of taking the visit at position pos
// of session from out and putting v into session to (at the end of its
// slot's appointments).
func (st *state) moveDelta(from, pos, to int, v cost.Visit) float64 {
	w := st.pb.weights
	if from != to {
		fc := st.fineChain(from)
		_, hi := positions(st.sess[to].entries, v.At)
		return w.Of(fc.Eval(pos, pos+1, nil)) - w.Of(fc.Expect()) + st.insertDelta(to, hi, v, false)
	}
	es := slices.Delete(slices.Clone(st.sess[to].entries), pos, pos+1)
	_, hi := positions(es, v.At)
	vs := st.visits(es)
	vs = slices.Insert(vs, hi, v)
	c := st.fineChain(to)
	return w.Of(c.Eval(0, c.Len(), vs)) - w.Of(c.Expect())
}

// PatientChoices are the options a patient may choose through a link:
// those that overbook nobody (an overbooking is staff's to confirm), in
// the order given.
func PatientChoices(options []Choice) []Choice {
	var out []Choice
	for _, c := range options {
		if !c.Overbooked {
			out = append(out, c)
		}
	}
	return out
}

// PatientMayChoose reports whether slot is one of the PatientChoices.
func PatientMayChoose(options []Choice, slot schedule.Slot) bool {
	for _, c := range PatientChoices(options) {
		if c.Slot == slot {
			return true
		}
	}
	return false
}
