package policy

import (
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/rcmbot/rcmbot/internal/inventory"
)

// LeadTimeDist is a lead time in whole days ≥ 1: Prob[k] is the
// probability it is Min+k days.
type LeadTimeDist struct {
	Min  int
	Prob []float64
	cum  []float64
}

// NewLeadTimeDist discretises a lead time of mean m and standard deviation
// sd: a gamma distribution with those moments, rounded to whole days (mass
// below 1.5 days goes to 1 day), its upper 0.01% cut off. With sd = 0 it
// is the mean rounded, at least 1.
func NewLeadTimeDist(lt inventory.LeadTime) LeadTimeDist {
	m, sd := max(lt.MeanDays, 1), lt.SDDays
	if sd <= 0 || m/sd > 100 {
		return LeadTimeDist{Min: lt.Days(), Prob: []float64{1}, cum: []float64{1}}
	}
	shape := (m / sd) * (m / sd)
	g := distuv.Gamma{Alpha: shape, Beta: shape / m}
	hi := max(1, int(math.Ceil(g.Quantile(0.9999))))
	prob := make([]float64, hi)
	prev := 0.0
	for k := 1; k <= hi; k++ {
		c := g.CDF(float64(k) + 0.5)
		if k == hi {
			c = 1
		}
		prob[k-1] = c - prev
		prev = c
	}
	d := LeadTimeDist{Min: 1, Prob: prob}
	d.trim()
	return d
}

// trim drops leading zero-probability days and builds the cumulative table.
func (d *LeadTimeDist) trim() {
	i := 0
	for i < len(d.Prob)-1 && d.Prob[i] < 1e-12 {
		i++
	}
	d.Min += i
	d.Prob = d.Prob[i:]
	d.cum = make([]float64, len(d.Prob))
	var c float64
	for k, p := range d.Prob {
		c += p
		d.cum[k] = c
	}
	d.cum[len(d.cum)-1] = 1
}

// Mean returns the mean lead time in days.
func (d LeadTimeDist) Mean() float64 {
	var m float64
	for k, p := range d.Prob {
		m += float64(d.Min+k) * p
	}
	return m
}

// Variance returns the variance of the lead time in days².
func (d LeadTimeDist) Variance() float64 {
	mu := d.Mean()
	var v float64
	for k, p := range d.Prob {
		x := float64(d.Min+k) - mu
		v += x * x * p
	}
	return v
}

// Max returns the longest lead time the distribution allows.
func (d LeadTimeDist) Max() int { return d.Min + len(d.Prob) - 1 }

// Draw returns a random lead time.
func (d LeadTimeDist) Draw(rng *rand.Rand) int32 {
	if len(d.cum) <= 1 {
		return int32(d.Min)
	}
	return int32(d.Min + sort.SearchFloat64s(d.cum, rng.Float64()))
}
