package inventory

import (
	"cmp"
	"slices"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// ExpiringLot is a lot to use first, or to discard when it has expired.
type ExpiringLot struct {
	Lot
	Description string `json:"description"`
	// DaysLeft is the days it may still be used (Expires − today); 0 or
	// less: expired, to be discarded.
	DaysLeft int     `json:"days_left"`
	Value    float64 `json:"value"` // quantity × unit cost, dollars
}

// Expiring is the use-first list.
type Expiring struct {
	AsOf claim.Date    `json:"as_of"`
	Days int           `json:"days"`
	Lots []ExpiringLot `json:"lots"`
}

// MaxExpiringDays bounds the use-first window.
const MaxExpiringDays = 365

// ExpiringLots lists the lots (on the shelf) that expire within days of
// asOf, in use-first order: first-expiring first, then by SKU and supply
// room. Lots already expired and not yet discarded come first (DaysLeft ≤
// 0). Descriptions and values come from items.
func ExpiringLots(items []Item, lots []Lot, asOf claim.Date, days int) Expiring {
	out := Expiring{AsOf: asOf, Days: days, Lots: []ExpiringLot{}}
	byID := map[SKU]Item{}
	for _, it := range items {
		byID[it.SKU] = it
	}
	for _, l := range lots {
		if l.Expires.IsZero() || l.Expires > asOf.AddDays(days) || l.Quantity <= 0 {
			continue
		}
		it := byID[l.SKU]
		out.Lots = append(out.Lots, ExpiringLot{Lot: l, Description: it.Description, DaysLeft: l.Expires.DaysSince(asOf), Value: l.Quantity * it.UnitCost})
	}
	slices.SortStableFunc(out.Lots, func(a, b ExpiringLot) int {
		return cmp.Or(cmp.Compare(a.Expires, b.Expires), cmp.Compare(a.SKU, b.SKU), cmp.Compare(a.Location, b.Location))
	})
	return out
}
