package activities

import (
	"context"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/noshow"
	"github.com/rcmbot/rcmbot/internal/schedule/planner"
)

// clinic is the settings, the zero Clinic meaning DefaultClinic and
// zero fields of another their defaults (overbooking excepted: 0 is
// none).
func (a *Scheduling) clinic() Clinic {
	c, d := a.Clinic, DefaultClinic()
	if c == (Clinic{}) {
		return d
	}
	if c.SlotMinutes <= 0 {
		c.SlotMinutes = d.SlotMinutes
	}
	if c.HistoryDays <= 0 {
		c.HistoryDays = d.HistoryDays
	}
	if c.Costs == (schedule.Costs{}) {
		c.Costs = d.Costs
	}
	return c
}

// problem compiles the planning problem of the calendar from start for
// days: the stored templates, holidays and visit types, the appointments
// holding their slots, the requests given, and the no-show model fitted
// on the stored history. Appointments the templates no longer have room
// for (a template changed after they were booked) stay booked but are
// left out of the plan; requests must fit the calendar, or the error
// names the request and field (ErrSchedule).
func (a *Scheduling) problem(ctx context.Context, start claim.Date, days int, reqs []schedule.Request) (*planner.Problem, error) {
	c := a.clinic()
	days = min(max(days, 1), schedule.MaxDays)
	in := &schedule.Instance{Start: start, Days: days, SlotMinutes: c.SlotMinutes, ServiceCV: c.ServiceCV,
		MaxOverbookPerSlot: c.MaxOverbookPerSlot, Costs: c.Costs}
	var err error
	if in.Providers, err = a.DB.Templates(ctx); err != nil {
		return nil, err
	}
	if len(in.Providers) == 0 {
		return nil, refuse(ErrSchedule, fault.Errorf(fault.Invalid, "no provider templates are stored: import them first"))
	}
	if in.Holidays, err = a.DB.Holidays(ctx); err != nil {
		return nil, err
	}
	if in.VisitTypes, err = a.DB.VisitTypes(ctx); err != nil {
		return nil, err
	}
	history, err := a.DB.History(ctx, start.AddDays(-c.HistoryDays))
	if err != nil {
		return nil, err
	}
	model := noshow.Fit(history)
	booked, err := a.DB.SchedAppointments(ctx, start, in.Horizon().Last())
	if err != nil {
		return nil, err
	}
	index := schedule.NewSessionIndex(in.Sessions())
	perSlot := map[schedule.Slot]int{}
	for _, b := range booked {
		ap := b.Appointment
		vt, ok := in.VisitType(ap.VisitType)
		if !ap.Holds() || !ok || !vt.OfferedBy(ap.ProviderID) {
			continue
		}
		if _, ok := index.At(ap.ProviderID, ap.Date, ap.Start); !ok || perSlot[ap.SlotOf()] > c.MaxOverbookPerSlot {
			continue
		}
		perSlot[ap.SlotOf()]++
		in.Existing = append(in.Existing, ap)
	}
	for _, r := range reqs {
		// Lead time counts from the request; a window opening before it
		// (a request entered late) counts from its first date.
		r.RequestedOn = min(r.RequestedOn, r.Earliest)
		r.Earliest = max(r.Earliest, start)
		in.Requests = append(in.Requests, r)
	}
	if model.Visits == 0 {
		// No attendance history yet: every estimate is the model's floor,
		// given outright so that the instance needs no history.
		p := model.P(noshow.Features{})
		for i := range in.Existing {
			if in.Existing[i].NoShowProbability == nil {
				in.Existing[i].NoShowProbability = &p
			}
		}
		for i := range in.Requests {
			in.Requests[i].NoShowProbability = &p
		}
	} else {
		in.History = history
	}
	if err := in.Check(); err != nil {
		return nil, refuse(ErrSchedule, fault.Errorf(fault.Invalid, "the calendar cannot be planned: %v", err))
	}
	return planner.CompileWith(in, planner.Options{Model: model}), nil
}
