package intake

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Reading workbooks
//
// Intake reads .xlsx packages itself, streaming, rather than through a
// spreadsheet library: a library that skips what it cannot parse turns a
// damaged sheet into a short one (rows vanish, the file looks complete),
// and one that materialises what the file declares lets a 450 KB upload
// ask for gigabytes. Here every part is read through encoding/xml with
// these bounds, and breaking any of them fails the file as a whole,
// naming the sheet, row or cell:
//
//   - parts other than worksheets decompress to at most Limits.MaxPartBytes
//     each (checked against the zip directory before anything is read);
//     worksheets are streamed and count against MaxUnzippedBytes;
//   - no run of bytes between two '<' is longer than a cell can be, so
//     the XML decoder never buffers more than that (one 450 MB string);
//   - elements nest at most Limits.MaxXMLDepth deep; a document type
//     declaration (the vehicle of entity expansion) is refused, and so is
//     an undefined entity;
//   - at most Limits.MaxSharedStrings shared strings, each, like every
//     cell, at most Limits.MaxCellChars characters (Excel's own limit);
//   - the cells of a row resolve to at most maxRowTextBytes and those of a
//     sheet to at most Limits.MaxTextBytes, counting a shared string once
//     per cell that refers to it (a 30 KB string referenced by every cell
//     would otherwise become terabytes);
//   - a cell referring to a shared string that does not exist, XML that
//     breaks off or whose tags do not match, a row or column beyond
//     Excel's grid: the file is damaged.
//
// Values are read raw, as the cells store them: serial numbers for dates,
// the shared or inline string for text (with OOXML's _xHHHH_ escapes
// decoded), the cached value of a formula.

// maxRowTextBytes bounds the text of one row's cells.
const maxRowTextBytes = 4 << 20

// Excel's grid.
const (
	maxSheetRows = 1 << 20
	maxSheetCols = 16384
)

// workbookPkg is an opened .xlsx package: its sheets and shared strings.
type workbookPkg struct {
	name     string // file name, for messages
	lim      Limits
	parts    map[string]*zip.File // by lower-case part name
	sheets   []string             // every sheet's name, in workbook order
	refs     []sheetRef           // the worksheets among them
	date1904 bool
	sst      *sharedStrings
	sstPart  string
}

// sheetRef is a worksheet and the part that holds it.
type sheetRef struct {
	name, part string
}

// openWorkbook reads a workbook package's directory, workbook.xml and its
// relationships. detect has already checked the zip's sizes and shape.
func openWorkbook(ra io.ReaderAt, size int64, name string, lim Limits) (*workbookPkg, *FileError) {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, fileErr(name, Unreadable, err, "the workbook is damaged (its zip structure cannot be read); open and save it again in Excel")
	}
	w := &workbookPkg{name: name, lim: lim, parts: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		w.parts[strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))] = f
	}
	rels, ferr := w.readRels("xl/_rels/workbook.xml.rels")
	if ferr != nil {
		return nil, ferr
	}
	if ferr := w.readWorkbook(rels); ferr != nil {
		return nil, ferr
	}
	w.sstPart = "xl/sharedstrings.xml"
	for _, r := range rels {
		if strings.HasSuffix(r.kind, "/sharedStrings") {
			w.sstPart = r.target
		}
	}
	return w, nil
}

// relationship is one entry of a .rels part.
type relationship struct {
	kind, target string // target: the part's name, lower case
}

// readRels reads a relationships part; a missing one is empty.
func (w *workbookPkg) readRels(part string) (map[string]relationship, *FileError) {
	rels := make(map[string]relationship)
	if w.parts[part] == nil {
		return rels, nil
	}
	p, err := w.open(part)
	if err != nil {
		return nil, w.partError(part, err)
	}
	defer p.close()
	for {
		tok, err := p.token()
		if errors.Is(err, io.EOF) {
			return rels, nil
		}
		if err != nil {
			return nil, w.partError(part, err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Relationship" {
			target := attr(se, "Target")
			if strings.HasPrefix(target, "/") {
				target = strings.TrimPrefix(target, "/")
			} else {
				target = path.Join("xl", target)
			}
			rels[attr(se, "Id")] = relationship{kind: attr(se, "Type"), target: strings.ToLower(path.Clean(target))}
		}
	}
}

// readWorkbook reads the sheet list and the date system from workbook.xml.
func (w *workbookPkg) readWorkbook(rels map[string]relationship) *FileError {
	const part = "xl/workbook.xml"
	p, err := w.open(part)
	if err != nil {
		return w.partError(part, err)
	}
	defer p.close()
	for {
		tok, err := p.token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return w.partError(part, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "workbookPr":
			v := attr(se, "date1904")
			w.date1904 = v == "1" || v == "true"
		case "sheet":
			name := attr(se, "name")
			w.sheets = append(w.sheets, name)
			var id string
			for _, a := range se.Attr {
				if a.Name.Local == "id" && a.Name.Space != "" {
					id = a.Value
				}
			}
			if r, ok := rels[id]; ok && strings.HasSuffix(r.kind, "/worksheet") {
				w.refs = append(w.refs, sheetRef{name: name, part: r.target})
			}
		}
	}
}

// worksheet returns the worksheet of that name.
func (w *workbookPkg) worksheet(name string) (sheetRef, bool) {
	for _, r := range w.refs {
		if r.name == name {
			return r, true
		}
	}
	return sheetRef{}, false
}

// openSheet starts streaming a worksheet's rows, loading the shared
// strings first if no sheet has yet.
func (w *workbookPkg) openSheet(ref sheetRef) (*sheetRows, *FileError) {
	if w.sst == nil {
		sst, ferr := w.readSharedStrings()
		if ferr != nil {
			return nil, ferr
		}
		w.sst = sst
	}
	if w.parts[ref.part] == nil {
		return nil, fileErr(w.name, Unreadable, nil, "sheet %q is damaged: its part %s is missing from the workbook; open and save it again in Excel", ref.name, ref.part)
	}
	p, err := w.open(ref.part)
	if err != nil {
		return nil, w.sheetError(ref.name, 0, "", err)
	}
	return &sheetRows{w: w, name: ref.name, p: p}, nil
}

// open starts reading a part of the package.
func (w *workbookPkg) open(part string) (*xmlPart, error) {
	f := w.parts[part]
	if f == nil {
		return nil, errMissingPart
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	d := xml.NewDecoder(&runGuard{r: rc, max: maxRun(w.lim)})
	d.Strict = true
	return &xmlPart{d: d, rc: rc, maxDepth: w.lim.MaxXMLDepth}, nil
}

// maxRun is the longest stretch of XML between two '<' the limits allow:
// a cell of MaxCellChars characters, each written as the longest
// character reference, and its tag.
func maxRun(l Limits) int { return 10*l.MaxCellChars + 4096 }

// sharedStrings is a workbook's shared-string table, kept as one block of
// text and the end of each string in it.
type sharedStrings struct {
	text []byte
	ends []uint32
}

func (s *sharedStrings) len() int { return len(s.ends) }

func (s *sharedStrings) at(i int) string {
	start := uint32(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	return string(s.text[start:s.ends[i]])
}

// size returns the length in bytes of string i.
func (s *sharedStrings) size(i int) int {
	if i == 0 {
		return int(s.ends[0])
	}
	return int(s.ends[i] - s.ends[i-1])
}

// readSharedStrings loads the shared-string table (a workbook without one
// has an empty table).
func (w *workbookPkg) readSharedStrings() (*sharedStrings, *FileError) {
	sst := &sharedStrings{}
	if w.parts[w.sstPart] == nil {
		return sst, nil
	}
	p, err := w.open(w.sstPart)
	if err != nil {
		return nil, w.partError(w.sstPart, err)
	}
	defer p.close()
	var item textCollector
	in := false
	for {
		tok, err := p.token()
		if errors.Is(err, io.EOF) {
			return sst, nil
		}
		if err != nil {
			return nil, w.partError(w.sstPart, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "si" && !in {
				if sst.len() >= w.lim.MaxSharedStrings {
					return nil, fileErr(w.name, TooLarge, nil, "the workbook has more than %d shared strings; the limit is %d. Split it into smaller files",
						w.lim.MaxSharedStrings, w.lim.MaxSharedStrings)
				}
				in = true
				item.reset()
			}
		case xml.CharData:
			if in && p.inText("si") {
				if !item.add(t, w.lim.MaxCellChars) {
					return nil, fileErr(w.name, TooLarge, nil, "shared string %d of the workbook is longer than %d characters, the most a cell can hold; the file was not written by Excel as is",
						sst.len()+1, w.lim.MaxCellChars)
				}
			}
		case xml.EndElement:
			if t.Name.Local == "si" && in && p.depth() == 1 {
				in = false
				sst.text = append(sst.text, unescapeOOXML(item.buf)...)
				if uint64(len(sst.text)) > 1<<32-1 {
					return nil, fileErr(w.name, TooLarge, nil, "the workbook's shared strings are too large")
				}
				sst.ends = append(sst.ends, uint32(len(sst.text)))
			}
		}
	}
}

// textCollector gathers the text of one string item or cell, bounded.
type textCollector struct {
	buf   []byte
	runes int
}

func (c *textCollector) reset() { c.buf, c.runes = c.buf[:0], 0 }

// add appends text and reports whether the item is still within max
// characters.
func (c *textCollector) add(text []byte, max int) bool {
	c.runes += utf8.RuneCount(text)
	if c.runes > max {
		return false
	}
	c.buf = append(c.buf, text...)
	return true
}

// sheetRows streams the rows of one worksheet.
type sheetRows struct {
	w    *workbookPkg
	name string
	p    *xmlPart
	dim  string // the dimension element's ref, "" until seen or when absent

	inData   bool
	done     bool
	row      int // number of the last row returned
	pending  int // number of a row read but not yet returned (gaps before it come first), 0 for none
	cells    []string
	total    int64  // text bytes of the cells read so far
	cellRef  string // the cell being read
	lastCell string // the last cell read whole
}

// next returns the next row (rows the sheet leaves out come back empty)
// and its 1-based number, or io.EOF. A *FileError means the sheet is
// damaged or over a limit.
func (s *sheetRows) next() (int, []string, error) {
	if s.pending == 0 && !s.done {
		n, err := s.readRow()
		if err != nil {
			return 0, nil, err
		}
		s.pending = n
	}
	if s.pending == 0 {
		return 0, nil, io.EOF
	}
	s.row++
	if s.row < s.pending {
		return s.row, nil, nil
	}
	s.pending = 0
	return s.row, s.cells, nil
}

// dimension reads up to the sheet's data and returns its dimension
// reference ("A1:AN5000"), "" when it has none.
func (s *sheetRows) dimension() (string, error) {
	if err := s.seekData(); err != nil {
		return "", err
	}
	return s.dim, nil
}

// seekData reads to the start of sheetData.
func (s *sheetRows) seekData() error {
	for !s.inData && !s.done {
		tok, err := s.p.token()
		if errors.Is(err, io.EOF) {
			s.done = true
			return nil
		}
		if err != nil {
			return s.w.sheetError(s.name, s.row, "", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "dimension":
				s.dim = attr(se, "ref")
			case "sheetData":
				s.inData = true
			}
		}
	}
	return nil
}

// readRow reads the next row element into s.cells and returns its number,
// 0 at the end of the sheet (having checked the rest of its XML).
func (s *sheetRows) readRow() (int, error) {
	if err := s.seekData(); err != nil {
		return 0, err
	}
	last := max(s.row, s.pending)
	for !s.done {
		tok, err := s.p.token()
		if errors.Is(err, io.EOF) {
			s.done = true
			break
		}
		if err != nil {
			return 0, s.w.sheetError(s.name, last, s.lastCell, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "row" && s.inData {
				n := last + 1
				if v := attr(t, "r"); v != "" {
					r, err := strconv.Atoi(v)
					if err != nil || r < 1 || r > maxSheetRows {
						return 0, s.damaged(last, "", "a row is numbered %q, outside Excel's rows 1 to %d", truncate(v, 10), maxSheetRows)
					}
					n = max(r, n)
				}
				if err := s.readCells(n); err != nil {
					return 0, err
				}
				return n, nil
			}
		case xml.EndElement:
			if t.Name.Local == "sheetData" {
				s.inData = false // the rest is read to check it is whole
			}
		}
	}
	return 0, nil
}

// readCells reads the cells of row n, its start tag just read.
func (s *sheetRows) readCells(n int) error {
	s.cells = s.cells[:0]
	rowBytes := 0
	col := 0
	depth := s.p.depth()
	var c textCollector
	var typ, ref string
	inCell := false
	for {
		tok, err := s.p.token()
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return s.w.sheetError(s.name, n-1, s.lastCell, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "c" && s.p.depth() == depth+1 {
				inCell, typ, ref = true, attr(t, "t"), attr(t, "r")
				c.reset()
				col++
				if ref != "" {
					cn, ok := refColumn(ref)
					if !ok {
						return s.damaged(n, "", "a cell has the reference %q, which is not a cell address", truncate(ref, 12))
					}
					col = cn
				}
				if col > maxSheetCols {
					return s.damaged(n, "", "a cell lies beyond column XFD, the last one Excel has")
				}
				s.cellRef = ColumnLetter(col-1) + strconv.Itoa(n)
			}
		case xml.CharData:
			if inCell && (s.p.inElement("v", "c") || (typ == "inlineStr" && s.p.inText("is"))) {
				if !c.add(t, s.w.lim.MaxCellChars) {
					return fileErr(s.w.name, TooLarge, nil, "sheet %q cell %s holds more than %d characters, the most a cell can hold", s.name, s.cellRef, s.w.lim.MaxCellChars)
				}
			}
		case xml.EndElement:
			switch {
			case t.Name.Local == "c" && inCell && s.p.depth() == depth:
				inCell = false
				s.lastCell = s.cellRef
				v, size, ferr := s.value(typ, c.buf)
				if ferr != nil {
					return ferr
				}
				if size == 0 {
					continue
				}
				rowBytes += size
				s.total += int64(size)
				if rowBytes > maxRowTextBytes {
					return fileErr(s.w.name, TooLarge, nil, "sheet %q row %d holds more than %s of text; a claims row is far smaller", s.name, n, byteSize(maxRowTextBytes))
				}
				if s.total > s.w.lim.MaxTextBytes {
					return fileErr(s.w.name, TooLarge, nil, "sheet %q holds more than %s of text by row %d; the limit is %s. Split it into smaller files",
						s.name, byteSize(s.w.lim.MaxTextBytes), n, byteSize(s.w.lim.MaxTextBytes))
				}
				for len(s.cells) < col-1 {
					s.cells = append(s.cells, "")
				}
				if len(s.cells) == col-1 {
					s.cells = append(s.cells, v)
				} else {
					s.cells[col-1] = v // a cell named twice: the later one
				}
			case t.Name.Local == "row" && s.p.depth() == depth-1:
				return nil
			}
		}
	}
}

// value resolves a cell of type typ whose <v> (or inline string) text is
// raw, returning the value and its size in bytes.
func (s *sheetRows) value(typ string, raw []byte) (string, int, *FileError) {
	switch typ {
	case "s":
		v := strings.TrimSpace(string(raw))
		if v == "" {
			return "", 0, nil
		}
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || i >= s.w.sst.len() {
			return "", 0, fileErr(s.w.name, Unreadable, nil, "sheet %q cell %s refers to shared string %s, but the workbook has %d; the file is damaged. Open it in Excel, save it again and upload that",
				s.name, s.cellRef, truncate(v, 12), s.w.sst.len())
		}
		return s.w.sst.at(i), s.w.sst.size(i), nil
	case "inlineStr":
		v := unescapeOOXML(raw)
		return v, len(v), nil
	}
	return string(raw), len(raw), nil
}

// damaged is the error for a sheet whose XML is well formed but not a worksheet.
func (s *sheetRows) damaged(row int, cellRef, format string, args ...any) *FileError {
	where := fmt.Sprintf("sheet %q row %d", s.name, row)
	if cellRef != "" {
		where = fmt.Sprintf("sheet %q cell %s", s.name, cellRef)
	}
	return fileErr(s.w.name, Unreadable, nil, "%s: %s; the file is damaged. Open it in Excel, save it again and upload that", where, fmt.Sprintf(format, args...))
}

// close stops reading the sheet.
func (s *sheetRows) close() error { return s.p.close() }

// sheetError turns a failure reading a worksheet's XML into a failed file
// naming the sheet and the last row (and cell) read whole.
func (w *workbookPkg) sheetError(sheet string, lastRow int, lastCell string, err error) *FileError {
	where := fmt.Sprintf("sheet %q", sheet)
	switch {
	case lastCell != "":
		where += " after cell " + lastCell
	case lastRow > 0:
		where += fmt.Sprintf(" after row %d", lastRow)
	default:
		where += " before its first row"
	}
	return w.xmlError(where, err)
}

// partError is sheetError for the workbook's other parts.
func (w *workbookPkg) partError(part string, err error) *FileError {
	return w.xmlError("the workbook's part "+part, err)
}

func (w *workbookPkg) xmlError(where string, err error) *FileError {
	var why string
	kind := Unreadable
	var se *xml.SyntaxError
	switch {
	case errors.Is(err, errLongRun):
		kind, why = TooLarge, fmt.Sprintf("holds a value longer than %d characters, the most a cell can hold", w.lim.MaxCellChars)
	case errors.Is(err, errTooDeep):
		kind, why = TooLarge, fmt.Sprintf("nests elements more than %d deep, which no workbook does", w.lim.MaxXMLDepth)
	case errors.Is(err, errDoctype):
		why = "has a document type declaration, which workbooks never have"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, errUnclosed), errors.As(err, &se) && se.Msg == "unexpected EOF":
		why = "breaks off: its XML ends before it is complete, so the rows after that point are lost"
	case errors.As(err, &se) && strings.Contains(se.Msg, "entity"):
		why = "uses an undefined XML entity"
	case errors.As(err, &se):
		why = fmt.Sprintf("is damaged: its XML cannot be read from line %d", se.Line)
	case errors.Is(err, zip.ErrChecksum), errors.Is(err, zip.ErrFormat):
		why = "is damaged: its compressed data is corrupt"
	default:
		why = "cannot be read"
	}
	return fileErr(w.name, kind, err, "%s %s; nothing from the file was used. Open it in Excel, save it again and upload that", where, why)
}

var (
	errLongRun     = errors.New("xlsx: a run of text longer than any cell")
	errTooDeep     = errors.New("xlsx: elements nested too deep")
	errDoctype     = errors.New("xlsx: document type declaration")
	errUnclosed    = errors.New("xlsx: elements left open at the end of the part")
	errMissingPart = errors.New("xlsx: part missing")
)

// xmlPart streams the tokens of one part, checking that end tags match
// their start tags, the depth, and that the part ends with every element
// closed.
type xmlPart struct {
	d        *xml.Decoder
	rc       io.ReadCloser
	stack    []string
	maxDepth int
}

// token returns the next token (CharData valid until the next call), or
// io.EOF at the end of a complete part.
func (p *xmlPart) token() (xml.Token, error) {
	tok, err := p.d.RawToken()
	if errors.Is(err, io.EOF) {
		if len(p.stack) > 0 {
			return nil, errUnclosed
		}
		return nil, io.EOF
	}
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case xml.StartElement:
		if len(p.stack) >= p.maxDepth {
			return nil, errTooDeep
		}
		p.stack = append(p.stack, t.Name.Local)
	case xml.EndElement:
		if len(p.stack) == 0 || p.stack[len(p.stack)-1] != t.Name.Local {
			line, _ := p.d.InputPos()
			return nil, &xml.SyntaxError{Msg: "mismatched end tag", Line: line}
		}
		p.stack = p.stack[:len(p.stack)-1]
	case xml.Directive:
		return nil, errDoctype
	}
	return tok, nil
}

// depth is how many elements are open.
func (p *xmlPart) depth() int { return len(p.stack) }

// inElement reports whether the innermost open element is name inside parent.
func (p *xmlPart) inElement(name, parent string) bool {
	n := len(p.stack)
	return n >= 2 && p.stack[n-1] == name && p.stack[n-2] == parent
}

// inText reports whether the innermost element is a string item's text:
// a <t> directly in item (si, is) or in one of its rich-text runs. The
// text of phonetic hints (rPh) is not part of the string.
func (p *xmlPart) inText(item string) bool {
	n := len(p.stack)
	if n < 2 || p.stack[n-1] != "t" {
		return false
	}
	return p.stack[n-2] == item || (n >= 3 && p.stack[n-2] == "r" && p.stack[n-3] == item)
}

func (p *xmlPart) close() error { return p.rc.Close() }

// runGuard fails a read once more than max bytes pass without a '<': the
// XML decoder buffers a whole text or tag, and no text or tag of a
// workbook is longer than a cell.
type runGuard struct {
	r   io.Reader
	run int
	max int
}

func (g *runGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for b := p[:n]; len(b) > 0; {
		i := bytes.IndexByte(b, '<')
		if i < 0 {
			g.run += len(b)
			break
		}
		g.run += i
		if g.run > g.max {
			return n, errLongRun
		}
		g.run, b = 0, b[i+1:]
	}
	if g.run > g.max {
		return n, errLongRun
	}
	return n, err
}

// attr returns the value of the attribute with that local name.
func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// refColumn returns the 1-based column of a cell reference such as "AB12".
func refColumn(ref string) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref) && i < 4; i++ {
		ch := ref[i]
		switch {
		case 'A' <= ch && ch <= 'Z':
			col = col*26 + int(ch-'A'+1)
		case 'a' <= ch && ch <= 'z':
			col = col*26 + int(ch-'a'+1)
		default:
			if i == 0 {
				return 0, false
			}
			_, err := strconv.Atoi(ref[i:])
			return col, err == nil
		}
	}
	return col, false
}

// unescapeOOXML decodes the _xHHHH_ escapes OOXML uses for characters XML
// cannot carry (_x000D_ for a carriage return); _x005F_ is a literal
// underscore, so "_x005F_x000D_" reads "_x000D_".
func unescapeOOXML(b []byte) string {
	if !bytes.Contains(b, []byte("_x")) {
		return string(b)
	}
	var out strings.Builder
	for i := 0; i < len(b); {
		if i+7 <= len(b) && b[i] == '_' && b[i+1] == 'x' && b[i+6] == '_' {
			if v, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16); err == nil {
				if v == 0x5F {
					out.WriteByte('_')
				} else {
					out.WriteRune(rune(v))
				}
				i += 7
				continue
			}
		}
		out.WriteByte(b[i])
		i++
	}
	return out.String()
}

// truncate shortens a structural value quoted in a message (a reference
// or a number, never cell text) to n bytes.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
