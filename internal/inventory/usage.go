package inventory

import (
	"github.com/rcmbot/rcmbot/internal/claim"
)

// MovementKind says why stock changed. The store keeps every movement;
// on-hand stock is the sum of every kind but usage (demand, whose stock
// effect is its issue movements).
type MovementKind string

// Movement kinds.
const (
	// MoveUsage is a day's recorded usage of an item (the demand, negative;
	// one per day and item). Its effect on the lots is in issue movements.
	MoveUsage      MovementKind = "usage"
	MoveIssue      MovementKind = "issue"      // taken from one lot for a day's usage, first-expiring-first (negative)
	MoveReceipt    MovementKind = "receipt"    // delivered against a purchase order
	MoveCount      MovementKind = "count"      // a cycle count set the quantity (the difference is recorded)
	MoveAdjustment MovementKind = "adjustment" // corrected by hand (damage, found stock)
	MoveWaste      MovementKind = "waste"      // discarded because it expired
)

// Movement is one change to a lot's quantity.
type Movement struct {
	Kind     MovementKind `json:"kind"`
	SKU      SKU          `json:"sku"`
	Location string       `json:"location,omitempty"`
	Lot      string       `json:"lot,omitempty"`
	Day      claim.Date   `json:"day"`
	Quantity float64      `json:"quantity"` // signed: receipts positive, usage and waste negative
	// Reference names what caused it: a PO number, a count sheet, a user.
	Reference string `json:"reference,omitempty"`
}

// Usage is one day's consumption of an item (all locations).
type Usage struct {
	Day      claim.Date `json:"date"`
	SKU      SKU        `json:"sku"`
	Quantity float64    `json:"quantity"`
}

// Series is an item's daily usage: Qty[i] is the consumption on day
// Start+i; a day without usage is zero.
type Series struct {
	Start claim.Date `json:"start"`
	Qty   []float64  `json:"qty"`
}

// End returns the day after the last day of the series.
func (s Series) End() claim.Date { return s.Start.AddDays(len(s.Qty)) }

// DailySeries turns usage records into one daily series per SKU over the
// days first … last (inclusive); several records of one item on one day
// add up, records outside the range are ignored.
func DailySeries(records []Usage, first, last claim.Date) map[SKU]Series {
	n := last.DaysSince(first) + 1
	out := make(map[SKU]Series)
	if n <= 0 {
		return out
	}
	for _, r := range records {
		i := r.Day.DaysSince(first)
		if i < 0 || i >= n {
			continue
		}
		s, ok := out[r.SKU]
		if !ok {
			s = Series{Start: first, Qty: make([]float64, n)}
			out[r.SKU] = s
		}
		s.Qty[i] += r.Quantity
	}
	return out
}
