package eligibility

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/workbook"
)

// WorklistItem is one check of a sweep as the front-desk worklist shows
// it: the appointment as the practice has it on file and, once checked,
// the stored answer. It is PHI.
type WorklistItem struct {
	Seq       int
	PatientID string  // the practice's patient ID, may be ""
	OnFile    Request // what the practice has on file (payer, member, name, DOB, date of service)
	// Appointments is how many appointments of the day share the check.
	Appointments int
	ResultID     string          // "" until checked
	Status       CheckStatus     // "" until checked
	Result       json.RawMessage // the stored Result model (without Raw); nil until checked
}

// WorklistSource lists a sweep's checks in sequence order; the store is one.
type WorklistSource interface {
	EachWorklistItem(ctx context.Context, sweepID string, fn func(WorklistItem) error) error
}

// WorklistSweep names the sweep a worklist is for.
type WorklistSweep struct {
	ID   string
	Date claim.Date
}

// Worklist priorities: the front desk works down the list, problems
// first.
const (
	prioInactive = iota
	prioUnknown
	prioUnverified // refused, unusable or unanswered: coverage not verified
	prioMismatch   // found and active, but details differ from the file
	prioDeductible
	prioOK
)

var prioLabel = [...]string{
	prioInactive:   "Coverage inactive",
	prioUnknown:    "Member not found",
	prioUnverified: "Not verified",
	prioMismatch:   "Details differ",
	prioDeductible: "High deductible",
	prioOK:         "OK",
}

// worklistRow is one check on the worklist.
type worklistRow struct {
	prio  int
	item  WorklistItem
	res   *Result // nil when not checked (or unreadable)
	found []Discrepancy
}

// worklistPriority ranks a check: inactive, unknown member, not verified,
// details differing, high deductible, then the rest.
func worklistPriority(status CheckStatus, found []Discrepancy) int {
	switch status {
	case CheckInactive:
		return prioInactive
	case CheckUnknownMember:
		return prioUnknown
	case CheckActive:
	default:
		return prioUnverified
	}
	p := prioOK
	for _, d := range found {
		if d.Kind == HighDeductible {
			p = min(p, prioDeductible)
		} else {
			p = prioMismatch
		}
	}
	return p
}

var worklistHeader = []string{"Priority", "Problem", "What to do", "Date of service", "Patient ID", "Last name", "First name",
	"Date of birth", "Payer ID", "Member ID", "Status", "Plan", "Plan ends", "Co-pay (in network)",
	"Deductible remaining (in network)", "Out-of-pocket remaining (in network)", "On file / payer says", "Appointments", "Result ID"}

// worklistResult is a stored result model without its benefit lines:
// the worklist shows the summary figures, and the lines are most of the
// JSON to decode.
type worklistResult struct {
	Result
	Benefits json.RawMessage `json:"benefits,omitempty"`
}

// WriteWorklist writes the front-desk worklist of a sweep as xlsx: one row
// per member checked, problems first (inactive coverage, unknown members,
// coverage not verified, details that differ from the practice's records,
// high remaining deductibles), each with what to do; then a Summary
// sheet. Discrepancies are recomputed from the stored answers with rules.
// The worklist is PHI: store it encrypted, serve it to staff only.
func WriteWorklist(ctx context.Context, src WorklistSource, rules Rules, sw WorklistSweep, w io.Writer) error {
	var rows []worklistRow
	err := src.EachWorklistItem(ctx, sw.ID, func(it WorklistItem) error {
		r := worklistRow{item: it}
		if len(it.Result) > 0 {
			var m worklistResult
			if json.Unmarshal(it.Result, &m) == nil {
				r.res = &m.Result
				if it.Status == CheckActive || it.Status == CheckInactive {
					r.found = rules.Discrepancies(it.OnFile, m.Result)
				}
			}
		}
		r.prio = worklistPriority(it.Status, r.found)
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		return err
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].prio != rows[j].prio {
			return rows[i].prio < rows[j].prio
		}
		return rows[i].item.Seq < rows[j].item.Seq
	})

	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Worklist"
	if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
		return err
	}
	styles, err := worklistStyles(f)
	if err != nil {
		return err
	}
	widths := []float64{8, 18, 60, 12, 12, 16, 14, 12, 9, 14, 14, 24, 11, 12, 14, 14, 48, 8, 30}
	stream, err := workbook.StreamTable(f, sheet, widths, worklistHeader, styles.header)
	if err != nil {
		return err
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := stream.SetRow(cell, r.cells(styles.row[r.prio])); err != nil {
			return err
		}
	}
	if len(rows) > 0 {
		last, _ := excelize.CoordinatesToCellName(len(worklistHeader), len(rows)+1)
		if err := stream.AddTable(&excelize.Table{Range: "A1:" + last, Name: "Worklist", StyleName: "TableStyleLight1", ShowRowStripes: boolPtr(false)}); err != nil {
			return err
		}
	}
	if err := stream.Flush(); err != nil {
		return err
	}
	if err := worklistSummary(f, sw, rows); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

func boolPtr(b bool) *bool { return &b }

// cells renders a row: the patient as on file, the payer's answer, and
// what to do.
func (r worklistRow) cells(style int) []any {
	ap := r.item.OnFile
	status := string(r.item.Status)
	if status == "" {
		status = "not checked"
	}
	var todo, diffs []string
	for _, d := range r.found {
		todo = append(todo, d.Message)
		if d.OnFile != "" || d.Payer != "" {
			diffs = append(diffs, fmt.Sprintf("%s: on file %q, payer %q", d.Kind, d.OnFile, d.Payer))
		}
	}
	var plan, planEnd, copay, deductible, oop string
	if m := r.res; m != nil {
		if len(todo) == 0 && m.Status != StatusActive && m.Reason != "" {
			todo = append(todo, m.Reason)
		}
		plan = m.Plan.Name
		if !m.Plan.End.IsZero() {
			planEnd = m.Plan.End.String()
		}
		copay = dollars(m.CoPay.InNetwork)
		deductible = dollars(m.Deductible.IndividualRemaining.InNetwork)
		oop = dollars(m.OutOfPocket.IndividualRemaining.InNetwork)
	}
	if len(todo) == 0 && r.prio == prioUnverified {
		todo = append(todo, "Not checked yet: the sweep did not reach this member.")
	}
	vals := []any{r.prio + 1, prioLabel[r.prio], strings.Join(todo, " "), ap.DateOfService.String(), r.item.PatientID, ap.LastName, ap.FirstName,
		ap.DOB.String(), ap.PayerID, ap.MemberID, status, plan, planEnd, copay, deductible, oop, strings.Join(diffs, "; "),
		r.item.Appointments, r.item.ResultID}
	out := make([]any, len(vals))
	for i, v := range vals {
		out[i] = excelize.Cell{StyleID: style, Value: v}
	}
	return out
}

// dollars writes an amount as "$12.34", or "" when the payer gave none.
func dollars(m *claim.Money) string {
	if m == nil {
		return ""
	}
	return "$" + m.String()
}

type worklistStyleIDs struct {
	header int
	row    [prioOK + 1]int
}

// worklistStyles makes a bold header and row fills by priority: red for
// coverage problems, amber for differences, none for OK.
func worklistStyles(f *excelize.File) (worklistStyleIDs, error) {
	var s worklistStyleIDs
	var err error
	if s.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9D9D9"}}}); err != nil {
		return s, err
	}
	fills := [prioOK + 1]string{prioInactive: "F8CBAD", prioUnknown: "F8CBAD", prioUnverified: "FCE4D6", prioMismatch: "FFF2CC", prioDeductible: "FFF2CC"}
	for p, color := range fills {
		st := &excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}
		if color != "" {
			st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
		}
		if s.row[p], err = f.NewStyle(st); err != nil {
			return s, err
		}
	}
	return s, nil
}

// worklistSummary adds a sheet with the sweep and its counts by problem.
func worklistSummary(f *excelize.File, sw WorklistSweep, rows []worklistRow) error {
	const sheet = "Summary"
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	var byPrio [prioOK + 1]int
	for _, r := range rows {
		byPrio[r.prio]++
	}
	lines := [][]any{
		{"Eligibility sweep", sw.ID},
		{"Date of service", sw.Date.String()},
		{"Members checked", len(rows)},
	}
	for p, n := range byPrio {
		lines = append(lines, []any{prioLabel[p], n})
	}
	for i, l := range lines {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &l); err != nil {
			return err
		}
	}
	return f.SetColWidth(sheet, "A", "A", 20)
}
