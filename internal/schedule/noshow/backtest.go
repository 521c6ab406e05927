package noshow

import (
	"math"
	"slices"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/schedule"
)

// Decile is one tenth of the appointments scored, by estimate.
type Decile struct {
	N         int     `json:"n"`
	Predicted float64 `json:"predicted"` // mean estimate
	Observed  float64 `json:"observed"`  // share that were no-shows
}

// Calibration compares estimates with outcomes.
type Calibration struct {
	Visits  int      `json:"visits"`
	Deciles []Decile `json:"deciles"`
	// MaxGap is the largest |predicted − observed| over the deciles, in
	// probability (0.03 = 3 points).
	MaxGap float64 `json:"max_gap"`
	Brier  float64 `json:"brier"` // mean squared error of the estimates
}

// Calibrate groups appointments into deciles of their estimates p and
// compares each decile's mean estimate with its observed no-show rate.
func Calibrate(p []float64, noShow []bool) Calibration {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case p[a] < p[b]:
			return -1
		case p[a] > p[b]:
			return 1
		}
		return 0
	})
	c := Calibration{Visits: len(p)}
	if len(p) == 0 {
		return c
	}
	for d := range 10 {
		lo, hi := d*len(idx)/10, (d+1)*len(idx)/10
		if lo == hi {
			continue
		}
		var x Decile
		for _, i := range idx[lo:hi] {
			x.N++
			x.Predicted += p[i]
			if noShow[i] {
				x.Observed++
			}
		}
		x.Predicted /= float64(x.N)
		x.Observed /= float64(x.N)
		c.Deciles = append(c.Deciles, x)
		c.MaxGap = max(c.MaxGap, math.Abs(x.Predicted-x.Observed))
	}
	for i := range p {
		y := 0.0
		if noShow[i] {
			y = 1
		}
		c.Brier += (p[i] - y) * (p[i] - y)
	}
	c.Brier /= float64(len(p))
	return c
}

// Backtest fits the model on the visits before cutoff and scores the
// attended and missed visits on or after it, as the clinic would have
// estimated them (patient histories as of the cutoff).
func Backtest(history []schedule.Attendance, cutoff claim.Date) (*Model, Calibration) {
	var train []schedule.Attendance
	var p []float64
	var y []bool
	for _, a := range history {
		if a.Date < cutoff {
			train = append(train, a)
		}
	}
	m := Fit(train)
	for _, a := range history {
		counts, noShow := a.Attended()
		if a.Date < cutoff || !counts {
			continue
		}
		p = append(p, m.P(FeaturesOf(a)))
		y = append(y, noShow)
	}
	return m, Calibrate(p, y)
}

// FeaturesOf returns the features of a past visit.
func FeaturesOf(a schedule.Attendance) Features {
	return Features{PatientID: a.PatientID, VisitType: a.VisitType, Weekday: schedule.WeekdayOf(a.Date), Start: a.Start, LeadDays: a.LeadDays}
}
