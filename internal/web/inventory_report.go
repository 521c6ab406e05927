package web

import (
	"math"
	"net/http"
	"strconv"

	"github.com/xuri/excelize/v2"

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

// apiReportXLSX exports the inventory report of ?weeks= as a workbook:
// Summary (the period's totals), By item and By week sheets with every
// measure. Supplies only: no patient data.
func (s *inventoryWeb) apiReportXLSX(w http.ResponseWriter, r *http.Request, _ auth.Identity) {
	if s.inventory == nil {
		s.failErr(w, r, "the inventory report", errNoInventoryBot)
		return
	}
	rep, _, err := s.inventoryReport(r)
	if err != nil {
		s.failErr(w, r, "the inventory report", err)
		return
	}
	f, err := inventoryWorkbook(rep)
	if err != nil {
		s.failErr(w, r, "the inventory report workbook", err)
		return
	}
	defer f.Close()
	setDownload(w, xlsxType, "rcmbot-inventory-report-"+rep.From.String()+"-to-"+rep.To.String()+".xlsx")
	if _, err := f.WriteTo(w); err != nil {
		s.log.Warn("web: inventory report workbook", "err", err)
	}
}

// inventoryFigureHeads name the columns figureCells writes.
var inventoryFigureHeads = []any{"Used (units)", "Lost (units)", "Demand (units)", "Fill rate", "Stock-out days", "Usage value",
	"Stock value at end", "Average stock value", "Expired (units)", "Waste value", "Turns"}

// figureCells are one row's measures, in inventoryFigureHeads order.
func figureCells(f inventory.ReportFigures) []any {
	return []any{f.Used, f.Lost, f.Demand, f.FillRate, f.StockoutDays, f.UsageValue, f.StockValue, f.AvgStockValue, f.Waste, f.WasteValue, f.Turns}
}

// inventoryWorkbook writes the report. Text cells (SKUs, descriptions)
// are strings, never formulas.
func inventoryWorkbook(rep inventory.Report) (*excelize.File, error) {
	f := excelize.NewFile()
	const summary, items, weeks = "Summary", "By item", "By week"
	if err := f.SetSheetName("Sheet1", summary); err != nil {
		return nil, err
	}
	bold, pct, usd, err := workbookStyles(f)
	if err != nil {
		return nil, err
	}
	// Summary: the period, then a heading row and the totals.
	period := []any{"Period", rep.From.String(), rep.To.String(), rep.Days}
	if err := f.SetSheetRow(summary, "A1", &period); err != nil {
		return nil, err
	}
	sheets := []struct {
		name, first string
		heads       []any
		rows        [][]any
	}{
		{summary, "A3", inventoryFigureHeads, [][]any{figureCells(rep.Total)}},
		{items, "A1", append([]any{"SKU", "Description"}, inventoryFigureHeads...), nil},
		{weeks, "A1", append([]any{"Week starting", "Week ending"}, inventoryFigureHeads...), nil},
	}
	for _, it := range rep.Items {
		sheets[1].rows = append(sheets[1].rows, append([]any{string(it.SKU), it.Description}, figureCells(it.ReportFigures)...))
	}
	for _, wk := range rep.Weeks {
		sheets[2].rows = append(sheets[2].rows, append([]any{wk.Start.String(), wk.End.String()}, figureCells(wk.ReportFigures)...))
	}
	for _, sh := range sheets {
		if sh.name != summary {
			if _, err := f.NewSheet(sh.name); err != nil {
				return nil, err
			}
		}
		col, row, err := excelize.CellNameToCoordinates(sh.first)
		if err != nil {
			return nil, err
		}
		if err := f.SetSheetRow(sh.name, sh.first, &sh.heads); err != nil {
			return nil, err
		}
		for i, r := range sh.rows {
			cell, _ := excelize.CoordinatesToCellName(col, row+1+i)
			if err := f.SetSheetRow(sh.name, cell, &r); err != nil {
				return nil, err
			}
		}
		// Styles: bold headings; fill rate as a percentage, dollars as
		// dollars (their columns sit after the text columns).
		off := len(sh.heads) - len(inventoryFigureHeads)
		last := row + len(sh.rows)
		end, _ := excelize.CoordinatesToCellName(len(sh.heads), row)
		if err := f.SetCellStyle(sh.name, sh.first, end, bold); err != nil {
			return nil, err
		}
		if len(sh.rows) == 0 {
			continue
		}
		for _, c := range []struct{ idx, style int }{{3, pct}, {5, usd}, {6, usd}, {7, usd}, {9, usd}} {
			a, _ := excelize.CoordinatesToCellName(off+c.idx+1, row+1)
			b, _ := excelize.CoordinatesToCellName(off+c.idx+1, last)
			if err := f.SetCellStyle(sh.name, a, b, c.style); err != nil {
				return nil, err
			}
		}
		lastCol, _ := excelize.ColumnNumberToName(len(sh.heads))
		if err := f.SetColWidth(sh.name, "A", lastCol, 16); err != nil {
			return nil, err
		}
	}
	return f, nil
}
