package intake

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

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

	col     columns
	cur     *building
	scratch claim.Claim
	loose   []RowError // errors not yet returned
	// the first pass: rows kept by claim, in order of first appearance
	raw     []rawRow
	store   rowStore
	groups  []group
	byID    map[string]int32
	lastID  string // claim of the previous row, which a blank claim ID continues
	dates   dateVotes
	cellBuf []string
	scanned bool // the whole file has been read
	next    int  // next group to assemble
	rows    int
	filled  int // rows read that are not blank
	stats   Stats
	failed  error
	maxRows int
	// date1904: the workbook counts serial dates from 1904
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
	r, err := open(f, fi.Size(), filepath.Base(path), opts)
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
	return open(r, size, name, opts)
}

func open(ra io.ReaderAt, size int64, name string, opts Options) (_ *Reader, err error) {
	defer recoverFileError(name, &err)
	opts.Limits = opts.Limits.withDefaults()
	if opts.AsOf == 0 {
		opts.AsOf = today()
	}
	format, ferr := detect(ra, size, name, opts.Limits)
	if ferr != nil {
		return nil, ferr
	}
	r := &Reader{name: name, opts: opts, byID: make(map[string]int32), maxRows: opts.Limits.MaxRows}
	if format == FormatXLSX {
		err = r.openXLSX(ra, size)
	} else {
		err = r.openCSV(ra, size)
	}
	if err != nil {
		r.Close()
		return nil, err
	}
	r.col = resolveColumns(r.layout)
	return r, nil
}

func (r *Reader) openXLSX(ra io.ReaderAt, size int64) error {
	wb, ferr := openWorkbook(ra, size, r.name, r.opts.Limits)
	if ferr != nil {
		return ferr
	}
	r.date1904 = wb.date1904
	sheets := wb.sheets
	if r.opts.Sheet != "" {
		if _, ok := wb.worksheet(r.opts.Sheet); !ok {
			return fileErr(r.name, NoSheet, nil, "the workbook has no sheet named %q; its sheets are %s", r.opts.Sheet, quoteList(sheets))
		}
		sheets = []string{r.opts.Sheet}
	}
	var partial *FileError
	for _, sheet := range sheets {
		ref, ok := wb.worksheet(sheet)
		if !ok {
			continue // a chart sheet or dialog sheet
		}
		src, ferr := wb.openSheet(ref)
		if ferr != nil {
			return ferr
		}
		hdrRow, layout, ferr := r.findHeader(src, sheet)
		if ferr != nil {
			src.close()
			if ferr.Kind != NoHeader && ferr.Kind != MissingColumns && ferr.Kind != BadHeader {
				return ferr // damaged or over a limit: the file fails, not just this sheet
			}
			if partial == nil && ferr.Kind != NoHeader {
				partial = ferr
			}
			continue
		}
		layout.Format, layout.Sheet, layout.HeaderRow, layout.Date1904 = FormatXLSX, sheet, hdrRow, r.date1904
		r.layout, r.src = layout, src
		r.closer = append(r.closer, src.close)
		if dim, err := src.dimension(); err != nil {
			return err
		} else if last := lastRow(dim); last-hdrRow > r.maxRows {
			return fileErr(r.name, TooManyRows, nil, "sheet %q has %d rows below the header; the limit is %d. Split it into smaller files",
				sheet, last-hdrRow, r.maxRows)
		}
		return nil
	}
	if partial != nil {
		return partial
	}
	return fileErr(r.name, NoHeader, nil, "no header row in the first %d rows of %s; the header needs column names such as %s",
		headerScanRows, sheetWord(sheets), exampleColumns())
}

func (r *Reader) openCSV(ra io.ReaderAt, size int64) error {
	n, err := countLines(io.NewSectionReader(ra, 0, size))
	if err != nil {
		return fileErr(r.name, Unreadable, err, "the file cannot be read")
	}
	rows, err := NewCSVRows(io.NewSectionReader(ra, 0, size))
	if err != nil {
		return fileErr(r.name, Unreadable, err, "the file cannot be read")
	}
	src := &csvSource{rows}
	hdrRow, layout, ferr := r.findHeader(src, "")
	if ferr != nil {
		return ferr
	}
	layout.Format, layout.HeaderRow, layout.Delimiter = FormatCSV, hdrRow, rows.Delimiter
	r.layout, r.src = layout, src
	if n-hdrRow > r.maxRows {
		return fileErr(r.name, TooManyRows, nil, "the file has %d lines below the header; the limit is %d. Split it into smaller files", n-hdrRow, r.maxRows)
	}
	return nil
}

// findHeader reads up to headerScanRows rows looking for the header. It
// returns a NoHeader error when there is none, MissingColumns or BadHeader
// when the header is unusable.
func (r *Reader) findHeader(src rowSource, sheet string) (int, *Layout, *FileError) {
	where := "the file"
	if sheet != "" {
		where = fmt.Sprintf("sheet %q", sheet)
	}
	for i := 0; i < headerScanRows; i++ {
		row, cells, err := src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, nil, asFileError(r.name, err, "%s cannot be read", where)
		}
		known := 0
		for _, c := range cells {
			if _, ok := FieldForHeader(c); ok {
				known++
			}
		}
		if known < minHeaderFields {
			continue
		}
		layout, err := newLayout(cells)
		if err != nil {
			return 0, nil, fileErr(r.name, BadHeader, nil, "%s row %d: %v", where, row, err)
		}
		layout.File = r.name
		if why := layout.headerConflict(); why != "" {
			return 0, nil, fileErr(r.name, BadHeader, nil, "%s row %d: %s", where, row, why)
		}
		d, dxCol := layout.firstDxColumn()
		if c, ok := layout.Column(claim.FieldDiagnosisCodes); ok && dxCol {
			return 0, nil, fileErr(r.name, BadHeader, nil, "%s row %d: column %s (%q) and columns from %s (%q) both hold diagnoses; keep either the dx1..dx12 columns or the one list column",
				where, row, c.Letter, c.Header, d.Letter, d.Header)
		}
		if missing := layout.missing(); len(missing) > 0 {
			fe := fileErr(r.name, MissingColumns, nil, "%s is missing required column%s %s (header row %d has: %s)",
				where, plural(len(missing)), fieldList(missing), row, quoteList(layout.Headers()))
			fe.Missing, fe.Headers = missing, layout.Headers()
			return 0, nil, fe
		}
		return row, layout, nil
	}
	return 0, nil, fileErr(r.name, NoHeader, nil, "no header row in the first %d rows of %s", headerScanRows, where)
}

// Layout returns where the file keeps each field.
func (r *Reader) Layout() *Layout { return r.layout }

// Stats returns what has been read so far.
func (r *Reader) Stats() Stats { return r.stats }

// Close releases the file and excelize's temporary files.
func (r *Reader) Close() error { return closeAll(&r.closer) }

// closeAll calls the closers last first, empties the list and returns the
// first error.
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

// Next returns up to n more claims, in the order they first appear in the
// file, and the row errors found while reading them; it returns io.EOF,
// with no claims, once the file is done. Since a claim's rows may be
// anywhere in the file, the first calls read it through (a few thousand
// rows each, so the caller can heartbeat between them) and return no
// claims; then claims are assembled n at a time, each with its row
// errors. The row errors that belong to no claim (report footers, a
// missing units column, ambiguous dates) come with the first claims.
//
// A *FileError (a structural fault or the row limit found part way
// through) means the file has failed as a whole and what was read from it
// must be discarded. Chunks are deterministic: reading a file with Next(k)
// calls of any sizes yields the same claims and errors in the same order,
// so a retried activity can skip the claims it already stored (see Skip).
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
	if !r.scanned {
		if err := r.scan(max(4*n, 4096)); err != nil {
			return nil, nil, err
		}
		if !r.scanned {
			return nil, nil, nil
		}
	}
	var out []claim.Claim
	for len(out) < n && r.next < len(r.groups) {
		g := &r.groups[r.next]
		r.next++
		if c, ok := r.assemble(g); ok {
			out = append(out, c)
		}
		*g = group{}
	}
	errs := r.loose
	r.loose = nil
	r.stats.Claims += len(out)
	for i := range out {
		r.stats.Lines += len(out[i].Lines)
	}
	r.stats.RowErrors += len(errs)
	if len(out) == 0 && len(errs) == 0 && r.next >= len(r.groups) {
		r.raw, r.groups, r.byID, r.store = nil, nil, nil, rowStore{}
		if r.stats.Claims == 0 {
			return nil, nil, r.noClaims()
		}
		return nil, nil, io.EOF
	}
	return out, errs, nil
}

// scan reads up to budget more rows of the first pass.
func (r *Reader) scan(budget int) error {
	for ; budget > 0; budget-- {
		row, cells, err := r.src.next()
		if errors.Is(err, io.EOF) {
			r.endScan()
			return nil
		}
		if err != nil {
			return asFileError(r.name, err, "%s cannot be read past row %d; save the file again and re-upload", r.where(), r.layout.HeaderRow+r.rows)
		}
		r.rows++
		r.stats.Rows = r.rows
		if r.rows > r.maxRows {
			return fileErr(r.name, TooManyRows, nil, "%s has more than %d rows below the header; split it into smaller files", r.where(), r.maxRows)
		}
		r.scanRow(row, cells)
	}
	return nil
}

// asFileError returns err if it is a *FileError (which says what is
// wrong itself), else a failed file with the reason given.
func asFileError(name string, err error, format string, args ...any) *FileError {
	var fe *FileError
	if errors.As(err, &fe) {
		return fe
	}
	var ce *CSVError
	if errors.As(err, &ce) {
		return fileErr(name, Unreadable, err, "the file cannot be read: %s", ce)
	}
	return fileErr(name, Unreadable, err, format, args...)
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

// noClaims is the failed file for a file that yields no claim at all: an
// empty file is not a batch in which every claim passed.
func (r *Reader) noClaims() *FileError {
	if r.filled == 0 {
		return fileErr(r.name, NoClaims, nil, "%s has a header (row %d) but no rows below it: there are no claims to scrub", r.where(), r.layout.HeaderRow)
	}
	return fileErr(r.name, NoClaims, nil, "%s has %d row%s below the header (row %d) but none of them is a claim: each needs a claim ID, or to continue the claim above it", r.where(), r.filled, plural(r.filled), r.layout.HeaderRow)
}

func (r *Reader) where() string {
	if r.layout.Sheet != "" {
		return fmt.Sprintf("sheet %q", r.layout.Sheet)
	}
	return "the file"
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
