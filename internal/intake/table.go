package intake

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Table reads the rows of a spreadsheet that is not a claims file (an
// item master, a usage export, a cycle count) with the claims reader's
// front end: the format told by content, the same refusals of xls, PDF,
// encrypted and oversized files, the same CSV encoding and delimiter
// sniffing, the same limits. Which row is the header is the caller's
// business (TableOptions.IsHeader); so is what the columns mean.
type Table struct {
	Name      string   // base name of the file, for messages
	Format    Format   // FormatXLSX or FormatCSV
	Sheet     string   // the sheet read; "" for CSV
	HeaderRow int      // 1-based row of the header
	Header    []string // the header cells as written
	// Date1904 reports a workbook that counts serial dates from 1904
	// (pass it to ParseDate).
	Date1904 bool

	src     rowSource
	closer  []func() error
	rows    int
	maxRows int
}

// TableOptions control OpenTable.
type TableOptions struct {
	Limits Limits // zero fields take DefaultLimits
	// Sheet names the sheet to read; "" means the first sheet with a header.
	Sheet string
	// IsHeader reports whether a row is the header; it is asked about each
	// of the first rows of a sheet (reports often put a title above it).
	IsHeader func(cells []string) bool
	// Describe names what the header should hold, for the error when no
	// row is a header ("columns such as sku, date, quantity").
	Describe string
}

// OpenTable opens a spreadsheet (.xlsx or .csv, told apart by content)
// and reads down to its header row. A file that cannot be used at all
// returns a *FileError.
func OpenTable(path string, o TableOptions) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	t, err := NewTable(f, fi.Size(), filepath.Base(path), o)
	if err != nil {
		f.Close()
		return nil, err
	}
	t.closer = append(t.closer, f.Close)
	return t, nil
}

// NewTable is OpenTable on r, of the given size; name is used in messages.
// The caller keeps r open until Close.
func NewTable(r io.ReaderAt, size int64, name string, o TableOptions) (_ *Table, err error) {
	defer recoverFileError(name, &err)
	o.Limits = o.Limits.withDefaults()
	format, ferr := detect(r, size, name, o.Limits)
	if ferr != nil {
		return nil, ferr
	}
	t := &Table{Name: name, Format: format, maxRows: o.Limits.MaxRows}
	if format == FormatXLSX {
		err = t.openXLSX(r, size, o)
	} else {
		err = t.openCSV(r, size, o)
	}
	if err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

func (t *Table) openXLSX(r io.ReaderAt, size int64, o TableOptions) error {
	wb, ferr := openWorkbook(r, size, t.Name, o.Limits)
	if ferr != nil {
		return ferr
	}
	t.Date1904 = wb.date1904
	sheets := wb.sheets
	if o.Sheet != "" {
		if _, ok := wb.worksheet(o.Sheet); !ok {
			return fileErr(t.Name, NoSheet, nil, "the workbook has no sheet named %q; its sheets are %s", o.Sheet, quoteList(sheets))
		}
		sheets = []string{o.Sheet}
	}
	for _, sheet := range sheets {
		ref, ok := wb.worksheet(sheet)
		if !ok {
			continue // a chart or dialog sheet
		}
		src, ferr := wb.openSheet(ref)
		if ferr != nil {
			return ferr
		}
		if ok, err := t.findHeader(src, o.IsHeader); err != nil {
			src.close()
			return asFileError(t.Name, err, "sheet %q cannot be read", sheet)
		} else if ok {
			t.Sheet, t.src = sheet, src
			t.closer = append(t.closer, src.close)
			return nil
		}
		src.close()
	}
	return fileErr(t.Name, NoHeader, nil, "no header row in the first %d rows of %s; the header needs %s", headerScanRows, sheetWord(sheets), o.Describe)
}

func (t *Table) openCSV(r io.ReaderAt, size int64, o TableOptions) error {
	rows, err := NewCSVRows(io.NewSectionReader(r, 0, size))
	if err != nil {
		return fileErr(t.Name, Unreadable, err, "the file cannot be read")
	}
	src := &csvSource{rows}
	ok, err := t.findHeader(src, o.IsHeader)
	if err != nil {
		return fileErr(t.Name, Unreadable, err, "the file cannot be read")
	}
	if !ok {
		return fileErr(t.Name, NoHeader, nil, "no header row in the first %d rows; the header needs %s", headerScanRows, o.Describe)
	}
	t.src = src
	return nil
}

func (t *Table) findHeader(src rowSource, isHeader func([]string) bool) (bool, error) {
	for range headerScanRows {
		row, cells, err := src.next()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if isHeader(cells) {
			t.HeaderRow, t.Header = row, append([]string(nil), cells...)
			return true, nil
		}
	}
	return false, nil
}

// Next returns the next row below the header and its 1-based row number,
// or io.EOF. The cells slice may be reused by the following call. A
// *FileError means the rest of the file cannot be read (damaged, or more
// rows than the limit allows).
func (t *Table) Next() (row int, cells []string, err error) {
	defer recoverFileError(t.Name, &err)
	row, cells, err = t.src.next()
	if errors.Is(err, io.EOF) {
		return 0, nil, io.EOF
	}
	if err != nil {
		return 0, nil, asFileError(t.Name, err, "the file cannot be read past row %d; save it again and re-upload", t.HeaderRow+t.rows)
	}
	if t.rows++; t.rows > t.maxRows {
		return 0, nil, fileErr(t.Name, TooManyRows, nil, "the file has more than %d rows below the header; split it into smaller files", t.maxRows)
	}
	return row, cells, nil
}

// Close releases the file.
func (t *Table) Close() error { return closeAll(&t.closer) }

// PlainCSV reports whether the start of a text file is UTF-8 (with or
// without a byte-order mark) with comma delimiters: text a simple CSV
// reader handles. Anything else (UTF-16, Windows-1252, semicolons, tabs)
// needs NewCSVRows.
func PlainCSV(head []byte) bool {
	if bytes.HasPrefix(head, utf16LEBOM) || bytes.HasPrefix(head, utf16BEBOM) || bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	head = bytes.TrimPrefix(head, utf8BOM)
	return validUTF8Prefix(head) && sniffDelimiter(head) == ','
}
