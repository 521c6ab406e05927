package intake

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Table reads any spreadsheet export that has one record per row below a
// header row — schedules, appointments, attendance history — with the
// same format detection, limits, header search and failed-file messages
// as claims files. What the columns mean is the caller's: it recognises
// the header row (TableOptions.Header, usually by NormalizeHeader and a
// synonym table) and reads the cells (ParseDate and the other value
// parsers here). Not safe for concurrent use.
type Table struct {
	file    string
	s       *openedSheet
	rows    int
	maxRows int
	noun    string
	failed  error
}

// ErrMissingColumns marks a TableOptions.Header error as a header that
// lacks required columns (FileError kind MissingColumns rather than
// BadHeader).
var ErrMissingColumns = errors.New("missing required columns")

// TableOptions control how a table is read.
type TableOptions struct {
	// Noun says what the file holds, for messages ("appointments" gives
	// `appointments file "x.csv": …`).
	Noun string
	// Sheet names the sheet to read; "" means the first sheet with a
	// header row Header accepts.
	Sheet string
	// Limits bound the file; zero fields take DefaultLimits.
	Limits Limits
	// TempDir is where excelize unpacks large worksheets; "" means the
	// system default.
	TempDir string
	// Header is asked about each of the first rows of a sheet: ok when
	// cells are its header row; an error, worded for staff (column names
	// may be quoted, cell values never), when they are but cannot be used
	// — wrap ErrMissingColumns for absent required columns.
	Header func(cells []string) (ok bool, err error)
	// Example lists column names to suggest when no header row is found.
	Example string
}

// OpenTable opens a table file (.xlsx or .csv, told apart by content) and
// finds its header row. A file that fails as a whole returns a
// *FileError.
func OpenTable(path string, o TableOptions) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s file: %w", nounOr(o.Noun), err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s file: %w", nounOr(o.Noun), err)
	}
	t, err := openTable(f, fi.Size(), filepath.Base(path), path, o)
	if err != nil {
		f.Close()
		return nil, err
	}
	t.s.closers = append([]func() error{f.Close}, t.s.closers...)
	return t, nil
}

// NewTable reads a table file of the given size from r; name is the file
// name used in messages. The caller keeps r open until Close.
func NewTable(r io.ReaderAt, size int64, name string, o TableOptions) (*Table, error) {
	return openTable(r, size, name, "", o)
}

func openTable(ra io.ReaderAt, size int64, name, path string, o TableOptions) (_ *Table, err error) {
	defer recoverFileError(name, &err)
	lim := o.Limits.withDefaults()
	match := func(where string, row int, cells []string) (bool, *FileError) {
		ok, err := o.Header(cells)
		if err == nil {
			return ok, nil
		}
		kind := BadHeader
		if errors.Is(err, ErrMissingColumns) {
			kind = MissingColumns
		}
		return false, fileErr(name, kind, nil, "%s row %d: %v", where, row, err)
	}
	s, err := openSheet(ra, size, name, path, sheetOptions{sheet: o.Sheet, limits: lim, tempDir: o.TempDir, noun: o.Noun, example: o.Example}, match)
	if err != nil {
		return nil, err
	}
	return &Table{file: name, s: s, maxRows: lim.MaxRows, noun: o.Noun}, nil
}

// Next returns the next row below the header: its row number as the
// spreadsheet shows it and its cells (valid until the next call), or
// io.EOF. Blank rows are returned too. A *FileError (unreadable past
// some row, over the row limit) means the file has failed as a whole.
func (t *Table) Next() (_ int, _ []string, err error) {
	defer recoverFileError(t.file, &err)
	if t.failed != nil {
		return 0, nil, t.failed
	}
	row, cells, err := t.s.src.next()
	if errors.Is(err, io.EOF) {
		return 0, nil, io.EOF
	}
	if err != nil {
		t.failed = fileErr(t.file, Unreadable, err, "%s cannot be read past row %d; save the file again and re-upload", t.s.where(), t.s.headerRow+t.rows).as(t.noun)
		return 0, nil, t.failed
	}
	if t.rows++; t.rows > t.maxRows {
		t.failed = fileErr(t.file, TooManyRows, nil, "%s has more than %d rows below the header; split it into smaller files", t.s.where(), t.maxRows).as(t.noun)
		return 0, nil, t.failed
	}
	return row, cells, nil
}

// File returns the file's base name.
func (t *Table) File() string { return t.file }

// Sheet returns the sheet read; "" for CSV.
func (t *Table) Sheet() string { return t.s.name }

// Format returns FormatXLSX or FormatCSV.
func (t *Table) Format() Format { return t.s.format }

// HeaderRow returns the header's 1-based row number.
func (t *Table) HeaderRow() int { return t.s.headerRow }

// Header returns the header row's cells.
func (t *Table) Header() []string { return t.s.header }

// Date1904 reports a workbook that counts serial dates from 1904 (pass
// it to ParseDate).
func (t *Table) Date1904() bool { return t.s.date1904 }

// Close releases the file and excelize's temporary files.
func (t *Table) Close() error { return t.s.close() }
