package inventorybot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/inventory/forecast"
	"github.com/rcmbot/rcmbot/internal/inventory/policy"
	"github.com/rcmbot/rcmbot/internal/inventory/review"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

// stocked stores three items used 10 a day for 120 days: one well
// stocked, one nearly out, one nearly out with a draft order covering it.
func stocked(t *testing.T) (*Service, claim.Date) {
	t.Helper()
	ctx := context.Background()
	s := &Service{DB: storetest.Open(t), Policy: policy.Options{Seed: 1, Days: 365}}
	today := claim.DateOf(time.Now().UTC())
	mk := func(sku string) inventory.Item {
		return inventory.Item{SKU: inventory.SKU(sku), Description: sku, SupplierID: "acme", UnitCost: 2, OrderCost: 10,
			LeadTime: inventory.LeadTime{MeanDays: 5, SDDays: 1}, OrderMultiple: 1, TargetFillRate: 0.95, ShelfLifeDays: 365}
	}
	if err := s.DB.UpsertSuppliers(ctx, []inventory.Supplier{{ID: "acme", Name: "Acme"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.UpsertItems(ctx, []inventory.Item{mk("FULL"), mk("LOW"), mk("DRAFTED")}); err != nil {
		t.Fatal(err)
	}
	var use []inventory.Usage
	for d := 1; d <= 120; d++ {
		for i, sku := range []inventory.SKU{"FULL", "LOW", "DRAFTED"} {
			use = append(use, inventory.Usage{Day: today.AddDays(-d), SKU: sku, Quantity: float64(8 + (d+i)%5)})
		}
	}
	if _, err := s.DB.RecordUsage(ctx, "usage.csv", use); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.ApplyCount(ctx, "count-1", today, []inventory.Lot{
		{SKU: "FULL", Location: "main", Number: "L2", Quantity: 500, Expires: today.AddDays(40)},
		{SKU: "FULL", Location: "main", Number: "L1", Quantity: 100, Expires: today.AddDays(10)},
		{SKU: "LOW", Location: "main", Quantity: 3},
		{SKU: "DRAFTED", Location: "main", Quantity: 60},
	}); err != nil {
		t.Fatal(err)
	}
	po := inventory.PurchaseOrder{Number: "PO-X", SupplierID: "acme", Status: inventory.POProposed, Created: today.AddDays(-1),
		Lines: []inventory.POLine{{SKU: "DRAFTED", Quantity: 400, UnitCost: 2, Status: inventory.LineOpen}}}
	if _, err := s.DB.ProposePurchaseOrder(ctx, po, "wf-x"); err != nil {
		t.Fatal(err)
	}
	return s, today
}

func TestItemsAgainstTheirPolicy(t *testing.T) {
	s, today := stocked(t)
	st, err := s.Items(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.AsOf != today || len(st.Items) != 3 {
		t.Fatalf("%+v", st)
	}
	by := map[inventory.SKU]review.ItemStock{}
	for _, it := range st.Items {
		by[it.Item.SKU] = it
		if it.DailyMean < 9 || it.DailyMean > 11 || !(it.ReorderPoint > 0) || it.OrderUpTo <= it.ReorderPoint || it.TargetFillRate != 0.95 {
			t.Errorf("%s policy: %+v", it.Item.SKU, it.ItemPlan)
		}
	}
	if f := by["FULL"]; f.Status != review.StatusOK || f.Position.OnHand != 600 || f.Position.OnOrder != 0 {
		t.Errorf("FULL: %s %+v", f.Status, f.Position)
	}
	// 3 on the shelf lasts less than a day: at risk, listed first.
	if l := by["LOW"]; l.Status != review.StatusAtRisk || st.Items[0].Item.SKU != "LOW" {
		t.Errorf("LOW: %s, first %s", l.Status, st.Items[0].Item.SKU)
	}
	if d := by["DRAFTED"]; d.Position.OnOrder != 400 || d.Position.OnHand != 60 || d.Order != 0 {
		t.Errorf("DRAFTED counts its draft as on order: %+v", d.ItemPlan)
	}

	det, err := s.Item(context.Background(), "FULL", 30)
	if err != nil {
		t.Fatal(err)
	}
	if det.Usage.Start != today.AddDays(-30) || len(det.Usage.Qty) != 30 || det.Usage.Qty[29] != float64(8+(1+0)%5) {
		t.Errorf("usage: %+v", det.Usage)
	}
	if len(det.Lots) != 2 || det.Lots[0].Number != "L1" {
		t.Errorf("lots in use-first order: %+v", det.Lots)
	}
	if _, err := s.Item(context.Background(), "NOPE", 30); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("unknown item: %v", err)
	}
}

func TestExpiringLots(t *testing.T) {
	s, today := stocked(t)
	ctx := context.Background()
	if _, err := s.DB.ApplyCount(ctx, "count-2", today, []inventory.Lot{
		{SKU: "LOW", Location: "fridge", Number: "OLD", Quantity: 4, Expires: today}, // expired today: discard
		{SKU: "DRAFTED", Location: "main", Number: "D1", Quantity: 5, Expires: today.AddDays(10)},
	}); err != nil {
		t.Fatal(err)
	}
	ex, err := s.ExpiringLots(ctx, 30)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range ex.Lots {
		got = append(got, fmt.Sprintf("%s/%s %d %.0f $%.0f", l.SKU, l.Number, l.DaysLeft, l.Quantity, l.Value))
	}
	// FULL/L2 expires in 40 days: outside the window. D1 and L1 tie on day 10: by SKU.
	if want := "LOW/OLD 0 4 $8|DRAFTED/D1 10 5 $10|FULL/L1 10 100 $200"; strings.Join(got, "|") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, "|"), want)
	}
	if ex, _ := s.ExpiringLots(ctx, 40); len(ex.Lots) != 4 {
		t.Errorf("40 days: %d lots", len(ex.Lots))
	}
	if _, err := s.ExpiringLots(ctx, 0); fault.CodeOf(err) != fault.Invalid {
		t.Errorf("0 days: %v", err)
	}
}

// The report reads what the store holds: the count of stocked() today and
// its usage (every day used: in stock, no stock-out).
func TestReportFromTheStore(t *testing.T) {
	s, today := stocked(t)
	ctx := context.Background()
	rep, err := s.Report(ctx, today.AddDays(-13), today.AddDays(30))
	if err != nil {
		t.Fatal(err)
	}
	if rep.To != today || rep.Days != 14 || len(rep.Items) != 3 || len(rep.Weeks) != 2 {
		t.Fatalf("%+v", rep)
	}
	// Usable today: FULL 600, LOW 3, DRAFTED 60 at $2.
	used := 0.0
	for d := 1; d <= 13; d++ {
		for i := range 3 {
			used += float64(8 + (d+i)%5)
		}
	}
	if tot := rep.Total; tot.StockValue != 2*663 || tot.StockoutDays != 0 || tot.FillRate != 1 || tot.Used != used || tot.AvgStockValue != 2*663.0/14 {
		t.Errorf("total %+v", tot)
	}
	if _, err := s.Report(ctx, today, today.AddDays(-1)); fault.CodeOf(err) != fault.Invalid {
		t.Errorf("backwards: %v", err)
	}
}

// TestUsageDrawsStockDown: usage recorded after the count issues from the
// lots first-expiring-first, so the review's positions (Items) fall with
// it, and what the lots could not meet is the report's lost demand.
func TestUsageDrawsStockDown(t *testing.T) {
	s, today := stocked(t)
	ctx := context.Background()
	// FULL: 100 from L1 (expires first), 20 from L2; LOW: 3 on the shelf, 2 unmet.
	r, n := reader(fmt.Sprintf("date,sku,quantity\n%s,FULL,120\n%s,LOW,5\n", today, today))
	if res, err := s.ImportUsage(ctx, r, n, "today.csv"); err != nil || res.Stored != 2 || res.Unmet != 2 || res.StockOuts != 1 {
		t.Fatalf("import: %+v %v", res, err)
	}
	st, err := s.Items(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range st.Items {
		if want := map[inventory.SKU]float64{"FULL": 480, "LOW": 0, "DRAFTED": 60}[it.Item.SKU]; it.Position.OnHand != want {
			t.Errorf("%s on hand %v, want %v", it.Item.SKU, it.Position.OnHand, want)
		}
	}
	lots, err := s.DB.Lots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lots {
		if l.SKU == "FULL" && (l.Number != "L2" || l.Quantity != 480) {
			t.Errorf("FULL lot %+v: L1 should be used up first", l)
		}
	}
	rep, err := s.Report(ctx, today.AddDays(-13), today)
	if err != nil {
		t.Fatal(err)
	}
	used := 120.0 + 3
	for d := 1; d <= 13; d++ {
		for i := range 3 {
			used += float64(8 + (d+i)%5)
		}
	}
	if tot := rep.Total; tot.Used != used || tot.Lost != 2 || tot.StockoutDays != 1 || tot.StockValue != 2*540 || tot.FillRate != used/(used+2) {
		t.Errorf("total %+v", tot)
	}
}

// TestItemsReadStoredPolicies: the items pages show the policy the last
// review stored, not one recomputed from usage (a stored reorder point no
// computation would give is what they show, and the status and order are
// worked out from it with the live position); an item the review has not
// planned yet gets one computed now, marked as such.
func TestItemsReadStoredPolicies(t *testing.T) {
	s, today := stocked(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)
	stored := review.Policy{SKU: "FULL", DemandClass: forecast.Lumpy, ForecastMethod: forecast.TSB, DailyMean: 77, ReorderPoint: 4321,
		OrderUpTo: 9876, SafetyStock: 11, ExpectedFill: 0.99, LeadDays: 5, Risk: policy.RiskModel{DailyVariance: 1}, Reviewed: today.AddDays(-1), ComputedAt: at}
	items, err := s.DB.InventoryItems(ctx)
	if err != nil {
		t.Fatal(err)
	}
	full := items[slices.IndexFunc(items, func(it inventory.Item) bool { return it.SKU == "FULL" })]
	stored.ItemKey = review.ItemKey(full)
	if err := s.DB.SavePolicies(ctx, []review.Policy{stored}); err != nil {
		t.Fatal(err)
	}
	st, err := s.Items(ctx)
	if err != nil {
		t.Fatal(err)
	}
	by := map[inventory.SKU]review.ItemStock{}
	for _, it := range st.Items {
		by[it.Item.SKU] = it
	}
	stored.Source, stored.Risk.DailyMean = review.PolicyFromReview, 77
	// 600 on the shelf is below the stored reorder point: ordered up to 9,876.
	if f := by["FULL"]; f.Policy != stored || f.Position.OnHand != 600 || f.Status != review.StatusBelowReorderPoint || f.Order != 9876-600 {
		t.Errorf("FULL does not show its stored policy: %+v", f.ItemPlan)
	}
	if !st.Reviewed.Equal(at) || st.ComputedNow != 2 {
		t.Errorf("reviewed %v, computed now %d", st.Reviewed, st.ComputedNow)
	}
	if low := by["LOW"]; low.Source != review.PolicyComputedNow || low.Reviewed != today || low.ComputedAt.IsZero() || low.DailyMean < 9 || low.DailyMean > 11 {
		t.Errorf("LOW, not reviewed yet: %+v", low.ItemPlan)
	}
	det, err := s.Item(ctx, "FULL", 30)
	if err != nil {
		t.Fatal(err)
	}
	if det.Policy != stored || len(det.Usage.Qty) != 30 || det.Usage.Qty[29] != float64(8+(1+0)%5) {
		t.Errorf("FULL's page: %+v", det.ItemPlan)
	}
	// The item master changes FULL's lead time: the stored policy no
	// longer fits it, and one is computed now.
	full.LeadTime.MeanDays = 9
	if err := s.DB.UpsertItems(ctx, []inventory.Item{full}); err != nil {
		t.Fatal(err)
	}
	if det, err := s.Item(ctx, "FULL", 30); err != nil || det.Source != review.PolicyComputedNow || det.LeadDays != 9 || det.ReorderPoint == 4321 {
		t.Errorf("FULL after its lead time changed: %+v %v", det.ItemPlan, err)
	}
}
