// Package forecast forecasts an item's daily demand from its usage
// history. It classifies the demand pattern (Syntetos–Boylan: smooth,
// erratic, intermittent, lumpy), runs a set of methods — simple
// exponential smoothing, Croston, the Syntetos–Boylan approximation,
// Teunter–Syntetos–Babai, an additive weekly-seasonal method and Holt's
// damped trend — over a rolling-origin backtest, and keeps the one with
// the lowest MASE for that item. A level shift found in the history
// (a step change in mean) cuts the history the methods see to the part
// after it.
//
// Series are plain []float64 of daily quantities, index 0 the oldest day;
// the package knows no dates (weekday profiles are indexed by day number
// modulo 7 from the series start).
package forecast

import (
	"gonum.org/v1/gonum/stat"
)

// Class is a demand pattern in the Syntetos–Boylan (2005) scheme.
type Class string

// The demand classes. NoDemand is an item with fewer than two days of
// demand in its history: there is nothing to classify.
const (
	Smooth       Class = "smooth"       // ADI < 1.32, CV² < 0.49
	Erratic      Class = "erratic"      // ADI < 1.32, CV² ≥ 0.49
	Intermittent Class = "intermittent" // ADI ≥ 1.32, CV² < 0.49
	Lumpy        Class = "lumpy"        // ADI ≥ 1.32, CV² ≥ 0.49
	NoDemand     Class = "no_demand"
)

// The Syntetos–Boylan cut-offs.
const (
	ADICutoff = 1.32
	CV2Cutoff = 0.49
)

// Classification is a series' demand class and the statistics behind it.
type Classification struct {
	Class Class `json:"class"`
	// ADI is the average inter-demand interval in days: the mean gap
	// between days with demand, the first gap counted from the start of
	// the series (as statsforecast counts it), i.e. (last demand day+1)/n.
	ADI float64 `json:"adi"`
	// CV2 is the squared coefficient of variation of the non-zero demand
	// sizes (sample variance, n−1).
	CV2 float64 `json:"cv2"`
	// DemandDays is how many days had demand.
	DemandDays int `json:"demand_days"`
}

// Classify classifies the demand in y.
func Classify(y []float64) Classification {
	sizes := make([]float64, 0, len(y))
	last := -1
	for i, v := range y {
		if v > 0 {
			sizes = append(sizes, v)
			last = i
		}
	}
	c := Classification{DemandDays: len(sizes)}
	if len(sizes) < 2 {
		c.Class = NoDemand
		return c
	}
	c.ADI = float64(last+1) / float64(len(sizes))
	mean, variance := stat.MeanVariance(sizes, nil)
	c.CV2 = variance / (mean * mean)
	switch {
	case c.ADI < ADICutoff && c.CV2 < CV2Cutoff:
		c.Class = Smooth
	case c.ADI < ADICutoff:
		c.Class = Erratic
	case c.CV2 < CV2Cutoff:
		c.Class = Intermittent
	default:
		c.Class = Lumpy
	}
	return c
}
