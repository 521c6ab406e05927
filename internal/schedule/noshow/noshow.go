// Package noshow estimates the probability that a patient misses an
// appointment, from the clinic's attendance history, with a model staff
// can read: a clinic rate times one factor per reason.
//
//	24% = clinic 14% × lead time 35 days ×1.4 × Monday ×1.05 × early morning ×0.92 × 2 no-shows in 6 earlier visits ×1.3
//
// # Model
//
// p = base × f_lead × f_weekday × f_time × f_visit × g_patient, capped at
// MaxProbability. The factors are multiplicative effects fitted by
// iterative proportional fitting (each level's factor is its observed
// no-shows over those the other factors predict), with two kinds of
// shrinkage toward 1:
//
//   - population factors (lead-time bucket, weekday, time of day, visit
//     type) add LevelPrior expected no-shows to numerator and
//     denominator, so a level seen a handful of times stays near 1;
//   - the patient factor is empirical Bayes: a patient's relative risk θ
//     has a gamma prior with mean 1 and variance 1/κ, so after O no-shows
//     where the other factors expected E the posterior mean is
//     (O + κ)/(E + κ). κ is estimated from the history by the method of
//     moments (the spread of O/E across patients beyond binomial noise).
//     The patient factor is how the model counts prior no-shows: it is
//     shown as "2 no-shows in 6 earlier visits". A patient without
//     history gets 1, the prior mean.
//
// No machine learning, no hidden weights: every number in the sentence is
// a ratio of counts the clinic can check. Calibration (predicted against
// observed no-show rates per decile on held-out history) is measured by
// Backtest and tested on generated history.
package noshow

import (
	"fmt"
	"math"
	"strings"

	"github.com/rcmbot/rcmbot/internal/schedule"
)

// MaxProbability caps an estimate: a product of factors can exceed 1.
const MaxProbability = 0.95

// MinProbability is the floor of an estimate: no appointment is certain.
const MinProbability = 0.002

// LevelPrior is the pseudo-count, in expected no-shows, that pulls a
// population factor toward 1.
const LevelPrior = 3.0

// Features are what the model knows about one appointment.
type Features struct {
	PatientID string // "" for an unknown patient: no patient factor
	VisitType string // "" or an unseen type: no visit-type factor
	Weekday   schedule.Weekday
	Start     schedule.Clock
	LeadDays  int // days from booking to the visit; negative when unknown: no lead factor
}

// leadBuckets are the lead-time buckets' upper bounds in days.
var leadBuckets = []int{0, 2, 7, 14, 28, 56, 112}

func leadBucket(days int) int {
	for i, b := range leadBuckets {
		if days <= b {
			return i
		}
	}
	return len(leadBuckets)
}

// dayParts are the time-of-day buckets: start before the bound (minutes).
var dayParts = []struct {
	before schedule.Clock
	name   string
}{{9 * 60, "early morning"}, {12 * 60, "late morning"}, {14 * 60, "midday"}, {16 * 60, "afternoon"}, {schedule.MinutesPerDay + 1, "late afternoon"}}

func dayPart(t schedule.Clock) int {
	for i, p := range dayParts {
		if t < p.before {
			return i
		}
	}
	return len(dayParts) - 1
}

// patient is one patient's history in the model.
type patient struct {
	Visits, NoShows int
	Factor          float64
}

// Model is a fitted no-show model. It is read-only after Fit and safe for
// concurrent use.
type Model struct {
	Base    float64 // the clinic rate the factors multiply
	Visits  int     // attended or missed visits it was fitted on
	NoShows int
	Kappa   float64 // the patient prior's strength, in expected no-shows (+Inf: no patient effect)

	lead     []float64 // per lead bucket (len(leadBuckets)+1)
	weekday  []float64 // per Weekday, index 0 unused
	part     []float64 // per dayParts entry
	visit    map[string]float64
	patients map[string]*patient
}

// The factor groups, as indexes into a record's levels.
const (
	gLead = iota
	gWeekday
	gPart
	gVisit
	gPatient
	nGroups
)

// record is a history entry reduced to its level in each factor group
// (-1: the group does not apply, e.g. no visit type).
type record struct {
	level  [nGroups]int32
	noShow bool
}

// Fit fits the model on the attended and missed visits of history
// (cancellations are left out). With no such visits it returns a model
// whose estimates are all MinProbability.
func Fit(history []schedule.Attendance) *Model {
	m := &Model{visit: map[string]float64{}, patients: map[string]*patient{}, Kappa: math.Inf(1)}
	visitIdx := map[string]int32{}
	patientIdx := map[string]int32{}
	var visitIDs, patientIDs []string
	var recs []record
	for _, a := range history {
		counts, noShow := a.Attended()
		if !counts {
			continue
		}
		r := record{noShow: noShow}
		r.level[gLead] = int32(leadBucket(a.LeadDays))
		r.level[gWeekday] = int32(schedule.WeekdayOf(a.Date))
		r.level[gPart] = int32(dayPart(a.Start))
		r.level[gVisit] = -1
		if a.VisitType != "" {
			i, ok := visitIdx[a.VisitType]
			if !ok {
				i = int32(len(visitIDs))
				visitIdx[a.VisitType] = i
				visitIDs = append(visitIDs, a.VisitType)
			}
			r.level[gVisit] = i
		}
		i, ok := patientIdx[a.PatientID]
		if !ok {
			i = int32(len(patientIDs))
			patientIdx[a.PatientID] = i
			patientIDs = append(patientIDs, a.PatientID)
			m.patients[a.PatientID] = &patient{}
		}
		r.level[gPatient] = i
		p := m.patients[a.PatientID]
		p.Visits++
		m.Visits++
		if noShow {
			p.NoShows++
			m.NoShows++
		}
		recs = append(recs, r)
	}
	f := [nGroups][]float64{
		ones(len(leadBuckets) + 1), ones(8), ones(len(dayParts)), ones(len(visitIDs)), ones(len(patientIDs)),
	}
	if m.Visits > 0 {
		// Jeffreys' estimate keeps the rate off 0 and 1 for tiny histories.
		m.Base = (float64(m.NoShows) + 0.5) / (float64(m.Visits) + 1)
		m.fit(recs, &f)
	}
	m.lead, m.weekday, m.part = f[gLead], f[gWeekday], f[gPart]
	for i, id := range visitIDs {
		m.visit[id] = f[gVisit][i]
	}
	for i, id := range patientIDs {
		m.patients[id].Factor = f[gPatient][i]
	}
	return m
}

func ones(n int) []float64 {
	f := make([]float64, n)
	for i := range f {
		f[i] = 1
	}
	return f
}

// rate is the unclamped prediction for a training record.
func rate(base float64, r *record, f *[nGroups][]float64) float64 {
	p := base
	for g, l := range r.level {
		if l >= 0 {
			p *= f[g][l]
		}
	}
	return p
}

// Fitting stops when no factor moves more than fitTolerance in a round
// (factors are shown to two decimals), or after maxFitRounds.
const (
	fitTolerance = 1e-4
	maxFitRounds = 100
)

// fit runs iterative proportional fitting until the factors settle: for
// each group in turn, each level's factor becomes (observed + prior) /
// (expected by the other factors + prior). Population groups are then
// rescaled to an exposure-weighted mean of 1 (the scale goes into Base,
// so Base stays the clinic's rate); the patient group's prior is the
// empirical-Bayes κ, re-estimated every round.
func (m *Model) fit(recs []record, f *[nGroups][]float64) {
	var obs, exp, old []float64
	for range maxFitRounds {
		change := 0.0
		for g := range nGroups {
			prior := LevelPrior
			if g == gPatient {
				m.Kappa = kappa(m.Base, recs, f)
				prior = m.Kappa
			}
			n := len(f[g])
			obs, exp = grow(obs, n), grow(exp, n)
			for i := range recs {
				r := &recs[i]
				l := r.level[g]
				if l < 0 {
					continue
				}
				exp[l] += rate(m.Base, r, f) / f[g][l]
				if r.noShow {
					obs[l]++
				}
			}
			old = append(old[:0], f[g]...)
			var sum, weight float64
			for l := range n {
				if !math.IsInf(prior, 1) && exp[l] > 0 {
					f[g][l] = (obs[l] + prior) / (exp[l] + prior)
				}
				sum += f[g][l] * exp[l]
				weight += exp[l]
			}
			if g != gPatient && sum > 0 {
				scale := sum / weight
				for l := range n {
					f[g][l] /= scale
				}
				m.Base *= scale
			}
			for l := range n {
				change = max(change, math.Abs(f[g][l]-old[l]))
			}
		}
		if change < fitTolerance {
			return
		}
	}
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// kappa estimates the patient prior's strength by the method of moments:
// τ² = Σ[(O − E)² − V] / ΣE² over patients, E and V the expected
// no-shows and their binomial variance under the population factors;
// κ = 1/τ², or +Inf (no patient effect) when the patients vary no more
// than chance.
func kappa(base float64, recs []record, f *[nGroups][]float64) float64 {
	n := len(f[gPatient])
	o, e, v := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range recs {
		r := &recs[i]
		l := r.level[gPatient]
		p := min(rate(base, r, f)/f[gPatient][l], MaxProbability)
		e[l] += p
		v[l] += p * (1 - p)
		if r.noShow {
			o[l]++
		}
	}
	var num, den float64
	for l := range n {
		num += (o[l]-e[l])*(o[l]-e[l]) - v[l]
		den += e[l] * e[l]
	}
	if den <= 0 || num <= 0 {
		return math.Inf(1)
	}
	return max(den/num, 0.5)
}

// FactorKind names a factor of an estimate.
type FactorKind string

// The factors, in the order an explanation lists them.
const (
	FactorLead    FactorKind = "lead_time"
	FactorWeekday FactorKind = "weekday"
	FactorTime    FactorKind = "time_of_day"
	FactorVisit   FactorKind = "visit_type"
	FactorPatient FactorKind = "patient_history"
)

// Factor is one multiplier of an estimate and what it stands for.
type Factor struct {
	Kind  FactorKind `json:"kind"`
	Label string     `json:"label"` // "lead time 35 days", "2 no-shows in 6 earlier visits"
	Value float64    `json:"value"`
}

// Estimate is a no-show probability with its parts.
type Estimate struct {
	P       float64  `json:"p"`
	Base    float64  `json:"base"` // the clinic rate
	Factors []Factor `json:"factors"`
	Capped  bool     `json:"capped,omitempty"` // the product exceeded MaxProbability
}

// factors returns the multiplier of each group for features f (1 where
// the group does not apply) and whether it applies.
func (m *Model) factors(f Features) (v [nGroups]float64, ok [nGroups]bool) {
	if f.LeadDays >= 0 {
		v[gLead], ok[gLead] = m.lead[leadBucket(f.LeadDays)], true
	}
	if f.Weekday.Valid() {
		v[gWeekday], ok[gWeekday] = m.weekday[f.Weekday], true
	}
	v[gPart], ok[gPart] = m.part[dayPart(f.Start)], true
	v[gVisit], ok[gVisit] = m.visit[f.VisitType]
	if p, found := m.patients[f.PatientID]; found && f.PatientID != "" {
		v[gPatient], ok[gPatient] = p.Factor, true
	}
	return v, ok
}

// clamp caps a product of factors into [MinProbability, MaxProbability].
func clamp(p float64) (float64, bool) {
	if p > MaxProbability {
		return MaxProbability, true
	}
	return max(MinProbability, p), false
}

// P returns the no-show probability of an appointment with features f
// (Estimate without the explanation, for the planner's many candidates).
func (m *Model) P(f Features) float64 {
	if m.Visits == 0 {
		return MinProbability
	}
	v, ok := m.factors(f)
	p := m.Base
	for g := range nGroups {
		if ok[g] {
			p *= v[g]
		}
	}
	p, _ = clamp(p)
	return p
}

// Estimate returns the no-show probability of an appointment with
// features f and its parts.
func (m *Model) Estimate(f Features) Estimate {
	if m.Visits == 0 {
		return Estimate{P: MinProbability}
	}
	v, ok := m.factors(f)
	e := Estimate{Base: m.Base}
	add := func(g int, kind FactorKind, label string) {
		if ok[g] {
			e.Factors = append(e.Factors, Factor{kind, label, v[g]})
		}
	}
	add(gLead, FactorLead, fmt.Sprintf("lead time %d %s", f.LeadDays, plural(f.LeadDays, "day", "days")))
	add(gWeekday, FactorWeekday, f.Weekday.String())
	add(gPart, FactorTime, dayParts[dayPart(f.Start)].name)
	add(gVisit, FactorVisit, "visit "+f.VisitType)
	if p := m.patients[f.PatientID]; ok[gPatient] {
		add(gPatient, FactorPatient, fmt.Sprintf("%d %s in %d earlier %s", p.NoShows, plural(p.NoShows, "no-show", "no-shows"),
			p.Visits, plural(p.Visits, "visit", "visits")))
	}
	p := e.Base
	for _, x := range e.Factors {
		p *= x.Value
	}
	e.P, e.Capped = clamp(p)
	return e
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// String writes the estimate as staff read it:
// "24% = clinic 14% × lead time 35 days ×1.4 × 2 no-shows in 6 earlier visits ×1.3".
// Factors that round to ×1.00 are left out.
func (e Estimate) String() string {
	if e.Base == 0 {
		return fmt.Sprintf("%s (no attendance history)", pct(e.P))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s = clinic %s", pct(e.P), pct(e.Base))
	for _, f := range e.Factors {
		if x := factorText(f.Value); x != "1" {
			fmt.Fprintf(&b, " × %s ×%s", f.Label, x)
		}
	}
	if e.Capped {
		fmt.Fprintf(&b, " (capped at %s)", pct(MaxProbability))
	}
	return b.String()
}

func pct(p float64) string {
	if p < 0.01 {
		return fmt.Sprintf("%.1f%%", 100*p)
	}
	return fmt.Sprintf("%.0f%%", 100*p)
}

func factorText(f float64) string {
	s := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".")
	return s
}
