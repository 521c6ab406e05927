package store_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/inventory/forecast"
	"github.com/rcmbot/rcmbot/internal/inventory/policy"
	"github.com/rcmbot/rcmbot/internal/inventory/review"
	"github.com/rcmbot/rcmbot/internal/store"
)

func gloves() inventory.Item {
	return inventory.Item{SKU: "GLV-M", Description: "Nitrile gloves, M", Unit: "box", Criticality: inventory.Standard, SupplierID: "medline",
		UnitCost: 8.5, OrderCost: 12, LeadTime: inventory.LeadTime{MeanDays: 3, SDDays: 1}, OrderMultiple: 10, MinOrderQty: 20, TargetFillRate: 0.95}
}

func vaccine() inventory.Item {
	return inventory.Item{SKU: "VAC-FLU", Description: "Influenza vaccine", Unit: "vial", Criticality: inventory.Critical, SupplierID: "mckesson",
		UnitCost: 19.25, OrderCost: 25, LeadTime: inventory.LeadTime{MeanDays: 5}, OrderMultiple: 1, ShelfLifeDays: 180}
}

func TestInventoryItemsSuppliersAndUsage(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		check(t, e.db.UpsertItems(ctx, []inventory.Item{vaccine(), gloves()}))
		changed := gloves()
		changed.UnitCost = 9.1
		check(t, e.db.UpsertItems(ctx, []inventory.Item{changed}))
		items := must[[]inventory.Item](t)(e.db.InventoryItems(ctx))
		if len(items) != 2 || items[0] != changed || items[1] != vaccine() {
			t.Fatalf("items: %+v", items)
		}
		bad := gloves()
		bad.SKU, bad.UnitCost = "BAD-1", 0
		if err := e.db.UpsertItems(ctx, []inventory.Item{vaccine(), bad}); !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "BAD-1") || !strings.Contains(err.Error(), "unit_cost") {
			t.Errorf("bad item: %v", err)
		}

		sup := inventory.Supplier{ID: "medline", Name: "Medline", LeadTime: inventory.LeadTime{MeanDays: 3, SDDays: 1}, Cutoff: 15 * time.Hour}
		check(t, e.db.UpsertSuppliers(ctx, []inventory.Supplier{sup}))
		if got := must[[]inventory.Supplier](t)(e.db.Suppliers(ctx)); len(got) != 1 || got[0] != sup {
			t.Fatalf("suppliers: %+v", got)
		}

		d1, d2 := claim.MustDate("2026-03-01"), claim.MustDate("2026-03-02")
		n := must[int](t)(e.db.RecordUsage(ctx, "usage.csv", []inventory.Usage{{Day: d1, SKU: "GLV-M", Quantity: 3}, {Day: d1, SKU: "GLV-M", Quantity: 2}, {Day: d2, SKU: "VAC-FLU", Quantity: 1}}))
		if n != 2 {
			t.Errorf("day-item rows: %d", n)
		}
		// A corrected export of the same day replaces it.
		must[int](t)(e.db.RecordUsage(ctx, "usage-fixed.csv", []inventory.Usage{{Day: d1, SKU: "GLV-M", Quantity: 4}}))
		got := must[[]inventory.Usage](t)(e.db.UsageBetween(ctx, d1, d2))
		want := []inventory.Usage{{Day: d1, SKU: "GLV-M", Quantity: 4}, {Day: d2, SKU: "VAC-FLU", Quantity: 1}}
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("usage: %+v", got)
		}
		if got := must[[]inventory.Usage](t)(e.db.UsageBetween(ctx, d2, d2)); len(got) != 1 {
			t.Errorf("usage of one day: %+v", got)
		}
	})
}

func TestInventoryCountsAndReceipts(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		check(t, e.db.UpsertItems(ctx, []inventory.Item{vaccine(), gloves()}))
		day := claim.MustDate("2026-03-02")
		exp := claim.MustDate("2026-04-01")
		lots := []inventory.Lot{
			{SKU: "GLV-M", Location: "room-1", Quantity: 40},
			{SKU: "VAC-FLU", Location: "fridge", Number: "L77", Quantity: 12, Expires: exp},
		}
		res := must[store.CountResult](t)(e.db.ApplyCount(ctx, "count-0302", day, lots))
		if res.Lines != 2 || res.Change != 52 {
			t.Fatalf("count: %+v", res)
		}
		// The same sheet again changes nothing.
		res = must[store.CountResult](t)(e.db.ApplyCount(ctx, "count-0302", day, lots))
		if res.Lines != 0 || res.Repeated != 2 {
			t.Fatalf("repeated count: %+v", res)
		}
		// A later count records the shrinkage.
		res = must[store.CountResult](t)(e.db.ApplyCount(ctx, "count-0303", day.AddDays(1), []inventory.Lot{{SKU: "GLV-M", Location: "room-1", Quantity: 35}}))
		if res.Change != -5 {
			t.Errorf("shrinkage: %+v", res)
		}
		if _, err := e.db.ApplyCount(ctx, "count-x", day, []inventory.Lot{{SKU: "NOPE", Location: "room-1", Quantity: 1}}); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "NOPE") {
			t.Errorf("unknown item: %v", err)
		}
		got := must[[]inventory.Lot](t)(e.db.Lots(ctx))
		if len(got) != 2 || got[0].Quantity != 35 || got[1].Expires != exp || got[1].Number != "L77" || got[1].Received != day {
			t.Fatalf("lots: %+v", got)
		}

		po := inventory.PurchaseOrder{Number: "PO-20260302-mckesson", SupplierID: "mckesson", Status: inventory.POProposed, Created: day,
			Lines: []inventory.POLine{{SKU: "VAC-FLU", Quantity: 30, UnitCost: 19.25, Status: inventory.LineOpen}}}
		if !must[bool](t)(e.db.ProposePurchaseOrder(ctx, po, "inventory-po-x")) {
			t.Fatal("first proposal not created")
		}
		if must[bool](t)(e.db.ProposePurchaseOrder(ctx, po, "inventory-po-y")) {
			t.Fatal("a repeated proposal created a second order")
		}
		if oo := must[map[inventory.SKU]float64](t)(e.db.OnOrder(ctx)); len(oo) != 0 {
			t.Errorf("a proposed order is on order: %v", oo)
		}
		check(t, po.Submit(claim.Money(1000_00)))
		check(t, po.MarkSent())
		check(t, po.Acknowledge(nil))
		check(t, e.db.SavePurchaseOrder(ctx, po))
		if oo := must[map[inventory.SKU]float64](t)(e.db.OnOrder(ctx)); oo["VAC-FLU"] != 30 {
			t.Errorf("on order: %v", oo)
		}

		check(t, po.Receive(map[inventory.SKU]float64{"VAC-FLU": 10}))
		rcv := store.Receipt{ID: "rc-1", Day: day.AddDays(5), Location: "fridge", Qty: map[inventory.SKU]float64{"VAC-FLU": 10}}
		if !must[bool](t)(e.db.RecordReceipt(ctx, po, rcv)) {
			t.Fatal("receipt not recorded")
		}
		if must[bool](t)(e.db.RecordReceipt(ctx, po, rcv)) {
			t.Fatal("a repeated receipt was recorded twice")
		}
		stored := must[store.StoredPO](t)(e.db.PurchaseOrder(ctx, po.Number))
		if stored.Status != inventory.POPartiallyReceived || stored.WorkflowID != "inventory-po-x" || len(stored.Lines) != 1 ||
			stored.Lines[0].Received != 10 || stored.Lines[0].Status != inventory.LinePartiallyReceived || stored.Total() != po.Total() {
			t.Fatalf("stored order: %+v", stored)
		}
		if oo := must[map[inventory.SKU]float64](t)(e.db.OnOrder(ctx)); oo["VAC-FLU"] != 20 {
			t.Errorf("on order after a partial receipt: %v", oo)
		}
		var vac inventory.Lot
		for _, l := range must[[]inventory.Lot](t)(e.db.Lots(ctx)) {
			if l.Number == po.Number {
				vac = l
			}
		}
		// Received lots take the item's shelf life from the receipt day.
		if vac.Quantity != 10 || vac.Expires != day.AddDays(5+180) {
			t.Errorf("received lot: %+v", vac)
		}
		moves := must[[]inventory.Movement](t)(e.db.Movements(ctx, "VAC-FLU"))
		var received float64
		for _, m := range moves {
			if m.Kind == inventory.MoveReceipt {
				received += m.Quantity
			}
		}
		if len(moves) != 2 || math.Abs(received-10) > 1e-9 {
			t.Errorf("movements: %+v", moves)
		}
		// Stock movements: counts and the receipt up to a day, no usage.
		must[int](t)(e.db.RecordUsage(ctx, "usage.csv", []inventory.Usage{{Day: day, SKU: "GLV-M", Quantity: 3}}))
		if sm := must[[]inventory.Movement](t)(e.db.StockMovements(ctx, day.AddDays(4))); len(sm) != 3 || sm[0].Day != day || sm[2].Quantity != -5 {
			t.Errorf("stock movements to day 4: %+v", sm)
		}
		if sm := must[[]inventory.Movement](t)(e.db.StockMovements(ctx, day.AddDays(5))); len(sm) != 4 || sm[3].Kind != inventory.MoveReceipt {
			t.Errorf("stock movements to day 5: %+v", sm)
		}
		list := must[[]store.StoredPO](t)(e.db.PurchaseOrders(ctx, store.Page{}, inventory.POPartiallyReceived))
		if len(list) != 1 || list[0].Number != po.Number {
			t.Errorf("list: %+v", list)
		}
		if list := must[[]store.StoredPO](t)(e.db.PurchaseOrders(ctx, store.Page{}, inventory.POAwaitingApproval)); len(list) != 0 {
			t.Errorf("awaiting: %+v", list)
		}
		if _, err := e.db.PurchaseOrder(ctx, "PO-none"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing order: %v", err)
		}
	})
}

// TestInventoryUsageIssuesLots: recorded usage draws the lots down
// first-expiring-first, records what they could not meet, and a day
// imported again replaces its issue.
func TestInventoryUsageIssuesLots(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		check(t, e.db.UpsertItems(ctx, []inventory.Item{vaccine(), gloves()}))
		d0 := claim.MustDate("2026-03-01")
		d1, d2, d3 := d0.AddDays(1), d0.AddDays(2), d0.AddDays(4)
		must[store.CountResult](t)(e.db.ApplyCount(ctx, "count-1", d0, []inventory.Lot{
			{SKU: "VAC-FLU", Location: "fridge", Number: "L1", Quantity: 5, Expires: claim.MustDate("2026-03-20")},
			{SKU: "VAC-FLU", Location: "fridge", Number: "L2", Quantity: 10, Expires: claim.MustDate("2026-06-01")},
			{SKU: "VAC-FLU", Location: "room-1", Quantity: 4},
			{SKU: "GLV-M", Location: "room-1", Quantity: 10},
		}))
		lotsAre := func(want map[string]float64) {
			t.Helper()
			got := map[string]float64{}
			onShelf := map[inventory.SKU]float64{}
			for _, l := range must[[]inventory.Lot](t)(e.db.Lots(ctx)) {
				got[string(l.SKU)+"/"+l.Location+"/"+l.Number] = l.Quantity
				onShelf[l.SKU] += l.Quantity
			}
			for k, q := range want {
				if math.Abs(got[k]-q) > 1e-9 {
					t.Errorf("lot %s: %v, want %v (lots %v)", k, got[k], q, got)
				}
			}
			// The stock movements still add up to what is on the shelf.
			moved := map[inventory.SKU]float64{}
			for _, m := range must[[]inventory.Movement](t)(e.db.StockMovements(ctx, d3.AddDays(30))) {
				moved[m.SKU] += m.Quantity
			}
			for sku, q := range onShelf {
				if math.Abs(moved[sku]-q) > 1e-9 {
					t.Errorf("%s: movements add up to %v, lots hold %v", sku, moved[sku], q)
				}
			}
		}
		unmetIs := func(want string) {
			t.Helper()
			var got []string
			for _, u := range must[[]inventory.Usage](t)(e.db.UnmetBetween(ctx, d0.AddDays(-30), d3)) {
				got = append(got, fmt.Sprintf("%s %s %g", u.Day, u.SKU, u.Quantity))
			}
			if strings.Join(got, ", ") != want {
				t.Errorf("unmet: %q, want %q", strings.Join(got, ", "), want)
			}
		}

		// 7 vials: the 5 of L1 (expires first), then 2 of L2; the undated room lot last.
		must[int](t)(e.db.RecordUsage(ctx, "usage-1.csv", []inventory.Usage{{Day: d1, SKU: "VAC-FLU", Quantity: 7}, {Day: d1, SKU: "GLV-M", Quantity: 3}}))
		lotsAre(map[string]float64{"VAC-FLU/fridge/L1": 0, "VAC-FLU/fridge/L2": 8, "VAC-FLU/room-1/": 4, "GLV-M/room-1/": 7})
		// 20 vials with 12 on the shelf: 8 unmet.
		must[int](t)(e.db.RecordUsage(ctx, "usage-2.csv", []inventory.Usage{{Day: d2, SKU: "VAC-FLU", Quantity: 20}}))
		lotsAre(map[string]float64{"VAC-FLU/fridge/L1": 0, "VAC-FLU/fridge/L2": 0, "VAC-FLU/room-1/": 0})
		unmetIs("2026-03-02 GLV-M 0, 2026-03-02 VAC-FLU 0, 2026-03-03 VAC-FLU 8")
		// The forecasts still see the demand.
		if u := must[[]inventory.Usage](t)(e.db.UsageBetween(ctx, d2, d2)); len(u) != 1 || u[0].Quantity != 20 {
			t.Errorf("usage of day 2: %+v", u)
		}

		// A corrected export of day 1 (2 vials): its 7 go back to L1 and L2, 2 are issued from L1.
		fixed := []inventory.Usage{{Day: d1, SKU: "VAC-FLU", Quantity: 2}}
		must[int](t)(e.db.RecordUsage(ctx, "usage-1-fixed.csv", fixed))
		want := map[string]float64{"VAC-FLU/fridge/L1": 3, "VAC-FLU/fridge/L2": 2, "VAC-FLU/room-1/": 0, "GLV-M/room-1/": 7}
		lotsAre(want)
		before := len(must[[]inventory.Movement](t)(e.db.Movements(ctx, "VAC-FLU")))
		// The same export again changes nothing.
		must[int](t)(e.db.RecordUsage(ctx, "usage-1-fixed.csv", fixed))
		lotsAre(want)
		if n := len(must[[]inventory.Movement](t)(e.db.Movements(ctx, "VAC-FLU"))); n != before {
			t.Errorf("movements after a repeated import: %d, want %d", n, before)
		}

		// Usage before the first count: the store knew no stock; nothing issued, nothing unmet.
		must[int](t)(e.db.RecordUsage(ctx, "old.csv", []inventory.Usage{{Day: d0.AddDays(-10), SKU: "GLV-M", Quantity: 5}}))
		lotsAre(map[string]float64{"GLV-M/room-1/": 7})
		unmetIs("2026-03-02 GLV-M 0, 2026-03-02 VAC-FLU 0, 2026-03-03 VAC-FLU 8")

		// A count after usage sets the lots as counted; usage of earlier days
		// imported later leaves them alone, and the issue of day 1 stands.
		must[store.CountResult](t)(e.db.ApplyCount(ctx, "count-2", d3, []inventory.Lot{{SKU: "GLV-M", Location: "room-1", Quantity: 20}}))
		must[int](t)(e.db.RecordUsage(ctx, "late.csv", []inventory.Usage{{Day: d2, SKU: "GLV-M", Quantity: 4}, {Day: d1, SKU: "GLV-M", Quantity: 6}}))
		lotsAre(map[string]float64{"GLV-M/room-1/": 20, "VAC-FLU/fridge/L1": 3})
		unmetIs("2026-03-02 VAC-FLU 0, 2026-03-03 VAC-FLU 8")
		for _, l := range must[[]inventory.Lot](t)(e.db.Lots(ctx)) {
			if l.SKU == "GLV-M" && l.Counted != d3 {
				t.Errorf("counted day of %+v", l)
			}
		}
	})
}

// TestInventoryUsageConcurrent: imports of different days at once each
// issue their usage once: none overwrites another's lot quantities.
func TestInventoryUsageConcurrent(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		check(t, e.db.UpsertItems(ctx, []inventory.Item{gloves()}))
		d0 := claim.MustDate("2026-03-01")
		must[store.CountResult](t)(e.db.ApplyCount(ctx, "count", d0, []inventory.Lot{{SKU: "GLV-M", Location: "room-1", Quantity: 100}}))
		errs := make(chan error, 10)
		for i := range 10 {
			go func() {
				_, err := e.db.RecordUsage(ctx, fmt.Sprintf("day-%d.csv", i), []inventory.Usage{{Day: d0.AddDays(i), SKU: "GLV-M", Quantity: 3}})
				errs <- err
			}()
		}
		for range 10 {
			check(t, <-errs)
		}
		if lots := must[[]inventory.Lot](t)(e.db.Lots(ctx)); len(lots) != 1 || lots[0].Quantity != 70 {
			t.Errorf("lots after 10 × 3 issued: %+v", lots)
		}
	})
}

// TestPoliciesRoundTrip: a review's policies come back as stored, marked
// as the review's; the next review's replace them all (an item it did not
// plan has none); a policy without its day or time is refused.
func TestPoliciesRoundTrip(t *testing.T) {
	forEachDB(t, func(t *testing.T, e env) {
		ctx := context.Background()
		check(t, e.db.UpsertItems(ctx, []inventory.Item{vaccine(), gloves()}))
		at := time.Date(2026, 3, 2, 1, 30, 12, 345678000, time.UTC)
		glv := review.Policy{SKU: "GLV-M", DemandClass: forecast.Smooth, ForecastMethod: forecast.SES, DailyMean: 12.25, ReorderPoint: 60,
			OrderUpTo: 400, SafetyStock: 23.5, ExpectedFill: 0.9561, LeadDays: 3,
			Risk: policy.RiskModel{DailyMean: 12.25, DailyVariance: 9.5, LevelError: 0.125}, Reviewed: claim.MustDate("2026-03-02"), ComputedAt: at,
			ItemKey: review.ItemKey(gloves())}
		vac := review.Policy{SKU: "VAC-FLU", DemandClass: forecast.Lumpy, ForecastMethod: forecast.TSB, DailyMean: 0.5, ReorderPoint: 4,
			OrderUpTo: 9, SafetyStock: -1.5, ExpectedFill: 0.97, LeadDays: 5, Reviewed: glv.Reviewed, ComputedAt: at, ItemKey: review.ItemKey(vaccine())}
		check(t, e.db.SavePolicies(ctx, []review.Policy{glv, vac}))
		got := must[map[inventory.SKU]review.Policy](t)(e.db.Policies(ctx, ""))
		glv.Source, vac.Source = review.PolicyFromReview, review.PolicyFromReview
		vac.Risk.DailyMean = vac.DailyMean
		if len(got) != 2 || got["GLV-M"] != glv || got["VAC-FLU"] != vac {
			t.Fatalf("policies:\n got %+v\nwant %+v", got, []review.Policy{glv, vac})
		}
		if one := must[map[inventory.SKU]review.Policy](t)(e.db.Policies(ctx, "VAC-FLU")); len(one) != 1 || one["VAC-FLU"] != vac {
			t.Errorf("one SKU: %+v", one)
		}
		next := glv
		next.ReorderPoint, next.Reviewed, next.ComputedAt = 70, glv.Reviewed.AddDays(1), at.Add(24*time.Hour)
		check(t, e.db.SavePolicies(ctx, []review.Policy{next}))
		got = must[map[inventory.SKU]review.Policy](t)(e.db.Policies(ctx, ""))
		if _, ok := got["VAC-FLU"]; len(got) != 1 || ok || got["GLV-M"].ReorderPoint != 70 || !got["GLV-M"].ComputedAt.Equal(next.ComputedAt) {
			t.Errorf("the next review's: %+v", got)
		}
		if err := e.db.SavePolicies(ctx, []review.Policy{{SKU: "GLV-M"}}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("no day or time: %v", err)
		}
		if got := must[map[inventory.SKU]review.Policy](t)(e.db.Policies(ctx, "")); got["GLV-M"].ReorderPoint != 70 {
			t.Errorf("a refused save changed the stored policies: %+v", got)
		}
	})
}
