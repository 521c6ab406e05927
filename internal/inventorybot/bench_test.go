package inventorybot

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/inventory/review"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

// benchService stores n items with a year of daily usage ending yesterday
// and a count of each today, in SQLite.
func benchService(b *testing.B, n int) *Service {
	b.Helper()
	ctx := context.Background()
	s := &Service{DB: storetest.Open(b)}
	today := claim.DateOf(time.Now().UTC())
	items := make([]inventory.Item, n)
	var usage []inventory.Usage
	var lots []inventory.Lot
	for i := range items {
		sku := inventory.SKU(fmt.Sprintf("SKU-%05d", i))
		items[i] = inventory.Item{SKU: sku, UnitCost: 5, OrderCost: 20, LeadTime: inventory.LeadTime{MeanDays: 4, SDDays: 1}, OrderMultiple: 10}
		for d := range 365 {
			usage = append(usage, inventory.Usage{Day: today.AddDays(-365 + d), SKU: sku, Quantity: float64((i + d) % 13)})
		}
		lots = append(lots, inventory.Lot{SKU: sku, Location: "main", Quantity: float64(i % 90), Expires: today.AddDays(i % 60)})
	}
	if err := s.DB.UpsertItems(ctx, items); err != nil {
		b.Fatal(err)
	}
	if _, err := s.DB.RecordUsage(ctx, "bench", usage); err != nil {
		b.Fatal(err)
	}
	if _, err := s.DB.ApplyCount(ctx, "bench-count", today, lots); err != nil {
		b.Fatal(err)
	}
	return s
}

// reviewed stores every item's policy as the nightly review does.
func reviewed(b *testing.B, s *Service) {
	b.Helper()
	ctx := context.Background()
	items, err := s.DB.InventoryItems(ctx)
	if err != nil {
		b.Fatal(err)
	}
	today := s.today()
	usage, err := s.DB.UsageBetween(ctx, today.AddDays(-HistoryDays), today.AddDays(-1))
	if err != nil {
		b.Fatal(err)
	}
	res := review.Run(review.Input{AsOf: today, Items: items, Usage: usage, HistoryStart: today.AddDays(-HistoryDays), Now: time.Now()})
	pols := make([]review.Policy, len(res.Plans))
	for i, p := range res.Plans {
		pols[i] = p.Policy
	}
	if err := s.DB.SavePolicies(ctx, pols); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkItemsPage: the items page, 1,000 items whose policies the
// nightly review stored (read back, positions computed live).
func BenchmarkItemsPage(b *testing.B) {
	s := benchService(b, 1000)
	reviewed(b, s)
	b.ResetTimer()
	for b.Loop() {
		if st, err := s.Items(context.Background()); err != nil || len(st.Items) != 1000 || st.ComputedNow != 0 {
			b.Fatal(err)
		}
	}
}

// BenchmarkItemsPageBeforeReview: the items page before any review stored
// a policy (every item's computed from a year of usage read from
// SQLite), 1,000 items.
func BenchmarkItemsPageBeforeReview(b *testing.B) {
	s := benchService(b, 1000)
	b.ResetTimer()
	for b.Loop() {
		if st, err := s.Items(context.Background()); err != nil || len(st.Items) != 1000 {
			b.Fatal(err)
		}
	}
}

// BenchmarkItemPage: one item's page among 1,000, its policy stored.
func BenchmarkItemPage(b *testing.B) {
	s := benchService(b, 1000)
	reviewed(b, s)
	b.ResetTimer()
	for b.Loop() {
		if d, err := s.Item(context.Background(), "SKU-00500", 90); err != nil || len(d.Usage.Qty) != 90 {
			b.Fatal(err)
		}
	}
}

// BenchmarkReport: the inventory report of 12 weeks, 1,000 items, from
// SQLite.
func BenchmarkReport(b *testing.B) {
	s := benchService(b, 1000)
	today := claim.DateOf(time.Now().UTC())
	b.ResetTimer()
	for b.Loop() {
		if rep, err := s.Report(context.Background(), today.AddDays(-83), today); err != nil || len(rep.Items) != 1000 {
			b.Fatal(err)
		}
	}
}
