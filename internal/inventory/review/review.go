// Package review is the inventory bot's nightly review as plain logic:
// from the item master, the lots on the shelf, what is on order and the
// usage history, it recomputes each item's forecast and policy (package
// policy), computes inventory positions, drafts one purchase order per
// supplier for the items at or below their reorder point, lists the lots
// to use first because they expire soon, and the items at risk of running
// out before a delivery could arrive. The InventoryReview workflow runs it
// in an activity; it does no I/O.
package review

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/inventory/forecast"
	"github.com/rcmbot/rcmbot/internal/inventory/policy"
)

// Input is what the review looks at.
type Input struct {
	AsOf  claim.Date
	Items []inventory.Item
	Lots  []inventory.Lot
	// OnOrder is what orders will still deliver per SKU: open orders and
	// orders drafted or awaiting approval (else each night would propose
	// them again).
	OnOrder map[inventory.SKU]float64
	// Usage is the daily usage over the history window, HistoryStart …
	// AsOf−1 (a day without a record is zero).
	Usage        []inventory.Usage
	HistoryStart claim.Date
	// ExpiringDays is the use-first window: lots expiring within it are
	// listed (default 30).
	ExpiringDays int
	// Policy and Workers go to policy.ComputeAll.
	Policy  policy.Options
	Workers int
	// Known are the policies already computed (stored by an earlier
	// review), by SKU: Run uses those that fit their item (Policy.Fits),
	// and computes the others (their usage must be in Usage), ranked for
	// the busy band (policy.Options.BusyShare) among every Known policy of
	// another item, among Items or not. Now stamps the policies Run
	// computes (PolicyComputedNow).
	Known map[inventory.SKU]Policy
	Now   time.Time
}

// PolicySource says where an item's policy comes from.
type PolicySource string

// The policy sources.
const (
	// PolicyFromReview: stored by a review (the nightly one, or one
	// started by hand) at ComputedAt, from the usage before Reviewed.
	PolicyFromReview PolicySource = "review"
	// PolicyComputedNow: computed by this run from the stored usage (for
	// the items pages: no review has stored one for the item as it
	// stands: it is new, or the item master changed it since).
	PolicyComputedNow PolicySource = "computed_now"
)

// Policy is one item's forecast and policy as a review computed them from
// its usage history: what the review stores per item and the items pages
// read back, so a page view does not recompute every policy. The
// position is not part of it: it changes through the day.
type Policy struct {
	SKU            inventory.SKU   `json:"sku"`
	DemandClass    forecast.Class  `json:"demand_class"`
	ForecastMethod forecast.Method `json:"forecast_method"`
	DailyMean      float64         `json:"daily_mean"`
	ReorderPoint   float64         `json:"reorder_point"`
	OrderUpTo      float64         `json:"order_up_to"`
	// SafetyStock and ExpectedFill: policy.Result's.
	SafetyStock  float64 `json:"safety_stock"`
	ExpectedFill float64 `json:"expected_fill_rate"`
	// LeadDays (the mean lead time, whole days) and Risk give the
	// stock-out risk from the stock on hand of the moment.
	LeadDays int              `json:"lead_days"`
	Risk     policy.RiskModel `json:"-"`
	// Reviewed is the day the policy was computed for (from the usage
	// before it); ComputedAt when.
	Reviewed   claim.Date   `json:"reviewed"`
	ComputedAt time.Time    `json:"computed_at"`
	Source     PolicySource `json:"policy_source"`
	// ItemKey is ItemKey of the item as the policy was computed for it.
	ItemKey string `json:"-"`
}

// ItemKey names what of an item its policy is computed from: costs,
// order multiple and minimum, shelf life, target fill rate and lead time
// (not the description or the supplier).
func ItemKey(it inventory.Item) string {
	return fmt.Sprintf("%g|%g|%g|%g|%d|%g|%g|%g", it.UnitCost, it.OrderCost, it.OrderMultiple, it.MinOrderQty, it.ShelfLifeDays,
		it.FillRateTarget(), it.LeadTime.MeanDays, it.LeadTime.SDDays)
}

// Fits reports whether p is the policy of it as it stands: computed for
// its SKU and its ItemKey, not before the item master changed what the
// policy depends on.
func (p Policy) Fits(it inventory.Item) bool { return p.SKU == it.SKU && p.ItemKey == ItemKey(it) }

// ItemPlan is one item's forecast, policy and position tonight.
type ItemPlan struct {
	Policy
	Position inventory.Position `json:"position"`
	// Order is what the review orders now (0: above the reorder point).
	Order float64 `json:"order"`
	// StockoutRisk is the probability that demand before a delivery
	// ordered tonight could arrive exceeds what is on the shelf.
	StockoutRisk float64 `json:"stockout_risk"`
}

// Risk is an item that may run out before the next delivery.
type Risk struct {
	SKU         inventory.SKU `json:"sku"`
	OnHand      float64       `json:"on_hand"`
	Days        int           `json:"days"` // the lead time looked at
	Probability float64       `json:"probability"`
}

// Result is what the review found.
type Result struct {
	AsOf  claim.Date `json:"as_of"`
	Plans []ItemPlan `json:"plans"`
	// Orders are the purchase orders drafted, one per supplier, numbered
	// by Number.
	Orders   []inventory.PurchaseOrder `json:"orders"`
	Expiring []inventory.Lot           `json:"expiring"`
	AtRisk   []Risk                    `json:"at_risk"`
	// NoSupplier lists items that need ordering but name no supplier.
	NoSupplier []inventory.SKU `json:"no_supplier,omitempty"`
}

// Number is the PO number of the order drafted for a supplier on a day:
// deterministic, so a retried review drafts the same numbers and the
// supplier (which deduplicates on it) never gets two orders for one night.
func Number(day claim.Date, supplierID string) string {
	return "PO-" + day.Compact() + "-" + strings.ToUpper(supplierID)
}

// Run reviews the inventory: each item's policy (in.Known's, else
// computed from its usage), position, order and stock-out risk, the
// orders per supplier, the lots to use first and the items at risk.
func Run(in Input) Result {
	if in.ExpiringDays <= 0 {
		in.ExpiringDays = 30
	}
	out := Result{AsOf: in.AsOf, Plans: []ItemPlan{}, Orders: []inventory.PurchaseOrder{}, Expiring: []inventory.Lot{}, AtRisk: []Risk{}}
	series := inventory.DailySeries(in.Usage, in.HistoryStart, in.AsOf.AddDays(-1))
	stock := map[inventory.SKU]*inventory.Stock{}
	for _, l := range in.Lots {
		s := stock[l.SKU]
		if s == nil {
			s = inventory.NewStock()
			stock[l.SKU] = s
		}
		s.Receive(l)
	}
	pols, params := compute(in, series)
	var needs []inventory.Need
	for i, it := range in.Items {
		pol := pols[i]
		onHand := 0.0
		if s := stock[it.SKU]; s != nil {
			s.Expire(in.AsOf) // expired lots are not stock
			onHand = s.OnHand()
			out.Expiring = append(out.Expiring, s.ExpiringWithin(in.AsOf, in.ExpiringDays)...)
		}
		pos := inventory.Position{OnHand: onHand, OnOrder: in.OnOrder[it.SKU]}
		order := policy.Policy{ReorderPoint: pol.ReorderPoint, OrderUpTo: pol.OrderUpTo}.OrderQty(pos.Inventory(), params[i])
		risk := policy.StockoutRisk(pol.Risk, onHand, pol.LeadDays)
		out.Plans = append(out.Plans, ItemPlan{Policy: pol, Position: pos, Order: order, StockoutRisk: risk})
		// At risk: more likely to run out over the lead time than the
		// item's target allows.
		if risk > 1-it.FillRateTarget() {
			out.AtRisk = append(out.AtRisk, Risk{SKU: it.SKU, OnHand: onHand, Days: pol.LeadDays, Probability: risk})
		}
		if order > 0 {
			if it.SupplierID == "" {
				out.NoSupplier = append(out.NoSupplier, it.SKU)
				continue
			}
			needs = append(needs, inventory.Need{Item: it, Quantity: order})
		}
	}
	out.Orders = inventory.GroupBySupplier(needs, in.AsOf, func(s string) string { return Number(in.AsOf, s) })
	slices.SortStableFunc(out.Expiring, func(a, b inventory.Lot) int { return cmp.Compare(a.Expires, b.Expires) })
	slices.SortFunc(out.AtRisk, func(a, b Risk) int { return cmp.Compare(b.Probability, a.Probability) })
	return out
}

// compute returns each item's policy, in.Known's or computed from its
// daily usage series, and its policy parameters.
func compute(in Input, series map[inventory.SKU]inventory.Series) ([]Policy, []policy.Params) {
	days := in.AsOf.DaysSince(in.HistoryStart)
	pols := make([]Policy, len(in.Items))
	params := make([]policy.Params, len(in.Items))
	var inputs []policy.Input
	var at []int // inputs[j] is the policy of in.Items[at[j]]
	for i, it := range in.Items {
		params[i] = policy.ParamsFor(it)
		if k, ok := in.Known[it.SKU]; ok && k.Fits(it) {
			pols[i] = k
			continue
		}
		h := series[it.SKU].Qty
		if h == nil {
			h = make([]float64, max(days, 0))
		}
		inputs = append(inputs, policy.Input{Key: string(it.SKU), Params: params[i], History: h})
		at = append(at, i)
	}
	// The items computed now rank among the reviewed ones.
	o := in.Policy
	o.PeerMeans = nil
	computing := make(map[inventory.SKU]bool, len(at))
	for _, i := range at {
		computing[in.Items[i].SKU] = true
	}
	for sku, k := range in.Known {
		if !computing[sku] {
			o.PeerMeans = append(o.PeerMeans, k.DailyMean)
		}
	}
	for j, p := range policy.ComputeAll(inputs, o, in.Workers) {
		i := at[j]
		lead := int(math.Ceil(params[i].LeadTime.Mean()))
		dm := policy.NewDemandModel(inputs[j].History, p.Forecast, lead+1)
		pols[i] = Policy{SKU: in.Items[i].SKU, DemandClass: p.Forecast.Class.Class, ForecastMethod: p.Forecast.Spec.Method,
			DailyMean: p.Forecast.DailyMean, ReorderPoint: p.ReorderPoint, OrderUpTo: p.OrderUpTo, SafetyStock: p.SafetyStock,
			ExpectedFill: p.ExpectedFill, LeadDays: lead, Risk: dm.Risk(), Reviewed: in.AsOf, ComputedAt: in.Now, Source: PolicyComputedNow,
			ItemKey: ItemKey(in.Items[i])}
	}
	return pols, params
}

// Status says how an item's stock stands against its policy.
type Status string

// The statuses, from the most urgent.
const (
	// StatusAtRisk: more likely to run out before a delivery ordered now
	// could arrive than the item's target fill rate allows.
	StatusAtRisk Status = "at_risk"
	// StatusBelowReorderPoint: the inventory position is at or below the
	// reorder point (the review orders it).
	StatusBelowReorderPoint Status = "below_reorder_point"
	// StatusOK: above the reorder point and not at risk.
	StatusOK Status = "ok"
)

// StatusOf returns the status of an item's plan: at risk first, then at or
// below the reorder point, else ok.
func StatusOf(it inventory.Item, p ItemPlan) Status {
	switch {
	case p.StockoutRisk > 1-it.FillRateTarget():
		return StatusAtRisk
	case p.Position.Inventory() <= p.ReorderPoint:
		return StatusBelowReorderPoint
	}
	return StatusOK
}

// ItemStock is one item's stock against its policy today.
type ItemStock struct {
	Item inventory.Item `json:"item"`
	ItemPlan
	Status Status `json:"status"`
	// TargetFillRate is the item's target (its own or its criticality's).
	TargetFillRate float64 `json:"target_fill_rate"`
}

// Stock is every item's stock against its policy.
type Stock struct {
	AsOf  claim.Date  `json:"as_of"`
	Items []ItemStock `json:"items"`
	// Reviewed is when the latest of the stored policies shown was
	// computed (zero: none stored yet); ComputedNow counts the items
	// whose policy was computed for this answer (PolicyComputedNow).
	Reviewed    time.Time `json:"reviewed_at,omitzero"`
	ComputedNow int       `json:"computed_now"`
}

// ItemDetail is one item: its stock and policy, its daily usage history
// and the lots on the shelf in use-first order.
type ItemDetail struct {
	ItemStock
	// Usage is the daily usage over the days shown, ending yesterday.
	Usage inventory.Series `json:"usage"`
	Lots  []inventory.Lot  `json:"lots"`
}
