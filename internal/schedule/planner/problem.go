package planner

import (
	"slices"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/cost"
	"github.com/rcmbot/rcmbot/internal/schedule/noshow"
)

// Problem is an instance compiled for planning: its sessions with their
// slots and existing appointments, and per request the feasible slots
// with what a booking there costs besides the queue. It is read-only
// once built and may be shared by concurrent plans.
type Problem struct {
	Instance *schedule.Instance
	// Model estimates the probabilities not given: fitted on the
	// instance's history, or given to CompileWith; nil when every
	// probability is given.
	Model *noshow.Model

	sessions []session
	requests []request
	weights  cost.Weights
	perSlot  int     // 1 + max_overbook_per_slot
	coarse   float64 // screening grid step
	bySlot   map[schedule.Slot]slotRef
	cache    *SessionCache
}

// session is one provider-session with its slots and fixed appointments.
type session struct {
	schedule.Session
	length   float64
	slots    []schedule.Clock
	existing []fixed // in time order (then instance order)
	// held[i] counts the existing appointments starting in slots[i].
	held []int
}

// fixed is an existing appointment inside a session.
type fixed struct {
	index   int     // in Instance.Existing
	at      float64 // minutes after the session's start
	minutes float64
	p       float64
	slot    int // index in the session's slots, -1 for a start before the first whole slot
}

// request is a request with its feasible slots.
type request struct {
	*schedule.Request
	index   int
	minutes float64
	cands   []cand   // by lower bound, cheapest first
	bySlot  [][2]int // (session<<16 | slot, candidate index), sorted
	touch   []int    // the sessions it has candidates in
}

// cand is one feasible slot for a request.
type cand struct {
	sess, slot int
	p          float64 // no-show probability there
	static     float64 // lead-time and preference cost
	// bound is the least the booking can add to the expected cost: its
	// static cost less the idle time it can save.
	bound float64
}

// slotRef locates a slot.
type slotRef struct{ sess, slot int }

// Options tune CompileWith.
type Options struct {
	// Model estimates the probabilities not given (the clinic's model,
	// fitted once on its whole history) instead of a model fitted on the
	// instance's history.
	Model *noshow.Model
	// Cache remembers priced sessions across the problems of one
	// calendar (a nightly re-plan, a simulation day by day), so that
	// Evaluate prices only the sessions that changed.
	Cache *SessionCache
}

// Compile builds the problem of a checked instance (ParseInstance or
// Instance.Check; Compile checks nothing), fitting the no-show model on
// the instance's history when some probability must be estimated.
func Compile(in *schedule.Instance) *Problem { return CompileWith(in, Options{}) }

// CompileWith is Compile with options.
func CompileWith(in *schedule.Instance, opts Options) *Problem {
	pb := &Problem{Instance: in, perSlot: 1 + in.MaxOverbookPerSlot, bySlot: map[schedule.Slot]slotRef{},
		weights: cost.Weights{Wait: in.Costs.WaitPerMinute, Idle: in.Costs.IdlePerMinute, Overtime: in.Costs.OvertimePerMinute},
		coarse:  max(1, float64(in.SlotMinutes)/2), Model: opts.Model, cache: opts.Cache}
	if pb.Model == nil && needsModel(in) {
		pb.Model = noshow.Fit(in.History)
	}
	sessions := in.Sessions()
	for _, s := range sessions {
		ps := session{Session: s, length: float64(s.Minutes()), slots: s.Slots(in.SlotMinutes)}
		ps.held = make([]int, len(ps.slots))
		for i, t := range ps.slots {
			pb.bySlot[schedule.Slot{ProviderID: s.ProviderID, Date: s.Date, Start: t}] = slotRef{len(pb.sessions), i}
		}
		pb.sessions = append(pb.sessions, ps)
	}
	index := schedule.NewSessionIndex(sessions) // indexes match pb.sessions
	for i := range in.Existing {
		a := &in.Existing[i]
		if !a.Holds() {
			continue
		}
		si, ok := index.At(a.ProviderID, a.Date, a.Start)
		if !ok {
			continue // Check refuses such instances
		}
		s := &pb.sessions[si]
		vt, _ := in.VisitType(a.VisitType)
		f := fixed{index: i, at: float64(a.Start - s.Start), minutes: float64(vt.Minutes), p: pb.existingP(a), slot: -1}
		if ref, ok := pb.bySlot[schedule.Slot{ProviderID: a.ProviderID, Date: a.Date, Start: s.SlotOf(a.Start, in.SlotMinutes)}]; ok {
			f.slot = ref.slot
			s.held[ref.slot]++
		}
		s.existing = append(s.existing, f)
	}
	for si := range pb.sessions {
		slices.SortStableFunc(pb.sessions[si].existing, func(a, b fixed) int { return cmpFloat(a.at, b.at) })
	}
	for i := range in.Requests {
		pb.requests = append(pb.requests, pb.compileRequest(i))
	}
	return pb
}

func needsModel(in *schedule.Instance) bool {
	for _, a := range in.Existing {
		if a.NoShowProbability == nil {
			return true
		}
	}
	for _, r := range in.Requests {
		if r.NoShowProbability == nil {
			return true
		}
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// existingP returns an existing appointment's no-show probability: the
// one given, else the model's (with the patient and lead time when the
// appointment says who and when it was booked).
func (pb *Problem) existingP(a *schedule.Appointment) float64 {
	if a.NoShowProbability != nil {
		return *a.NoShowProbability
	}
	lead := -1
	if !a.BookedOn.IsZero() {
		lead = a.Date.DaysSince(a.BookedOn)
	}
	return pb.Model.P(noshow.Features{PatientID: a.PatientID, VisitType: a.VisitType, Weekday: schedule.WeekdayOf(a.Date), Start: a.Start, LeadDays: lead})
}

// Estimate returns the no-show estimate for request r at a slot: the given
// probability (no factors), or the model's with its explanation.
func (pb *Problem) Estimate(r *schedule.Request, date claim.Date, start schedule.Clock) noshow.Estimate {
	if r.NoShowProbability != nil {
		return noshow.Estimate{P: *r.NoShowProbability}
	}
	return pb.Model.Estimate(noshow.Features{PatientID: r.PatientID, VisitType: r.VisitType, Weekday: schedule.WeekdayOf(date),
		Start: start, LeadDays: r.LeadDays(date)})
}

// probability is Estimate without the explanation.
func (pb *Problem) probability(r *schedule.Request, date claim.Date, start schedule.Clock) float64 {
	if r.NoShowProbability != nil {
		return *r.NoShowProbability
	}
	return pb.Model.P(noshow.Features{PatientID: r.PatientID, VisitType: r.VisitType, Weekday: schedule.WeekdayOf(date),
		Start: start, LeadDays: r.LeadDays(date)})
}

// compileRequest lists request i's feasible slots, cheapest bound first.
func (pb *Problem) compileRequest(i int) request {
	in := pb.Instance
	r := &in.Requests[i]
	vt, _ := in.VisitType(r.VisitType)
	req := request{Request: r, index: i, minutes: float64(vt.Minutes)}
	h := in.Horizon()
	for si := range pb.sessions {
		s := &pb.sessions[si]
		if s.Date < r.Earliest || s.Date > r.Latest || !h.Contains(s.Date) || !r.Allows(s.ProviderID) || !vt.OfferedBy(s.ProviderID) {
			continue
		}
		wd := schedule.WeekdayOf(s.Date)
		for k, t := range s.slots {
			if t+schedule.Clock(vt.Minutes) > s.End {
				break
			}
			c := cand{sess: si, slot: k, p: pb.probability(r, s.Date, t),
				static: in.Costs.LeadTimePerDay * float64(r.LeadDays(s.Date))}
			if r.Misses(wd, t) {
				c.static += in.Costs.PreferenceMiss
			}
			c.bound = c.static - pb.weights.Idle*(1-c.p)*req.minutes
			req.cands = append(req.cands, c)
		}
	}
	slices.SortStableFunc(req.cands, func(a, b cand) int { return cmpFloat(a.bound, b.bound) })
	for ci, c := range req.cands {
		req.bySlot = append(req.bySlot, [2]int{c.sess<<16 | c.slot, ci})
	}
	slices.SortFunc(req.bySlot, func(a, b [2]int) int { return a[0] - b[0] })
	for _, e := range req.bySlot {
		if si := e[0] >> 16; len(req.touch) == 0 || req.touch[len(req.touch)-1] != si {
			req.touch = append(req.touch, si)
		}
	}
	return req
}
