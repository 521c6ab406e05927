package intake

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/richardlehane/mscfb"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// Format is a claims file's format, detected from its content.
type Format string

// The formats intake reads.
const (
	FormatXLSX Format = "xlsx"
	FormatCSV  Format = "csv"
)

// Limits bound what one claims file may cost. Zero fields take the
// DefaultLimits value. With the defaults, reading any file up to MaxBytes
// stays under 300 MB of heap (BenchmarkHostileXLSX measures it; see
// xlsx.go for how workbooks are read).
type Limits struct {
	MaxBytes         int64 // largest file accepted
	MaxRows          int   // most data rows (below the header)
	MaxUnzippedBytes int64 // largest total decompressed size of an xlsx (zip bombs)
	MaxZipEntries    int   // most parts in an xlsx package
	// MaxPartBytes is the largest decompressed size of one xlsx part other
	// than a worksheet (the shared strings, styles, workbook.xml …), which
	// are held in memory; worksheets are streamed.
	MaxPartBytes int64
	// MaxSharedStrings is the most strings an xlsx's shared-string table
	// may hold.
	MaxSharedStrings int
	// MaxCellChars is the most characters one cell (or shared string) may
	// hold: Excel's own limit is 32,767.
	MaxCellChars int
	// MaxTextBytes is the most text the cells of one sheet may hold in
	// all, a shared string counting once per cell that refers to it (CSV:
	// the file itself is bounded by MaxBytes).
	MaxTextBytes int64
	// MaxXMLDepth is how deep the elements of an xlsx part may nest.
	MaxXMLDepth int
}

// DefaultLimits match rcmbot's configuration defaults
// (RCMBOT_UPLOAD_MAX_BYTES, RCMBOT_MAX_ROWS, RCMBOT_MAX_UNZIPPED_BYTES).
var DefaultLimits = Limits{MaxBytes: 50 << 20, MaxRows: 200_000, MaxUnzippedBytes: 500 << 20, MaxZipEntries: 10_000,
	MaxPartBytes: 32 << 20, MaxSharedStrings: 1_000_000, MaxCellChars: 32_767, MaxTextBytes: 128 << 20, MaxXMLDepth: 64}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxRows <= 0 {
		l.MaxRows = DefaultLimits.MaxRows
	}
	if l.MaxUnzippedBytes <= 0 {
		l.MaxUnzippedBytes = DefaultLimits.MaxUnzippedBytes
	}
	if l.MaxZipEntries <= 0 {
		l.MaxZipEntries = DefaultLimits.MaxZipEntries
	}
	if l.MaxPartBytes <= 0 {
		l.MaxPartBytes = DefaultLimits.MaxPartBytes
	}
	if l.MaxSharedStrings <= 0 {
		l.MaxSharedStrings = DefaultLimits.MaxSharedStrings
	}
	if l.MaxCellChars <= 0 {
		l.MaxCellChars = DefaultLimits.MaxCellChars
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = DefaultLimits.MaxTextBytes
	}
	if l.MaxXMLDepth <= 0 {
		l.MaxXMLDepth = DefaultLimits.MaxXMLDepth
	}
	return l
}

var (
	magicZip = []byte("PK\x03\x04")
	magicOLE = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// detect decides what a file is from its first bytes and, for zip and OLE
// containers, their directory. name is only used in messages.
func detect(r io.ReaderAt, size int64, name string, lim Limits) (Format, *FileError) {
	if size > lim.MaxBytes {
		return "", fileErr(name, TooLarge, nil, "the file is %s; the limit is %s. Split it into smaller files", byteSize(size), byteSize(lim.MaxBytes))
	}
	if size == 0 {
		return "", fileErr(name, NoHeader, nil, "the file is empty")
	}
	head := make([]byte, min(size, 4096))
	if _, err := r.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return "", fileErr(name, Unreadable, err, "the file cannot be read")
	}
	switch {
	case bytes.HasPrefix(head, magicZip):
		return FormatXLSX, checkZip(r, size, name, lim)
	case bytes.HasPrefix(head, magicOLE):
		return "", oleError(r, name)
	case bytes.HasPrefix(head, []byte("%PDF")):
		return "", fileErr(name, NotSpreadsheet, nil, "this is a PDF, not a spreadsheet; export the claims from your practice-management system as .xlsx or .csv")
	}
	text := bytes.TrimLeft(bytes.TrimPrefix(head, utf8BOM), " \t\r\n")
	lower := bytes.ToLower(text[:min(len(text), 512)])
	switch {
	case bytes.HasPrefix(lower, []byte("<?xml")) && bytes.Contains(lower, []byte("mso-application")),
		bytes.HasPrefix(lower, []byte("<html")), bytes.HasPrefix(lower, []byte("<!doctype html")):
		return "", fileErr(name, NotSpreadsheet, nil, "this is an XML or HTML export, not .xlsx or .csv; open it in Excel and save it as Excel Workbook (.xlsx)")
	}
	if !bytes.HasPrefix(head, utf16LEBOM) && !bytes.HasPrefix(head, utf16BEBOM) && !bytes.HasPrefix(head, utf32BEBOM) && bytes.IndexByte(head, 0) >= 0 {
		return "", fileErr(name, NotSpreadsheet, nil, "this is a binary file, not a spreadsheet; upload an .xlsx workbook or a .csv file")
	}
	return FormatCSV, nil
}

// checkZip refuses zip packages that are not xlsx workbooks or that would
// decompress to more than the limit, before excelize opens them. Go's zip
// reader stops at the declared size, so the declared sizes can be trusted.
func checkZip(r io.ReaderAt, size int64, name string, lim Limits) *FileError {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return fileErr(name, Unreadable, err, "the workbook is damaged (its zip structure cannot be read); open and save it again in Excel")
	}
	if len(zr.File) > lim.MaxZipEntries {
		return fileErr(name, TooLarge, nil, "the workbook has %d parts; the limit is %d", len(zr.File), lim.MaxZipEntries)
	}
	var total uint64
	var workbook, word, ods, xlsb bool
	var bigPart string
	for _, f := range zr.File {
		total += f.UncompressedSize64
		lower := strings.ToLower(f.Name)
		if f.UncompressedSize64 > uint64(lim.MaxPartBytes) && !strings.HasPrefix(lower, "xl/worksheets/") && bigPart == "" {
			bigPart = f.Name
		}
		switch lower {
		case "xl/workbook.xml":
			workbook = true
		case "xl/workbook.bin":
			xlsb = true
		case "word/document.xml":
			word = true
		case "content.xml", "mimetype":
			ods = true
		}
	}
	switch {
	case word:
		return fileErr(name, NotSpreadsheet, nil, "this is a Word document, not a spreadsheet")
	case xlsb:
		return fileErr(name, NotSpreadsheet, nil, "this is an Excel Binary Workbook (.xlsb); save it as Excel Workbook (.xlsx)")
	case !workbook && ods:
		return fileErr(name, NotSpreadsheet, nil, "this is an OpenDocument spreadsheet (.ods); save it as Excel Workbook (.xlsx)")
	case !workbook:
		return fileErr(name, NotSpreadsheet, nil, "this zip file is not an Excel workbook (.xlsx)")
	}
	if total > uint64(lim.MaxUnzippedBytes) {
		return fileErr(name, TooLarge, nil, "the workbook decompresses to %s; the limit is %s. Split it into smaller files",
			byteSize(int64(min(total, 1<<62))), byteSize(lim.MaxUnzippedBytes))
	}
	if bigPart != "" {
		return fileErr(name, TooLarge, nil, "the workbook's part %s decompresses to more than %s, the limit for one part; no claims workbook needs that much. Open it in Excel, save it again and upload that",
			truncate(bigPart, 60), byteSize(lim.MaxPartBytes))
	}
	return nil
}

// oleError explains an OLE compound file: a password-protected xlsx, a
// legacy .xls workbook or something else.
func oleError(r io.ReaderAt, name string) *FileError {
	doc, err := mscfb.New(r)
	if err != nil {
		return fileErr(name, NotSpreadsheet, err, "this is an Office 97–2003 file that cannot be read; save it as Excel Workbook (.xlsx)")
	}
	for f, err := doc.Next(); err == nil; f, err = doc.Next() {
		switch f.Name {
		case "EncryptedPackage", "EncryptionInfo":
			return fileErr(name, Encrypted, nil, "the workbook is password-protected; remove the password (File › Info › Protect Workbook › Encrypt with Password, clear it), save, and upload again")
		case "Workbook", "Book":
			return fileErr(name, NotSpreadsheet, nil, "this is an Excel 97–2003 workbook (.xls); open it in Excel and save it as Excel Workbook (.xlsx)")
		case "WordDocument":
			return fileErr(name, NotSpreadsheet, nil, "this is a Word document, not a spreadsheet")
		}
	}
	return fileErr(name, NotSpreadsheet, nil, "this is an Office 97–2003 file, not an .xlsx workbook or .csv file")
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

var (
	utf8BOM    = []byte{0xEF, 0xBB, 0xBF}
	utf16LEBOM = []byte{0xFF, 0xFE}
	utf16BEBOM = []byte{0xFE, 0xFF}
	utf32LEBOM = []byte{0xFF, 0xFE, 0x00, 0x00} // begins like UTF-16LE's: test it first
	utf32BEBOM = []byte{0x00, 0x00, 0xFE, 0xFF}
)

// sniffSize is how much of a CSV file decides its encoding and delimiter.
const sniffSize = 64 << 10

// CSVRows reads the records of a CSV file. It detects the encoding (UTF-8
// with or without a byte-order mark, UTF-16 with a mark as Excel's
// "Unicode text" writes it, UTF-32 with a mark, else Windows-1252) and the
// delimiter (comma, semicolon, tab or pipe); quoted fields may hold
// delimiters, quotes and line breaks. A quoted field whose closing quote
// is missing, which would swallow the rest of the file, is a *CSVError
// naming the line it opens on.
type CSVRows struct {
	r         *csv.Reader
	q         *quoteTracker
	row       int
	endLine   int  // line the previous record ended on
	Delimiter rune // the detected delimiter
}

// CSVError is a CSV file's structure failing at a line. Its message
// carries no field text.
type CSVError struct {
	Line int    // 1-based line of the file
	Msg  string // what is wrong
}

func (e *CSVError) Error() string { return fmt.Sprintf("CSV line %d: %s", e.Line, e.Msg) }

// NewCSVRows starts reading CSV text from r.
func NewCSVRows(r io.Reader) (*CSVRows, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	var text io.Reader = br
	switch {
	case bytes.HasPrefix(head, utf8BOM):
		_, _ = br.Discard(len(utf8BOM))
	case bytes.HasPrefix(head, utf32LEBOM), bytes.HasPrefix(head, utf32BEBOM):
		text = utf32.UTF32(utf32.LittleEndian, utf32.ExpectBOM).NewDecoder().Reader(br)
	case bytes.HasPrefix(head, utf16LEBOM), bytes.HasPrefix(head, utf16BEBOM):
		text = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Reader(br)
	case !validUTF8Prefix(head):
		text = charmap.Windows1252.NewDecoder().Reader(br)
	}
	tb := bufio.NewReaderSize(text, sniffSize)
	sample, err := tb.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	c := &CSVRows{Delimiter: sniffDelimiter(sample)}
	c.q = &quoteTracker{r: tb, delim: byte(c.Delimiter), line: 1}
	c.r = csv.NewReader(c.q)
	c.r.Comma = c.Delimiter
	c.r.FieldsPerRecord = -1
	c.r.LazyQuotes = true
	c.r.ReuseRecord = true
	return c, nil
}

// Next returns the next record and its 1-based number (the row it becomes
// when the file is opened in a spreadsheet: blank lines, which the record
// reader skips, are rows there; a quoted line break is not), or io.EOF.
// The slice is reused by the following call; the strings are not.
func (c *CSVRows) Next() (int, []string, error) {
	rec, err := c.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, nil, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return 0, nil, &CSVError{Line: pe.Line, Msg: pe.Err.Error()}
		}
		return 0, nil, err
	}
	if c.q.unterminated() {
		return 0, nil, &CSVError{Line: c.q.openLine,
			Msg: "a quoted field starts here and its closing quote is missing, so the rest of the file would be read into it; close the quote (or remove it) and upload again"}
	}
	start, _ := c.r.FieldPos(0)
	c.row += 1 + max(start-c.endLine-1, 0)
	last, _ := c.r.FieldPos(len(rec) - 1)
	c.endLine = last + strings.Count(rec[len(rec)-1], "\n")
	return c.row, rec, nil
}

// quoteTracker follows the quoting of the text a csv.Reader (with
// LazyQuotes) reads through it, to tell where a quoted field that never
// closes began: the reader itself would return the rest of the file as
// that field.
type quoteTracker struct {
	r        io.Reader
	delim    byte
	state    quoteState
	line     int  // line of the next byte
	openLine int  // line the open quoted field began on
	eof      bool // r is done
}

type quoteState uint8

const (
	fieldStart quoteState = iota // at the start of a field
	unquoted                     // in a field that did not start with a quote
	quoted                       // in a quoted field
	quoteSeen                    // a quote in a quoted field: closing it, or the first of two
)

func (q *quoteTracker) Read(p []byte) (int, error) {
	n, err := q.r.Read(p)
	for _, b := range p[:n] {
		switch q.state {
		case fieldStart, unquoted:
			switch {
			case b == q.delim || b == '\n':
				q.state = fieldStart
			case b == '"' && q.state == fieldStart:
				q.state, q.openLine = quoted, q.line
			default:
				q.state = unquoted
			}
		case quoted:
			if b == '"' {
				q.state = quoteSeen
			}
		case quoteSeen:
			switch b {
			case q.delim, '\n':
				q.state = fieldStart
			case '\r':
			default: // "" is a quote; with lazy quotes, so is one before other text
				q.state = quoted
			}
		}
		if b == '\n' {
			q.line++
		}
	}
	if err != nil {
		q.eof = true
	}
	return n, err
}

// unterminated reports whether the text ended inside a quoted field.
func (q *quoteTracker) unterminated() bool { return q.eof && q.state == quoted }

// validUTF8Prefix reports whether b is UTF-8, allowing a rune cut off at the end.
func validUTF8Prefix(b []byte) bool {
	if utf8.Valid(b) {
		return true
	}
	for cut := 1; cut < utf8.UTFMax && cut < len(b); cut++ {
		if utf8.Valid(b[:len(b)-cut]) {
			return true
		}
	}
	return false
}

// sniffDelimiter picks the delimiter that splits the sample's lines most
// consistently: for each candidate, the most common non-zero count per
// line, weighted by how many lines have it. Quoted text is skipped.
func sniffDelimiter(sample []byte) rune {
	cands := []byte{',', ';', '\t', '|'}
	lines := 0
	counts := make([]map[int]int, len(cands))
	for i := range counts {
		counts[i] = make(map[int]int)
	}
	per := make([]int, len(cands))
	inQuote := false
	flush := func() {
		for i, n := range per {
			if n > 0 {
				counts[i][n]++
			}
			per[i] = 0
		}
		lines++
	}
scan:
	for _, ch := range sample {
		switch {
		case ch == '"':
			inQuote = !inQuote
		case inQuote:
		case ch == '\n':
			flush()
			if lines >= 50 {
				break scan
			}
		default:
			for i, c := range cands {
				if ch == c {
					per[i]++
				}
			}
		}
	}
	if lines < 50 {
		flush()
	}
	best, bestScore := ',', 0
	for i, c := range cands {
		for n, k := range counts[i] {
			if score := n * k * k; score > bestScore {
				best, bestScore = rune(c), score
			}
		}
	}
	return best
}

// countLines counts line breaks in a CSV file, an upper bound on its records.
func countLines(r io.Reader) (int, error) {
	buf := make([]byte, 256<<10)
	n := 0
	for {
		k, err := r.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
