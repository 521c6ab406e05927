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

// usage reads the daily usage on days first … last: of every item, or
// of the one SKU given (its movements only, not every item's usage).
func (s *Service) usage(ctx context.Context, sku inventory.SKU, first, last claim.Date) ([]inventory.Usage, error) {
	if sku == "" {
		return s.DB.UsageBetween(ctx, first, last)
	}
	moves, err := s.DB.Movements(ctx, sku)
	if err != nil {
		return nil, err
	}
	var out []inventory.Usage
	for _, m := range moves {
		if m.Kind == inventory.MoveUsage && m.Day >= first && m.Day <= last {
			out = append(out, inventory.Usage{Day: m.Day, SKU: m.SKU, Quantity: -m.Quantity})
		}
	}
	return out, nil
}

// today is the practice's date now.
func (s *Service) today() claim.Date { return claim.DateOf(time.Now().In(s.location())) }

// Items returns every item's stock against its policy: the policy the
// last review stored (review.PolicyFromReview, with when it was
// computed), or, for an item no review has planned as it stands (new, or
// changed in the item master since), one computed now from stored usage
// as the review would (review.PolicyComputedNow); and
// its position now: usable stock on the shelf, plus what open orders and
// orders drafted or awaiting approval will deliver. Urgent items first:
// those at risk, then those at or below their reorder point, each by SKU.
func (s *Service) Items(ctx context.Context) (review.Stock, error) {
	out, _, err := s.plan(ctx, "")
	if err != nil {
		return out, err
	}
	rank := map[review.Status]int{review.StatusAtRisk: 0, review.StatusBelowReorderPoint: 1, review.StatusOK: 2}
	slices.SortStableFunc(out.Items, func(a, b review.ItemStock) int {
		return cmp.Or(cmp.Compare(rank[a.Status], rank[b.Status]), cmp.Compare(a.Item.SKU, b.Item.SKU))
	})
	return out, nil
}

// Item returns one item (its policy as Items says) with its last days of
// usage (1 … HistoryDays; 90 when out of range); an unknown SKU is
// fault.NotFound.
func (s *Service) Item(ctx context.Context, sku inventory.SKU, days int) (review.ItemDetail, error) {
	if days <= 0 || days > HistoryDays {
		days = 90
	}
	st, usage, err := s.plan(ctx, sku)
	if err != nil {
		return review.ItemDetail{}, err
	}
	if len(st.Items) == 0 {
		return review.ItemDetail{}, fault.Errorf(fault.NotFound, "There is no item %s.", sku)
	}
	first := st.AsOf.AddDays(-days)
	d := review.ItemDetail{ItemStock: st.Items[0], Lots: []inventory.Lot{}}
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

// plan assesses the stored items (only the one SKU when given) against
// their stored policies and today's positions, computing the policies of
// items that have none that fits them; it returns the plans and the usage it
// read: the one SKU's, or what the policies computed needed (none when
// every item has a stored policy).
func (s *Service) plan(ctx context.Context, only inventory.SKU) (review.Stock, []inventory.Usage, error) {
	asOf := s.today()
	out := review.Stock{AsOf: asOf, Items: []review.ItemStock{}}
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
	known, err := s.DB.Policies(ctx, only)
	if err != nil {
		return out, nil, err
	}
	var missing []inventory.SKU
	for _, it := range items {
		if p, ok := known[it.SKU]; !ok || !p.Fits(it) {
			missing = append(missing, it.SKU)
		}
	}
	if only != "" && len(missing) > 0 {
		// The item's policy is computed now, ranked among every stored one
		// (review.Input.Known), as on the items page.
		if known, err = s.DB.Policies(ctx, ""); err != nil {
			return out, nil, err
		}
	}
	lots, err := s.DB.Lots(ctx)
	if err != nil {
		return out, nil, err
	}
	first := asOf.AddDays(-HistoryDays)
	var usage []inventory.Usage
	if only != "" || len(missing) > 0 {
		sku := only
		if len(missing) == 1 {
			sku = missing[0]
		}
		if usage, err = s.usage(ctx, sku, first, asOf.AddDays(-1)); err != nil {
			return out, nil, err
		}
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
		Policy: s.Policy, Workers: s.Workers, Known: known, Now: time.Now().UTC()})
	for i, p := range res.Plans {
		out.Items = append(out.Items, review.ItemStock{Item: items[i], ItemPlan: p, Status: review.StatusOf(items[i], p), TargetFillRate: items[i].FillRateTarget()})
		if p.Source == review.PolicyFromReview && p.ComputedAt.After(out.Reviewed) {
			out.Reviewed = p.ComputedAt
		}
	}
	out.ComputedNow = len(missing)
	return out, usage, nil
}

// ExpiringLots lists the lots on the shelf that expire within days of
// today, use-first (inventory.ExpiringLots).
func (s *Service) ExpiringLots(ctx context.Context, days int) (inventory.Expiring, error) {
	asOf := s.today()
	if days < 1 || days > inventory.MaxExpiringDays {
		return inventory.Expiring{AsOf: asOf, Days: days, Lots: []inventory.ExpiringLot{}},
			fault.Errorf(fault.Invalid, "The window must be from 1 to %d days (it was %d).", inventory.MaxExpiringDays, days)
	}
	items, err := s.DB.InventoryItems(ctx)
	if err != nil {
		return inventory.Expiring{}, err
	}
	lots, err := s.DB.Lots(ctx)
	if err != nil {
		return inventory.Expiring{}, err
	}
	return inventory.ExpiringLots(items, lots, asOf, days), nil
}

// MaxReportDays bounds the inventory report's period.
const MaxReportDays = 2 * 366

// Report computes the inventory report of days from … to (inclusive; to
// after today is cut to today) from the stored movements, usage, recorded
// unmet demand and lots
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
	unmet, err := s.DB.UnmetBetween(ctx, from, to)
	if err != nil {
		return inventory.Report{}, err
	}
	lots, err := s.DB.Lots(ctx)
	if err != nil {
		return inventory.Report{}, err
	}
	return inventory.BuildReport(inventory.ReportInput{From: from, To: to, Items: items, Stock: moves, Usage: usage, Unmet: unmet, Lots: lots}), nil
}
