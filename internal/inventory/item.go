package inventory

import (
	"fmt"
	"math"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// SKU identifies a supply item (the practice's own stock-keeping unit
// code, not the supplier's catalogue number).
type SKU string

// Criticality says how much a stock-out of an item hurts; it sets the
// default target fill rate.
type Criticality string

// The criticalities, from the items whose stock-out stops care to those
// that can wait.
const (
	Critical Criticality = "critical" // vaccines, emergency drugs: target 99%
	High     Criticality = "high"     // suture kits, injectables: 98%
	Standard Criticality = "standard" // gloves, gauze: 95%
	Low      Criticality = "low"      // office supplies: 90%
)

// FillRate returns the default target fill rate of c, the share of demand
// met from stock; an unknown criticality is Standard.
func (c Criticality) FillRate() float64 {
	switch c {
	case Critical:
		return 0.99
	case High:
		return 0.98
	case Low:
		return 0.90
	}
	return 0.95
}

// LeadTime is how long a supplier takes from order to usable stock, in
// days: a mean and a standard deviation. Orders arrive after whole days,
// at least one (see Days).
type LeadTime struct {
	MeanDays float64 `json:"mean_days"`
	SDDays   float64 `json:"sd_days"`
}

// Days returns the lead time a deterministic plan uses: the mean rounded
// to whole days, at least 1.
func (l LeadTime) Days() int { return max(1, int(math.Round(l.MeanDays))) }

// Item is a supply item and how it is bought. Quantities are in the
// item's Unit (each, box, vial, mL).
type Item struct {
	SKU         SKU         `json:"sku"`
	Description string      `json:"description"`
	Unit        string      `json:"unit,omitempty"`
	Criticality Criticality `json:"criticality,omitempty"`
	SupplierID  string      `json:"supplier_id,omitempty"`
	// UnitCost is dollars per unit; float because supplies cost fractions
	// of a cent each (gloves at $0.085). Order totals are rounded to
	// claim.Money.
	UnitCost float64 `json:"unit_cost"`
	// OrderCost is dollars per purchase order placed (handling, shipping).
	OrderCost float64 `json:"order_cost"`
	// LeadTime is the supplier's lead time for this item.
	LeadTime LeadTime `json:"lead_time"`
	// OrderMultiple is the pack size orders are rounded up to (1 = any).
	OrderMultiple float64 `json:"order_multiple"`
	// MinOrderQty is the least quantity the supplier sells in one order.
	MinOrderQty float64 `json:"min_order_qty"`
	// ShelfLifeDays is how long a lot is usable after receipt; 0 means it
	// does not expire. A lot received on day r is usable on days
	// r … r+ShelfLifeDays−1.
	ShelfLifeDays int `json:"shelf_life_days,omitempty"`
	// TargetFillRate is the share of demand to meet from stock, 0 < f < 1;
	// 0 means the Criticality's default.
	TargetFillRate float64 `json:"target_fill_rate"`
}

// FillRateTarget returns the item's target fill rate: its own, or its
// criticality's default.
func (it Item) FillRateTarget() float64 {
	if it.TargetFillRate > 0 {
		return it.TargetFillRate
	}
	return it.Criticality.FillRate()
}

// Validate reports the first field that makes the item unusable for
// planning, naming the field, never its value.
func (it Item) Validate() error {
	switch {
	case it.SKU == "":
		return fmt.Errorf("sku is blank")
	case !(it.UnitCost > 0) || math.IsInf(it.UnitCost, 0):
		return fmt.Errorf("unit_cost must be a positive amount")
	case !(it.OrderCost >= 0) || math.IsInf(it.OrderCost, 0):
		return fmt.Errorf("order_cost must be zero or a positive amount")
	case !(it.LeadTime.MeanDays >= 1) || it.LeadTime.MeanDays > 365:
		return fmt.Errorf("lead_time_days must be between 1 and 365 days")
	case !(it.LeadTime.SDDays >= 0) || it.LeadTime.SDDays > 365:
		return fmt.Errorf("lead_time_sd_days must be between 0 and 365 days")
	case !(it.OrderMultiple >= 0) || it.OrderMultiple > 1e6:
		return fmt.Errorf("order_multiple must be a positive quantity")
	case !(it.MinOrderQty >= 0) || it.MinOrderQty > 1e7:
		return fmt.Errorf("min_order_qty must be zero or a positive quantity")
	case it.ShelfLifeDays < 0 || it.ShelfLifeDays > 36500:
		return fmt.Errorf("shelf_life_days must be blank or a number of days")
	case it.TargetFillRate < 0 || it.TargetFillRate >= 1 || math.IsNaN(it.TargetFillRate):
		return fmt.Errorf("target_fill_rate must be a fraction between 0 and 1, such as 0.95")
	}
	return nil
}

// RoundOrder returns the quantity actually ordered when q is wanted: at
// least MinOrderQty, rounded up to OrderMultiple. A q of zero or less
// orders nothing.
func (it Item) RoundOrder(q float64) float64 {
	if q <= 0 {
		return 0
	}
	return RoundOrderQty(q, it.MinOrderQty, it.OrderMultiple)
}

// RoundOrderQty is the order-quantity rule every layer shares:
// max(q, moq) rounded up to a whole number of multiples (a multiple of 0
// or 1 rounds up to whole units).
func RoundOrderQty(q, moq, multiple float64) float64 {
	q = max(q, moq)
	if multiple <= 1 {
		return math.Ceil(q - 1e-9)
	}
	return math.Ceil(q/multiple-1e-9) * multiple
}

// Location is a supply room (or cabinet, or cart) that holds stock.
type Location struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Supplier sells items with a lead time and takes orders until a daily
// cut-off: an order placed after the cut-off is handled the next day.
type Supplier struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	LeadTime LeadTime `json:"lead_time"`
	// Cutoff is the time of day (in the practice's zone) after which an
	// order counts as placed the next day; 0 means midnight (no cut-off).
	Cutoff time.Duration `json:"cutoff"`
}

// OrderDay returns the day an order placed at t counts as placed: t's
// date, or the next day when t is at or after the cut-off.
func (s Supplier) OrderDay(t time.Time) claim.Date {
	d := claim.DateOf(t)
	midnight := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	if s.Cutoff > 0 && t.Sub(midnight) >= s.Cutoff {
		d = d.AddDays(1)
	}
	return d
}

// ExpectedArrival returns the day an order placed at t is expected to be
// usable: its order day plus the mean lead time in whole days.
func (s Supplier) ExpectedArrival(t time.Time) claim.Date {
	return s.OrderDay(t).AddDays(s.LeadTime.Days())
}
