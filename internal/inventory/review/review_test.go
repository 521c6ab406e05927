package review

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/inventory/policy"
)

func item(sku, supplier string) inventory.Item {
	return inventory.Item{SKU: inventory.SKU(sku), SupplierID: supplier, UnitCost: 5, OrderCost: 20,
		LeadTime: inventory.LeadTime{MeanDays: 4, SDDays: 1}, OrderMultiple: 10, TargetFillRate: 0.95}
}

// usage is a steady 10 a day (±3) for every SKU over days.
func usage(start claim.Date, days int, skus ...string) []inventory.Usage {
	rng := rand.New(rand.NewPCG(1, 2))
	var out []inventory.Usage
	for d := range days {
		for _, s := range skus {
			out = append(out, inventory.Usage{Day: start.AddDays(d), SKU: inventory.SKU(s), Quantity: float64(7 + rng.IntN(7))})
		}
	}
	return out
}

func TestRunProposesPerSupplierAndListsRisks(t *testing.T) {
	asOf := claim.MustDate("2026-03-02")
	start := asOf.AddDays(-365)
	in := Input{
		AsOf: asOf, HistoryStart: start, Policy: policy.Options{Seed: 1, Days: 365},
		Items: []inventory.Item{item("A-FULL", "acme"), item("B-EMPTY", "acme"), item("C-ONORDER", "acme"), item("D-NOSUP", ""), item("E-OTHER", "zeta")},
		Usage: usage(start, 365, "A-FULL", "B-EMPTY", "C-ONORDER", "D-NOSUP", "E-OTHER"),
		Lots: []inventory.Lot{
			{SKU: "A-FULL", Location: "room", Quantity: 400, Expires: asOf.AddDays(10)},
			{SKU: "A-FULL", Location: "room", Number: "old", Quantity: 5, Expires: asOf}, // expired today: not stock
			{SKU: "E-OTHER", Location: "room", Quantity: 5},
		},
		OnOrder: map[inventory.SKU]float64{"C-ONORDER": 1000},
	}
	res := Run(in)
	if len(res.Plans) != 5 {
		t.Fatalf("plans: %d", len(res.Plans))
	}
	if p := res.Plans[0]; p.Order != 0 || p.Position.OnHand != 400 || p.ReorderPoint <= 0 || p.DailyMean < 8 || p.DailyMean > 12 {
		t.Errorf("stocked item: %+v", p)
	}
	if len(res.Orders) != 2 {
		t.Fatalf("orders: %+v", res.Orders)
	}
	acme := res.Orders[0]
	if acme.Number != "PO-20260302-ACME" || acme.SupplierID != "acme" || len(acme.Lines) != 1 || acme.Lines[0].SKU != "B-EMPTY" ||
		acme.Status != inventory.POProposed || int(acme.Lines[0].Quantity)%10 != 0 || acme.Lines[0].Quantity < res.Plans[1].OrderUpTo {
		t.Errorf("acme order: %+v (plan %+v)", acme, res.Plans[1])
	}
	if res.Orders[1].SupplierID != "zeta" {
		t.Errorf("zeta order: %+v", res.Orders[1])
	}
	if len(res.NoSupplier) != 1 || res.NoSupplier[0] != "D-NOSUP" {
		t.Errorf("no supplier: %v", res.NoSupplier)
	}
	if len(res.Expiring) != 1 || res.Expiring[0].Quantity != 400 {
		t.Errorf("expiring: %+v", res.Expiring)
	}
	risky := map[inventory.SKU]bool{}
	for _, r := range res.AtRisk {
		risky[r.SKU] = true
	}
	if !risky["B-EMPTY"] || !risky["E-OTHER"] || risky["A-FULL"] || !risky["C-ONORDER"] {
		t.Errorf("at risk: %+v", res.AtRisk)
	}
	// The same night again drafts the same orders.
	again := Run(in)
	if again.Orders[0].Number != acme.Number || again.Orders[0].Lines[0].Quantity != acme.Lines[0].Quantity {
		t.Errorf("a second run differs: %+v", again.Orders[0])
	}
}

// BenchmarkRun reviews n items with a year of history each.
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			asOf := claim.MustDate("2026-03-02")
			start := asOf.AddDays(-365)
			var items []inventory.Item
			var skus []string
			for i := range n {
				s := fmt.Sprintf("SKU-%05d", i)
				skus = append(skus, s)
				items = append(items, item(s, fmt.Sprintf("sup-%d", i%7)))
			}
			in := Input{AsOf: asOf, HistoryStart: start, Items: items, Usage: usage(start, 365, skus...), Policy: policy.Options{Seed: 1}}
			b.ResetTimer()
			for b.Loop() {
				Run(in)
			}
		})
	}
}

func TestStatusOf(t *testing.T) {
	it := item("A", "acme") // target 95%: at risk above 5%
	for _, c := range []struct {
		onHand, onOrder, rop, risk float64
		want                       Status
	}{
		{onHand: 100, rop: 40, risk: 0.01, want: StatusOK},
		{onHand: 40, rop: 40, risk: 0.01, want: StatusBelowReorderPoint},              // at the reorder point orders
		{onHand: 10, onOrder: 30, rop: 40, risk: 0.05, want: StatusBelowReorderPoint}, // 5% is allowed
		{onHand: 10, onOrder: 31, rop: 40, risk: 0.01, want: StatusOK},                // on order counts
		{onHand: 10, onOrder: 200, rop: 40, risk: 0.06, want: StatusAtRisk},           // on the shelf too little before it arrives
	} {
		p := ItemPlan{Policy: Policy{ReorderPoint: c.rop}, StockoutRisk: c.risk, Position: inventory.Position{OnHand: c.onHand, OnOrder: c.onOrder}}
		if got := StatusOf(it, p); got != c.want {
			t.Errorf("%+v: %s, want %s", c, got, c.want)
		}
	}
}

// TestRunUsesKnownPolicies: an item with a known (stored) policy is
// ordered and assessed by it, not by one computed from its usage; the
// others are computed and stamped.
func TestRunUsesKnownPolicies(t *testing.T) {
	asOf := claim.MustDate("2026-03-02")
	start := asOf.AddDays(-365)
	now := time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)
	known := Policy{SKU: "A", DemandClass: "smooth", ForecastMethod: "ses", DailyMean: 10, ReorderPoint: 500, OrderUpTo: 900,
		LeadDays: 4, Risk: policy.RiskModel{DailyMean: 10, DailyVariance: 4}, Reviewed: asOf.AddDays(-1), Source: PolicyFromReview, ItemKey: ItemKey(item("A", "acme"))}
	in := Input{AsOf: asOf, HistoryStart: start, Policy: policy.Options{Seed: 1, Days: 365}, Now: now,
		Items: []inventory.Item{item("A", "acme"), item("B", "acme")}, Usage: usage(start, 365, "B"),
		Lots:  []inventory.Lot{{SKU: "A", Location: "room", Quantity: 400}, {SKU: "B", Location: "room", Quantity: 400}},
		Known: map[inventory.SKU]Policy{"A": known}}
	res := Run(in)
	a, b := res.Plans[0], res.Plans[1]
	// 400 on hand is below the known reorder point of 500: order up to 900.
	if a.Policy != known || a.Position.OnHand != 400 || a.Order != 500 || a.StockoutRisk != policy.StockoutRisk(known.Risk, 400, 4) {
		t.Errorf("known policy not used: %+v", a)
	}
	if b.Source != PolicyComputedNow || !b.ComputedAt.Equal(now) || b.Reviewed != asOf || b.ReorderPoint <= 0 || b.ReorderPoint >= 400 ||
		b.ExpectedFill < 0.9 || b.LeadDays != 4 || b.Risk.DailyVariance <= 0 {
		t.Errorf("computed policy: %+v", b)
	}
	// A policy computed before the item master changed the lead time is
	// not used: the item's is computed again.
	changed := item("A", "acme")
	changed.LeadTime.MeanDays = 6
	in.Items[0] = changed
	if a := Run(in).Plans[0]; a.Source != PolicyComputedNow || a.LeadDays != 6 || a.ReorderPoint == known.ReorderPoint || known.Fits(changed) {
		t.Errorf("a policy of the item before its change was used: %+v", a)
	}
}

// TestRunRanksComputedAmongKnown: an item planned now ranks among the
// other items' stored plans for the busy band (policy.Options.BusyShare),
// whether those items are assessed with it or not: busier than the
// stored items it is planned as the busiest, slower than them as it
// would be alone.
func TestRunRanksComputedAmongKnown(t *testing.T) {
	asOf := claim.MustDate("2026-03-02")
	start := asOf.AddDays(-365)
	b := item("B", "acme")
	b.OrderMultiple, b.UnitCost, b.OrderCost = 1, 50, 10
	b.LeadTime = inventory.LeadTime{MeanDays: 7, SDDays: 2}
	// Erratic use, where the band decides the reorder point.
	rng := rand.New(rand.NewPCG(5, 6))
	var use []inventory.Usage
	for d := range 365 {
		if rng.Float64() < 0.3 {
			use = append(use, inventory.Usage{Day: start.AddDays(d), SKU: "B", Quantity: math.Round(10 * math.Exp(1+0.8*rng.NormFloat64()))})
		}
	}
	in := Input{AsOf: asOf, HistoryStart: start, Policy: policy.Options{Seed: 1, Days: 365},
		Items: []inventory.Item{b}, Usage: use}
	alone := Run(in).Plans[0]
	// peers stores three other items' policies with the given daily
	// mean; listed says whether those items are among the ones assessed
	// (the items page) or not (one item's page).
	peers := func(mean float64, listed bool) ItemPlan {
		in := in
		in.Known = map[inventory.SKU]Policy{}
		for _, sku := range []inventory.SKU{"K1", "K2", "K3"} {
			it := item(string(sku), "acme")
			if listed {
				in.Items = append(slices.Clone(in.Items), it)
			}
			in.Known[sku] = Policy{SKU: sku, DailyMean: mean, ReorderPoint: 1, OrderUpTo: 2, LeadDays: 4, Reviewed: asOf, Source: PolicyFromReview, ItemKey: ItemKey(it)}
		}
		return Run(in).Plans[0]
	}
	for _, listed := range []bool{true, false} {
		if busier := peers(1000, listed); busier.Policy != alone.Policy {
			t.Errorf("among busier stored items (listed %v): %+v, alone %+v", listed, busier.Policy, alone.Policy)
		}
		if slower := peers(1, listed); slower.Policy == alone.Policy {
			t.Errorf("among slower stored items (listed %v) the busiest item has the policy %+v it has alone", listed, slower.Policy)
		}
	}
	// A stale stored policy of the item itself is not its own peer: with
	// one slower peer, two means leave no item busy, three would make B.
	stale := in
	stale.Known = map[inventory.SKU]Policy{"B": {SKU: "B", DailyMean: 1, ItemKey: "stale"}, "K1": {SKU: "K1", DailyMean: 1}}
	if p := Run(stale).Plans[0]; p.Policy != alone.Policy {
		t.Errorf("with its own stale policy stored: %+v, alone %+v", p.Policy, alone.Policy)
	}
}
