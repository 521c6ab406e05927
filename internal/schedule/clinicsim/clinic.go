// Package clinicsim is a seeded outpatient clinic for testing and
// benchmarking the scheduling bot: providers with weekly templates, visit
// types, a patient population whose true no-show probabilities rise with
// lead time, vary by patient, weekday and time of day (a logistic model
// the no-show package does not share), attendance history drawn from
// them, weeks of appointment requests arriving over time, and the
// lognormal service times of the cost model. Bench runs the issue 11
// benchmark on it: the planner against first-come-first-served, flat
// overbooking and Bailey–Welch under common random numbers.
//
// Everything is fictional and deterministic for a seed.
package clinicsim

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/schedule"
)

// Truth is the simulator's no-show model: logit p = Intercept + patient
// effect + Lead·ln(1 + lead/7) + weekday, time-of-day and visit-type
// effects. The planner never sees it; it learns from history drawn from
// it.
type Truth struct {
	Intercept float64
	Lead      float64 // per ln(1 + lead days / 7)
	Weekday   [8]float64
	Early     float64 // start before 09:00
	Late      float64 // start at 16:00 or later
	Visit     map[string]float64
	patient   map[string]float64
}

// NoShow returns the true no-show probability of a visit.
func (t *Truth) NoShow(patientID, visitType string, date claim.Date, start schedule.Clock, leadDays int) float64 {
	x := t.Intercept + t.patient[patientID] + t.Lead*math.Log1p(float64(max(leadDays, 0))/7) + t.Weekday[schedule.WeekdayOf(date)] + t.Visit[visitType]
	switch {
	case start < 9*60:
		x += t.Early
	case start >= 16*60:
		x += t.Late
	}
	return 1 / (1 + math.Exp(-x))
}

// VisitMix is a visit type and its share of requests.
type VisitMix struct {
	Type  schedule.VisitType
	Share float64
}

// Clinic is a simulated clinic: its providers, visit types, patients and
// the truth about their attendance.
type Clinic struct {
	Providers []schedule.Provider
	Visits    []VisitMix
	Patients  []string
	Truth     *Truth
	// visitWeight is each patient's relative visit frequency.
	visitWeight []float64
	cumWeight   []float64
}

// ClinicConfig sizes a clinic.
type ClinicConfig struct {
	Seed      uint64
	Providers int
	Patients  int
	// PatientSpread is the standard deviation of the patients' logit
	// effects (0.8: some patients miss far more than others).
	PatientSpread float64
}

// NewClinic builds a clinic: providers P1… seeing patients Monday to
// Friday 08:00–12:00 and 13:00–17:00 (every third provider has no Friday
// afternoon), visit types FU 15 minutes (70%), NEW 30 (20%) and LONG 45
// (10%), and Patients patients PT00001… with a mean no-show rate near
// 15% at two weeks' lead time.
func NewClinic(cfg ClinicConfig) *Clinic {
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	c := &Clinic{
		Visits: []VisitMix{
			{schedule.VisitType{ID: "FU", Minutes: 15}, 0.7},
			{schedule.VisitType{ID: "NEW", Minutes: 30}, 0.2},
			{schedule.VisitType{ID: "LONG", Minutes: 45}, 0.1},
		},
		Truth: &Truth{Intercept: -2.35, Lead: 0.55, Early: 0.15, Late: 0.3,
			Weekday: [8]float64{schedule.Monday: 0.15, schedule.Friday: 0.25},
			Visit:   map[string]float64{"NEW": 0.25, "LONG": -0.3}, patient: map[string]float64{}},
	}
	for i := range cfg.Providers {
		p := schedule.Provider{ID: fmt.Sprintf("P%d", i+1)}
		for wd := schedule.Monday; wd <= schedule.Friday; wd++ {
			p.Sessions = append(p.Sessions, schedule.Window{Weekday: wd, Start: 8 * 60, End: 12 * 60})
			if wd != schedule.Friday || i%3 != 2 {
				p.Sessions = append(p.Sessions, schedule.Window{Weekday: wd, Start: 13 * 60, End: 17 * 60})
			}
		}
		c.Providers = append(c.Providers, p)
	}
	spread := cfg.PatientSpread
	total := 0.0
	for i := range cfg.Patients {
		id := fmt.Sprintf("PT%05d", i+1)
		c.Patients = append(c.Patients, id)
		c.Truth.patient[id] = spread * rng.NormFloat64()
		w := rng.ExpFloat64() // some patients come far more often
		c.visitWeight = append(c.visitWeight, w)
		total += w
		c.cumWeight = append(c.cumWeight, total)
	}
	return c
}

// VisitTypes returns the clinic's visit types.
func (c *Clinic) VisitTypes() []schedule.VisitType {
	out := make([]schedule.VisitType, len(c.Visits))
	for i, v := range c.Visits {
		out[i] = v.Type
	}
	return out
}

// patient draws a patient, frequent visitors more often.
func (c *Clinic) patient(rng *rand.Rand) string {
	x := rng.Float64() * c.cumWeight[len(c.cumWeight)-1]
	lo, hi := 0, len(c.cumWeight)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if c.cumWeight[mid] < x {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return c.Patients[lo]
}

// visitType draws a visit type by the mix.
func (c *Clinic) visitType(rng *rand.Rand) schedule.VisitType {
	x := rng.Float64()
	for _, v := range c.Visits {
		if x < v.Share {
			return v.Type
		}
		x -= v.Share
	}
	return c.Visits[len(c.Visits)-1].Type
}

// leadDays draws a lead time as clinics see them: a third within three
// days, most within three weeks, a tail to three months.
func leadDays(rng *rand.Rand) int {
	switch x := rng.Float64(); {
	case x < 0.3:
		return rng.IntN(4)
	case x < 0.75:
		return 4 + rng.IntN(18)
	default:
		return 22 + rng.IntN(70)
	}
}

// History draws n past visits in the two years before asOf, weekdays
// 08:00–16:45, with outcomes from the truth; 8% are cancellations.
func (c *Clinic) History(seed uint64, n int, asOf claim.Date) []schedule.Attendance {
	rng := rand.New(rand.NewPCG(seed, 0x4157))
	out := make([]schedule.Attendance, 0, n)
	for len(out) < n {
		d := asOf.AddDays(-1 - rng.IntN(730))
		if wd := schedule.WeekdayOf(d); wd > schedule.Friday {
			continue
		}
		vt := c.visitType(rng)
		a := schedule.Attendance{
			PatientID: c.patient(rng), ProviderID: c.Providers[rng.IntN(len(c.Providers))].ID, VisitType: vt.ID, Date: d,
			Start: schedule.Clock(8*60 + 15*rng.IntN(36)), LeadDays: leadDays(rng),
		}
		a.AppointmentID = fmt.Sprintf("H%06d", len(out)+1)
		switch {
		case rng.Float64() < 0.08:
			a.Outcome = schedule.OutcomeCancelled
		case rng.Float64() < c.Truth.NoShow(a.PatientID, a.VisitType, a.Date, a.Start, a.LeadDays):
			a.Outcome = schedule.OutcomeNoShow
		default:
			a.Outcome = schedule.OutcomeArrived
		}
		out = append(out, a)
	}
	return out
}
