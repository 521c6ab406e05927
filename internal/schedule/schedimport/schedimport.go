// Package schedimport reads the scheduling exports practices already
// have — provider session templates, blocked days and hours, booked
// appointments, attendance history — from .xlsx or .csv files, through
// intake's Table: the same format detection, limits and failed-file
// messages as claims files, headers in any of the first rows matched
// through synonyms ("Provider", "Resource", "Doctor"; "Appt Date",
// "Visit Date"; "Show/No Show", "Status" …) compared as intake compares
// them, without case, spaces or punctuation.
//
// A file that cannot be used at all is a *FileError (wrapping intake's)
// and nothing is read. A cell that cannot be read is a RowError naming file, sheet,
// row, column and what was expected — never the value, which may be
// patient data and is kept in RowError.Value for the person fixing the
// file — and only its row is left out.
package schedimport

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/intake"
)

// Options control how an export is read.
type Options struct {
	Sheet  string        // "" means the first sheet with a matching header row
	Limits intake.Limits // zero fields take intake's defaults
	AsOf   claim.Date    // resolves two-digit years; zero means today
}

// RowError is a cell (or row) that could not be read; the row is left
// out and every other row is read.
type RowError struct {
	File    string `json:"file"`
	Sheet   string `json:"sheet,omitempty"`
	Row     int    `json:"row"`              // as the spreadsheet shows it
	Column  string `json:"column,omitempty"` // letter; "" for the whole row
	Header  string `json:"header,omitempty"` // that column's header text
	Field   string `json:"field,omitempty"`  // the field it holds
	Message string `json:"message"`          // what is wrong and what is expected (no values)
	// Value is the cell as read, for the staff report only: it may be
	// patient data and is not part of Error().
	Value string `json:"value,omitempty"`
}

// Error describes the error without the cell value.
func (e RowError) Error() string {
	cell := intake.RowError{Sheet: e.Sheet, Row: e.Row, Column: e.Column, Header: e.Header, Message: e.Message}
	return e.File + " " + cell.Error()
}

// FileError is an export refused as a whole: intake's FileError (why,
// for programs and people: which limit, which columns) told as the kind
// of export it is ("appointments file …").
type FileError struct {
	Noun string
	*intake.FileError
}

// Error names the export and why it was refused.
func (e *FileError) Error() string { return fmt.Sprintf("%s file %q: %s", e.Noun, e.File, e.Reason) }

// Unwrap returns intake's error, for errors.As.
func (e *FileError) Unwrap() error { return e.FileError }

// column is a field of an export and the header texts that name it.
type column struct {
	field    string
	synonyms []string
	required bool
}

// errMissingColumns marks a header without a required column.
var errMissingColumns = errors.New("missing required columns")

// layout is an export's fields: which cell holds each.
type layout struct {
	cols   []column
	at     map[string]int // field → cell index
	header []string
}

// spec describes one kind of export.
type spec struct {
	noun    string
	columns []column
	// oneOf lists groups of which at least one field must be present.
	oneOf [][]string
}

// match recognises the header row: at least two known columns; then
// every required one must be there, no field twice.
func (s *spec) match(l *layout) func(cells []string) (bool, error) {
	return func(cells []string) (bool, error) {
		at := map[string]int{}
		known := 0
		for i, c := range cells {
			f, ok := s.fieldFor(c)
			if !ok {
				continue
			}
			known++
			if j, dup := at[f]; dup {
				return false, fmt.Errorf("columns %s (%q) and %s (%q) both mean %s; rename or delete one", intake.ColumnLetter(j), cells[j], intake.ColumnLetter(i), c, f)
			}
			at[f] = i
		}
		if known < 2 {
			return false, nil
		}
		var missing []string
		for _, c := range s.columns {
			if _, ok := at[c.field]; c.required && !ok {
				missing = append(missing, c.field)
			}
		}
		for _, group := range s.oneOf {
			if !slices.ContainsFunc(group, func(f string) bool { _, ok := at[f]; return ok }) {
				missing = append(missing, strings.Join(group, " or "))
			}
		}
		if len(missing) > 0 {
			return false, fmt.Errorf("%w: it lacks %s (it has %s)", errMissingColumns, strings.Join(missing, ", "), quoted(cells))
		}
		l.cols, l.at, l.header = s.columns, at, slices.Clone(cells)
		return true, nil
	}
}

func (s *spec) fieldFor(header string) (string, bool) {
	k := intake.NormalizeHeader(header)
	if k == "" {
		return "", false
	}
	for _, c := range s.columns {
		if intake.NormalizeHeader(c.field) == k {
			return c.field, true
		}
		for _, syn := range c.synonyms {
			if intake.NormalizeHeader(syn) == k {
				return c.field, true
			}
		}
	}
	return "", false
}

func (s *spec) example() string {
	var names []string
	for _, c := range s.columns {
		if c.required && len(c.synonyms) > 0 {
			names = append(names, c.synonyms[0])
		}
	}
	return strings.Join(names, ", ")
}

func quoted(cells []string) string {
	var q []string
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			q = append(q, strconv.Quote(c))
		}
	}
	return strings.Join(q, ", ")
}

// rowReader reads one row's cells by field, collecting errors.
type rowReader struct {
	t      *intake.Table
	l      *layout
	row    int
	cells  []string
	errs   []RowError
	asOf   claim.Date
	broken bool
}

// get returns the trimmed cell of field f ("" when the file has no such
// column or the row is short).
func (r *rowReader) get(f string) string {
	i, ok := r.l.at[f]
	if !ok || i >= len(r.cells) {
		return ""
	}
	return strings.TrimSpace(r.cells[i])
}

// has reports whether the file has a column for f.
func (r *rowReader) has(f string) bool { _, ok := r.l.at[f]; return ok }

// bad records an error for field f's cell.
func (r *rowReader) bad(f, msg string) {
	i := r.l.at[f]
	e := RowError{File: r.t.Name, Sheet: r.t.Sheet, Row: r.row, Column: intake.ColumnLetter(i), Field: f, Message: msg, Value: r.get(f)}
	if i < len(r.l.header) {
		e.Header = r.l.header[i]
	}
	r.errs = append(r.errs, e)
	r.broken = true
}

// need returns field f's cell, recording an error when it is blank.
func (r *rowReader) need(f string) string {
	v := r.get(f)
	if v == "" {
		r.bad(f, "is empty; every row needs it")
	}
	return v
}

// Source is where an export comes from: a file on disk (File) or an
// upload (Upload).
type Source struct {
	path string
	r    io.ReaderAt
	size int64
	name string
}

// File is the export at path.
func File(path string) Source { return Source{path: path} }

// Upload is an export of size bytes read from r; name is the file name
// messages use. The caller keeps r open while it is read.
func Upload(r io.ReaderAt, size int64, name string) Source {
	return Source{r: r, size: size, name: name}
}

// read opens the export and runs each non-blank row through parse, which
// reads cells with r's methods and keeps the record unless r.broken.
func read(src Source, s *spec, o Options, parse func(r *rowReader)) (_ []RowError, err error) {
	defer func() {
		var fe *intake.FileError
		if errors.As(err, &fe) {
			err = &FileError{Noun: s.noun, FileError: fe}
		}
	}()
	l := &layout{}
	match := s.match(l)
	var headerErr error
	to := intake.TableOptions{Sheet: o.Sheet, Limits: o.Limits, Describe: "column names such as " + s.example(),
		IsHeader: func(cells []string) bool {
			ok, err := match(cells)
			if err != nil {
				headerErr = err // the header, but unusable: stop here and say why
				return true
			}
			return ok
		}}
	var t *intake.Table
	if src.path != "" {
		t, err = intake.OpenTable(src.path, to)
	} else {
		t, err = intake.NewTable(src.r, src.size, src.name, to)
	}
	if err != nil {
		return nil, err
	}
	defer t.Close()
	if headerErr != nil {
		kind := intake.BadHeader
		if errors.Is(headerErr, errMissingColumns) {
			kind = intake.MissingColumns
		}
		where := "the file"
		if t.Sheet != "" {
			where = fmt.Sprintf("sheet %q", t.Sheet)
		}
		return nil, &intake.FileError{File: t.Name, Kind: kind, Reason: fmt.Sprintf("%s row %d: %v", where, t.HeaderRow, headerErr), Headers: t.Header}
	}
	var errs []RowError
	for {
		row, cells, err := t.Next()
		if errors.Is(err, io.EOF) {
			return errs, nil
		}
		if err != nil {
			return nil, err
		}
		if blank(cells) {
			continue
		}
		r := &rowReader{t: t, l: l, row: row, cells: cells, asOf: o.AsOf}
		parse(r)
		errs = append(errs, r.errs...)
	}
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
