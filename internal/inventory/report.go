package inventory

import (
	"cmp"
	"slices"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// The inventory report measures, from what the store records, how well
// stock served demand and what it cost over a period of days:
//
//   - On hand at the end of a day is the running sum of the item's stock
//     movements (receipts, counts, issues for usage, adjustments, waste;
//     usage movements are the demand, their issues moved the lots), less
//     lots on the shelf that have expired (from their expiry day on: they
//     cannot be used).
//   - Demand is the recorded usage. Where the store recorded what the lots
//     could not meet (usage issued from lots whose stock that day was
//     known), that is the day's lost demand and used is the rest; the day
//     is a stock-out day when some went unmet. Other days are estimated:
//     a day is in stock when the item ended it with usable stock or was
//     used that day (there was stock to use); the item's demand rate is
//     its demand over its in-stock and recorded days; a stock-out day is
//     a day neither in stock nor recorded of an item with a demand rate
//     above 0, and it lost the rate's worth of demand. An item neither
//     stocked nor used in the period shows no demand and no stock-out.
//   - Fill rate = used ÷ (used + lost), in units (demand-weighted, as the
//     benchmark measures it); 0 when there was no demand.
//   - Stock value = usable on hand × unit cost at the end of the range;
//     average stock value is the mean of the days' end values.
//   - Waste from expiry = units discarded (waste movements) plus lots still
//     on the shelf that expired in the range (on their expiry day), × unit
//     cost.
//   - Turns = usage value over the range, annualised (× 365 ÷ days), ÷
//     average stock value; 0 when no stock was held.

// ReportInput is what the inventory report is computed from.
type ReportInput struct {
	From, To claim.Date // the days reported, inclusive
	Items    []Item
	// Stock is every stock movement (any kind but usage) on days up to To.
	Stock []Movement
	// Usage is the daily usage (the demand) on From … To.
	Usage []Usage
	// Unmet is the demand recorded as unmet on From … To, per day and
	// item whose stock was known (zero when the lots met it all); item-days
	// without a record are estimated.
	Unmet []Usage
	// Lots is the lots on the shelf now (quantity > 0).
	Lots []Lot
}

// ReportFigures are the report's measures over a range of days.
type ReportFigures struct {
	Used     float64 `json:"used"`      // units issued
	Lost     float64 `json:"lost"`      // units of demand lost to stock-outs (recorded, or estimated where not)
	Demand   float64 `json:"demand"`    // Used + Lost
	FillRate float64 `json:"fill_rate"` // Used ÷ Demand; 0 without demand
	// StockoutDays counts item-days with demand and nothing usable on hand.
	StockoutDays  int     `json:"stockout_days"`
	UsageValue    float64 `json:"usage_value"`         // dollars used
	StockValue    float64 `json:"stock_value"`         // dollars on hand at the end
	AvgStockValue float64 `json:"average_stock_value"` // mean of the days' end values
	Waste         float64 `json:"waste"`               // units expired
	WasteValue    float64 `json:"waste_value"`         // dollars expired
	Turns         float64 `json:"turns"`               // annualised usage value ÷ average stock value
}

// ItemReport is one item's figures over the period.
type ItemReport struct {
	SKU         SKU    `json:"sku"`
	Description string `json:"description"`
	ReportFigures
}

// WeekReport is the figures of seven days from Start (the last week of a
// period may be shorter: through End).
type WeekReport struct {
	Start claim.Date `json:"start"`
	End   claim.Date `json:"end"`
	ReportFigures
}

// Report is the inventory report of a period.
type Report struct {
	From  claim.Date    `json:"from"`
	To    claim.Date    `json:"to"`
	Days  int           `json:"days"`
	Total ReportFigures `json:"total"`
	Items []ItemReport  `json:"items"`
	Weeks []WeekReport  `json:"weeks"`
}

// daily holds a set of figures day by day over the period.
type daily struct {
	used, lost, usageValue, stockValue, waste, wasteValue []float64
	out                                                   []int
}

func newDaily(n int) daily {
	return daily{used: make([]float64, n), lost: make([]float64, n), usageValue: make([]float64, n), stockValue: make([]float64, n),
		waste: make([]float64, n), wasteValue: make([]float64, n), out: make([]int, n)}
}

func (d daily) add(o daily) {
	for i := range d.used {
		d.used[i] += o.used[i]
		d.lost[i] += o.lost[i]
		d.usageValue[i] += o.usageValue[i]
		d.stockValue[i] += o.stockValue[i]
		d.waste[i] += o.waste[i]
		d.wasteValue[i] += o.wasteValue[i]
		d.out[i] += o.out[i]
	}
}

// figures sums days a … b−1.
func (d daily) figures(a, b int) ReportFigures {
	var f ReportFigures
	if b <= a {
		return f
	}
	for i := a; i < b; i++ {
		f.Used += d.used[i]
		f.Lost += d.lost[i]
		f.UsageValue += d.usageValue[i]
		f.AvgStockValue += d.stockValue[i]
		f.Waste += d.waste[i]
		f.WasteValue += d.wasteValue[i]
		f.StockoutDays += d.out[i]
	}
	days := float64(b - a)
	f.Demand = f.Used + f.Lost
	if f.Demand > 0 {
		f.FillRate = f.Used / f.Demand
	}
	f.StockValue = d.stockValue[b-1]
	f.AvgStockValue /= days
	if f.AvgStockValue > 0 {
		f.Turns = f.UsageValue * 365 / days / f.AvgStockValue
	}
	return f
}

// stockEpsilon is less than any quantity that matters: on hand at or below
// it is nothing.
const stockEpsilon = 1e-9

// itemDaily computes one item's days.
func itemDaily(it Item, n int, from claim.Date, moves []Movement, usage, unmet []Usage, lots []Lot) daily {
	d := newDaily(n)
	opening := 0.0
	delta := make([]float64, n)
	stale := make([]float64, n) // expired lots still on the shelf, from their expiry day
	staleBefore := 0.0
	for _, m := range moves {
		i := m.Day.DaysSince(from)
		switch {
		case i < 0:
			opening += m.Quantity
		case i < n:
			delta[i] += m.Quantity
			if m.Kind == MoveWaste {
				d.waste[i] -= m.Quantity
			}
		}
	}
	for _, l := range lots {
		if l.Expires.IsZero() {
			continue
		}
		switch i := l.Expires.DaysSince(from); {
		case i < 0:
			staleBefore += l.Quantity
		case i < n:
			stale[i] += l.Quantity
			d.waste[i] += l.Quantity
		}
	}
	for _, u := range usage {
		if i := u.Day.DaysSince(from); i >= 0 && i < n {
			d.used[i] += u.Quantity
		}
	}
	recorded := make([]bool, n)
	for _, u := range unmet {
		if i := u.Day.DaysSince(from); i >= 0 && i < n {
			recorded[i] = true
			d.used[i] -= u.Quantity
			d.lost[i] += u.Quantity
		}
	}
	onHand, unusable := opening, staleBefore
	inStock := make([]bool, n)
	var inDays int
	var inDemand float64
	for i := range n {
		onHand += delta[i]
		unusable += stale[i]
		usable := max(onHand-unusable, 0)
		d.stockValue[i] = usable * it.UnitCost
		if recorded[i] || usable > stockEpsilon || d.used[i] > 0 {
			inStock[i] = true
			inDays++
			inDemand += d.used[i] + d.lost[i]
		}
	}
	mean := 0.0
	if inDays > 0 {
		mean = inDemand / float64(inDays)
	}
	for i := range n {
		switch {
		case recorded[i] && d.lost[i] > stockEpsilon:
			d.out[i] = 1
		case !inStock[i] && mean > 0:
			d.out[i] = 1
			d.lost[i] = mean
		}
		d.usageValue[i] = d.used[i] * it.UnitCost
		d.wasteValue[i] = d.waste[i] * it.UnitCost
	}
	return d
}

// BuildReport computes the inventory report (see the measures above).
// Items are listed by SKU; a period that ends before it starts reports
// nothing.
func BuildReport(in ReportInput) Report {
	n := in.To.DaysSince(in.From) + 1
	rep := Report{From: in.From, To: in.To, Days: max(n, 0), Items: []ItemReport{}, Weeks: []WeekReport{}}
	if n <= 0 {
		return rep
	}
	moves := map[SKU][]Movement{}
	for _, m := range in.Stock {
		if m.Kind != MoveUsage && m.Day <= in.To { // usage is demand: its issues moved the stock
			moves[m.SKU] = append(moves[m.SKU], m)
		}
	}
	usage := map[SKU][]Usage{}
	for _, u := range in.Usage {
		usage[u.SKU] = append(usage[u.SKU], u)
	}
	unmet := map[SKU][]Usage{}
	for _, u := range in.Unmet {
		unmet[u.SKU] = append(unmet[u.SKU], u)
	}
	lots := map[SKU][]Lot{}
	for _, l := range in.Lots {
		lots[l.SKU] = append(lots[l.SKU], l)
	}
	items := slices.Clone(in.Items)
	slices.SortFunc(items, func(a, b Item) int { return cmp.Compare(a.SKU, b.SKU) })
	total := newDaily(n)
	for _, it := range items {
		d := itemDaily(it, n, in.From, moves[it.SKU], usage[it.SKU], unmet[it.SKU], lots[it.SKU])
		total.add(d)
		rep.Items = append(rep.Items, ItemReport{SKU: it.SKU, Description: it.Description, ReportFigures: d.figures(0, n)})
	}
	rep.Total = total.figures(0, n)
	for a := 0; a < n; a += 7 {
		b := min(a+7, n)
		rep.Weeks = append(rep.Weeks, WeekReport{Start: in.From.AddDays(a), End: in.From.AddDays(b - 1), ReportFigures: total.figures(a, b)})
	}
	return rep
}
