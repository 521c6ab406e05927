// Package cost computes the expected patient waiting, provider idle time
// and overtime of one provider-session under the scheduling cost model of
// issue 11: patients are punctual and show independently, the one who
// showed is served in appointment order, each starting at the later of
// the appointment time and the moment the provider is free (the provider
// is free from the session start), service times are lognormal with mean
// the visit's minutes and a common coefficient of variation.
//
// # Method
//
// The time the provider becomes free, F, is a random variable whose
// distribution is carried on a grid of spacing Step minutes through the
// session, visit by visit:
//
//   - a visit at time a sees G = max(a, F): the mass of F below a moves
//     to a (exactly, onto the grid points either side when a is off the
//     grid), and E[wait] gains (1−p)·E[G − a];
//   - afterwards F is G with probability p (no-show) and G + S with
//     probability 1−p, S the service time: a mixture of G and the
//     convolution of G with S's grid distribution.
//
// S's grid distribution gives each grid point k the mass E[max(0, 1 −
// |S/Step − k|)] (the "tent" discretisation, from the lognormal's CDF and
// partial expectation in closed form). It keeps S's mass and mean
// exactly, and E[max(0, S − a)] too for every grid point a, so a visit
// that follows one served from an idle provider is priced exactly.
// Clamping at appointment times on the grid (whole minutes, with the
// default step) is exact as well. What remains is that each convolution
// of two grid distributions adds about Step²/6 to the variance of F: the
// error is O(Step²), about 0.004 minutes per visit at the default step
// in congested double-booked sessions (0.007% of their waiting) and far
// inside the noise of a 10⁶-sample Monte Carlo (see the tests).

// After the last visit, E[overtime] = E[max(0, F − L)] for a session of
// L minutes. Idle time needs no extra pass: every appointment starts
// before the session's end, so after the end the provider works without
// a break until F, and the minutes served inside the session are Σ
// service − overtime. Hence E[idle] = L − Σ(1−p)·minutes + E[overtime].
//
// The computation is deterministic (fixed operation order); a congested,
// double-booked session of 20 visits takes about half a millisecond at
// the default step (BenchmarkSession20), a session with gaps far less.
// Chain keeps the distribution before every visit so that inserting,
// removing or replacing a visit re-evaluates only from that visit on,
// which the planner's local search relies on.
package cost

import (
	"math"
	"slices"
)

// Visit is one appointment of a session, in service order.
type Visit struct {
	At      float64 // appointment time in minutes after the session's start, ≥ 0
	Minutes float64 // mean service time (the visit type's minutes), > 0
	NoShow  float64 // probability the patient does not come, 0 to 1
}

// Expectation is what a session is expected to cost in minutes.
type Expectation struct {
	Wait     float64 // Σ over patients who come of (service start − appointment time)
	Idle     float64 // session minutes in which the provider serves nobody
	Overtime float64 // minutes past the session's end until the last patient leaves
}

// Add returns e + f.
func (e Expectation) Add(f Expectation) Expectation {
	return Expectation{Wait: e.Wait + f.Wait, Idle: e.Idle + f.Idle, Overtime: e.Overtime + f.Overtime}
}

// Sub returns e − f.
func (e Expectation) Sub(f Expectation) Expectation {
	return Expectation{Wait: e.Wait - f.Wait, Idle: e.Idle - f.Idle, Overtime: e.Overtime - f.Overtime}
}

// Weights prices an Expectation.
type Weights struct {
	Wait, Idle, Overtime float64 // per minute
}

// Of returns the cost of e.
func (w Weights) Of(e Expectation) float64 {
	return w.Wait*e.Wait + w.Idle*e.Idle + w.Overtime*e.Overtime
}

// DefaultStep is the grid spacing, in minutes, that plans are priced
// with. It divides every whole-minute appointment time, so clamping is
// exact.
const DefaultStep = 1.0

// negligible is the mass below which a trailing grid point is dropped;
// screenCut is NewScreen's, for which the dropped tail joins the last
// point kept.
const (
	negligible = 1e-15
	screenCut  = 1e-9
)

// Evaluator computes Expectations for one service-time variability and
// grid step. It caches the service distributions per visit length and
// reuses buffers, so it is not safe for concurrent use; make one per
// goroutine.
type Evaluator struct {
	cv, step float64
	tailZ    float64
	merge    float64 // Chain.Eval's early-stop tolerance
	cut      float64 // trailing mass below which a distribution is cut short
	kernels  map[float64]*kernel
	bufA     []float64
	bufB     []float64
}

// New returns an Evaluator for service times with coefficient of
// variation cv on a grid of step minutes (DefaultStep when step ≤ 0).
func New(cv, step float64) *Evaluator {
	if step <= 0 {
		step = DefaultStep
	}
	return &Evaluator{cv: cv, step: step, tailZ: tailZ, merge: mergeTolerance, cut: negligible, kernels: map[float64]*kernel{}}
}

// NewScreen returns an Evaluator for screening many alternatives quickly
// before the best few are priced with New: on a grid of step minutes
// (typically a third of a slot), with the service-time tails beyond
// screenTailZ standard deviations (2·10⁻⁴ of the mass each side) placed
// at their conditional means, which keeps mass and mean exact and the
// kernels short; with the free time's upper tail cut at screenCut of
// its mass (folded into the last point kept); and with Chain.Eval
// stopping once a change has faded to screenMerge of the free-time
// distribution.
func NewScreen(cv, step float64) *Evaluator {
	e := New(cv, step)
	e.tailZ, e.merge, e.cut = screenTailZ, screenMerge, screenCut
	return e
}

// Step returns the grid spacing.
func (e *Evaluator) Step() float64 { return e.step }

// CV returns the service times' coefficient of variation.
func (e *Evaluator) CV() float64 { return e.cv }

// dist is a distribution on the grid: p[i] is the probability of time
// (lo+i)·step.
type dist struct {
	lo int
	p  []float64
}

func (d dist) clone() dist { return dist{lo: d.lo, p: slices.Clone(d.p)} }

// start is the provider free at the session's start.
var start = dist{lo: 0, p: []float64{1}}

// Session returns the expectation of a session of length minutes with
// the visits in service order.
func (e *Evaluator) Session(length float64, visits []Visit) Expectation {
	d := start
	var wait float64
	for _, v := range visits {
		var w float64
		d, w = e.visit(d, v)
		wait += w
	}
	return e.finish(length, d, wait, visits)
}

// finish adds overtime and idle time to the waiting.
func (e *Evaluator) finish(length float64, d dist, wait float64, visits []Visit) Expectation {
	served := 0.0
	for _, v := range visits {
		served += (1 - v.NoShow) * v.Minutes
	}
	return e.finishServed(length, d, wait, served)
}

// finishServed completes an expectation from the final distribution d,
// the expected wait and the expected minutes served.
func (e *Evaluator) finishServed(length float64, d dist, wait, served float64) Expectation {
	ot := 0.0
	end := length / e.step
	for i, m := range d.p {
		if x := float64(d.lo+i) - end; x > 0 {
			ot += x * m
		}
	}
	ot *= e.step
	return Expectation{Wait: wait, Idle: length - served + ot, Overtime: ot}
}

// visit advances d over one visit and returns the new distribution (in
// one of the evaluator's buffers, valid until the next call but one) and
// the visit's expected wait.
func (e *Evaluator) visit(d dist, v Visit) (dist, float64) {
	a := v.At / e.step
	ai := math.Floor(a + 1e-9)
	frac := a - ai
	if frac < 1e-9 {
		frac = 0
	}
	lo := int(ai)
	// Expected wait of a patient who comes: E[max(0, F − a)].
	wait := 0.0
	for i, m := range d.p {
		if x := float64(d.lo+i) - a; x > 0 {
			wait += x * m
		}
	}
	show := 1 - v.NoShow
	wait *= e.step * show
	// G = max(a, F) on the grid, starting at lo.
	hi := max(d.lo+len(d.p), lo+2)
	g := grow(&e.bufA, hi-lo)
	clear(g)
	for i, m := range d.p {
		k := d.lo + i
		switch {
		case float64(k) >= a && k >= lo:
			g[k-lo] += m
		default: // below a: moved to a
			g[0] += m * (1 - frac)
			g[1] += m * frac
		}
	}
	g = trim(g)
	if show == 0 {
		out := grow(&e.bufB, len(g))
		copy(out, g)
		return dist{lo: lo, p: out}, 0
	}
	k := e.kernel(v.Minutes)
	n := max(len(g), k.lo+len(g)+len(k.p)-1)
	out := grow(&e.bufB, n)
	for i, m := range g {
		out[i] = (1 - show) * m
	}
	clear(out[len(g):])
	kp := k.p
	for i, m := range g {
		if m < negligible {
			continue
		}
		m *= show
		dst := out[i+k.lo:]
		dst = dst[:len(kp)]
		for j, q := range kp {
			dst[j] += m * q
		}
	}
	return dist{lo: lo, p: e.cutTail(out)}, wait
}

// cutTail drops the upper tail below the evaluator's cut: exactly (the
// mass is negligible) for New, folded into the last point kept for
// NewScreen.
func (e *Evaluator) cutTail(p []float64) []float64 {
	if e.cut <= negligible {
		return trim(p)
	}
	n, tail := len(p), 0.0
	for n > 1 && tail+p[n-1] < e.cut {
		tail += p[n-1]
		n--
	}
	p[n-1] += tail
	return p[:n]
}

// grow returns (*buf)[:n], reallocating when too short. The two buffers
// alternate: visit reads d (in bufB from the previous call, or a Chain's
// own copy) and writes G to bufA and the result to bufB.
func grow(buf *[]float64, n int) []float64 {
	if cap(*buf) < n {
		*buf = make([]float64, n, n+n/2+16)
	}
	return (*buf)[:n]
}

func trim(p []float64) []float64 {
	n := len(p)
	for n > 1 && p[n-1] < negligible {
		n--
	}
	return p[:n]
}

// kernel is a service-time distribution on the grid: p[i] is the
// probability of lo+i steps.
type kernel struct {
	lo int
	p  []float64
}

func (e *Evaluator) kernel(minutes float64) *kernel {
	if k, ok := e.kernels[minutes]; ok {
		return k
	}
	k := newKernel(minutes, e.cv, e.step, e.tailZ)
	e.kernels[minutes] = k
	return k
}

// tailZ is how many standard deviations of log service time the kernel
// spans densely either side; the mass beyond (3·10⁻⁷ each side) is
// placed at its conditional mean, so mass and mean stay exact.
// screenTailZ is NewScreen's.
const (
	tailZ       = 5.0
	screenTailZ = 3.5
)

// newKernel discretises a lognormal service time of the given mean and
// coefficient of variation with tent functions on a grid of step h.
func newKernel(mean, cv, h, tailZ float64) *kernel {
	u := mean / h // mean in steps
	sigma := math.Sqrt(math.Log1p(cv * cv))
	if sigma < 1e-7 {
		// Deterministic: the mean split between the grid points either side.
		k := math.Floor(u)
		f := u - k
		return &kernel{lo: int(k), p: []float64{1 - f, f}}
	}
	mu := math.Log(u) - sigma*sigma/2 // of log(S/h)
	lo := int(math.Floor(math.Exp(mu - tailZ*sigma)))
	hi := int(math.Ceil(math.Exp(mu+tailZ*sigma))) + 1
	n := hi - lo + 1
	// At each grid point t: cdf and lower partial mean E[U; U ≤ t] for
	// the lower half, survival and upper partial mean E[U; U > t] for the
	// upper half (each accurate where the other loses digits).
	cdf, low := make([]float64, n), make([]float64, n)
	sf, up := make([]float64, n), make([]float64, n)
	zs := make([]float64, n)
	for j := range n {
		t := float64(lo + j)
		if t <= 0 {
			zs[j] = math.Inf(-1)
			sf[j], up[j] = 1, u
			continue
		}
		z := (math.Log(t) - mu) / sigma
		zs[j] = z
		cdf[j], sf[j] = normCDF(z), normCDF(-z)
		low[j], up[j] = u*normCDF(z-sigma), u*normCDF(sigma-z)
	}
	// mass and partial mean of U in (t_{j-1}, t_j].
	between := func(j int) (dm, dmean float64) {
		if zs[j] <= 0 {
			return cdf[j] - cdf[j-1], low[j] - low[j-1]
		}
		return sf[j-1] - sf[j], up[j-1] - up[j]
	}
	// The tails beyond lo and hi, placed at their conditional means.
	lowMass, lowAt := cdf[0], 0.0
	if lowMass > 0 {
		lowAt = low[0] / lowMass
	}
	upMass, upAt := sf[n-1], float64(hi)
	if upMass > 0 {
		upAt = up[n-1] / upMass
	}
	first := min(lo, int(math.Floor(lowAt)))
	last := max(hi, int(math.Ceil(upAt))+1)
	p := make([]float64, last-first+1)
	for j := range n {
		k := float64(lo + j)
		m := 0.0
		if j > 0 { // rising half on [k−1, k]
			dm, dmean := between(j)
			m += dmean - (k-1)*dm
		}
		if j < n-1 { // falling half on [k, k+1]
			dm, dmean := between(j + 1)
			m += (k+1)*dm - dmean
		}
		p[lo+j-first] += max(m, 0)
	}
	split := func(mass, at float64) {
		k := math.Floor(at)
		f := at - k
		p[int(k)-first] += mass * (1 - f)
		p[int(k)+1-first] += mass * f
	}
	split(lowMass, lowAt)
	split(upMass, upAt)
	total := 0.0
	for _, m := range p {
		total += m
	}
	for j := range p {
		p[j] /= total
	}
	i := 0
	for i < len(p)-1 && p[i] < negligible {
		i++
	}
	return &kernel{lo: first + i, p: trim(p[i:])}
}

func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }
