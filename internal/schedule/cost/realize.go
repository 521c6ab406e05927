package cost

import "math"

// ServiceTime returns the lognormal service time with the given mean and
// coefficient of variation at standard normal quantile z:
// mean·exp(σz − σ²/2) with σ² = ln(1 + cv²). Simulations draw z once
// per patient so that policies compared on the same patients see the
// same service times (common random numbers).
func ServiceTime(mean, cv, z float64) float64 {
	s2 := math.Log1p(cv * cv)
	return mean * math.Exp(math.Sqrt(s2)*z-s2/2)
}

// Realize returns the waiting, idle time and overtime of one realised
// session of length minutes: the visits in service order, showed[i]
// whether patient i came and service[i] how long they took. It applies
// the model's definitions directly (idle is counted minute by minute
// inside the session), which is how the tests check Evaluator's
// shortcut for idle time.
func Realize(length float64, visits []Visit, showed []bool, service []float64) Expectation {
	var r Expectation
	free, busy := 0.0, 0.0
	for i, v := range visits {
		if !showed[i] {
			continue
		}
		s := max(v.At, free)
		r.Wait += s - v.At
		free = s + service[i]
		busy += min(free, length) - min(s, length)
	}
	r.Overtime = max(0, free-length)
	r.Idle = length - busy
	return r
}
