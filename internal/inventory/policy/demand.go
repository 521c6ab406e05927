package policy

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/rcmbot/rcmbot/internal/inventory/forecast"
)

// poolDays is how much recent history the demand model resamples.
const poolDays = 365

// maxLevelError caps the relative level error the model simulates.
const maxLevelError = 0.5

// DemandModel is how the optimizer imagines future daily demand: days
// drawn at random from the item's recent history (since any level shift,
// at most a year), each divided by the level it was drawn at (the trend
// line when the forecast found a trend, else the mean) and scaled so the
// model's mean is the forecast. Days the practice is closed stay zero;
// when the weekly method was chosen a day is drawn from the same weekday.
// Resampling keeps what a fitted distribution loses: the real mix of zero
// days, sizes and spikes.
//
// The forecast is not the truth: every Block days the model multiplies
// demand by a level drawn around 1 with the part of the forecast's
// estimated relative error (forecast.Result.LevelSD) that fades within a
// year, so the policy is sized for demand over the lead time as the
// forecast errs about it, not just as days vary. The part that lasts the
// year (YearLevelError) is the optimizer's reliability band's.
type DemandModel struct {
	Mean float64 // forecast mean daily demand
	// pools[k] holds the draws for day numbers ≡ k (mod 7); open days
	// share one slice unless the weekly method was chosen; nil = closed.
	pools [7][]float64
	// next is the day number (modulo 7) of the first simulated day.
	next int
	// LevelError is the relative standard error of the mean; Block the
	// days one level lasts.
	LevelError float64
	Block      int
	// YearLevelError is the relative standard error of the level averaged
	// over a year: LevelError scaled by the root of the share of the
	// forecast's error a year keeps (forecast.Result.LevelPersistence).
	// The simulated level redraws every Block days, so its errors average
	// out over a year's cycles; a real forecast's error lasts as long as
	// its data, and a year runs above or below the forecast as a whole.
	YearLevelError float64
}

// NewDemandModel builds the model from a history and its forecast; block
// is how long one level error lasts (about the lead time).
func NewDemandModel(history []float64, fc forecast.Result, block int) DemandModel {
	m := DemandModel{Mean: fc.DailyMean, next: len(history) % 7, Block: max(block, 7)}
	if m.Mean > 0 {
		m.LevelError = min(fc.LevelSD/m.Mean, maxLevelError)
		m.YearLevelError = m.LevelError * math.Sqrt(fc.LevelPersistence)
	}
	weekly := fc.Spec.Method == forecast.SeasonalWeekly
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
	var shared []float64
	for i, v := range w {
		t := from + i
		k := t % 7
		if fc.Closed[k] {
			continue
		}
		level := flat
		if fc.Trend.Significant {
			level = max(fc.Trend.At(t), 0.25*flat)
		}
		if weekly {
			m.pools[k] = append(m.pools[k], v/level)
		} else {
			shared = append(shared, v/level)
		}
	}
	if !weekly {
		for k := range m.pools {
			if !fc.Closed[k] {
				m.pools[k] = shared
			}
		}
	}
	// Scale so a simulated week averages Mean a day.
	var week float64
	for _, p := range m.pools {
		week += mean(p)
	}
	if week <= 0 {
		m.Mean = 0
		return m
	}
	f := 7 * m.Mean / week
	scaled := make(map[*float64]bool)
	for _, p := range m.pools {
		if len(p) == 0 || scaled[&p[0]] {
			continue
		}
		scaled[&p[0]] = true
		for i := range p {
			p[i] *= f
		}
	}
	return m
}

func mean(p []float64) float64 {
	if len(p) == 0 {
		return 0
	}
	var s float64
	for _, v := range p {
		s += v
	}
	return s / float64(len(p))
}

// transientError is the relative level error that fades within a year.
func (m DemandModel) transientError() float64 {
	return math.Sqrt(max(m.LevelError*m.LevelError-m.YearLevelError*m.YearLevelError, 0))
}

// Path draws n days of demand and the level multiplier of each day.
func (m DemandModel) Path(rng *rand.Rand, n int) (demand, level []float64) {
	demand = make([]float64, n)
	if m.Mean <= 0 {
		return demand, nil
	}
	if m.LevelError > 0 {
		level = make([]float64, n)
		f := 1.0
		for t := range level {
			if t%m.Block == 0 {
				f = max(0, 1+m.transientError()*rng.NormFloat64())
			}
			level[t] = f
		}
	}
	for t := range demand {
		p := m.pools[(m.next+t)%7]
		if len(p) == 0 {
			continue
		}
		demand[t] = p[rng.IntN(len(p))]
		if level != nil {
			demand[t] *= level[t]
		}
	}
	return demand, level
}

// DailyVariance returns the variance of one simulated day's demand
// (without the level error).
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

// nonZeroShare returns the share of simulated days with demand.
func (m DemandModel) nonZeroShare() float64 {
	var n, nz int
	for _, p := range m.pools {
		n += max(len(p), 1) // a closed day counts as one zero
		for _, v := range p {
			if v > 0 {
				nz++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(nz) / float64(n)
}

// expectation answers, for each simulated day, the expected demand and the
// expected sales E[min(D, x)] from x on hand. For one pool, E[min(V, x)]
// is concave and piecewise linear in x; it is tabulated exactly at
// expGrid+1 points from 0 to the largest value and interpolated between.
// A day's level multiplier f scales it: E[min(fV, x)] = f·E[min(V, x/f)].
type expectation struct {
	table     [7][]float64 // per weekday: E[min(V, i·step)]
	step      [7]float64
	mean, top [7]float64 // per weekday: mean and largest value
	next      int
	level     []float64 // per simulated day, nil = 1
}

const expGrid = 256

func newExpectation(m DemandModel, level []float64) *expectation {
	e := &expectation{next: m.next, level: level}
	done := make(map[*float64]int)
	for k, p := range m.pools {
		if len(p) == 0 {
			continue
		}
		if j, ok := done[&p[0]]; ok {
			e.table[k], e.step[k], e.mean[k], e.top[k] = e.table[j], e.step[j], e.mean[j], e.top[j]
			continue
		}
		done[&p[0]] = k
		v := slices.Clone(p)
		slices.Sort(v)
		n := float64(len(v))
		top := v[len(v)-1]
		e.mean[k], e.top[k] = mean(v), top
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
