package inventory

import (
	"math"
	"strconv"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// reportCase is the period of TestBuildReport: nine days from 2026-03-02.
//
// A ($2): 10 on the shelf before the period, counted to 0 on day 2, 20
// received on day 4; 4 used a day except day 3 (nothing to use). In stock
// on days 0 … 2 (day 2 ended empty, but 4 were used) and 4 … 8: 8 days, 32
// used, a rate of 4; day 3 is a stock-out that lost 4. Stock value 20, 20,
// 0, 0, 40 × 5.
//
// B ($10): 8 before, 2 discarded on day 1, a lot of 3 still on the shelf
// expired on day 5 (waste that day, unusable from then); never used: no
// demand, no stock-out. Stock value 80, 60 × 4, 30 × 4.
//
// C ($1): 5 before, all in a lot that expired before the period: nothing
// usable, no waste in the period, no demand.
func reportCase() ReportInput {
	from := claim.MustDate("2026-03-02")
	day := from.AddDays
	mv := func(kind MovementKind, sku SKU, d claim.Date, q float64) Movement {
		return Movement{Kind: kind, SKU: sku, Day: d, Quantity: q}
	}
	in := ReportInput{From: from, To: day(8),
		Items: []Item{{SKU: "C", UnitCost: 1}, {SKU: "B", UnitCost: 10}, {SKU: "A", UnitCost: 2, Description: "gloves"}},
		Stock: []Movement{
			mv(MoveCount, "A", day(-5), 10), mv(MoveCount, "A", day(2), -10), mv(MoveReceipt, "A", day(4), 20),
			mv(MoveUsage, "A", day(1), -100),   // usage is not a stock movement
			mv(MoveReceipt, "A", day(9), 1000), // after the period
			mv(MoveCount, "B", day(-1), 8), mv(MoveWaste, "B", day(1), -2),
			mv(MoveReceipt, "C", day(-10), 5),
		},
		Lots: []Lot{{SKU: "B", Quantity: 3, Expires: day(5)}, {SKU: "B", Quantity: 3}, {SKU: "C", Quantity: 5, Expires: day(-2)}, {SKU: "A", Quantity: 20}},
	}
	for i := range 9 {
		if i != 3 {
			in.Usage = append(in.Usage, Usage{Day: day(i), SKU: "A", Quantity: 4})
		}
	}
	return in
}

func TestBuildReport(t *testing.T) {
	rep := BuildReport(reportCase())
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	check := func(name string, got, want ReportFigures) {
		t.Helper()
		if !near(got.Used, want.Used) || !near(got.Lost, want.Lost) || !near(got.Demand, want.Demand) || !near(got.FillRate, want.FillRate) ||
			got.StockoutDays != want.StockoutDays || !near(got.UsageValue, want.UsageValue) || !near(got.StockValue, want.StockValue) ||
			!near(got.AvgStockValue, want.AvgStockValue) || !near(got.Waste, want.Waste) || !near(got.WasteValue, want.WasteValue) || !near(got.Turns, want.Turns) {
			t.Errorf("%s:\n got  %+v\n want %+v", name, got, want)
		}
	}
	if rep.Days != 9 || len(rep.Items) != 3 || rep.Items[0].SKU != "A" || rep.Items[0].Description != "gloves" || len(rep.Weeks) != 2 {
		t.Fatalf("report %+v", rep)
	}
	for _, c := range []struct {
		name      string
		got, want ReportFigures
	}{
		{"A", rep.Items[0].ReportFigures, ReportFigures{Used: 32, Lost: 4, Demand: 36, FillRate: 32.0 / 36, StockoutDays: 1, UsageValue: 64,
			StockValue: 40, AvgStockValue: 240.0 / 9, Turns: 64 * 365.0 / 240}},
		{"B", rep.Items[1].ReportFigures, ReportFigures{StockValue: 30, AvgStockValue: 440.0 / 9, Waste: 5, WasteValue: 50}},
		{"C", rep.Items[2].ReportFigures, ReportFigures{}},
		{"total", rep.Total, ReportFigures{Used: 32, Lost: 4, Demand: 36, FillRate: 32.0 / 36, StockoutDays: 1, UsageValue: 64,
			StockValue: 70, AvgStockValue: 680.0 / 9, Waste: 5, WasteValue: 50, Turns: 64 * 365.0 / 680}},
		{"week 1", rep.Weeks[0].ReportFigures, ReportFigures{Used: 24, Lost: 4, Demand: 28, FillRate: 24.0 / 28, StockoutDays: 1, UsageValue: 48,
			StockValue: 70, AvgStockValue: 540.0 / 7, Waste: 5, WasteValue: 50, Turns: 48 * 365.0 / 540}},
		{"week 2", rep.Weeks[1].ReportFigures, ReportFigures{Used: 8, Demand: 8, FillRate: 1, UsageValue: 16,
			StockValue: 70, AvgStockValue: 70, Turns: 16 * 365.0 / 2 / 70}},
	} {
		check(c.name, c.got, c.want)
	}
	if w := rep.Weeks[1]; w.Start != claim.MustDate("2026-03-09") || w.End != claim.MustDate("2026-03-10") {
		t.Errorf("short last week %s … %s", w.Start, w.End)
	}

	// An item used on its first day and then never in stock: a rate of 8,
	// three stock-out days that lost 8 each.
	in := ReportInput{From: claim.MustDate("2026-03-02"), To: claim.MustDate("2026-03-05"), Items: []Item{{SKU: "X", UnitCost: 1}},
		Usage: []Usage{{Day: claim.MustDate("2026-03-02"), SKU: "X", Quantity: 8}}}
	x := BuildReport(in).Total
	check("never in stock", x, ReportFigures{Used: 8, Lost: 24, Demand: 32, FillRate: 0.25, StockoutDays: 3, UsageValue: 8})

	// Recorded unmet demand is used where it exists. Y ($2): 6 on hand
	// before the period; day 0 demand 4, all issued; day 1 demand 5, 2
	// issued, 3 unmet (a recorded stock-out); day 2 no usage record and
	// nothing on hand (estimated); day 3 10 received, demand 2 issued; day 4
	// no usage, 8 on hand. In stock or recorded: days 0, 1, 3, 4 with demand
	// 4 + 5 + 2 + 0 = 11, a rate of 2.75, lost on day 2. Used 4 + 2 + 2 = 8,
	// lost 3 + 2.75, 2 stock-out days. Stock value 4, 0, 0, 16, 16.
	from := claim.MustDate("2026-03-02")
	y := ReportInput{From: from, To: from.AddDays(4), Items: []Item{{SKU: "Y", UnitCost: 2}},
		Stock: []Movement{{Kind: MoveCount, SKU: "Y", Day: from.AddDays(-1), Quantity: 6}, {Kind: MoveIssue, SKU: "Y", Day: from, Quantity: -4},
			{Kind: MoveIssue, SKU: "Y", Day: from.AddDays(1), Quantity: -2}, {Kind: MoveReceipt, SKU: "Y", Day: from.AddDays(3), Quantity: 10},
			{Kind: MoveIssue, SKU: "Y", Day: from.AddDays(3), Quantity: -2}},
		Usage: []Usage{{Day: from, SKU: "Y", Quantity: 4}, {Day: from.AddDays(1), SKU: "Y", Quantity: 5}, {Day: from.AddDays(3), SKU: "Y", Quantity: 2}},
		Unmet: []Usage{{Day: from, SKU: "Y"}, {Day: from.AddDays(1), SKU: "Y", Quantity: 3}, {Day: from.AddDays(3), SKU: "Y"}},
	}
	check("recorded unmet", BuildReport(y).Total, ReportFigures{Used: 8, Lost: 5.75, Demand: 13.75, FillRate: 8 / 13.75, StockoutDays: 2, UsageValue: 16,
		StockValue: 16, AvgStockValue: 36.0 / 5, Turns: 16 * 365.0 / 5 / (36.0 / 5)})

	if e := BuildReport(ReportInput{From: claim.MustDate("2026-03-02"), To: claim.MustDate("2026-03-01")}); e.Days != 0 || len(e.Weeks) != 0 {
		t.Errorf("empty period: %+v", e)
	}
}

// BenchmarkBuildReport: a year's report of 1,000 items used every day,
// with a receipt a week and a count a month each.
func BenchmarkBuildReport(b *testing.B) {
	from := claim.MustDate("2026-01-01")
	in := ReportInput{From: from, To: from.AddDays(364)}
	for i := range 1000 {
		sku := SKU("SKU-" + strconv.Itoa(i))
		in.Items = append(in.Items, Item{SKU: sku, UnitCost: 1 + float64(i%50)})
		in.Lots = append(in.Lots, Lot{SKU: sku, Quantity: 10, Expires: from.AddDays(i % 400)})
		for d := range 365 {
			in.Usage = append(in.Usage, Usage{Day: from.AddDays(d), SKU: sku, Quantity: float64(d % 7)})
			if d%7 == 0 {
				in.Stock = append(in.Stock, Movement{Kind: MoveReceipt, SKU: sku, Day: from.AddDays(d), Quantity: 30})
			}
			if d%30 == 0 {
				in.Stock = append(in.Stock, Movement{Kind: MoveCount, SKU: sku, Day: from.AddDays(d), Quantity: -5})
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if rep := BuildReport(in); len(rep.Items) != 1000 {
			b.Fatal(len(rep.Items))
		}
	}
}
