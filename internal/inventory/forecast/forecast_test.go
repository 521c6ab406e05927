package forecast

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// run feeds y to s's model and returns its forecast total for the next h days.
func run(s Spec, y []float64, h int) float64 {
	m := s.model()
	for t, v := range y {
		m.update(t, v)
	}
	return m.total(len(y), h)
}

// The expected values are worked by hand in the comments.
func TestMethodsHandComputed(t *testing.T) {
	cases := []struct {
		name string
		spec Spec
		y    []float64
		h    int
		want float64
	}{
		// ℓ: 2 → 2+.5(4−2)=3 → 3+.5(6−3)=4.5
		{"ses", Spec{Method: SES, Alpha: 0.5}, []float64{2, 4, 6}, 1, 4.5},
		{"ses horizon", Spec{Method: SES, Alpha: 0.5}, []float64{2, 4, 6}, 3, 13.5},
		// day 1: z=3, p=2 (first interval counted from the start); day 4:
		// interval 3, z=3+.5(5−3)=4, p=2+.5(3−2)=2.5; forecast 4/2.5=1.6
		{"croston", Spec{Method: Croston, Alpha: 0.5}, []float64{0, 3, 0, 0, 5}, 1, 1.6},
		// SBA: (1−.5/2)·1.6 = 1.2
		{"sba", Spec{Method: SBA, Alpha: 0.5}, []float64{0, 3, 0, 0, 5}, 1, 1.2},
		{"croston no demand", Spec{Method: Croston, Alpha: 0.5}, []float64{0, 0}, 1, 0},
		// probability gains max(.5, 1/day): day 1 gain 1 → 0, day 2 gain
		// .5 → .5, day 3 → .25, day 4 → .625; size: 4, then gain .5 →
		// 4+.5(2−4)=3; forecast .625·3=1.875
		{"tsb", Spec{Method: TSB, Alpha: 0.5, Beta: 0.5}, []float64{0, 4, 0, 2}, 1, 1.875},
		// slow α=0.1: the running mean until day 10 (gain 1/n): 1, 2, 3 → 2
		{"ses running mean", Spec{Method: SES, Alpha: 0.1}, []float64{1, 2, 3}, 1, 2},
		// sizes 6 then 2 with α=0.1: gain 1/2 → 4; intervals 2, 1 → 1.5
		{"croston running mean", Spec{Method: Croston, Alpha: 0.1}, []float64{0, 6, 2}, 1, 4 / 1.5},
		// ℓ=1,b=0; ℓ=.5·2+.5·1=1.5, b=.5·.5=.25; ℓ=.5·3+.5(1.5+.25)=2.375,
		// b=.5·.875+.5·.25=.5625; next two days 2.9375+3.5=6.4375
		{"holt", Spec{Method: Holt, Alpha: 0.5, Beta: 0.5, Phi: 1}, []float64{1, 2, 3}, 2, 6.4375},
		// damped φ=.5 from the same state: 2.375+.5·.5625 + 2.375+.75·.5625
		{"holt damped", Spec{Method: Holt, Alpha: 0.5, Beta: 0.5, Phi: 0.5}, []float64{1, 2, 3}, 2, 0},
	}
	// The damped case's state differs (φ enters the updates): ℓ=1,b=0;
	// ℓ=.5·2+.5(1+0)=1.5, b=.5·.5+.5·.5·0=.25; ℓ=.5·3+.5(1.5+.125)=2.3125,
	// b=.5(.8125)+.5·.5·.25=.46875; totals 2.3125+.234375 + 2.3125+.3515625.
	cases[len(cases)-1].want = 2.3125 + 0.5*0.46875 + 2.3125 + 0.75*0.46875
	for _, c := range cases {
		if got := run(c.spec, c.y, c.h); !near(got, c.want) {
			t.Errorf("%s: forecast %v, want %v", c.name, got, c.want)
		}
	}
}

func TestSeasonalWeeklyLearnsPattern(t *testing.T) {
	week := []float64{0, 10, 12, 10, 8, 10, 0} // a clinic closed at weekends
	var y []float64
	for range 8 {
		y = append(y, week...)
	}
	s := Spec{Method: SeasonalWeekly, Alpha: 0.1, Beta: 0.1}
	if got := run(s, y, 7); !near(got, 50) {
		t.Errorf("next week %v, want 50", got)
	}
	if got := run(s, y, 1); !near(got, 0) {
		t.Errorf("next day (a Sunday-like day) %v, want 0", got)
	}
	r := Select(y, Options{Horizon: 7, MinTrain: 21})
	if r.Spec.Method != SeasonalWeekly {
		t.Errorf("chose %s, want %s; scores %v", r.Spec.Method, SeasonalWeekly, r.Scores)
	}
	if !near(r.Profile[0], 0) || !near(r.Profile[2], 12*7.0/50) {
		t.Errorf("profile %v", r.Profile)
	}
}

func repeat(pattern []float64, n int) []float64 {
	y := make([]float64, n)
	for i := range y {
		y[i] = pattern[i%len(pattern)]
	}
	return y
}

func TestClassify(t *testing.T) {
	cases := []struct {
		name string
		y    []float64
		want Class
		adi  float64
	}{
		{"smooth", repeat([]float64{5, 6, 4}, 90), Smooth, 1},
		{"erratic", repeat([]float64{1, 10}, 90), Erratic, 1},
		{"intermittent", repeat([]float64{0, 0, 5}, 90), Intermittent, 3},
		{"lumpy", repeat([]float64{0, 0, 1, 0, 0, 10}, 90), Lumpy, 3},
		{"one demand", repeat([]float64{0, 0, 0}, 30), NoDemand, 0},
		// demand on days 0, 2, … 38: 20 demands, (38+1)/20 = 1.95
		{"adi 1.95", repeat([]float64{3, 0}, 40), Intermittent, 1.95},
	}
	for _, c := range cases {
		got := Classify(c.y)
		if got.Class != c.want || (c.adi > 0 && !near(got.ADI, c.adi)) {
			t.Errorf("%s: %+v, want %s ADI %v", c.name, got, c.want, c.adi)
		}
	}
	// CV² by hand: sizes 1,10 repeated, mean 5.5, sample variance
	// 20.25·n/(n−1) with n=90 → CV² = 20.4775…/30.25.
	got := Classify(repeat([]float64{1, 10}, 90)).CV2
	if want := 20.25 * 90 / 89 / 30.25; !near(got, want) {
		t.Errorf("CV² %v, want %v", got, want)
	}
	// The cut-offs: ADI 1.32 and CV² 0.49 belong to the upper classes.
	y := make([]float64, 132)
	for i := 32; i < 132; i++ {
		y[i] = 1 // 100 demands, last at index 131: ADI = 132/100 = 1.32
	}
	if c := Classify(y); c.Class != Intermittent || !near(c.ADI, ADICutoff) {
		t.Errorf("ADI at the cut-off: %+v", c)
	}
}

// slowBacktest computes the rolling-origin MASE by refitting from scratch
// at every origin: the definition, against which the one-pass backtest is
// checked.
func slowBacktest(y []float64, s Spec, o Options) float64 {
	o = o.withDefaults()
	h, n := o.Horizon, len(y)
	last := n - h
	first := max(o.MinTrain, n-o.BacktestDays)
	var errs []float64
	for t := last; t >= first; t -= o.Step {
		var actual float64
		for _, v := range y[t : t+h] {
			actual += v
		}
		errs = append(errs, math.Abs(actual-run(s, y[:t], h))/float64(h))
	}
	return mean(errs) / naiveMAE(y)
}

func TestBacktestMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	y := make([]float64, 300)
	for i := range y {
		if rng.Float64() < 0.4 {
			y[i] = float64(1 + rng.IntN(9))
		}
	}
	o := Options{Horizon: 10, Step: 7, BacktestDays: 120, MinTrain: 56}
	for _, s := range append(append(slices.Clone(FrequentCandidates), IntermittentCandidates...), TrendCandidates...) {
		fast, _, _ := backtest(y, 0, s, o.withDefaults(), naiveMAE(y), nil)
		if slow := slowBacktest(y, s, o); math.Abs(fast-slow) > 1e-9 {
			t.Errorf("%+v: one-pass MASE %v, refit MASE %v", s, fast, slow)
		}
	}
	// A hand-sized case: y = 1,3,1,3,1,3 with SES α=1 (naive), h=1,
	// origins 4 and 5 (MinTrain 4): errors |1−3|=2 and |3−1|=2; scale
	// (naive MAE) 2; MASE 1.
	small := []float64{1, 3, 1, 3, 1, 3}
	so := Options{Horizon: 1, Step: 1, MinTrain: 4, BacktestDays: 10}.withDefaults()
	if got, mse, _ := backtest(small, 0, Spec{Method: SES, Alpha: 1}, so, naiveMAE(small), nil); !near(got, 1) || !near(mse, 4) {
		t.Errorf("hand MASE %v, want 1", got)
	}
}

func TestLevelShiftAndTrend(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	noise := func(m float64) float64 { return max(0, math.Round(m+rng.NormFloat64()*math.Sqrt(m))) }
	shift := make([]float64, 400)
	for i := range shift {
		m := 10.0
		if i >= 280 {
			m = 25
		}
		shift[i] = noise(m)
	}
	if got := LevelShift(shift); got < 266 || got > 294 {
		t.Errorf("shift found at %d, want about 280", got)
	}
	r := Select(shift, Options{Horizon: 7})
	if r.From != LevelShift(shift) || math.Abs(r.DailyMean-25) > 4 {
		t.Errorf("after the shift: from %d, daily mean %v (want about 25)", r.From, r.DailyMean)
	}

	trend := make([]float64, 400)
	for i := range trend {
		trend[i] = noise(5 + 0.05*float64(i))
	}
	if got := LevelShift(trend); got != 0 {
		t.Errorf("a steady trend taken for a shift at %d", got)
	}
	r = Select(trend, Options{Horizon: 14})
	if !r.Trend.Significant || math.Abs(r.Trend.Slope-0.05) > 0.01 {
		t.Errorf("trend %+v, want a significant slope of about 0.05", r.Trend)
	}
	if end := 5 + 0.05*407; math.Abs(r.DailyMean-end) > 3 {
		t.Errorf("trend forecast %v, want about %v (the level a week ahead)", r.DailyMean, end)
	}

	flat := make([]float64, 400)
	for i := range flat {
		flat[i] = noise(10)
	}
	if got := LevelShift(flat); got != 0 {
		t.Errorf("a flat series taken to shift at %d", got)
	}
}

func TestSelectShortAndEmpty(t *testing.T) {
	r := Select(make([]float64, 100), Options{})
	if r.Spec.Method != Zero || r.DailyMean != 0 || r.Class.Class != NoDemand {
		t.Errorf("no usage: %+v", r)
	}
	r = Select([]float64{0, 0, 4, 0, 0, 2, 0, 0, 3, 0}, Options{Horizon: 7})
	if r.Spec.Method != SBA || !math.IsNaN(r.MASE) || r.DailyMean <= 0 {
		t.Errorf("short intermittent history: %+v", r)
	}
}

// TestLevelSDFloor: the level error is at least the sampling error of the
// chosen method's average (hand-computed daily weights), so a lumpy series, whose
// day-to-day variance swamps the backtest's excess, still gets one.
func TestLevelSDFloor(t *testing.T) {
	for _, c := range []struct {
		s    Spec
		p    float64
		want float64
	}{
		{Spec{Method: SES, Alpha: 0.1}, 0.3, 0.1},
		{Spec{Method: SBA, Alpha: 0.2}, 0.25, 0.05},
		{Spec{Method: Croston, Alpha: 0.1}, 0.5, 0.05},
		{Spec{Method: TSB, Alpha: 0.02, Beta: 0.2}, 0.5, 0.1},
		{Spec{Method: TSB, Alpha: 0.1, Beta: 0.1}, 0.5, 0.1},
		{Spec{Method: Zero}, 0.5, 0},
	} {
		if got := c.s.dailyWeight(c.p); !near(got, c.want) {
			t.Errorf("%+v p %.2f: weight %.6f, want %.6f", c.s, c.p, got, c.want)
		}
	}
	rng := rand.New(rand.NewPCG(7, 7))
	y := make([]float64, 730)
	for d := range y {
		if rng.Float64() < 0.1 {
			y[d] = math.Round(math.Exp(2 + 1.2*rng.NormFloat64()))
		}
	}
	r := Select(y, Options{Horizon: 15})
	w := y[r.From:]
	var s, q float64
	for _, v := range w {
		s += v
		q += v * v
	}
	n := float64(len(w))
	v := q/n - (s/n)*(s/n)
	a := r.Spec.dailyWeight(float64(r.Class.DemandDays) / n)
	floor := math.Sqrt(v * a / (2 - a))
	if r.LevelSD <= 0 || r.LevelSD < floor-1e-9 {
		t.Errorf("%s: level SD %.4f, want at least the method's sampling error %.4f", r.Spec.Method, r.LevelSD, floor)
	}
}

// TestYearShare: the share of an exponential average's error variance
// left in a year's mean, against the sum Σ_ij (1−a)^|i−j| / 365² computed
// term by term, and its limits (1 for an error that never fades, toward
// 0 for a fast one).
func TestYearShare(t *testing.T) {
	for _, a := range []float64{0.002, 0.01, 0.02, 0.1, 0.5} {
		var sum float64
		for i := range daysPerYear {
			for j := range daysPerYear {
				sum += math.Pow(1-a, math.Abs(float64(i-j)))
			}
		}
		want := sum / (daysPerYear * daysPerYear)
		if got := yearShare(a); !near(got, want) {
			t.Errorf("a %.3f: share %.4f, want %.4f", a, got, want)
		}
	}
	if got := yearShare(0); got != 1 {
		t.Errorf("a 0: share %v, want 1", got)
	}
	if yearShare(0.01) <= yearShare(0.02) {
		t.Error("a slower average keeps less of its error")
	}
}

// TestClearlyBetter: a faster candidate displaces a slower one only when
// its errors are lower by more than two standard errors of the paired
// difference; exact forecasts need no allowance.
func TestClearlyBetter(t *testing.T) {
	b := []float64{1, 2, 1, 2, 1, 2, 1, 2}
	lucky := []float64{0.5, 2.4, 0.6, 2.3, 0.4, 2.5, 0.7, 2.2} // mean 0.05 lower, differences ±0.45
	if clearlyBetter(lucky, b, 8) {
		t.Error("a lower mean within the noise of the differences counted as better")
	}
	steady := []float64{0.8, 1.7, 0.8, 1.8, 0.7, 1.8, 0.8, 1.7} // 0.2 lower each time, ±0.05
	if !clearlyBetter(steady, b, 8) {
		t.Error("a steady improvement not counted")
	}
	// The same differences from fewer independent origins (overlapping
	// horizons) are weaker evidence.
	small := []float64{0.9, 1.95, 0.85, 2, 0.9, 1.9, 0.95, 1.9}
	if !clearlyBetter(small, b, 8) || clearlyBetter(small, b, 1) {
		t.Error("the effective number of origins not used")
	}
	if !clearlyBetter([]float64{0, 0, 0}, []float64{1e-17, 2e-17, 0}, 3) {
		t.Error("an exact forecast against a nearly exact one")
	}
}

// TestSelectKeepsSlowOnNoise: on stationary demand, lumpy or erratic,
// the chosen method is a slow one (α ≤ 0.05): a faster setting's lower
// backtest score on such a series is noise. (Without the standard-error
// rule about one series in five chooses a fast one.)
func TestSelectKeepsSlowOnNoise(t *testing.T) {
	var fast []Spec
	for _, c := range []struct{ p, mu, sigma float64 }{{0.3, 2, 1.2}, {0.9, 2.5, 1}} {
		for seed := range uint64(20) {
			rng := rand.New(rand.NewPCG(seed, 3))
			y := make([]float64, 730)
			for d := range y {
				if rng.Float64() < c.p {
					y[d] = math.Round(math.Exp(c.mu + c.sigma*rng.NormFloat64()))
				}
			}
			if r := Select(y, Options{Horizon: 10}); r.Spec.Alpha > 0.05 {
				fast = append(fast, r.Spec)
			}
		}
	}
	if len(fast) > 1 {
		t.Errorf("%d of 40 stationary series chose a fast method: %+v", len(fast), fast)
	}
}

// A weekday-only item's forecast does not swing with the weekday the
// history ends on (the nightly review runs every day): whatever the
// horizon, it is the calendar mean, 10 a weekday × 5/7.
func TestClosedDaysForecastIsTheWeeksMean(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	y := make([]float64, 400)
	for d := range y {
		if d%7 < 5 {
			y[d] = float64(8 + rng.IntN(5)) // 8 … 12, mean 10
		}
	}
	for _, h := range []int{3, 8} {
		lo, hi := math.Inf(1), 0.0
		for n := 380; n < 387; n++ {
			r := Select(y[:n], Options{Horizon: h})
			if r.Closed == [7]bool{} {
				t.Fatalf("n %d: closed days not found", n)
			}
			lo, hi = min(lo, r.DailyMean), max(hi, r.DailyMean)
		}
		if want := 10 * 5.0 / 7; lo < 0.97*want || hi > 1.03*want {
			t.Errorf("horizon %d: daily mean %.2f … %.2f over a week of end days, want %.2f ± 3%%", h, lo, hi, want)
		}
	}
}
