package workbook

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// StreamTable starts a streamed sheet laid out as a table staff filter
// and scroll: columns of the given widths, header cells (with style
// headerStyle; 0 for the default) in row 1, frozen. Rows follow from
// row 2; call Flush when done.
func StreamTable(f *excelize.File, sheet string, widths []float64, header []string, headerStyle int) (*excelize.StreamWriter, error) {
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return nil, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	row := make([]any, len(header))
	for i, h := range header {
		row[i] = excelize.Cell{StyleID: headerStyle, Value: h}
	}
	if err := sw.SetRow("A1", row); err != nil {
		return nil, err
	}
	return sw, nil
}

var findingsHeader = []string{"Claim", "Line", "Category", "Rule", "Severity", "Message", "Fix", "CARC", "Cell", "Note"}

// findingsSheet writes one row per finding (and row error), in sheet
// order, as a filterable table with a frozen header.
func (a *annotator) findingsSheet(name string) error {
	sw, err := StreamTable(a.out, name, []float64{14, 6, 14, 24, 9, 70, 60, 6, 8, 28}, findingsHeader, 0)
	if err != nil {
		return err
	}
	errStyle, err := a.style(0, Error)
	if err != nil {
		return err
	}
	warnStyle, err := a.style(0, Warning)
	if err != nil {
		return err
	}
	row := make([]any, len(findingsHeader))
	for i, e := range a.entries {
		line := any(nil)
		if e.Line > 0 {
			line = e.Line
		}
		sev := excelize.Cell{StyleID: warnStyle, Value: string(e.Severity)}
		if e.Severity == Error {
			sev.StyleID = errStyle
		}
		// Strings go in as strings: the StreamWriter writes them as inline
		// text, so a message starting with "=" is never a formula.
		row[0], row[1], row[2], row[3], row[4] = e.ClaimID, line, e.Category, e.RuleID, sev
		row[5], row[6], row[7], row[8], row[9] = e.Message, e.Fix, e.CARC, e.cell, e.note
		if err := sw.SetRow("A"+strconv.Itoa(i+2), row); err != nil {
			return err
		}
	}
	last := len(a.entries) + 1
	if last < 2 {
		last = 2 // a table needs a data row
	}
	ref := fmt.Sprintf("A1:%s%d", colLetter(len(findingsHeader)), last)
	if err := sw.AddTable(&excelize.Table{Range: ref, Name: "rcmbotFindings", StyleName: "TableStyleLight9"}); err != nil {
		return err
	}
	return sw.Flush()
}

// summarySheet writes the counts, the clean-claim rate and, per category,
// findings, claims and charges at risk.
func (a *annotator) summarySheet(name string) error {
	f, s := a.out, a.in.Summary
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return err
	}
	money, err := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	if err != nil {
		return err
	}
	pct, err := f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	if err != nil {
		return err
	}
	intakeHeld, intakeOther := 0, 0
	for _, re := range a.in.RowErrors {
		if re.ClaimID != "" {
			intakeHeld++
		} else {
			intakeOther++
		}
	}
	type kv struct {
		label string
		value any
		style int
	}
	rate := 0.0
	if s.Claims > 0 {
		rate = float64(s.Clean) / float64(s.Claims)
	}
	sheetDesc := a.in.Layout.Sheet
	if sheetDesc == "" {
		sheetDesc = "(CSV)"
	}
	rows := []kv{
		{"File", a.in.Layout.File, 0},
		{"Sheet", sheetDesc, 0},
		{"Claims", s.Claims, 0},
		{"Service lines", s.Lines, 0},
		{"Clean claims", s.Clean, 0},
		{"Flagged claims", s.Flagged, 0},
		{"Clean-claim rate", rate, pct},
		{"Errors", s.Errors, 0},
		{"Warnings", s.Warnings, 0},
		{"Charges at risk", s.ChargesAtRisk.Float(), money},
		{"Values that could not be read (claims held)", intakeHeld, 0},
		{"Rows skipped at intake", intakeOther, 0},
	}
	if a.uncommented > 0 {
		rows = append(rows, kv{fmt.Sprintf("Marked cells without a comment (over %d comments; see Findings)", a.in.MaxComments), a.uncommented, 0})
	}
	if err := f.SetCellValue(name, "A1", "rcmbot claims scrub"); err != nil {
		return err
	}
	if err := f.SetCellStyle(name, "A1", "A1", title); err != nil {
		return err
	}
	r := 3
	for _, x := range rows {
		if err := a.setRow(name, r, []any{x.label, x.value}); err != nil {
			return err
		}
		if x.style != 0 {
			cellRef := "B" + strconv.Itoa(r)
			if err := f.SetCellStyle(name, cellRef, cellRef, x.style); err != nil {
				return err
			}
		}
		r++
	}
	// Per category.
	r++
	head := []any{"Category", "Findings", "Errors", "Warnings", "Claims", "Charges at risk"}
	if err := a.setRow(name, r, head); err != nil {
		return err
	}
	if err := f.SetCellStyle(name, "A"+strconv.Itoa(r), "F"+strconv.Itoa(r), bold); err != nil {
		return err
	}
	for _, c := range a.categories() {
		r++
		vals := []any{c.name, c.findings, c.errors, c.warnings, len(c.claims), nil}
		if m, ok := s.ChargesAtRiskByCategory[c.name]; ok {
			vals[5] = m.Float()
		}
		if err := a.setRow(name, r, vals); err != nil {
			return err
		}
		if err := f.SetCellStyle(name, "F"+strconv.Itoa(r), "F"+strconv.Itoa(r), money); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(name, "A3", "A14", bold); err != nil {
		return err
	}
	if err := f.SetColWidth(name, "A", "A", 44); err != nil {
		return err
	}
	return f.SetColWidth(name, "B", "F", 16)
}

// setRow writes values from column A of row r with SetSheetRow (strings
// as strings, never formulas).
func (a *annotator) setRow(sheet string, r int, vals []any) error {
	return a.out.SetSheetRow(sheet, "A"+strconv.Itoa(r), &vals)
}

type categoryTotal struct {
	name                       string
	findings, errors, warnings int
	claims                     map[string]bool
}

// categories totals the entries per category, in first-seen order of a
// fixed list (the scorer's categories, then intake, then others).
func (a *annotator) categories() []categoryTotal {
	by := map[string]*categoryTotal{}
	var order []string
	for _, e := range a.entries {
		c, ok := by[e.Category]
		if !ok {
			c = &categoryTotal{name: e.Category, claims: map[string]bool{}}
			by[e.Category] = c
			order = append(order, e.Category)
		}
		c.findings++
		if e.Severity == Error {
			c.errors++
		} else {
			c.warnings++
		}
		if e.ClaimID != "" {
			c.claims[e.ClaimID] = true
		}
	}
	pos := func(name string) int {
		if i := slices.Index(categoryOrder, name); i >= 0 {
			return i
		}
		return len(categoryOrder)
	}
	slices.SortStableFunc(order, func(x, y string) int { return pos(x) - pos(y) })
	out := make([]categoryTotal, len(order))
	for i, n := range order {
		out[i] = *by[n]
	}
	return out
}

// categoryOrder is the scorer's category list (issue 3) and intake's.
var categoryOrder = []string{"intake", "required", "npi", "taxonomy", "icd10", "procedure", "modifier", "pos", "dx_pointer",
	"dates", "timely_filing", "duplicate", "charges", "ncci_ptp", "mue", "age_sex", "eligibility", "payer_rule"}

func colLetter(n int) string {
	s, _ := excelize.ColumnNumberToName(n)
	return s
}
