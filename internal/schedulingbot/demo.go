package schedulingbot

import (
	"context"
	"errors"
	"strings"

	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/store"
)

// DemoLoaded says what LoadDemo stored; Kept is true when the store had
// templates already and nothing was loaded.
type DemoLoaded struct {
	Kept         bool
	Providers    int
	VisitTypes   int
	Appointments int
	History      int
	Requests     int
}

// LoadDemo stores a demo clinic, an instance drawn by the clinic
// simulator (fictional patients): the providers' templates, the visit
// types, the booked appointments, the attendance history, and up to
// requests of its requests through Request (their workflows plan the
// options and email the patients, at example.test addresses). A store
// with templates already is left alone (Kept), so that restarting `rcmbot
// dev` keeps what was done in it. Requests whose window has passed are
// left out.
func (s *Service) LoadDemo(ctx context.Context, in *schedule.Instance, requests int) (DemoLoaded, error) {
	var out DemoLoaded
	stored, err := s.DB.Templates(ctx)
	if err != nil || len(stored) > 0 {
		out.Kept = err == nil
		return out, err
	}
	if err := s.DB.SaveVisitTypes(ctx, in.VisitTypes); err != nil {
		return out, err
	}
	out.VisitTypes = len(in.VisitTypes)
	if len(in.Holidays) > 0 {
		if err := s.DB.SaveHolidays(ctx, in.Holidays); err != nil {
			return out, err
		}
	}
	seen := map[string]bool{}
	var patients []schedule.Patient
	addPatient := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			patients = append(patients, schedule.Patient{ID: id, Email: strings.ToLower(id) + "@example.test"})
		}
	}
	for _, a := range in.Existing {
		addPatient(a.PatientID)
	}
	for _, r := range in.Requests {
		addPatient(r.PatientID)
	}
	if err := s.DB.SavePatients(ctx, patients); err != nil {
		return out, err
	}
	seats := 1 + in.MaxOverbookPerSlot
	for _, a := range in.Existing {
		_, err := s.DB.BookAppointment(ctx, store.Booking{Appointment: a, Seats: seats})
		switch {
		case errors.Is(err, store.ErrConflict):
		case err != nil:
			return out, err
		default:
			out.Appointments++
		}
	}
	if len(in.History) > 0 {
		if out.History, err = s.DB.AddHistory(ctx, in.History); err != nil {
			return out, err
		}
	}
	// The templates last: a store with templates counts as loaded.
	if err := s.DB.SaveTemplates(ctx, in.Providers); err != nil {
		return out, err
	}
	out.Providers = len(in.Providers)
	today := s.Today()
	for _, r := range in.Requests {
		if out.Requests == requests {
			break
		}
		if r.Latest < today {
			continue
		}
		r.ID = ""
		if _, err := s.Request(ctx, r, nil, "demo"); err != nil {
			return out, err
		}
		out.Requests++
	}
	return out, nil
}
