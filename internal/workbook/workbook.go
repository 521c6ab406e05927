// Package workbook writes the annotated workbook staff get back: a copy of
// the claims file they uploaded (always .xlsx, even for a CSV upload) with
// every cell a finding is about filled red (error) or amber (warning) and
// a comment naming the rule and the fix, followed by a Findings sheet (one
// row per finding, filterable) and a Summary sheet (counts, clean-claim
// rate, charges at risk by category). Intake row errors are marked and
// listed the same way.
//
// It streams: the original is read row by row from its zip and written
// through excelize's StreamWriter, so a 100,000-line workbook costs about
// what a bare excelize read and write of it does. Cell comments are added
// before the rows are streamed, the only way excelize's StreamWriter
// allows them.
//
// Text is always written as a string, never as a formula, so values that
// start with =, +, - or @ (from the upload or from finding messages)
// cannot execute. The copy keeps every worksheet's values, cell formats,
// column widths and merged ranges; formulas are replaced by their cached
// values, and charts, images, pivot tables, conditional formats, data
// validation, hyperlinks and the original's own comments are left out.
package workbook

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/intake"
)

// Severity is a finding's severity.
type Severity string

// The severities a finding has (scrub's "error" and "warning").
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Mark is one finding to show: on the cell at Row in Field's column, and
// as a row of the Findings sheet.
type Mark struct {
	ClaimID string
	Line    int // 1-based service line, 0 for the claim as a whole
	// Row is the spreadsheet row of the offending value: the line's row
	// (claim.Line.Row) for line fields, the claim's first row (claim.Row)
	// for claim fields. 0 lists the finding without marking a cell.
	Row int
	// Field names the column. A field the file has no column for (or "")
	// marks the claim ID cell of the row instead.
	Field    claim.Field
	Severity Severity
	Category string
	RuleID   string
	Message  string
	Fix      string
	CARC     string
}

// Summary is the batch's figures for the Summary sheet.
type Summary struct {
	Claims, Lines, Clean, Flagged, Errors, Warnings int
	ChargesAtRisk                                   claim.Money
	// ChargesAtRiskByCategory is the charge total of the claims each
	// category flags (a claim counts in every category it is flagged in).
	ChargesAtRiskByCategory map[string]claim.Money
}

// Input is what the annotated workbook is made from.
type Input struct {
	// The uploaded file: Path, or Original with its Size.
	Path     string
	Original io.ReaderAt
	Size     int64
	// Layout is the file's layout as intake read it (sheet, header row,
	// columns).
	Layout *intake.Layout
	// Marks are the findings, in any order.
	Marks []Mark
	// RowErrors are intake's row errors; those with a ClaimID are marked
	// as errors (the claim is held), the others as warnings.
	RowErrors []intake.RowError
	Summary   Summary
	// MaxUnzippedBytes bounds the original's decompressed size (0: intake's default).
	MaxUnzippedBytes int64
	// MaxComments caps the cell comments (0: DefaultMaxComments). excelize
	// adds comments in time that grows with the square of their number
	// (about 1.4 s for 10,000, 4 s for 20,000); cells past the cap are
	// still filled, and every finding is on the Findings sheet.
	MaxComments int
}

// DefaultMaxComments is the comment cap when Input leaves it 0.
const DefaultMaxComments = 10_000

// Sheet names the annotated workbook adds.
const (
	FindingsSheet = "Findings"
	SummarySheet  = "Summary"
)

// The fills: Excel's own "Bad" and "Neutral" cell-style colours.
const (
	errorFill   = "FFC7CE"
	warningFill = "FFEB9C"
	author      = "rcmbot"
)

// WriteFile writes the annotated workbook to path.
func WriteFile(path string, in Input) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("annotated workbook: %w", err)
	}
	if err := Write(f, in); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// Write writes the annotated workbook to w.
func Write(w io.Writer, in Input) error {
	if in.Layout == nil {
		return errors.New("annotated workbook: no layout")
	}
	if in.Original == nil {
		f, err := os.Open(in.Path)
		if err != nil {
			return fmt.Errorf("annotated workbook: %w", err)
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return fmt.Errorf("annotated workbook: %w", err)
		}
		in.Original, in.Size = f, fi.Size()
	}
	if in.MaxUnzippedBytes <= 0 {
		in.MaxUnzippedBytes = intake.DefaultLimits.MaxUnzippedBytes
	}
	if in.MaxComments <= 0 {
		in.MaxComments = DefaultMaxComments
	}
	a := &annotator{in: in, out: excelize.NewFile(), styles: make(map[styleKey]int)}
	defer a.out.Close()
	if err := a.run(); err != nil {
		return fmt.Errorf("annotated workbook for %q: %w", in.Layout.File, err)
	}
	if _, err := a.out.WriteTo(w); err != nil {
		return fmt.Errorf("annotated workbook: write: %w", err)
	}
	return nil
}

// entry is one line of the Findings sheet and of a cell comment.
type entry struct {
	Mark
	cell string // "D17", "" for none
	col  int    // 0-based column of the cell, -1 for none
	note string // why the cell differs from the field ("no billing_tin column")
}

type styleKey struct {
	orig int
	sev  Severity
}

type annotator struct {
	in      Input
	out     *excelize.File
	entries []entry
	byCell  map[int64][]int // row<<20 | col → indexes into entries
	styles  map[styleKey]int
	src     *pkg
	first   bool // the next sheet is the workbook's first (reuses excelize's Sheet1)
	// uncommented counts marked cells left without a comment (over MaxComments).
	uncommented int
}

func (a *annotator) run() error {
	a.first = true
	a.collect()
	claimsSheet := a.in.Layout.Sheet
	var sheets []sheetRef
	if a.in.Layout.Format == intake.FormatCSV {
		claimsSheet = "Claims"
		sheets = []sheetRef{{name: claimsSheet}}
	} else {
		p, err := openPackage(a.in.Original, a.in.Size, a.in.MaxUnzippedBytes)
		if err != nil {
			return err
		}
		defer p.close()
		a.src, sheets = p, p.sheets
		if !slices.ContainsFunc(sheets, func(s sheetRef) bool { return s.name == claimsSheet }) {
			return fmt.Errorf("the workbook has no sheet %q", claimsSheet)
		}
	}
	// All sheets are created, and the claims sheet made active, before any
	// is streamed: excelize's SetActiveSheet reads every sheet back.
	for _, s := range sheets {
		if err := a.newSheet(s.name); err != nil {
			return fmt.Errorf("sheet %q: %w", s.name, err)
		}
	}
	findings, summary := a.sheetName(FindingsSheet), a.sheetName(SummarySheet)
	for _, name := range []string{findings, summary} {
		if err := a.newSheet(name); err != nil {
			return fmt.Errorf("sheet %q: %w", name, err)
		}
	}
	if idx, err := a.out.GetSheetIndex(claimsSheet); err == nil && idx >= 0 {
		a.out.SetActiveSheet(idx)
	}
	for _, s := range sheets {
		var err error
		if a.src == nil {
			err = a.copyCSV(s.name)
		} else {
			err = a.copySheet(s, s.name == claimsSheet)
		}
		if err != nil {
			return err
		}
	}
	if err := a.findingsSheet(findings); err != nil {
		return err
	}
	return a.summarySheet(summary)
}

// sheetName returns name, or name with " (rcmbot)" when the original
// already has a sheet of that name.
func (a *annotator) sheetName(name string) string {
	if idx, _ := a.out.GetSheetIndex(name); idx >= 0 {
		return name + " (rcmbot)"
	}
	return name
}

// newSheet creates a sheet in the output (renaming excelize's initial
// Sheet1 for the first).
func (a *annotator) newSheet(name string) error {
	if a.first {
		a.first = false
		return a.out.SetSheetName("Sheet1", name)
	}
	_, err := a.out.NewSheet(name)
	return err
}

// collect turns marks and row errors into entries, sorted by row, and
// indexes them by cell.
func (a *annotator) collect() {
	l := a.in.Layout
	idCol, _ := l.Column(claim.FieldClaimID)
	place := func(e *entry, f claim.Field, letter string) {
		e.col = -1
		if e.Row <= 0 {
			return
		}
		c, ok := l.ColumnFor(f)
		switch {
		case letter != "":
			c.Letter, ok = letter, true
			c.Index = letterIndex(letter)
		case !ok && f != "":
			e.note = fmt.Sprintf("the file has no %s column", f)
			c, ok = idCol, idCol.Letter != ""
		case !ok:
			c, ok = idCol, idCol.Letter != ""
		}
		if ok {
			e.col, e.cell = c.Index, c.Letter+strconv.Itoa(e.Row)
		}
	}
	for _, m := range a.in.Marks {
		e := entry{Mark: m}
		if e.Severity != Warning {
			e.Severity = Error
		}
		place(&e, m.Field, "")
		a.entries = append(a.entries, e)
	}
	for _, re := range a.in.RowErrors {
		e := entry{Mark: Mark{ClaimID: re.ClaimID, Row: re.Row, Field: re.Field, Severity: Error, Category: "intake",
			RuleID: "INTAKE-VALUE", Message: re.Message, Fix: "Correct the cell in your spreadsheet and upload the file again."}}
		if re.ClaimID == "" {
			e.Severity, e.RuleID, e.Fix = Warning, "INTAKE-ROW", "Nothing to do if this row is not a claim; otherwise fill in its claim ID."
		}
		if re.Column == "" {
			place(&e, claim.FieldClaimID, "")
		} else {
			place(&e, "", re.Column)
		}
		a.entries = append(a.entries, e)
	}
	slices.SortStableFunc(a.entries, func(x, y entry) int {
		return cmp.Or(cmp.Compare(rowKey(x.Row), rowKey(y.Row)), cmp.Compare(x.col, y.col), cmp.Compare(rank(x.Severity), rank(y.Severity)))
	})
	a.byCell = make(map[int64][]int)
	for i, e := range a.entries {
		if e.col >= 0 {
			k := cellKey(e.Row, e.col)
			a.byCell[k] = append(a.byCell[k], i)
		}
	}
}

func rowKey(r int) int {
	if r <= 0 {
		return 1 << 30
	}
	return r
}

func rank(s Severity) int {
	if s == Error {
		return 0
	}
	return 1
}

func cellKey(row, col int) int64 { return int64(row)<<20 | int64(col) }

// letterIndex returns the 0-based index of a column letter ("A" → 0).
func letterIndex(letter string) int {
	n, err := excelize.ColumnNameToNumber(letter)
	if err != nil {
		return -1
	}
	return n - 1
}

// markedRows returns the rows with marked cells, ascending.
func (a *annotator) markedRows() []int {
	var rows []int
	for _, e := range a.entries {
		if e.col >= 0 && (len(rows) == 0 || rows[len(rows)-1] != e.Row) {
			rows = append(rows, e.Row)
		}
	}
	return rows
}

// worst returns the most severe severity of the entries on a cell.
func (a *annotator) worst(idx []int) Severity {
	for _, i := range idx {
		if a.entries[i].Severity == Error {
			return Error
		}
	}
	return Warning
}

// addComments adds one comment per marked cell, listing its findings, up
// to MaxComments cells in sheet order. excelize's StreamWriter cannot add
// comments, so they go on the sheet before its rows are streamed.
func (a *annotator) addComments(sheet string) error {
	keys := make([]int64, 0, len(a.byCell))
	for k := range a.byCell {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) > a.in.MaxComments {
		a.uncommented = len(keys) - a.in.MaxComments
		keys = keys[:a.in.MaxComments]
	}
	bold := &excelize.Font{Bold: true, Size: 9}
	plain := &excelize.Font{Size: 9}
	for _, k := range keys {
		idx := a.byCell[k]
		var runs []excelize.RichTextRun
		for j, i := range idx {
			e := a.entries[i]
			head := fmt.Sprintf("%s %s", strings.ToUpper(string(e.Severity)), e.RuleID)
			if j > 0 {
				head = "\n" + head
			}
			body := fmt.Sprintf(" (%s): %s", e.Category, e.Message)
			if e.Line > 0 {
				body = fmt.Sprintf(" (%s, line %d): %s", e.Category, e.Line, e.Message)
			}
			if e.note != "" {
				body += " [" + e.note + "]"
			}
			if e.Fix != "" {
				body += "\nFix: " + e.Fix
			}
			runs = append(runs, excelize.RichTextRun{Text: head, Font: bold}, excelize.RichTextRun{Text: body, Font: plain})
		}
		e := a.entries[idx[0]]
		if err := a.out.AddComment(sheet, excelize.Comment{Cell: e.cell, Author: author, Paragraph: runs, Width: 300, Height: 120}); err != nil {
			return fmt.Errorf("comment on %s: %w", e.cell, err)
		}
	}
	return nil
}

// style returns the output style for an original style, filled for a
// severity ("" for none).
func (a *annotator) style(orig int, sev Severity) (int, error) {
	k := styleKey{orig, sev}
	if id, ok := a.styles[k]; ok {
		return id, nil
	}
	st := &excelize.Style{}
	if orig > 0 && a.src != nil {
		s, err := a.src.styles.GetStyle(orig)
		if err == nil && s != nil {
			st = s
		}
	}
	switch sev {
	case Error:
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{errorFill}}
	case Warning:
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{warningFill}}
	}
	id := 0
	if orig > 0 || sev != "" {
		var err error
		if id, err = a.out.NewStyle(st); err != nil {
			return 0, fmt.Errorf("style %d: %w", orig, err)
		}
	}
	a.styles[k] = id
	return id, nil
}

// rowWriter streams one sheet, inserting marked rows the original lacks.
type rowWriter struct {
	a        *annotator
	sw       *excelize.StreamWriter
	annotate bool
	marked   []int // marked rows not yet written
	vals     []any
}

// write streams row r with its cells, filling and adding the marked
// cells of the row; marked rows before r that the original lacks are
// written first (with only their marked cells).
func (w *rowWriter) write(r int, cells []cell) error {
	for w.annotate && len(w.marked) > 0 && w.marked[0] < r {
		if err := w.put(w.marked[0], nil); err != nil {
			return err
		}
		w.marked = w.marked[1:]
	}
	if w.annotate && len(w.marked) > 0 && w.marked[0] == r {
		w.marked = w.marked[1:]
	}
	return w.put(r, cells)
}

func (w *rowWriter) put(r int, cells []cell) error {
	a := w.a
	w.vals = w.vals[:0]
	set := func(col int, v any) {
		for len(w.vals) < col {
			w.vals = append(w.vals, nil)
		}
		w.vals[col-1] = v
	}
	for _, c := range cells {
		var sev Severity
		if w.annotate {
			if idx, ok := a.byCell[cellKey(r, c.col-1)]; ok {
				sev = a.worst(idx)
			}
		}
		id, err := a.style(c.style, sev)
		if err != nil {
			return err
		}
		set(c.col, excelize.Cell{StyleID: id, Value: c.value()})
	}
	if w.annotate {
		// Marked cells the original leaves empty still get their fill.
		for _, e := range a.entriesOnRow(r) {
			if e.col+1 > len(w.vals) || w.vals[e.col] == nil {
				id, err := a.style(0, a.worst(a.byCell[cellKey(r, e.col)]))
				if err != nil {
					return err
				}
				set(e.col+1, excelize.Cell{StyleID: id})
			}
		}
	}
	if len(w.vals) == 0 {
		return nil
	}
	return w.sw.SetRow("A"+strconv.Itoa(r), w.vals)
}

// entriesOnRow returns the placed entries of row r.
func (a *annotator) entriesOnRow(r int) []entry {
	i, _ := slices.BinarySearchFunc(a.entries, r, func(e entry, r int) int { return cmp.Compare(rowKey(e.Row), r) })
	j := i
	for j < len(a.entries) && a.entries[j].Row == r {
		j++
	}
	var out []entry
	for _, e := range a.entries[i:j] {
		if e.col >= 0 {
			out = append(out, e)
		}
	}
	return out
}

func (w *rowWriter) finish() error {
	for w.annotate && len(w.marked) > 0 {
		if err := w.put(w.marked[0], nil); err != nil {
			return err
		}
		w.marked = w.marked[1:]
	}
	return w.sw.Flush()
}

// value returns the cell's value for the StreamWriter: numbers as
// float64, booleans as bool, everything else as a string (an inline
// string, never a formula); nil for a cell with a style and no value.
func (c cell) value() any {
	if c.text == "" {
		return nil
	}
	switch c.kind {
	case kindNumber:
		if f, err := strconv.ParseFloat(c.text, 64); err == nil {
			return f
		}
		return c.text
	case kindBool:
		return c.text == "1" || strings.EqualFold(c.text, "true")
	}
	return c.text
}

// startSheet adds the comments (for the claims sheet) to sheet name and
// opens its stream writer.
func (a *annotator) startSheet(name string, annotate bool) (*rowWriter, error) {
	w := &rowWriter{a: a, annotate: annotate}
	if annotate {
		if err := a.addComments(name); err != nil {
			return nil, err
		}
		w.marked = a.markedRows()
	}
	sw, err := a.out.NewStreamWriter(name)
	if err != nil {
		return nil, fmt.Errorf("sheet %q: %w", name, err)
	}
	w.sw = sw
	if annotate && a.in.Layout.HeaderRow > 0 {
		hr := a.in.Layout.HeaderRow
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: hr, TopLeftCell: "A" + strconv.Itoa(hr+1), ActivePane: "bottomLeft"}); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// copySheet copies one sheet of the original xlsx.
func (a *annotator) copySheet(s sheetRef, annotate bool) error {
	w, err := a.startSheet(s.name, annotate)
	if err != nil {
		return err
	}
	onCols := func(cols []colSpec) error {
		for _, c := range cols {
			if c.min < 1 || c.max < c.min || c.max > excelize.MaxColumns {
				continue
			}
			if c.width > 0 {
				if err := w.sw.SetColWidth(c.min, c.max, min(c.width, excelize.MaxColumnWidth)); err != nil {
					return err
				}
			}
			if c.hidden {
				if err := w.sw.SetColVisible(c.min, c.max, false); err != nil {
					return err
				}
			}
		}
		return nil
	}
	var merges []string
	onMerge := func(ref string) error { merges = append(merges, ref); return nil }
	if err := a.src.scanSheet(s.part, onCols, w.write, onMerge); err != nil {
		return err
	}
	for _, m := range merges {
		from, to, ok := strings.Cut(m, ":")
		if ok {
			_ = w.sw.MergeCell(from, to) // a malformed range in the original is dropped, not fatal
		}
	}
	return w.finish()
}

// copyCSV copies a CSV upload into sheet name, every value as text.
func (a *annotator) copyCSV(name string) error {
	w, err := a.startSheet(name, true)
	if err != nil {
		return err
	}
	rows, err := intake.NewCSVRows(io.NewSectionReader(a.in.Original, 0, a.in.Size))
	if err != nil {
		return fmt.Errorf("read CSV: %w", err)
	}
	bold, err := a.out.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	a.styles[styleKey{-1, ""}] = bold
	var cells []cell
	for {
		r, rec, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read CSV: %w", err)
		}
		cells = cells[:0]
		for i, v := range rec {
			if v == "" {
				continue
			}
			c := cell{col: i + 1, kind: kindString, text: v}
			if r == a.in.Layout.HeaderRow {
				c.style = -1
			}
			cells = append(cells, c)
		}
		if err := w.write(r, cells); err != nil {
			return err
		}
	}
	return w.finish()
}
