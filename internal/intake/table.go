package intake

import (
	"bytes"
	"os"
	"path/filepath"

	"github.com/xuri/excelize/v2"
)

// Table reads the rows of a spreadsheet that is not a claims file (a staff
// roster, an access log): the first sheet of an xlsx workbook, or a CSV
// file in any encoding and delimiter NewCSVRows detects, with the same
// recognition by content, refusals and limits as claims files. The caller
// finds the header and maps the columns itself.
type Table struct {
	Format Format // FormatXLSX or FormatCSV
	Sheet  string // the sheet read; "" for CSV
	name   string
	src    rowSource
	closer []func() error
}

// OpenTable opens a table file. opts.Sheet names the sheet to read ("" for
// the first worksheet); opts.AsOf is not used. A file that cannot be read
// at all returns a *FileError.
func OpenTable(path string, opts Options) (_ *Table, err error) {
	name := filepath.Base(path)
	defer recoverFileError(name, &err)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	t := &Table{name: name, closer: []func() error{f.Close}}
	defer func() {
		if err != nil {
			t.Close()
		}
	}()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	opts.Limits = opts.Limits.withDefaults()
	format, ferr := detect(f, fi.Size(), name, opts.Limits)
	if ferr != nil {
		return nil, ferr
	}
	t.Format = format
	if format == FormatCSV {
		rows, err := NewCSVRows(f)
		if err != nil {
			return nil, fileErr(name, Unreadable, err, "the file cannot be read")
		}
		t.src = &csvSource{rows}
		return t, nil
	}
	x, err := excelize.OpenFile(path, excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    opts.Limits.MaxUnzippedBytes,
		UnzipXMLSizeLimit: min(opts.Limits.MaxUnzippedBytes, excelize.StreamChunkSize),
		TmpDir:            opts.TempDir,
	})
	if err != nil {
		return nil, fileErr(name, Unreadable, err, "the workbook cannot be read; open it in Excel, save it again as .xlsx and try again")
	}
	t.closer = append(t.closer, x.Close)
	sheets := x.GetSheetList()
	if opts.Sheet != "" {
		sheets = []string{opts.Sheet}
	}
	for _, sheet := range sheets {
		rows, err := x.Rows(sheet)
		if err != nil {
			continue // a chart sheet, or no such sheet
		}
		t.Sheet, t.src = sheet, &xlsxRows{rows: rows}
		t.closer = append(t.closer, rows.Close)
		return t, nil
	}
	if opts.Sheet != "" {
		return nil, fileErr(name, NoSheet, nil, "the workbook has no sheet named %q; its sheets are %s", opts.Sheet, quoteList(x.GetSheetList()))
	}
	return nil, fileErr(name, NoSheet, nil, "the workbook has no worksheet")
}

// Next returns the next row and its 1-based number (blank rows of a sheet
// included, so numbers match what Excel shows), or io.EOF. A damaged
// sheet returns a *FileError.
func (t *Table) Next() (row int, cells []string, err error) {
	defer recoverFileError(t.name, &err)
	return t.src.next()
}

// Close releases the file.
func (t *Table) Close() error { return closeAll(&t.closer) }

// closeAll runs the closers in reverse order, once, and returns the first error.
func closeAll(closers *[]func() error) error {
	var first error
	for i := len(*closers) - 1; i >= 0; i-- {
		if err := (*closers)[i](); err != nil && first == nil {
			first = err
		}
	}
	*closers = nil
	return first
}

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
