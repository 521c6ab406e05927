package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

// BenchmarkRecordUsage imports a year of daily usage of 1,000 items
// (365,000 day-item rows, one RecordUsage call) into SQLite or PostgreSQL
// (RCMBOT_TEST_PG) whose items
// were counted the day before in three lots each (two with expiries, one
// without; enough for about half the year, then unmet). "first" is the
// first import, "again" the same export imported a second time (every
// earlier issue put back and issued again).
func BenchmarkRecordUsage(b *testing.B) {
	const items, days = 1000, 365
	start := claim.MustDate("2026-01-01")
	var usage []inventory.Usage
	var master []inventory.Item
	var lots []inventory.Lot
	for i := range items {
		sku := inventory.SKU(fmt.Sprintf("SKU-%05d", i))
		master = append(master, inventory.Item{SKU: sku, UnitCost: 5, LeadTime: inventory.LeadTime{MeanDays: 4}})
		for d := range days {
			usage = append(usage, inventory.Usage{Day: start.AddDays(d), SKU: sku, Quantity: float64((i + d) % 13)})
		}
		lots = append(lots,
			inventory.Lot{SKU: sku, Location: "main", Number: "A", Quantity: 400, Expires: start.AddDays(90)},
			inventory.Lot{SKU: sku, Location: "main", Number: "B", Quantity: 500, Expires: start.AddDays(200)},
			inventory.Lot{SKU: sku, Location: "store-room", Quantity: 300})
	}
	setup := func(b *testing.B, open func(testing.TB) *store.DB, imports int) *store.DB {
		b.Helper()
		ctx := context.Background()
		db := open(b)
		if err := db.UpsertItems(ctx, master); err != nil {
			b.Fatal(err)
		}
		if _, err := db.ApplyCount(ctx, "count", start.AddDays(-1), lots); err != nil {
			b.Fatal(err)
		}
		for range imports {
			if _, err := db.RecordUsage(ctx, "usage.csv", usage); err != nil {
				b.Fatal(err)
			}
		}
		return db
	}
	for _, dialect := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", storetest.Open}, {"postgres", storetest.OpenPG}} {
		for _, bc := range []struct {
			name   string
			before int
		}{{"first", 0}, {"again", 1}} {
			b.Run(dialect.name+"/"+bc.name, func(b *testing.B) {
				b.ReportAllocs()
				for range b.N {
					b.StopTimer()
					db := setup(b, dialect.open, bc.before)
					b.StartTimer()
					if n, err := db.RecordUsage(context.Background(), "usage.csv", usage); err != nil || n != items*days {
						b.Fatal(n, err)
					}
				}
			})
		}
	}
}
