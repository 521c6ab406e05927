package forecast

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// Options control Select. Zero fields take the defaults in brackets.
type Options struct {
	// Horizon is how many days ahead the forecast must be good for: the
	// lead time plus the review day [7]. Backtest errors are measured on
	// the demand total over it.
	Horizon int
	// BacktestDays is how much of the end of the history the rolling
	// origins cover [182]; origins are Step days apart [7].
	BacktestDays, Step int
	// MinTrain is how many days a method reads before the first origin [56].
	MinTrain int
	// Candidates are the specs tried, slowest first [by class and trend:
	// FrequentCandidates, IntermittentCandidates or TrendCandidates].
	Candidates []Spec
}

func (o Options) withDefaults() Options {
	if o.Horizon < 1 {
		o.Horizon = 7
	}
	if o.BacktestDays < 1 {
		o.BacktestDays = 182
	}
	if o.Step < 1 {
		o.Step = 7
	}
	if o.MinTrain < 1 {
		o.MinTrain = 56
	}
	return o
}

// The candidates Select compares, each list from the slowest (steadiest)
// setting to the fastest: a faster one must beat the slower ones by
// selectMargin and by more than the backtest's noise (clearlyBetter) to
// be chosen, so a stationary series keeps a steady forecast instead of
// chasing noise.
var (
	// FrequentCandidates are tried for smooth and erratic demand.
	FrequentCandidates = []Spec{
		{Method: SES, Alpha: 0.02}, {Method: SES, Alpha: 0.05}, {Method: SeasonalWeekly, Alpha: 0.02, Beta: 0.02},
		{Method: SES, Alpha: 0.1}, {Method: SeasonalWeekly, Alpha: 0.05, Beta: 0.05}, {Method: SES, Alpha: 0.2},
		{Method: SeasonalWeekly, Alpha: 0.1, Beta: 0.1}, {Method: SES, Alpha: 0.3},
	}
	// IntermittentCandidates are tried for intermittent and lumpy demand
	// (Croston's classic α = 0.1 among them).
	IntermittentCandidates = []Spec{
		{Method: SBA, Alpha: 0.02}, {Method: SES, Alpha: 0.02}, {Method: TSB, Alpha: 0.02, Beta: 0.05},
		{Method: SBA, Alpha: 0.05}, {Method: Croston, Alpha: 0.05}, {Method: TSB, Alpha: 0.05, Beta: 0.1},
		{Method: SBA, Alpha: 0.1}, {Method: Croston, Alpha: 0.1}, {Method: SES, Alpha: 0.1},
		{Method: TSB, Alpha: 0.1, Beta: 0.1}, {Method: SBA, Alpha: 0.2}, {Method: TSB, Alpha: 0.2, Beta: 0.2},
	}
	// TrendCandidates are tried when the history has a significant trend.
	TrendCandidates = []Spec{
		{Method: Holt, Alpha: 0.05, Beta: 0.01, Phi: 0.98}, {Method: Holt, Alpha: 0.1, Beta: 0.02, Phi: 0.95},
		{Method: Holt, Alpha: 0.2, Beta: 0.05, Phi: 0.9}, {Method: SES, Alpha: 0.2}, {Method: TSB, Alpha: 0.2, Beta: 0.2},
	}
)

// selectMargin is how much lower (relative) a later candidate's MASE must
// be to displace an earlier one.
const selectMargin = 0.03

// candidatesFor returns the candidates for a history's class and trend;
// the weekly method joins the intermittent ones when the item has closed
// days.
func candidatesFor(c Class, tr Trend, closed bool) []Spec {
	switch {
	case tr.Significant:
		return TrendCandidates
	case c == Smooth || c == Erratic:
		return FrequentCandidates
	case closed:
		return append(slices.Clone(IntermittentCandidates), Spec{Method: SeasonalWeekly, Alpha: 0.05, Beta: 0.05})
	}
	return IntermittentCandidates
}

// ClosedDays finds the days of the week (by day number modulo 7 from the
// series start) with no demand at all since from, over at least eight
// weeks, while other days have demand: the practice is closed then.
// Demand classes are judged on open days only (a weekday-only item is not
// intermittent because nothing is used on Sundays).
func ClosedDays(y []float64, from int) [7]bool {
	var closed [7]bool
	if len(y)-from < 56 {
		return closed
	}
	var demand [7]int
	for t := from; t < len(y); t++ {
		if y[t] > 0 {
			demand[t%7]++
		}
	}
	open := 0
	for k := range closed {
		if demand[k] > 0 {
			open++
		}
	}
	if open == 0 || open == 7 {
		return closed
	}
	for k := range closed {
		closed[k] = demand[k] == 0
	}
	return closed
}

// openDays returns y[from:] without its closed days.
func openDays(y []float64, from int, closed [7]bool) []float64 {
	if closed == ([7]bool{}) {
		return y[from:]
	}
	out := make([]float64, 0, len(y)-from)
	for t := from; t < len(y); t++ {
		if !closed[t%7] {
			out = append(out, y[t])
		}
	}
	return out
}

// Score is one candidate's backtest result.
type Score struct {
	Spec Spec    `json:"spec"`
	MASE float64 `json:"mase"`
}

// Trend is a least-squares line through the history used: demand on day
// t is about Intercept + Slope·t (t from the series start).
type Trend struct {
	Intercept float64 `json:"intercept"`
	Slope     float64 `json:"slope"`
	// Significant reports a slope more than three standard errors from zero.
	Significant bool `json:"significant"`
}

// At returns the line's value on day t, never below zero.
func (tr Trend) At(t int) float64 { return max(tr.Intercept+tr.Slope*float64(t), 0) }

// Result is the forecast chosen for one series.
type Result struct {
	Class Classification `json:"classification"`
	Spec  Spec           `json:"spec"`
	// DailyMean is the forecast mean daily demand over the horizon after
	// the series ends. For an item with closed days it is the mean over a
	// whole week (see weekMean), so that it does not depend on the weekday
	// the history ends on.
	DailyMean float64 `json:"daily_mean"`
	// MASE is the chosen spec's backtest score; NaN when the history was
	// too short to backtest (the method is then the class's default).
	MASE float64 `json:"mase"`
	// Scores lists every candidate tried, in Options.Candidates order.
	Scores []Score `json:"scores,omitempty"`
	// From is the first day of the history used: 0, or the day a level
	// shift was found.
	From int `json:"from"`
	// Profile holds weekday factors (mean 1) by day number modulo 7 from
	// the series start; all ones unless the weekly method was chosen.
	Profile [7]float64 `json:"profile"`
	Trend   Trend      `json:"trend"`
	// Closed marks the days of the week (by day number modulo 7) without
	// any demand: see ClosedDays.
	Closed [7]bool `json:"closed"`
	// LevelSD estimates the standard error of DailyMean itself (units a
	// day): from the backtest, the error of the horizon totals beyond what
	// day-to-day variation and the backtest's own noise explain, at least
	// the sampling error of the chosen method's average. 0 without a
	// backtest.
	LevelSD float64 `json:"level_sd"`
	// LevelPersistence is the share of LevelSD² that a whole year's
	// average forecast error keeps (0…1): the error of an exponential
	// average fades at its daily weight, so a fast method's errors
	// average out over a year and a slow one's stay. 0 without a backtest.
	LevelPersistence float64 `json:"level_persistence"`
}

// Select forecasts y: it finds a level shift, classifies the demand since
// it, backtests every candidate on it and keeps the best by MASE (an
// earlier candidate wins unless a later one is clearly better), and
// returns that method's forecast.
func Select(y []float64, o Options) Result {
	o = o.withDefaults()
	from := LevelShift(y)
	w := y[from:]
	r := Result{From: from, MASE: math.NaN(), Profile: flatProfile}
	r.Closed = ClosedDays(y, from)
	r.Class = Classify(openDays(y, from, r.Closed))
	r.Trend = fitTrend(y, from)
	if r.Class.Class == NoDemand {
		r.Spec = Spec{Method: Zero}
		if r.Class.DemandDays == 1 {
			// One day of demand: spread it over the history, as Croston would.
			r.Spec = Spec{Method: SES, Alpha: 0}
			r.DailyMean = sum(w) / float64(len(w))
		}
		return r
	}
	r.Spec = defaultSpec(r.Class.Class)
	if len(w) >= o.MinTrain+o.Horizon {
		cands := o.Candidates
		if cands == nil {
			cands = candidatesFor(r.Class.Class, r.Trend, r.Closed != [7]bool{})
		}
		scale := naiveMAE(w)
		best := math.Inf(1)
		var bestMSE float64
		var bestErr, errs []float64
		nEff := effectiveOrigins(len(y), from, o)
		for _, s := range cands {
			var m, mse float64
			m, mse, errs = backtest(y, from, s, o, scale, errs[:0])
			r.Scores = append(r.Scores, Score{Spec: s, MASE: m})
			if math.IsInf(best, 1) || (m < best*(1-selectMargin) && clearlyBetter(errs, bestErr, nEff)) {
				best, r.Spec, r.MASE, bestMSE = m, s, m, mse
				bestErr, errs = errs, bestErr
			}
		}
		// The level's own error: what the backtest's error of the horizon
		// total has beyond the day-to-day noise (h·σ²) and beyond the
		// sampling noise of the backtest's own mean squared error
		// (levelExcessSE standard errors), per day²; at least the
		// sampling error of the chosen method's average on stationary
		// demand. Without the noise allowance a truncated noisy excess
		// inflates steady items' error; without the floor lumpy items,
		// whose h·σ² swamps the excess, get none while their forecast
		// wanders by half its value.
		_, v := stat.PopMeanVariance(w, nil)
		h := float64(o.Horizon)
		noise := levelExcessSE * bestMSE * math.Sqrt(2/effectiveOrigins(len(y), from, o))
		excess := max(0, bestMSE-h*v-noise) / (h * h)
		p := float64(r.Class.DemandDays) / float64(len(w))
		a := r.Spec.dailyWeight(p)
		r.LevelSD = math.Sqrt(max(excess, v*a/(2-a)))
		r.LevelPersistence = yearShare(a)
	}
	m := r.Spec.model()
	closed := r.Closed != [7]bool{}
	var week float64 // the last seven one-day forecasts, for weekMean
	for t := from; t < len(y); t++ {
		if closed && t >= len(y)-6 {
			week += m.total(t, 1)
		}
		m.update(t, y[t])
	}
	r.DailyMean = m.total(len(y), o.Horizon) / float64(o.Horizon)
	if closed && len(y)-from >= 7 {
		r.DailyMean = weekMean(m, len(y), week)
	}
	if s, ok := m.(*seasonal); ok {
		r.Profile = s.profile()
	}
	return r
}

// weekMean is the daily mean over a whole week of an item with closed
// days, read at day n: the weekly method's forecast of the next seven
// days ÷ 7; for another method, its one-day forecasts for days n−6 … n
// averaged (earlier6 is the sum of the first six). A horizon of a few
// days holds more or fewer closed days depending on the weekday it
// starts, and a smoothed level sinks over each closed day and climbs
// back over the open ones: either way a nightly forecast of a weekday
// item would swing through the week (threefold for a 3-day horizon),
// while the policy plans for an average week.
func weekMean(m model, n int, earlier6 float64) float64 {
	if _, ok := m.(*seasonal); ok {
		return m.total(n, 7) / 7
	}
	return (earlier6 + m.total(n, 1)) / 7
}

// levelExcessSE is how many standard errors of the backtest's mean
// squared error the excess over day-to-day noise must clear to count as
// error of the level.
const levelExcessSE = 2

// effectiveOrigins is how many independent horizon totals the backtest
// scores: its origins, fewer when horizons overlap (h > Step); at least 1.
func effectiveOrigins(n, from int, o Options) float64 {
	last := n - o.Horizon
	first := min(max(from+o.MinTrain, n-o.BacktestDays), last)
	k := float64((last-first)/o.Step + 1)
	return max(1, k*min(1, float64(o.Step)/float64(o.Horizon)))
}

// dailyWeight returns the weight a the spec's level estimate gives each
// new day on stationary demand, an exponential average's: its variance is
// a/(2−a) of one day's demand variance. Croston and SBA smooth once per
// demand day (a = α·p, p the share of days with demand); TSB smooths the
// probability every day (α) and the size once per demand day (β·p).
func (s Spec) dailyWeight(p float64) float64 {
	a := s.Alpha
	switch s.Method {
	case Zero:
		return 0
	case Croston, SBA:
		a *= p
	case TSB:
		a = max(s.Alpha, s.Beta*p)
	}
	return min(max(a, 0), 1)
}

// yearShare returns the variance of the mean over daysPerYear days of an
// error with autocorrelation r^k, r = 1−a (an exponential average with
// daily weight a), as a share of the error's variance:
// (1/N²)·Σ_ij r^|i−j| = (N(1+r)/(1−r) − 2r(1−r^N)/(1−r)²)/N²; 1 for a = 0
// (the error never fades).
func yearShare(a float64) float64 {
	if a <= 1e-9 {
		return 1
	}
	n, r := float64(daysPerYear), 1-a
	s := n*(1+r)/a - 2*r*(1-math.Pow(r, n))/(a*a)
	return min(1, max(0, s/(n*n)))
}

// daysPerYear is the span over which LevelPersistence is measured.
const daysPerYear = 365

// defaultSpec is the method used when the history is too short to
// backtest: SES for frequent demand, SBA for intermittent demand (as
// Syntetos and Boylan recommend).
func defaultSpec(c Class) Spec {
	if c == Smooth || c == Erratic {
		return Spec{Method: SES, Alpha: 0.1}
	}
	return Spec{Method: SBA, Alpha: 0.1}
}

// backtest scores s on y[from:] by rolling origin: at each origin t (the
// last ones Step days apart, leaving Horizon days after them) the method,
// having read days from … t−1, forecasts the total over t … t+h−1. The
// score is the mean absolute error of that total divided by h, scaled by
// the in-sample naive MAE (MASE). It also returns the mean squared error
// of the totals, and errs with each origin's scaled absolute error
// appended (MASE is their mean).
func backtest(y []float64, from int, s Spec, o Options, scale float64, errs []float64) (mase, mse float64, _ []float64) {
	h := o.Horizon
	n := len(y)
	last := n - h // last origin
	first := max(from+o.MinTrain, n-o.BacktestDays)
	if first > last {
		first = last
	}
	m := s.model()
	var errSum, sqSum float64
	origins := 0
	next := last - ((last-first)/o.Step)*o.Step
	var window float64 // running total of y[t : t+h]
	for t := next; t < next+h; t++ {
		window += y[t]
	}
	for t := from; t <= last; t++ {
		if t == next {
			e := window - m.total(t, h)
			errSum += math.Abs(e) / float64(h)
			errs = append(errs, math.Abs(e)/float64(h)/scale)
			sqSum += e * e
			origins++
			if t+o.Step <= last {
				for j := t; j < t+o.Step; j++ {
					window += y[j+h] - y[j]
				}
			}
			next += o.Step
		}
		m.update(t, y[t])
	}
	if origins == 0 {
		return math.Inf(1), 0, errs
	}
	return errSum / float64(origins) / scale, sqSum / float64(origins), errs
}

// clearlyBetter reports whether the scaled absolute errors a beat b (the
// same origins) by more than selectSE standard errors of their paired
// mean difference, nEff the number of independent origins: on noisy
// series a faster method's lower MASE is often luck, and its forecast
// then wanders with the noise.
func clearlyBetter(a, b []float64, nEff float64) bool {
	if len(a) != len(b) || len(a) < 2 {
		return true
	}
	var s, q float64
	for i := range a {
		d := a[i] - b[i]
		s += d
		q += d * d
	}
	n := float64(len(a))
	m := s / n
	se := math.Sqrt(max(q/n-m*m, 0) * n / (n - 1) / nEff)
	if se < 1e-9 {
		return m < 0 // exact forecasts: no noise to allow for
	}
	return m < -selectSE*se
}

// selectSE is how many standard errors a faster candidate's backtest
// advantage must clear.
const selectSE = 2

// naiveMAE is the mean absolute day-to-day change: the in-sample error of
// the naive forecast, MASE's scale. A constant series gets scale 1 so
// that exact forecasts still score 0.
func naiveMAE(w []float64) float64 {
	var s float64
	for i := 1; i < len(w); i++ {
		s += math.Abs(w[i] - w[i-1])
	}
	if s == 0 || len(w) < 2 {
		return 1
	}
	return s / float64(len(w)-1)
}

// Level-shift detection settings.
const (
	shiftMinSegment = 28  // days each side of a shift
	shiftMinT       = 6.0 // Welch t of the step at least this
	shiftMinRel     = 0.3 // and the step at least this share of the larger mean
)

// LevelShift returns the day a step change in mean demand begins, or 0
// when there is none: the split (on a 7-day grid, 28 days from each end)
// with the largest Welch t statistic, kept when t ≥ 6, the step is at
// least 30% of the larger mean and two means fit the series better than a
// straight line does (so a steady trend is not taken for a shift). When
// there are several shifts the last one is found by searching again after
// the first.
func LevelShift(y []float64) int {
	from := 0
	for {
		k := shiftAfter(y, from)
		if k <= from {
			return from
		}
		from = k
	}
}

func shiftAfter(y []float64, from int) int {
	n := len(y) - from
	if n < 2*shiftMinSegment {
		return from
	}
	ps := make([]float64, n+1)
	pq := make([]float64, n+1)
	for i := 0; i < n; i++ {
		v := y[from+i]
		ps[i+1] = ps[i] + v
		pq[i+1] = pq[i] + v*v
	}
	bestT, bestK, bestSSE := 0.0, 0, 0.0
	for k := shiftMinSegment; k <= n-shiftMinSegment; k += 7 {
		n1, n2 := float64(k), float64(n-k)
		m1, m2 := ps[k]/n1, (ps[n]-ps[k])/n2
		v1 := max(pq[k]/n1-m1*m1, 0) * n1 / (n1 - 1)
		v2 := max((pq[n]-pq[k])/n2-m2*m2, 0) * n2 / (n2 - 1)
		se := math.Sqrt(v1/n1 + v2/n2)
		if se == 0 {
			se = 1e-9
		}
		if t := math.Abs(m2-m1) / se; t > bestT {
			sse := (pq[k] - n1*m1*m1) + (pq[n] - pq[k] - n2*m2*m2)
			bestT, bestK, bestSSE = t, k, sse
		}
	}
	if bestT < shiftMinT {
		return from
	}
	m1 := ps[bestK] / float64(bestK)
	m2 := (ps[n] - ps[bestK]) / float64(n-bestK)
	if math.Abs(m2-m1) < shiftMinRel*max(m1, m2) {
		return from
	}
	if bestSSE >= lineSSE(y[from:]) {
		return from
	}
	return from + bestK
}

// lineSSE is the residual sum of squares of a least-squares line through w.
func lineSSE(w []float64) float64 {
	x := make([]float64, len(w))
	for i := range x {
		x[i] = float64(i)
	}
	a, b := stat.LinearRegression(x, w, nil, false)
	var sse float64
	for i, v := range w {
		e := v - a - b*float64(i)
		sse += e * e
	}
	return sse
}

// fitTrend fits a line through y[from:], indexed from the series start.
func fitTrend(y []float64, from int) Trend {
	w := y[from:]
	if len(w) < 3 {
		return Trend{Intercept: mean(w)}
	}
	x := make([]float64, len(w))
	for i := range x {
		x[i] = float64(from + i)
	}
	a, b := stat.LinearRegression(x, w, nil, false)
	var sse float64
	for i, v := range w {
		e := v - a - b*x[i]
		sse += e * e
	}
	_, vx := stat.PopMeanVariance(x, nil)
	se := math.Sqrt(sse / float64(len(w)-2) / (vx * float64(len(w))))
	return Trend{Intercept: a, Slope: b, Significant: se > 0 && math.Abs(b) > 3*se}
}

func sum(w []float64) float64 {
	var s float64
	for _, v := range w {
		s += v
	}
	return s
}

func mean(w []float64) float64 {
	if len(w) == 0 {
		return 0
	}
	return sum(w) / float64(len(w))
}
