package schedulingbot

import (
	"context"
	"slices"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/calendar"
	"github.com/rcmbot/rcmbot/internal/schedule/noshow"
	"github.com/rcmbot/rcmbot/internal/store"
)

// MaxCalendarDays bounds one calendar or report read.
const MaxCalendarDays = 92

func (s *Service) slotMinutes() int {
	if s.Clinic.SlotMinutes > 0 {
		return s.Clinic.SlotMinutes
	}
	return 15
}

// Providers lists the providers with their templates.
func (s *Service) Providers(ctx context.Context) ([]schedule.Provider, error) {
	return s.DB.Templates(ctx)
}

// Week is provider id's calendar from start for days: each slot free,
// booked, overbooked or blocked, each appointment with its no-show risk
// and the factors behind it (the model fitted on the stored history). An
// unknown provider is fault.NotFound.
func (s *Service) Week(ctx context.Context, id string, start claim.Date, days int) (calendar.Week, error) {
	if days < 1 || days > MaxCalendarDays {
		return calendar.Week{}, fault.Errorf(fault.Invalid, "Show 1 to %d days at a time.", MaxCalendarDays)
	}
	providers, err := s.DB.Templates(ctx)
	if err != nil {
		return calendar.Week{}, err
	}
	i := slices.IndexFunc(providers, func(p schedule.Provider) bool { return p.ID == id })
	if i < 0 {
		return calendar.Week{}, fault.Errorf(fault.NotFound, "There is no provider %s.", id)
	}
	holidays, err := s.DB.Holidays(ctx)
	if err != nil {
		return calendar.Week{}, err
	}
	appts, err := s.appointments(ctx, start, start.AddDays(days-1))
	if err != nil {
		return calendar.Week{}, err
	}
	history, err := s.DB.History(ctx, start.AddDays(-730))
	if err != nil {
		return calendar.Week{}, err
	}
	return calendar.Build(providers[i], holidays, appts, noshow.Fit(history), start, days, s.slotMinutes()), nil
}

func (s *Service) appointments(ctx context.Context, first, last claim.Date) ([]schedule.Appointment, error) {
	stored, err := s.DB.SchedAppointments(ctx, first, last)
	if err != nil {
		return nil, err
	}
	out := make([]schedule.Appointment, len(stored))
	for i, a := range stored {
		out[i] = a.Appointment
	}
	return out, nil
}

// Appointments lists the appointments of the days from first to last.
func (s *Service) Appointments(ctx context.Context, first, last claim.Date) ([]store.SchedAppointment, error) {
	if last < first || last.DaysSince(first) >= MaxCalendarDays {
		return nil, fault.Errorf(fault.Invalid, "List 1 to %d days at a time.", MaxCalendarDays)
	}
	return s.DB.SchedAppointments(ctx, first, last)
}

// Waitlist lists the waitlisted requests, oldest first, and the offers
// of the last 30 days, newest first.
func (s *Service) Waitlist(ctx context.Context) ([]store.SchedRequest, []store.SchedOffer, error) {
	reqs, err := s.DB.SchedRequests(ctx, store.Page{Limit: store.MaxPageSize}, schedule.RequestWaitlisted)
	if err != nil {
		return nil, nil, err
	}
	offers, err := s.DB.SchedOffers(ctx, s.now().Add(-30*24*time.Hour))
	return reqs, offers, err
}

// Report sums the scheduling report of the days from first to last.
func (s *Service) Report(ctx context.Context, first, last claim.Date) (calendar.Report, error) {
	if last < first || last.DaysSince(first) >= 366 {
		return calendar.Report{}, fault.Errorf(fault.Invalid, "Report on 1 to 366 days at a time.")
	}
	providers, err := s.DB.Templates(ctx)
	if err != nil {
		return calendar.Report{}, err
	}
	holidays, err := s.DB.Holidays(ctx)
	if err != nil {
		return calendar.Report{}, err
	}
	appts, err := s.appointments(ctx, first, last)
	if err != nil {
		return calendar.Report{}, err
	}
	offers, err := s.DB.SchedOffers(ctx, first.Time().AddDate(0, 0, -30))
	if err != nil {
		return calendar.Report{}, err
	}
	states := make([]schedule.OfferState, 0, len(offers))
	for _, o := range offers {
		if o.Slot.Date >= first && o.Slot.Date <= last {
			states = append(states, o.State)
		}
	}
	return calendar.Summarize(providers, holidays, appts, states, first, last, s.slotMinutes()), nil
}
