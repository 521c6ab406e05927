package policy

import (
	"math/rand/v2"
	"slices"

	"github.com/rcmbot/rcmbot/internal/inventory/forecast"
)

// poolDays is how much recent history the demand model resamples.
const poolDays = 365

// DemandModel is how the optimizer imagines future daily demand: days
// drawn at random from the item's recent history (since any level shift,
// at most a year), each divided by the level it was drawn at (the trend
// line when the forecast found a trend, else the mean) and multiplied by
// the forecast mean. When the weekly method was chosen, a day is drawn
// from the same weekday. Resampling keeps what a fitted distribution
// loses: the real mix of zero days, sizes and spikes.
type DemandModel struct {
	Mean   float64 // forecast mean daily demand
	pools  [7][]float64
	weekly bool
	// next is the day number (modulo 7 from the series start) of the first
	// simulated day.
	next int
}

// NewDemandModel builds the model from a history and its forecast.
func NewDemandModel(history []float64, fc forecast.Result) DemandModel {
	m := DemandModel{Mean: fc.DailyMean, weekly: fc.Spec.Method == forecast.SeasonalWeekly, next: len(history) % 7}
	from := max(fc.From, len(history)-poolDays)
	w := history[from:]
	if len(w) == 0 || m.Mean <= 0 {
		return m
	}
	var total float64
	for _, v := range w {
		total += v
	}
	flat := total / float64(len(w))
	if flat <= 0 {
		return m
	}
	var sum [7]float64
	for i, v := range w {
		t := from + i
		level := flat
		if fc.Trend.Significant {
			level = max(fc.Trend.At(t), 0.25*flat)
		}
		k := 0
		if m.weekly {
			k = t % 7
		}
		r := v / level
		m.pools[k] = append(m.pools[k], r)
		sum[k] += r
	}
	// Normalise so a simulated day averages Mean exactly: each pool keeps
	// its share (weekday shape), the pools together average 1.
	pools := 1
	if m.weekly {
		pools = 7
	}
	var avg float64
	for k := range pools {
		if n := len(m.pools[k]); n > 0 {
			avg += sum[k] / float64(n)
		}
	}
	avg /= float64(pools)
	if avg <= 0 {
		return m
	}
	for k := range pools {
		for i := range m.pools[k] {
			m.pools[k][i] *= m.Mean / avg
		}
	}
	return m
}

// Path draws n days of demand.
func (m DemandModel) Path(rng *rand.Rand, n int) []float64 {
	out := make([]float64, n)
	if m.Mean <= 0 {
		return out
	}
	for t := range out {
		k := 0
		if m.weekly {
			k = (m.next + t) % 7
		}
		p := m.pools[k]
		if len(p) == 0 {
			continue
		}
		out[t] = p[rng.IntN(len(p))]
	}
	return out
}

// DailyVariance returns the variance of one simulated day's demand.
func (m DemandModel) DailyVariance() float64 {
	var n int
	var s, q float64
	for _, p := range m.pools {
		for _, v := range p {
			s += v
			q += v * v
			n++
		}
	}
	if n < 2 {
		return 0
	}
	mu := s / float64(n)
	return max(q/float64(n)-mu*mu, 0)
}

// expectation answers, for one day of the demand model, the expected
// demand and the expected sales E[min(D, x)] from x on hand. E[min(D, x)]
// is concave and piecewise linear in x; it is tabulated exactly at
// expGrid+1 points from 0 to the largest demand and interpolated between.
type expectation struct {
	table     [7][]float64 // per pool: E[min(D, i·step)]
	step      [7]float64
	mean, top [7]float64 // per pool: mean and largest value
	weekly    bool
	next      int
}

const expGrid = 256

func newExpectation(m DemandModel) *expectation {
	e := &expectation{weekly: m.weekly, next: m.next}
	for k, p := range m.pools {
		if len(p) == 0 {
			continue
		}
		v := slices.Clone(p)
		slices.Sort(v)
		n := float64(len(v))
		top := v[len(v)-1]
		var total float64
		for _, x := range v {
			total += x
		}
		e.mean[k], e.top[k] = total/n, top
		if top <= 0 {
			continue
		}
		e.step[k] = top / expGrid
		tab := make([]float64, expGrid+1)
		i, below := 0, 0.0 // v[:i] ≤ x, their sum
		for g := range tab {
			x := float64(g) * e.step[k]
			for i < len(v) && v[i] <= x {
				below += v[i]
				i++
			}
			tab[g] = (below + float64(len(v)-i)*x) / n
		}
		tab[expGrid] = e.mean[k]
		e.table[k] = tab
	}
	return e
}

// expectedMin returns E[min(D, x)] for D drawn from pool k, 0 ≤ x < top.
func (e *expectation) expectedMin(k int, x float64) float64 {
	tab := e.table[k]
	if len(tab) == 0 || x <= 0 {
		return 0
	}
	f := x / e.step[k]
	g := int(f)
	if g >= expGrid {
		return tab[expGrid]
	}
	return tab[g] + (f-float64(g))*(tab[g+1]-tab[g])
}
