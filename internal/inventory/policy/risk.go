package policy

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// RiskModel is what StockoutRisk needs of a demand model: three numbers,
// small enough to store with an item's policy, so the risk can be worked
// out again from the stock on hand of the moment without the history.
type RiskModel struct {
	DailyMean     float64 `json:"daily_mean"`
	DailyVariance float64 `json:"daily_variance"` // one day's demand, without the level error
	LevelError    float64 `json:"level_error"`    // relative standard error of the mean
}

// Risk returns the model's RiskModel.
func (m DemandModel) Risk() RiskModel {
	return RiskModel{DailyMean: m.Mean, DailyVariance: m.DailyVariance(), LevelError: m.LevelError}
}

// StockoutRisk returns the probability that demand over the next days days
// exceeds onHand: the nightly review's "at risk before the next delivery"
// list uses it with days = days until the next expected delivery (or the
// lead time when nothing is on order). Demand over the days is taken as a
// gamma variable with the model's mean and variance (day-to-day variance
// plus the forecast's level error), which keeps the right skew of
// intermittent demand.
func StockoutRisk(m RiskModel, onHand float64, days int) float64 {
	if days <= 0 || m.DailyMean <= 0 {
		return 0
	}
	n := float64(days)
	mean := m.DailyMean * n
	variance := n*m.DailyVariance + math.Pow(m.LevelError*mean, 2)
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
