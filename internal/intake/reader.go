package intake

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// Options control how a claims file is read.
type Options struct {
	// Sheet names the sheet to read; "" means the first sheet with a
	// header row that has every required column.
	Sheet string
	// Limits bound the file; zero fields take DefaultLimits.
	Limits Limits
	// AsOf is the date two-digit years are resolved against (a date of
	// birth is never after it); zero means today.
	AsOf claim.Date
	// TempDir is where excelize unpacks worksheets too large to keep in
	// memory; "" means the system default.
	TempDir string
}

// headerScanRows is how many rows from the top of a sheet may hold the
// header (exports often put a report title and date range above it).
const headerScanRows = 20

// minHeaderFields is how many recognised column names make a header row.
const minHeaderFields = 3

// Stats counts what a Reader has read so far.
type Stats struct {
	Rows      int // rows read below the header, blank ones included
	Claims    int // claims returned
	Lines     int // service lines in them
	RowErrors int // row errors returned
}

// rowSource yields a sheet's rows with their 1-based row numbers, then io.EOF.
type rowSource interface {
	next() (int, []string, error)
}

// Reader reads claims from a claims file in chunks. It is not safe for
// concurrent use.
type Reader struct {
	name   string
	opts   Options
	layout *Layout
	src    rowSource
	closer []func() error

	col      columns
	cur      *building
	scratch  claim.Claim
	loose    []RowError // errors not tied to the claim being built
	seen     map[string]int
	rows     int
	eof      bool
	stats    Stats
	failed   error
	maxRows  int
	date1904 bool
}

// Open opens a claims file (.xlsx or .csv, told apart by content) and
// finds its header row. A file that fails as a whole returns a *FileError.
func Open(path string, opts Options) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open claims file: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open claims file: %w", err)
	}
	r, err := open(f, fi.Size(), filepath.Base(path), path, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = append(r.closer, f.Close)
	return r, nil
}

// NewReader reads a claims file of the given size from r; name is the
// file name used in messages. The caller keeps r open until Close.
func NewReader(r io.ReaderAt, size int64, name string, opts Options) (*Reader, error) {
	return open(r, size, name, "", opts)
}

func open(ra io.ReaderAt, size int64, name, path string, opts Options) (_ *Reader, err error) {
	defer recoverFileError(name, &err)
	opts.Limits = opts.Limits.withDefaults()
	if opts.AsOf == 0 {
		opts.AsOf = today()
	}
	r := &Reader{name: name, opts: opts, seen: make(map[string]int), maxRows: opts.Limits.MaxRows}
	so := sheetOptions{sheet: opts.Sheet, limits: opts.Limits, tempDir: opts.TempDir, example: exampleColumns()}
	s, err := openSheet(ra, size, name, path, so, r.matchHeader)
	if err != nil {
		return nil, err
	}
	r.closer = append(r.closer, s.closers...)
	r.layout.Format, r.layout.Sheet, r.layout.HeaderRow = s.format, s.name, s.headerRow
	r.layout.Date1904, r.layout.Delimiter = s.date1904, s.delimiter
	r.src, r.date1904 = s.src, s.date1904
	r.col = resolveColumns(r.layout)
	return r, nil
}

// matchHeader recognises the claims header: a row with at least
// minHeaderFields known column names. It keeps the row's Layout, and
// refuses a header whose columns clash or lack a required field.
func (r *Reader) matchHeader(where string, row int, cells []string) (bool, *FileError) {
	known := 0
	for _, c := range cells {
		if _, ok := FieldForHeader(c); ok {
			known++
		}
	}
	if known < minHeaderFields {
		return false, nil
	}
	layout, err := newLayout(cells)
	if err != nil {
		return false, fileErr(r.name, BadHeader, nil, "%s row %d: %v", where, row, err)
	}
	layout.File = r.name
	d, dxCol := layout.firstDxColumn()
	if c, ok := layout.Column(claim.FieldDiagnosisCodes); ok && dxCol {
		return false, fileErr(r.name, BadHeader, nil, "%s row %d: column %s (%q) and columns from %s (%q) both hold diagnoses; keep either the dx1..dx12 columns or the one list column",
			where, row, c.Letter, c.Header, d.Letter, d.Header)
	}
	if missing := layout.missing(); len(missing) > 0 {
		fe := fileErr(r.name, MissingColumns, nil, "%s is missing required column%s %s (header row %d has: %s)",
			where, plural(len(missing)), fieldList(missing), row, quoteList(layout.Headers()))
		fe.Missing, fe.Headers = missing, layout.Headers()
		return false, fe
	}
	r.layout = layout
	return true, nil
}

// Layout returns where the file keeps each field.
func (r *Reader) Layout() *Layout { return r.layout }

// Stats returns what has been read so far.
func (r *Reader) Stats() Stats { return r.stats }

// Close releases the file and excelize's temporary files.
func (r *Reader) Close() error {
	err := closeAll(r.closer)
	r.closer = nil
	return err
}

// Next reads up to n more claims, in file order, and the row errors found
// while reading them. It returns io.EOF, with no claims, once the file is
// done. A RowError holds the claim its ClaimID names — possibly one
// returned by an earlier call, when that claim's ID reappears further down
// the file. A *FileError (a structural fault or the row limit found part
// way through) means the file has failed as a whole and what was read
// from it must be discarded.
//
// Chunks are deterministic: reading a file with Next(k) calls of any sizes
// yields the same claims and errors in the same order, so a retried
// activity can skip the claims it already stored (see Skip).
func (r *Reader) Next(n int) (_ []claim.Claim, _ []RowError, err error) {
	defer func() {
		if err == nil {
			return
		}
		var fe *FileError
		if errors.As(err, &fe) {
			r.failed = fe
		}
	}()
	defer recoverFileError(r.name, &err)
	if r.failed != nil {
		return nil, nil, r.failed
	}
	if n < 1 {
		n = 1
	}
	var out []claim.Claim
	var errs []RowError
	for len(out) < n && !r.eof {
		row, cells, err := r.src.next()
		if errors.Is(err, io.EOF) {
			r.eof = true
			if c, ok := r.finish(); ok {
				out = append(out, c)
			}
			break
		}
		if err != nil {
			return nil, nil, fileErr(r.name, Unreadable, err, "%s cannot be read past row %d; save the file again and re-upload", r.where(), r.layout.HeaderRow+r.rows)
		}
		r.rows++
		r.stats.Rows = r.rows
		if r.rows > r.maxRows {
			return nil, nil, fileErr(r.name, TooManyRows, nil, "%s has more than %d rows below the header; split it into smaller files", r.where(), r.maxRows)
		}
		if c, ok := r.row(row, cells); ok {
			out = append(out, c)
		}
		errs = append(errs, r.loose...)
		r.loose = r.loose[:0]
	}
	errs = append(errs, r.loose...)
	r.loose = r.loose[:0]
	r.stats.Claims += len(out)
	for i := range out {
		r.stats.Lines += len(out[i].Lines)
	}
	r.stats.RowErrors += len(errs)
	if len(out) == 0 && len(errs) == 0 && r.eof {
		return nil, nil, io.EOF
	}
	return out, errs, nil
}

// recoverFileError turns a panic in the spreadsheet library, on a file
// malformed in a way it does not expect, into a failed file: user input
// must never crash the worker.
func recoverFileError(name string, err *error) {
	if p := recover(); p != nil {
		*err = fileErr(name, Unreadable, fmt.Errorf("panic: %v", p), "the file is damaged and cannot be read; open it in Excel, save it again and upload that")
	}
}

// Skip reads and discards the next k claims (and their row errors): a
// retried activity resumes after the claims it already stored.
func (r *Reader) Skip(k int) error {
	for k > 0 {
		c, _, err := r.Next(min(k, 1000))
		if err != nil {
			return err
		}
		k -= len(c)
	}
	return nil
}

// Result is a whole claims file read at once.
type Result struct {
	Layout *Layout
	Claims []claim.Claim
	Errors []RowError
}

// ReadFile reads every claim of a file, for the CLI and tests; large
// batches should use Open and Next.
func ReadFile(path string, opts Options) (*Result, error) {
	r, err := Open(path, opts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	res := &Result{Layout: r.Layout()}
	for {
		c, e, err := r.Next(1000)
		if errors.Is(err, io.EOF) {
			return res, nil
		}
		if err != nil {
			return nil, err
		}
		res.Claims = append(res.Claims, c...)
		res.Errors = append(res.Errors, e...)
	}
}

func (r *Reader) where() string {
	if r.layout.Sheet != "" {
		return fmt.Sprintf("sheet %q", r.layout.Sheet)
	}
	return "the file"
}

type xlsxRows struct {
	rows *excelize.Rows
	n    int
}

func (x *xlsxRows) next() (int, []string, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return 0, nil, err
		}
		return 0, nil, io.EOF
	}
	x.n++
	cells, err := x.rows.Columns()
	return x.n, cells, err
}

type csvSource struct{ *CSVRows }

func (c *csvSource) next() (int, []string, error) { return c.Next() }

// lastRow reads the last row of a dimension reference such as "A1:AN5000".
func lastRow(dim string) int {
	_, ref, _ := strings.Cut(dim, ":")
	if ref == "" {
		ref = dim
	}
	i := strings.IndexFunc(ref, func(r rune) bool { return r >= '0' && r <= '9' })
	if i < 0 {
		return 0
	}
	n, _ := strconv.Atoi(ref[i:])
	return n
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = strconv.Quote(x)
	}
	return strings.Join(q, ", ")
}

func fieldList(fs []claim.Field) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
		if f == claim.FieldDx(1) {
			s[i] = "dx1 (or diagnosis_codes)"
		}
	}
	return strings.Join(s, ", ")
}

func exampleColumns() string {
	return "Claim ID, Patient Last Name, DOB, Member ID, Payer ID, Billing NPI, DOS, CPT, Charges, Dx 1"
}

func sheetWord(sheets []string) string {
	if len(sheets) == 1 {
		return fmt.Sprintf("sheet %q", sheets[0])
	}
	return "any sheet (" + quoteList(sheets) + ")"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
