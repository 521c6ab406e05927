package web

import (
	"math"
	"net/http"
	"strconv"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// inventoryReport computes the report of ?weeks= (as the Reports page:
// from Monday that many weeks back, through today).
func (s *inventoryWeb) inventoryReport(r *http.Request) (inventory.Report, int, error) {
	from, weeks := s.reportRange(r)
	rep, err := s.inventory.Report(r.Context(), claim.DateOf(from), claim.DateOf(s.now().In(s.cfg.Location())))
	return rep, weeks, err
}

// inventoryReportData is the inventory report with its charts.
type inventoryReportData struct {
	Available bool
	Weeks     int
	Choices   []int
	Report    inventory.Report
	Charts    []chart
}

func (s *inventoryWeb) reportPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	d := inventoryReportData{Available: s.inventory != nil, Choices: []int{4, 12, 26, 52}}
	if s.inventory != nil {
		var err error
		if d.Report, d.Weeks, err = s.inventoryReport(r); err != nil {
			s.failErr(w, r, "the inventory report", err)
			return
		}
		d.Charts = inventoryCharts(d.Report)
	}
	s.page(w, http.StatusOK, "inventory_report", newView(id, "Inventory report", "inventory-report", d))
}

// inventoryCharts draws the report's weeks: fill rate, stock value, waste
// from expiry, stock-out item-days and turns.
func inventoryCharts(rep inventory.Report) []chart {
	n := len(rep.Weeks)
	labels := make([]string, n)
	fill, value, waste, outs, turns := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i, wk := range rep.Weeks {
		labels[i] = wk.Start.Time().Format("Jan 2")
		fill[i], value[i], waste[i], outs[i], turns[i] = wk.FillRate, wk.StockValue, wk.WasteValue, float64(wk.StockoutDays), wk.Turns
		if wk.Demand == 0 {
			fill[i] = math.NaN() // no demand: no rate (drawn as "—")
		}
	}
	pctFmt := func(v float64) string { return strconv.FormatFloat(v*100, 'f', 0, 64) + "%" }
	count := func(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }
	oneDecimal := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	return []chart{
		newChart("fill", "Fill rate", "Share of demand met from stock per week (units used ÷ units used plus demand estimated lost on stock-out days).",
			labels, []chartSeries{{Name: "fill rate", Values: fill}}, pctFmt, 1, nil),
		newChart("value", "Stock value", "Dollars of usable stock on hand at the end of each week (quantity × unit cost).",
			labels, []chartSeries{{Name: "stock value", Values: value}}, formatMoneyShort, 0, nil),
		newChart("waste", "Waste from expiry", "Dollars of stock discarded or expired on the shelf per week.",
			labels, []chartSeries{{Name: "waste", Values: waste}}, formatMoneyShort, 0, nil),
		newChart("stockouts", "Stock-outs", "Item-days with demand and nothing usable on hand, per week.",
			labels, []chartSeries{{Name: "stock-out item-days", Values: outs}}, count, 0, nil),
		newChart("turns", "Inventory turns", "Usage value per week, annualised, divided by the week's average stock value.",
			labels, []chartSeries{{Name: "turns", Values: turns}}, oneDecimal, 0, nil),
	}
}

func (s *inventoryWeb) apiReport(w http.ResponseWriter, r *http.Request, _ auth.Identity) {
	if s.inventory == nil {
		s.failErr(w, r, "the inventory report", errNoInventoryBot)
		return
	}
	rep, _, err := s.inventoryReport(r)
	if err != nil {
		s.failErr(w, r, "the inventory report", err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
