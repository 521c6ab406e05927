package invfile

import (
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/inventory/forecast"
	"github.com/rcmbot/rcmbot/internal/inventory/policy"
)

// UsageHistory is a usage export read whole: each item's daily usage over
// the days the file covers.
type UsageHistory struct {
	Scan  *UsageScan
	bySKU map[inventory.SKU][]dayQty
	first map[inventory.SKU]int // first row of each SKU, for messages
}

type dayQty struct {
	day int32
	qty float64
}

// ReadUsageHistory reads a usage export (see ScanUsage) and keeps every
// item's usage by day.
func ReadUsageHistory(r io.ReaderAt, size int64, name string, o Options) (*UsageHistory, error) {
	h := &UsageHistory{bySKU: make(map[inventory.SKU][]dayQty), first: make(map[inventory.SKU]int)}
	scan, err := ScanUsage(r, size, name, o, func(row int, u inventory.Usage) {
		if _, ok := h.first[u.SKU]; !ok {
			h.first[u.SKU] = row
		}
		h.bySKU[u.SKU] = append(h.bySKU[u.SKU], dayQty{day: int32(u.Day), qty: u.Quantity})
	})
	if err != nil {
		return nil, err
	}
	h.Scan = scan
	return h, nil
}

// Days returns how many days the file covers (first to last date).
func (h *UsageHistory) Days() int {
	if h.Scan.Records == 0 {
		return 0
	}
	return h.Scan.Last.DaysSince(h.Scan.First) + 1
}

// Series returns an item's daily usage over the file's days, every item
// on the same calendar (a day without a row is zero; rows of one day add
// up).
func (h *UsageHistory) Series(sku inventory.SKU) []float64 {
	y := make([]float64, h.Days())
	for _, r := range h.bySKU[sku] {
		y[int(r.day)-int(h.Scan.First)] += r.qty
	}
	return y
}

// PolicyReport is the offline policy report (rcmbot inventory policy
// --format json). Its fields are fixed by the issue that defines it —
// other tools read them: extend, never rename.
type PolicyReport struct {
	Items []PolicyLine `json:"items"`
	// Errors lists the rows that could not be used; the items they
	// concern are not in Items.
	Errors []RowError `json:"errors,omitempty"`
}

// PolicyLine is one item's policy. The first eight fields are the fixed
// interface; the rest are extensions.
type PolicyLine struct {
	SKU              inventory.SKU   `json:"sku"`
	DemandClass      forecast.Class  `json:"demand_class"`
	ForecastMethod   forecast.Method `json:"forecast_method"`
	DailyMean        float64         `json:"daily_mean"`
	ReorderPoint     float64         `json:"reorder_point"`
	OrderUpTo        float64         `json:"order_up_to"`
	SafetyStock      float64         `json:"safety_stock"`
	ExpectedFillRate float64         `json:"expected_fill_rate"`

	TargetFillRate     float64 `json:"target_fill_rate"`
	ExpectedAnnualCost float64 `json:"expected_annual_cost"`
	// Feasible is false when the target cannot be met without buying
	// stock that would expire before use.
	Feasible bool `json:"feasible"`
	// MASE is the chosen forecast's backtest score (absent when the
	// history was too short to backtest).
	MASE *float64 `json:"mase,omitempty"`
	// OnHand is items.csv's on_hand; OrderNow is what the policy would
	// order today with that on hand and nothing on order.
	OnHand   float64 `json:"on_hand"`
	OrderNow float64 `json:"order_now"`
}

// NewPolicyReport plans every item of items with its usage history. Items
// with a bad row in either file are left out and their errors listed;
// usage of SKUs the item file does not have gets one error per SKU.
func NewPolicyReport(items *Items, usage *UsageHistory, o policy.Options, workers int) PolicyReport {
	rep := PolicyReport{Items: []PolicyLine{}}
	rep.Errors = append(rep.Errors, items.Errors...)
	held := make(map[inventory.SKU]bool)
	for _, e := range usage.Scan.Errors {
		rep.Errors = append(rep.Errors, e)
		if e.SKU != "" {
			held[inventory.SKU(e.SKU)] = true
		}
	}
	known := make(map[inventory.SKU]bool)
	for _, s := range items.Held {
		known[s] = true
	}
	var in []policy.Input
	var rows []ItemRow
	for _, ir := range items.Items {
		known[ir.Item.SKU] = true
		if held[ir.Item.SKU] {
			continue
		}
		in = append(in, policy.Input{Key: string(ir.Item.SKU), Params: policy.ParamsFor(ir.Item), History: usage.Series(ir.Item.SKU)})
		rows = append(rows, ir)
	}
	var unknown []inventory.SKU
	for s := range usage.bySKU {
		if !known[s] {
			unknown = append(unknown, s)
		}
	}
	slices.SortFunc(unknown, func(a, b inventory.SKU) int { return usage.first[a] - usage.first[b] })
	for _, s := range unknown {
		rep.Errors = append(rep.Errors, RowError{File: usage.Scan.File, Sheet: usage.Scan.Sheet, Row: usage.first[s],
			Field: FieldSKU, SKU: string(s), Message: fmt.Sprintf("item %s is not in %s; its %d usage rows are not used", s, items.File, len(usage.bySKU[s]))})
	}
	plans := policy.ComputeAll(in, o, workers)
	for i, p := range plans {
		ir := rows[i]
		line := PolicyLine{
			SKU: ir.Item.SKU, DemandClass: p.Forecast.Class.Class, ForecastMethod: p.Forecast.Spec.Method,
			DailyMean: round(p.Forecast.DailyMean, 4), ReorderPoint: p.ReorderPoint, OrderUpTo: p.OrderUpTo,
			SafetyStock: round(p.SafetyStock, 2), ExpectedFillRate: round(p.ExpectedFill, 4),
			TargetFillRate: in[i].Params.TargetFill, ExpectedAnnualCost: round(p.ExpectedCost.Total(), 2),
			Feasible: p.Feasible, OnHand: ir.OnHand, OrderNow: p.OrderQty(ir.OnHand, in[i].Params),
		}
		if m := p.Forecast.MASE; !math.IsNaN(m) && !math.IsInf(m, 0) {
			m = round(m, 3)
			line.MASE = &m
		}
		rep.Items = append(rep.Items, line)
	}
	return rep
}

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}
