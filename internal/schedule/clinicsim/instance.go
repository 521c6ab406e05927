package clinicsim

import (
	"fmt"
	"math/rand/v2"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/schedule"
)

// DefaultCosts are the cost weights of issue 11's example instance.
var DefaultCosts = schedule.Costs{WaitPerMinute: 1, IdlePerMinute: 2, OvertimePerMinute: 3, LeadTimePerDay: 0.5, PreferenceMiss: 5, Unscheduled: 120}

// InstanceConfig shapes one planning instance of a clinic.
type InstanceConfig struct {
	Seed     uint64
	Start    claim.Date // the horizon's first date
	Days     int        // calendar days
	Requests int
	// Fill is the share of slots already holding an existing appointment.
	Fill float64
	// History is how many past visits the instance carries for the
	// no-show model (0: none, and every probability is given from the
	// truth instead).
	History int
	// Providers limits the instance to the clinic's first n providers (0: all).
	Providers int
}

// Instance draws a static planning instance: the clinic's templates over
// the horizon, existing appointments filling about Fill of the slots,
// Requests requests made in the two weeks before the horizon (half tied
// to one provider, a fifth to two, the rest to anyone; two in five with
// preferred windows; one in ten urgent), and the attendance history.
func (c *Clinic) Instance(cfg InstanceConfig) *schedule.Instance {
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x1257))
	in := &schedule.Instance{Start: cfg.Start, Days: cfg.Days, SlotMinutes: 15, ServiceCV: 0.35, MaxOverbookPerSlot: 1,
		Costs: DefaultCosts, Providers: c.Providers, VisitTypes: c.VisitTypes()}
	if cfg.Providers > 0 && cfg.Providers < len(c.Providers) {
		in.Providers = c.Providers[:cfg.Providers]
	}
	withHistory := cfg.History > 0
	if withHistory {
		in.History = c.History(cfg.Seed+1, cfg.History, cfg.Start)
	}
	probability := func(p float64) *float64 {
		if withHistory {
			return nil
		}
		return &p
	}
	for _, s := range in.Sessions() {
		for t := s.Start; t < s.End; {
			if rng.Float64() >= cfg.Fill {
				t += 15
				continue
			}
			vt := c.visitType(rng)
			if t+schedule.Clock(vt.Minutes) > s.End {
				break
			}
			pt := c.patient(rng)
			lead := leadDays(rng)
			a := schedule.Appointment{ID: fmt.Sprintf("E%05d", len(in.Existing)+1), ProviderID: s.ProviderID, Date: s.Date, Start: t,
				VisitType: vt.ID, PatientID: pt, BookedOn: s.Date.AddDays(-lead),
				NoShowProbability: probability(c.Truth.NoShow(pt, vt.ID, s.Date, t, lead))}
			in.Existing = append(in.Existing, a)
			t += schedule.Clock(vt.Minutes)
		}
	}
	last := in.Horizon().Last()
	for i := range cfg.Requests {
		r := c.request(rng, fmt.Sprintf("R%04d", i+1), cfg.Start.AddDays(-1-rng.IntN(14)), cfg.Start, last, in.Providers)
		if !withHistory {
			// Probability at a typical lead time; the model would vary it by slot.
			p := c.Truth.NoShow(r.PatientID, r.VisitType, r.Earliest, 10*60, r.LeadDays(r.Earliest)+3)
			r.NoShowProbability = &p
		}
		in.Requests = append(in.Requests, r)
	}
	return in
}

// request draws one request made on the given date for a visit between
// start and last.
func (c *Clinic) request(rng *rand.Rand, id string, on, start, last claim.Date, providers []schedule.Provider) schedule.Request {
	vt := c.visitType(rng)
	r := schedule.Request{ID: id, PatientID: c.patient(rng), VisitType: vt.ID, RequestedOn: on}
	r.Earliest = max(on.AddDays(1), start)
	window := 4 + rng.IntN(11)
	switch x := rng.Float64(); {
	case x < 0.1:
		r.Urgency, window = schedule.UrgencyUrgent, 1+rng.IntN(2)
	case x < 0.3:
		r.Urgency, window = schedule.UrgencySoon, 3+rng.IntN(3)
	}
	r.Latest = min(r.Earliest.AddDays(window), last)
	if r.Latest < r.Earliest {
		r.Latest = r.Earliest
	}
	switch x := rng.Float64(); {
	case x < 0.5:
		r.ProviderIDs = []string{providers[rng.IntN(len(providers))].ID}
	case x < 0.7 && len(providers) > 1:
		i := rng.IntN(len(providers))
		j := (i + 1 + rng.IntN(len(providers)-1)) % len(providers)
		r.ProviderIDs = []string{providers[i].ID, providers[j].ID}
	}
	if rng.Float64() < 0.4 {
		am := rng.Float64() < 0.5
		for range 1 + rng.IntN(2) {
			w := schedule.Window{Weekday: schedule.Weekday(1 + rng.IntN(5)), Start: 8 * 60, End: 12 * 60}
			if !am {
				w.Start, w.End = 13*60, 17*60
			}
			r.Preferred = append(r.Preferred, w)
		}
	}
	return r
}

// SmallInstance draws one of the benchmark's small instances, small
// enough to solve exactly: one provider, one session of 6 to 8
// 15-minute slots on a Monday, up to two existing appointments and 3 to
// 6 requests (follow-ups and a few new-patient visits) with no-show
// probabilities from 3% to 45%, some preferring the first hour.
func SmallInstance(seed uint64) *schedule.Instance {
	rng := rand.New(rand.NewPCG(seed, 0x5a11))
	day := claim.MustDate("2026-12-07")
	slots := 6 + rng.IntN(3)
	in := &schedule.Instance{Start: day, Days: 1, SlotMinutes: 15, ServiceCV: 0.35, MaxOverbookPerSlot: 1, Costs: DefaultCosts,
		Providers:  []schedule.Provider{{ID: "P1", Sessions: []schedule.Window{{Weekday: schedule.Monday, Start: 8 * 60, End: schedule.Clock(8*60 + 15*slots)}}}},
		VisitTypes: []schedule.VisitType{{ID: "FU", Minutes: 15}, {ID: "NEW", Minutes: 30}}}
	p := func() *float64 { x := 0.03 + 0.42*rng.Float64(); return &x }
	for i := range rng.IntN(3) {
		in.Existing = append(in.Existing, schedule.Appointment{ID: fmt.Sprintf("E%d", i+1), ProviderID: "P1", Date: day,
			Start: schedule.Clock(8*60 + 15*rng.IntN(slots)), VisitType: "FU", NoShowProbability: p()})
	}
	for i := range 3 + rng.IntN(4) {
		r := schedule.Request{ID: fmt.Sprintf("R%d", i+1), PatientID: fmt.Sprintf("PT%d", i+1), VisitType: "FU",
			RequestedOn: day.AddDays(-1 - rng.IntN(20)), Earliest: day, Latest: day, NoShowProbability: p()}
		if rng.Float64() < 0.25 {
			r.VisitType = "NEW"
		}
		if rng.Float64() < 0.3 {
			r.Preferred = []schedule.Window{{Weekday: schedule.Monday, Start: 8 * 60, End: 9 * 60}}
		}
		in.Requests = append(in.Requests, r)
	}
	return in
}

// LargeInstance is the size goal for planning time: 400 requests
// for 10 providers over 10 working days (two weeks), half the slots
// already booked, no-show probabilities estimated from 5,000 past visits.
func LargeInstance() *schedule.Instance {
	c := NewClinic(ClinicConfig{Seed: 400, Providers: 10, Patients: 3000, PatientSpread: 0.8})
	return c.Instance(InstanceConfig{Seed: 400, Start: claim.MustDate("2026-12-07"), Days: 14, Requests: 400, Fill: 0.5, History: 5000})
}
