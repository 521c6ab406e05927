package cost

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The unit case: one patient who always comes, service (almost)
// without variation: no wait, idle = session − service, no overtime.
func TestOnePatientDeterministic(t *testing.T) {
	for _, cv := range []float64{0, 1e-9, 1e-4} {
		e := New(cv, DefaultStep)
		got := e.Session(240, []Visit{{At: 60, Minutes: 30, NoShow: 0}})
		if math.Abs(got.Wait) > 1e-9 || math.Abs(got.Idle-210) > 1e-6 || math.Abs(got.Overtime) > 1e-6 {
			t.Errorf("cv %g: got %+v, want wait 0, idle 210, overtime 0", cv, got)
		}
	}
}

func TestEmptySessionIsAllIdle(t *testing.T) {
	got := New(0.35, 0).Session(240, nil)
	if got != (Expectation{Idle: 240}) {
		t.Errorf("got %+v, want idle 240 only", got)
	}
}

// Deterministic service, every patient comes: the schedule is a simple
// calculation.
func TestDeterministicQueue(t *testing.T) {
	e := New(0, DefaultStep)
	// Two at 0 (15 min each), one at 15: starts 0, 15, 30; waits 0, 15, 15;
	// provider busy 0–45; session 40 → overtime 5, idle 0.
	got := e.Session(40, []Visit{{0, 15, 0}, {0, 15, 0}, {15, 15, 0}})
	want := Expectation{Wait: 30, Idle: 0, Overtime: 5}
	if math.Abs(got.Wait-want.Wait) > 1e-9 || math.Abs(got.Idle-want.Idle) > 1e-9 || math.Abs(got.Overtime-want.Overtime) > 1e-9 {
		t.Errorf("got %+v, want %+v", got, want)
	}
	// The same with the second patient a certain no-show: no waits.
	got = e.Session(40, []Visit{{0, 15, 0}, {0, 15, 1}, {15, 15, 0}})
	if math.Abs(got.Wait) > 1e-9 || math.Abs(got.Idle-10) > 1e-9 || got.Overtime > 1e-9 {
		t.Errorf("with a certain no-show: got %+v, want wait 0, idle 10", got)
	}
}

// Off-grid appointment times and visit lengths are clamped and split
// exactly: deterministic service still gives the exact answer.
func TestOffGrid(t *testing.T) {
	e := New(0, 1)
	got := e.Session(60, []Visit{{0.3, 10.25, 0}, {5.7, 7.5, 0}})
	// Starts 0.3 and 10.55; waits 0 and 4.85; free at 18.05.
	if math.Abs(got.Wait-4.85) > 1e-9 || math.Abs(got.Idle-(60-17.75)) > 1e-9 {
		t.Errorf("got %+v, want wait 4.85 idle 42.25", got)
	}
}

func TestKernelMassAndMean(t *testing.T) {
	for _, c := range []struct{ mean, cv, step float64 }{
		{15, 0.35, 0.5}, {30, 0.35, 0.5}, {45, 1.2, 0.5}, {15, 0.05, 0.25}, {10, 0.35, 5}, {7.3, 0.6, 1},
	} {
		k := newKernel(c.mean, c.cv, c.step, tailZ)
		var mass, mean, m2 float64
		for i, p := range k.p {
			x := float64(k.lo+i) * c.step
			mass += p
			mean += p * x
			m2 += p * x * x
		}
		variance := m2 - mean*mean
		want := c.cv * c.cv * c.mean * c.mean
		if math.Abs(mass-1) > 1e-12 || math.Abs(mean-c.mean) > 1e-9*c.mean {
			t.Errorf("%+v: mass %v mean %v", c, mass, mean)
		}
		// The tent adds between 0 and step²/4 of variance; the tails
		// lumped at their means take away a little (3·10⁻⁷ of the mass).
		if variance < want*(1-1e-3) || variance > want+c.step*c.step/4+1e-9 {
			t.Errorf("%+v: variance %v, want %v + up to %v", c, variance, want, c.step*c.step/4)
		}
	}
}

// randomSession draws a clinic-like session: 15-minute slots over
// length minutes, some double-booked, mixed visit lengths and no-show
// probabilities, some visits at off-slot times.
func randomSession(rng *rand.Rand, length float64) []Visit {
	var vs []Visit
	for at := 0.0; at < length; at += 15 {
		n := 1
		switch r := rng.Float64(); {
		case r < 0.15:
			n = 0
		case r < 0.35:
			n = 2
		}
		for range n {
			m := []float64{10, 15, 15, 30, 45}[rng.IntN(5)]
			if at+m > length {
				continue
			}
			a := at
			if rng.Float64() < 0.1 {
				a += float64(rng.IntN(14)) // an off-slot existing appointment
			}
			vs = append(vs, Visit{At: a, Minutes: m, NoShow: 0.3 * rng.Float64()})
		}
	}
	// Service order: by appointment time, ties kept in order.
	for i := 1; i < len(vs); i++ {
		for j := i; j > 0 && vs[j].At < vs[j-1].At; j-- {
			vs[j], vs[j-1] = vs[j-1], vs[j]
		}
	}
	return vs
}

// monteCarlo estimates the expectation of a session with n samples and
// returns the means and their standard errors.
func monteCarlo(rng *rand.Rand, length float64, vs []Visit, cv float64, n int) (mean, se Expectation) {
	showed := make([]bool, len(vs))
	service := make([]float64, len(vs))
	var s, s2 Expectation
	for range n {
		for i, v := range vs {
			showed[i] = rng.Float64() >= v.NoShow
			service[i] = ServiceTime(v.Minutes, cv, rng.NormFloat64())
		}
		r := Realize(length, vs, showed, service)
		s = s.Add(r)
		s2 = s2.Add(Expectation{r.Wait * r.Wait, r.Idle * r.Idle, r.Overtime * r.Overtime})
	}
	f := float64(n)
	mean = Expectation{s.Wait / f, s.Idle / f, s.Overtime / f}
	sd := func(m, q float64) float64 { return math.Sqrt(max(0, q/f-m*m) / f) }
	se = Expectation{sd(mean.Wait, s2.Wait), sd(mean.Idle, s2.Idle), sd(mean.Overtime, s2.Overtime)}
	return mean, se
}

// The grid expectation agrees with a 400,000-sample Monte Carlo of the
// model's definitions on random overbooked sessions within 4 standard
// errors plus 0.05 minutes (the tolerance stated in the package docs'
// spirit: the grid's own error, measured below, is far smaller).
func TestAgainstMonteCarlo(t *testing.T) {
	samples := 400_000
	if testing.Short() {
		samples = 50_000
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := range 6 {
		length := []float64{240, 180, 120}[trial%3]
		cv := []float64{0.35, 0.6, 0.15}[trial%3]
		vs := randomSession(rng, length)
		got := New(cv, DefaultStep).Session(length, vs)
		mc, se := monteCarlo(rng, length, vs, cv, samples)
		check := func(name string, g, m, s float64) {
			t.Logf("trial %d (%d visits) %s: grid %.3f, Monte Carlo %.3f ± %.3f (%.1f SE)", trial, len(vs), name, g, m, s, math.Abs(g-m)/s)
			if math.Abs(g-m) > 4*s+0.05 {
				t.Errorf("trial %d (%d visits) %s: grid %.4f, Monte Carlo %.4f ± %.4f", trial, len(vs), name, g, m, s)
			}
		}
		check("wait", got.Wait, mc.Wait, se.Wait)
		check("idle", got.Idle, mc.Idle, se.Idle)
		check("overtime", got.Overtime, mc.Overtime, se.Overtime)
	}
}

// Halving the step changes the result by less than 0.1% (and a step of
// 0.1 minutes by less than 0.02 minutes per visit): the discretisation
// error is negligible at DefaultStep.
func TestStepConvergence(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 5 {
		vs := randomSession(rng, 240)
		fine := New(0.35, 0.1).Session(240, vs)
		def := New(0.35, DefaultStep).Session(240, vs)
		n := float64(len(vs))
		for _, d := range []struct {
			name   string
			f, got float64
		}{{"wait", fine.Wait, def.Wait}, {"idle", fine.Idle, def.Idle}, {"overtime", fine.Overtime, def.Overtime}} {
			if math.Abs(d.f-d.got) > 0.001*math.Abs(d.f)+0.02*n/10 {
				t.Errorf("trial %d %s: step 0.1 gives %.5f, step %.1f gives %.5f", trial, d.name, d.f, DefaultStep, d.got)
			}
		}
	}
}

// A chain's what-if evaluation equals evaluating the edited session from
// scratch, and Set keeps the cache consistent.
func TestChainMatchesSession(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	e := New(0.35, DefaultStep)
	vs := randomSession(rng, 240)
	c := e.NewChain(240, vs)
	same := func(a, b Expectation) bool {
		return math.Abs(a.Wait-b.Wait) < 1e-5 && math.Abs(a.Idle-b.Idle) < 1e-5 && math.Abs(a.Overtime-b.Overtime) < 1e-5
	}
	if !same(c.Expect(), e.Session(240, vs)) {
		t.Fatalf("chain %+v, session %+v", c.Expect(), e.Session(240, vs))
	}
	for j := 0; j <= len(vs); j++ {
		extra := Visit{At: 90, Minutes: 15, NoShow: 0.2}
		edited := append(append(append([]Visit{}, vs[:j]...), extra), vs[j:]...)
		if got, want := c.Eval(j, j, []Visit{extra}), e.Session(240, edited); !same(got, want) {
			t.Fatalf("insert at %d: chain %+v, session %+v", j, got, want)
		}
	}
	for i := range vs {
		edited := append(append([]Visit{}, vs[:i]...), vs[i+1:]...)
		if got, want := c.Eval(i, i+1, nil), e.Session(240, edited); !same(got, want) {
			t.Fatalf("remove %d: chain %+v, session %+v", i, got, want)
		}
	}
	tail := append([]Visit{}, vs[3:5]...)
	tail[0].NoShow = 0.9
	c.Replace(3, 5, tail)
	edited := append(append([]Visit{}, vs[:3]...), tail...)
	edited = append(edited, vs[5:]...)
	if !same(c.Expect(), e.Session(240, edited)) {
		t.Fatalf("after Replace: chain %+v, session %+v", c.Expect(), e.Session(240, edited))
	}
	// Mark and Restore undo an edit.
	m := c.Mark(2)
	want := c.Expect()
	c.Replace(2, 4, nil)
	c.Replace(5, 5, []Visit{{At: 200, Minutes: 30}})
	c.Restore(m)
	if !same(c.Expect(), want) || !same(c.Eval(0, 0, nil), want) {
		t.Fatalf("after Restore: %+v, want %+v", c.Expect(), want)
	}
	// A cursor walked over the session gives the same.
	cur := e.Begin()
	for _, v := range edited {
		cur = cur.Next(v)
	}
	if !same(cur.Finish(240), c.Expect()) {
		t.Fatalf("cursor %+v, chain %+v", cur.Finish(240), c.Expect())
	}
}

// Realize implements the definitions: a hand-worked case.
func TestRealize(t *testing.T) {
	vs := []Visit{{0, 15, 0}, {0, 15, 0}, {30, 15, 0}, {50, 15, 0}}
	got := Realize(60, vs, []bool{true, true, false, true}, []float64{20, 20, 15, 20})
	// starts 0, 20, (no-show), 50; waits 0, 20, 0; busy 0–40, 50–60 (+10 over).
	want := Expectation{Wait: 20, Idle: 10, Overtime: 10}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func BenchmarkSession20(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	vs := randomSession(rng, 240)
	e := New(0.35, DefaultStep)
	b.ReportAllocs()
	for b.Loop() {
		e.Session(240, vs)
	}
	b.ReportMetric(float64(len(vs)), "visits")
}

// In a session with gaps the queue forgets an insertion within a few
// visits; the early stop must give what a full run gives.
func TestChainMergeInSparseSession(t *testing.T) {
	e := New(0.35, DefaultStep)
	var vs []Visit
	for at := 0.0; at < 240; at += 30 {
		vs = append(vs, Visit{At: at, Minutes: 15, NoShow: 0.1})
	}
	c := e.NewChain(240, vs)
	for j := 0; j <= len(vs); j++ {
		extra := Visit{At: float64(j)*30 - 15, Minutes: 15, NoShow: 0.3}
		if j == 0 {
			extra.At = 0
		}
		edited := append(append(append([]Visit{}, vs[:j]...), extra), vs[j:]...)
		got, want := c.Eval(j, j, []Visit{extra}), e.Session(240, edited)
		if math.Abs(got.Wait-want.Wait) > 1e-5 || math.Abs(got.Idle-want.Idle) > 1e-5 || math.Abs(got.Overtime-want.Overtime) > 1e-5 {
			t.Fatalf("insert at %d: chain %+v, session %+v", j, got, want)
		}
	}
}
