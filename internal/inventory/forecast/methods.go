package forecast

// Method names a forecasting method. The names are part of the offline
// policy report (forecast_method) and the store: extend, never rename.
type Method string

// The methods.
const (
	// SES is simple exponential smoothing: level ℓ ← ℓ + g(y − ℓ) with
	// gain g = max(α, 1/n) at the n-th observation, so the level is the
	// running mean until n = 1/α and no slow setting hangs on the first
	// value; forecast ℓ per day.
	SES Method = "ses"
	// Croston smooths the non-zero demand sizes z and the intervals p
	// between them (the first interval counted from the series start),
	// with the gain max(α, 1/k) at the k-th demand; forecast z/p per day.
	Croston Method = "croston"
	// SBA is Croston with the Syntetos–Boylan bias correction: (1 − α/2)·z/p.
	SBA Method = "sba"
	// TSB (Teunter–Syntetos–Babai) smooths the probability of demand every
	// day (gain max(α, 1/days)) and the size on demand days (gain
	// max(Beta, 1/demands)); forecast probability × size. It follows an
	// item that stops being used, which Croston does not.
	TSB Method = "tsb"
	// SeasonalWeekly is additive exponential smoothing with a 7-day
	// season (ETS(A,N,A)): level α, weekday indices Beta; started from the
	// first two weeks.
	SeasonalWeekly Method = "seasonal_weekly"
	// Holt is Holt's linear method with a damped trend: level α, trend
	// Beta, damping Phi; for demand that grows or shrinks.
	Holt Method = "holt_damped"
	// Zero forecasts no demand (an item without usage).
	Zero Method = "zero"
)

// Spec is a method with its smoothing parameters.
type Spec struct {
	Method Method  `json:"method"`
	Alpha  float64 `json:"alpha,omitempty"`
	Beta   float64 `json:"beta,omitempty"` // TSB size, seasonal index or trend smoothing
	Phi    float64 `json:"phi,omitempty"`  // Holt damping
}

// model is a method's state as it reads a series day by day.
type model interface {
	// update reads y, the demand on day t (days are fed in order from 0).
	update(t int, y float64)
	// total forecasts the demand on days t … t+h−1 from what was read so
	// far (days 0 … t−1).
	total(t, h int) float64
}

func (s Spec) model() model {
	switch s.Method {
	case SES:
		return &ses{alpha: s.Alpha}
	case Croston:
		return &croston{alpha: s.Alpha, factor: 1}
	case SBA:
		return &croston{alpha: s.Alpha, factor: 1 - s.Alpha/2}
	case TSB:
		return &tsb{alphaP: s.Alpha, alphaZ: s.Beta}
	case SeasonalWeekly:
		return &seasonal{alpha: s.Alpha, gamma: s.Beta}
	case Holt:
		return &holt{alpha: s.Alpha, beta: s.Beta, phi: s.Phi}
	}
	return zero{}
}

type zero struct{}

func (zero) update(int, float64)    {}
func (zero) total(int, int) float64 { return 0 }

// gain is the smoothing weight of the n-th observation for parameter a:
// a, or more while fewer than 1/a observations have been seen.
func gain(a float64, n int) float64 { return max(a, 1/float64(n)) }

type ses struct {
	alpha, level float64
	n            int
}

func (m *ses) update(_ int, y float64) {
	m.n++
	m.level += gain(m.alpha, m.n) * (y - m.level)
}

func (m *ses) total(_, h int) float64 { return m.level * float64(h) }

type croston struct {
	alpha, factor float64
	size, gap     float64 // smoothed size z and interval p
	since         int     // days since the last demand, counting the current one
	demands       int
}

func (m *croston) update(_ int, y float64) {
	m.since++
	if y <= 0 {
		return
	}
	m.demands++
	g := gain(m.alpha, m.demands)
	m.size += g * (y - m.size)
	m.gap += g * (float64(m.since) - m.gap)
	m.since = 0
}

func (m *croston) total(_, h int) float64 {
	if m.demands == 0 {
		return 0
	}
	return m.factor * m.size / m.gap * float64(h)
}

type tsb struct {
	alphaP, alphaZ float64
	prob, size     float64
	days, demands  int
}

func (m *tsb) update(_ int, y float64) {
	m.days++
	d := 0.0
	if y > 0 {
		d = 1
		m.demands++
		m.size += gain(m.alphaZ, m.demands) * (y - m.size)
	}
	m.prob += gain(m.alphaP, m.days) * (d - m.prob)
}

func (m *tsb) total(_, h int) float64 { return m.prob * m.size * float64(h) }

// seasonalWarmup is how many days the weekly method averages before it
// starts smoothing.
const seasonalWarmup = 14

type seasonal struct {
	alpha, gamma float64
	level        float64
	index        [7]float64
	warm         [seasonalWarmup]float64
	n            int
}

func (m *seasonal) update(t int, y float64) {
	if m.n < seasonalWarmup {
		m.warm[m.n] = y
		m.n++
		if m.n == seasonalWarmup {
			var sum float64
			for _, v := range m.warm {
				sum += v
			}
			m.level = sum / seasonalWarmup
			for i, v := range m.warm {
				m.index[(t-seasonalWarmup+1+i)%7] += (v - m.level) / 2
			}
		}
		return
	}
	w := t % 7
	e := y - (m.level + m.index[w])
	m.level += m.alpha * e
	m.index[w] += m.gamma * e
}

func (m *seasonal) total(t, h int) float64 {
	if m.n < seasonalWarmup {
		var sum float64
		for _, v := range m.warm[:m.n] {
			sum += v
		}
		if m.n == 0 {
			return 0
		}
		return sum / float64(m.n) * float64(h)
	}
	var sum float64
	for j := 0; j < h; j++ {
		sum += max(m.level+m.index[(t+j)%7], 0)
	}
	return sum
}

// profile returns the weekday factors (mean 1) by day number modulo 7.
func (m *seasonal) profile() [7]float64 {
	var p [7]float64
	var sum float64
	for w := range p {
		p[w] = max(m.level+m.index[w], 0)
		sum += p[w]
	}
	if sum <= 0 {
		return flatProfile
	}
	for w := range p {
		p[w] *= 7 / sum
	}
	return p
}

var flatProfile = [7]float64{1, 1, 1, 1, 1, 1, 1}

type holt struct {
	alpha, beta, phi float64
	level, trend     float64
	n                int
}

func (m *holt) update(_ int, y float64) {
	m.n++
	if m.n == 1 {
		m.level = y
		return
	}
	prev := m.level
	a := gain(m.alpha, m.n)
	m.level = a*y + (1-a)*(prev+m.phi*m.trend)
	m.trend = m.beta*(m.level-prev) + (1-m.beta)*m.phi*m.trend
}

func (m *holt) total(_, h int) float64 {
	var sum, damp float64
	f := m.phi
	for j := 0; j < h; j++ {
		damp += f
		f *= m.phi
		sum += max(m.level+damp*m.trend, 0)
	}
	return sum
}
