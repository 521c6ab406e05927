package inventorybot

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/inventory/review"
	"github.com/rcmbot/rcmbot/internal/store"
)

// HistoryDays is how much usage history the items pages' forecasts use:
// the nightly review's default, so the pages show the policy it orders by.
const HistoryDays = 730

// ItemStock is one item's stock against its policy today.
type ItemStock struct {
	Item inventory.Item `json:"item"`
	review.ItemPlan
	Status review.Status `json:"status"`
	// TargetFillRate is the item's target (its own or its criticality's).
	TargetFillRate float64 `json:"target_fill_rate"`
}

// Stock is every item's stock against its policy.
type Stock struct {
	AsOf  claim.Date  `json:"as_of"`
	Items []ItemStock `json:"items"`
}

// ItemDetail is one item: its stock and policy, its daily usage history
// and the lots on the shelf in use-first order.
type ItemDetail struct {
	ItemStock
	// Usage is the daily usage over the days shown, ending yesterday.
	Usage inventory.Series `json:"usage"`
	Lots  []inventory.Lot  `json:"lots"`
}

// today is the practice's date now.
func (s *Service) today() claim.Date { return claim.DateOf(time.Now().In(s.location())) }

// Items computes every item's forecast and policy from stored usage (as
// the nightly review does, without drafting orders) and its position:
// usable stock on the shelf, plus what open orders and orders drafted or
// awaiting approval will deliver. Urgent items first: those at risk, then
// those at or below their reorder point, each by SKU.
func (s *Service) Items(ctx context.Context) (Stock, error) {
	out, _, err := s.plan(ctx, "")
	if err != nil {
		return out, err
	}
	rank := map[review.Status]int{review.StatusAtRisk: 0, review.StatusBelowReorderPoint: 1, review.StatusOK: 2}
	slices.SortStableFunc(out.Items, func(a, b ItemStock) int {
		return cmp.Or(cmp.Compare(rank[a.Status], rank[b.Status]), cmp.Compare(a.Item.SKU, b.Item.SKU))
	})
	return out, nil
}

// Item returns one item with its last days of usage (1 … HistoryDays; 90
// when out of range); an unknown SKU is fault.NotFound.
func (s *Service) Item(ctx context.Context, sku inventory.SKU, days int) (ItemDetail, error) {
	if days <= 0 || days > HistoryDays {
		days = 90
	}
	st, usage, err := s.plan(ctx, sku)
	if err != nil {
		return ItemDetail{}, err
	}
	if len(st.Items) == 0 {
		return ItemDetail{}, fault.Errorf(fault.NotFound, "There is no item %s.", sku)
	}
	first := st.AsOf.AddDays(-days)
	d := ItemDetail{ItemStock: st.Items[0], Lots: []inventory.Lot{}}
	d.Usage = inventory.DailySeries(usage, first, st.AsOf.AddDays(-1))[sku]
	if d.Usage.Qty == nil {
		d.Usage = inventory.Series{Start: first, Qty: make([]float64, days)}
	}
	lots, err := s.DB.Lots(ctx)
	if err != nil {
		return d, err
	}
	var mine []inventory.Lot
	for _, l := range lots {
		if l.SKU == sku {
			mine = append(mine, l)
		}
	}
	d.Lots = append(d.Lots, inventory.NewStock(mine...).Lots()...)
	return d, nil
}

// plan runs the review's computation on the stored items (only the one
// SKU when given), returning the plans and the usage it read.
func (s *Service) plan(ctx context.Context, only inventory.SKU) (Stock, []inventory.Usage, error) {
	asOf := s.today()
	out := Stock{AsOf: asOf, Items: []ItemStock{}}
	items, err := s.DB.InventoryItems(ctx)
	if err != nil {
		return out, nil, err
	}
	if only != "" {
		items = slices.DeleteFunc(items, func(it inventory.Item) bool { return it.SKU != only })
		if len(items) == 0 {
			return out, nil, nil
		}
	}
	lots, err := s.DB.Lots(ctx)
	if err != nil {
		return out, nil, err
	}
	first := asOf.AddDays(-HistoryDays)
	usage, err := s.DB.UsageBetween(ctx, first, asOf.AddDays(-1))
	if err != nil {
		return out, nil, err
	}
	onOrder, err := s.DB.OnOrder(ctx)
	if err != nil {
		return out, nil, err
	}
	pending, err := s.DB.PurchaseOrders(ctx, store.All, inventory.POProposed, inventory.POAwaitingApproval)
	if err != nil {
		return out, nil, fmt.Errorf("list pending orders: %w", err)
	}
	for _, po := range pending {
		for _, l := range po.Lines {
			onOrder[l.SKU] += l.Outstanding()
		}
	}
	res := review.Run(review.Input{AsOf: asOf, Items: items, Lots: lots, OnOrder: onOrder, Usage: usage, HistoryStart: first,
		Policy: s.Policy, Workers: s.Workers})
	for i, p := range res.Plans {
		out.Items = append(out.Items, ItemStock{Item: items[i], ItemPlan: p, Status: review.StatusOf(items[i], p), TargetFillRate: items[i].FillRateTarget()})
	}
	return out, usage, nil
}

// ExpiringLot is a lot to use first, or to discard when it has expired.
type ExpiringLot struct {
	inventory.Lot
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

// ExpiringLots lists the lots on the shelf that expire within days of today
// (1 … MaxExpiringDays), in use-first order: first-expiring first, then by
// SKU and supply room. Lots already expired and not yet discarded come
// first (DaysLeft ≤ 0).
func (s *Service) ExpiringLots(ctx context.Context, days int) (Expiring, error) {
	asOf := s.today()
	out := Expiring{AsOf: asOf, Days: days, Lots: []ExpiringLot{}}
	if days < 1 || days > MaxExpiringDays {
		return out, fault.Errorf(fault.Invalid, "The window must be from 1 to %d days (it was %d).", MaxExpiringDays, days)
	}
	items, err := s.DB.InventoryItems(ctx)
	if err != nil {
		return out, err
	}
	byID := map[inventory.SKU]inventory.Item{}
	for _, it := range items {
		byID[it.SKU] = it
	}
	lots, err := s.DB.Lots(ctx)
	if err != nil {
		return out, err
	}
	for _, l := range lots {
		if l.Expires.IsZero() || l.Expires > asOf.AddDays(days) {
			continue
		}
		it := byID[l.SKU]
		out.Lots = append(out.Lots, ExpiringLot{Lot: l, Description: it.Description, DaysLeft: l.Expires.DaysSince(asOf), Value: l.Quantity * it.UnitCost})
	}
	slices.SortStableFunc(out.Lots, func(a, b ExpiringLot) int {
		return cmp.Or(cmp.Compare(a.Expires, b.Expires), cmp.Compare(a.SKU, b.SKU), cmp.Compare(a.Location, b.Location))
	})
	return out, nil
}

// MaxReportDays bounds the inventory report's period.
const MaxReportDays = 2 * 366

// Report computes the inventory report of days from … to (inclusive; to
// after today is cut to today) from the stored movements, usage and lots
// (inventory.BuildReport says what each figure measures).
func (s *Service) Report(ctx context.Context, from, to claim.Date) (inventory.Report, error) {
	to = min(to, s.today())
	if n := to.DaysSince(from) + 1; n < 1 || n > MaxReportDays {
		return inventory.Report{}, fault.Errorf(fault.Invalid, "The report covers 1 to %d days ending today at the latest (asked: %s to %s).", MaxReportDays, from, to)
	}
	items, err := s.DB.InventoryItems(ctx)
	if err != nil {
		return inventory.Report{}, err
	}
	moves, err := s.DB.StockMovements(ctx, to)
	if err != nil {
		return inventory.Report{}, err
	}
	usage, err := s.DB.UsageBetween(ctx, from, to)
	if err != nil {
		return inventory.Report{}, err
	}
	lots, err := s.DB.Lots(ctx)
	if err != nil {
		return inventory.Report{}, err
	}
	return inventory.BuildReport(inventory.ReportInput{From: from, To: to, Items: items, Stock: moves, Usage: usage, Lots: lots}), nil
}
