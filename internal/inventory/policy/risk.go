package policy

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// StockoutRisk returns the probability that demand over the next days days
// exceeds onHand: the nightly review's "at risk before the next delivery"
// list uses it with days = days until the next expected delivery (or the
// lead time when nothing is on order). Demand over the days is taken as a
// gamma variable with the model's mean and variance (day-to-day variance
// plus the forecast's level error), which keeps the right skew of
// intermittent demand.
func StockoutRisk(dm DemandModel, onHand float64, days int) float64 {
	if days <= 0 || dm.Mean <= 0 {
		return 0
	}
	n := float64(days)
	mean := dm.Mean * n
	variance := n*dm.DailyVariance() + math.Pow(dm.LevelError*mean, 2)
	if onHand <= 0 {
		return 1
	}
	if variance <= 0 {
		if mean > onHand {
			return 1
		}
		return 0
	}
	shape := mean * mean / variance
	return distuv.Gamma{Alpha: shape, Beta: shape / mean}.Survival(onHand)
}
