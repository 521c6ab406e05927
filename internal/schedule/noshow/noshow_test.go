package noshow_test

import (
	"math"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/clinicsim"
	"github.com/rcmbot/rcmbot/internal/schedule/noshow"
)

// The calibration criterion on generated history: fitted on the
// first 20 months of two years, the model's estimates for the last four
// months agree with the observed no-show rates within 3 points in every
// decile. The truth is logistic (not the model's form) with patient
// effects, rising lead-time risk and weekday/time/visit effects.
func TestCalibration(t *testing.T) {
	asOf := claim.MustDate("2026-12-01")
	c := clinicsim.NewClinic(clinicsim.ClinicConfig{Seed: 1, Providers: 8, Patients: 6000, PatientSpread: 0.8})
	h := c.History(2, 240_000, asOf)
	m, cal := noshow.Backtest(h, asOf.AddDays(-122))
	for i, d := range cal.Deciles {
		t.Logf("decile %d: n %d predicted %.3f observed %.3f", i+1, d.N, d.Predicted, d.Observed)
	}
	t.Logf("clinic rate %.3f, kappa %.2f, held-out visits %d, max gap %.4f, Brier %.4f", m.Base, m.Kappa, cal.Visits, cal.MaxGap, cal.Brier)
	if cal.Visits < 30_000 {
		t.Fatalf("only %d held-out visits", cal.Visits)
	}
	if cal.MaxGap > 0.03 {
		t.Errorf("max decile gap %.4f > 0.03", cal.MaxGap)
	}
	// The model must discriminate, not just match the mean.
	if lo, hi := cal.Deciles[0].Observed, cal.Deciles[9].Observed; hi < 3*lo {
		t.Errorf("top decile %.3f is not well above the bottom %.3f", hi, lo)
	}
}

// A patient with no history gets the clinic rate times the situation's
// factors; one with several no-shows gets more, shrunk toward the clinic.
func TestPatientShrinkage(t *testing.T) {
	var h []schedule.Attendance
	d := claim.MustDate("2026-01-05")
	for i := range 4000 {
		a := schedule.Attendance{PatientID: "P" + string(rune('A'+i%20)), Date: d.AddDays(i % 300), Start: 9 * 60, LeadDays: 7, Outcome: schedule.OutcomeArrived}
		if i%10 == 0 {
			a.Outcome = schedule.OutcomeNoShow
		}
		h = append(h, a)
	}
	for i := range 6 { // a patient who missed 4 of 6
		a := schedule.Attendance{PatientID: "BAD", Date: d.AddDays(i), Start: 9 * 60, LeadDays: 7, Outcome: schedule.OutcomeNoShow}
		if i >= 4 {
			a.Outcome = schedule.OutcomeArrived
		}
		h = append(h, a)
	}
	m := noshow.Fit(h)
	f := noshow.Features{Weekday: schedule.Tuesday, Start: 9 * 60, LeadDays: 7}
	fresh := m.Estimate(f)
	f.PatientID = "BAD"
	bad := m.Estimate(f)
	if !(bad.P > fresh.P && bad.P < 4.0/6) {
		t.Errorf("patient with 4 of 6 missed: %.3f (fresh %.3f); want between", bad.P, fresh.P)
	}
	if !strings.Contains(bad.String(), "4 no-shows in 6 earlier visits") {
		t.Errorf("explanation %q lacks the patient's counts", bad.String())
	}
}

// The explanation multiplies out to the estimate (up to the rounding of
// its printed factors) and reads as the issue shows.
func TestExplanation(t *testing.T) {
	asOf := claim.MustDate("2026-12-01")
	c := clinicsim.NewClinic(clinicsim.ClinicConfig{Seed: 3, Providers: 4, Patients: 500, PatientSpread: 0.8})
	m := noshow.Fit(c.History(4, 20_000, asOf))
	e := m.Estimate(noshow.Features{PatientID: c.Patients[0], VisitType: "NEW", Weekday: schedule.Monday, Start: 8 * 60, LeadDays: 35})
	s := e.String()
	if !strings.Contains(s, "= clinic ") || !strings.Contains(s, "lead time 35 days ×") {
		t.Errorf("explanation %q", s)
	}
	p := e.Base
	for _, f := range e.Factors {
		p *= f.Value
	}
	if math.Abs(p-e.P) > 1e-12 && !e.Capped {
		t.Errorf("factors multiply to %v, estimate %v", p, e.P)
	}
	t.Log(s)
	if empty := noshow.Fit(nil).Estimate(noshow.Features{}); empty.P != noshow.MinProbability {
		t.Errorf("empty history gives %v", empty.P)
	}
}
