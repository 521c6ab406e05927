package intake

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/xuri/excelize/v2"
)

// openedSheet is one sheet of an xlsx workbook, or a CSV file, positioned below
// its header row: what the claims Reader and the general Table share
// (format detection, limits, the header search, row numbering).
type openedSheet struct {
	format    Format
	name      string // sheet name; "" for CSV
	headerRow int
	header    []string
	date1904  bool
	delimiter rune
	src       rowSource
	closers   []func() error
}

// sheetOptions are what openSheet needs from Options or TableOptions.
type sheetOptions struct {
	sheet   string // "" means the first sheet whose header matches
	limits  Limits // with defaults applied
	tempDir string
	noun    string // what the file holds, for messages ("" means claims)
	example string // column names to suggest when no header is found
}

// headerMatch looks at a row near the top of a sheet: ok when cells are
// the header row; a *FileError when they are but cannot be used (missing
// or clashing columns). where is `sheet "Appointments"` or "the file".
type headerMatch func(where string, row int, cells []string) (ok bool, ferr *FileError)

// openSheet detects the file's format and finds the header row that
// match accepts: in the named sheet, or the first sheet that has one.
// A file that cannot be used returns a *FileError.
func openSheet(ra io.ReaderAt, size int64, file, path string, o sheetOptions, match headerMatch) (*openedSheet, error) {
	format, ferr := detect(ra, size, file, o.noun, o.limits)
	if ferr != nil {
		return nil, ferr.as(o.noun)
	}
	var s *openedSheet
	var err error
	if format == FormatXLSX {
		s, err = openXLSXSheet(ra, size, file, path, o, match)
	} else {
		s, err = openCSVSheet(ra, size, file, o, match)
	}
	var fe *FileError
	if errors.As(err, &fe) {
		fe.as(o.noun)
	}
	return s, err
}

func openXLSXSheet(ra io.ReaderAt, size int64, file, path string, o sheetOptions, match headerMatch) (_ *openedSheet, err error) {
	xo := excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    o.limits.MaxUnzippedBytes,
		UnzipXMLSizeLimit: min(o.limits.MaxUnzippedBytes, excelize.StreamChunkSize),
		TmpDir:            o.tempDir,
	}
	var f *excelize.File
	if path != "" {
		f, err = excelize.OpenFile(path, xo)
	} else {
		f, err = excelize.OpenReader(io.NewSectionReader(ra, 0, size), xo)
	}
	if err != nil {
		// Encrypted workbooks and oversized packages were refused by detect.
		return nil, fileErr(file, Unreadable, err, "the workbook cannot be read; open it in Excel, save it again as .xlsx and upload that")
	}
	s := &openedSheet{format: FormatXLSX, closers: []func() error{f.Close}}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		s.date1904 = *props.Date1904
	}
	sheets := f.GetSheetList()
	if o.sheet != "" {
		if !slices.Contains(sheets, o.sheet) {
			return nil, fileErr(file, NoSheet, nil, "the workbook has no sheet named %q; its sheets are %s", o.sheet, quoteList(sheets))
		}
		sheets = []string{o.sheet}
	}
	var partial *FileError
	for _, name := range sheets {
		rows, err := f.Rows(name)
		if err != nil {
			continue // a chart sheet or dialog sheet
		}
		src := &xlsxRows{rows: rows}
		row, header, ferr := findHeader(src, file, fmt.Sprintf("sheet %q", name), match)
		if ferr != nil {
			rows.Close()
			if partial == nil && ferr.Kind != NoHeader {
				partial = ferr
			}
			continue
		}
		s.name, s.headerRow, s.header, s.src = name, row, header, src
		s.closers = append(s.closers, rows.Close)
		if dim, err := f.GetSheetDimension(name); err == nil {
			if last := lastRow(dim); last-row > o.limits.MaxRows {
				return nil, fileErr(file, TooManyRows, nil, "sheet %q has %d rows below the header; the limit is %d. Split it into smaller files",
					name, last-row, o.limits.MaxRows)
			}
		}
		return s, nil
	}
	if partial != nil {
		return nil, partial
	}
	return nil, fileErr(file, NoHeader, nil, "no header row in the first %d rows of %s; the header needs column names such as %s",
		headerScanRows, sheetWord(sheets), o.example)
}

func openCSVSheet(ra io.ReaderAt, size int64, file string, o sheetOptions, match headerMatch) (*openedSheet, error) {
	n, err := countLines(io.NewSectionReader(ra, 0, size))
	if err != nil {
		return nil, fileErr(file, Unreadable, err, "the file cannot be read")
	}
	rows, err := NewCSVRows(io.NewSectionReader(ra, 0, size))
	if err != nil {
		return nil, fileErr(file, Unreadable, err, "the file cannot be read")
	}
	src := &csvSource{rows}
	row, header, ferr := findHeader(src, file, "the file", match)
	if ferr != nil {
		return nil, ferr
	}
	if n-row > o.limits.MaxRows {
		return nil, fileErr(file, TooManyRows, nil, "the file has %d lines below the header; the limit is %d. Split it into smaller files", n-row, o.limits.MaxRows)
	}
	return &openedSheet{format: FormatCSV, headerRow: row, header: header, delimiter: rows.Delimiter, src: src}, nil
}

// findHeader reads up to headerScanRows rows looking for the header. It
// returns a NoHeader error when there is none, match's error when the
// header is unusable.
func findHeader(src rowSource, file, where string, match headerMatch) (int, []string, *FileError) {
	for range headerScanRows {
		row, cells, err := src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, nil, fileErr(file, Unreadable, err, "%s cannot be read", where)
		}
		ok, ferr := match(where, row, cells)
		if ferr != nil {
			return 0, nil, ferr
		}
		if ok {
			return row, slices.Clone(cells), nil
		}
	}
	return 0, nil, fileErr(file, NoHeader, nil, "no header row in the first %d rows of %s", headerScanRows, where)
}

// where names the sheet in messages.
func (s *openedSheet) where() string {
	if s.name != "" {
		return fmt.Sprintf("sheet %q", s.name)
	}
	return "the file"
}

func (s *openedSheet) close() error {
	err := closeAll(s.closers)
	s.closers = nil
	return err
}

// closeAll calls the closers last first and returns the first error.
func closeAll(closers []func() error) error {
	var first error
	for i := len(closers) - 1; i >= 0; i-- {
		if err := closers[i](); err != nil && first == nil {
			first = err
		}
	}
	return first
}
