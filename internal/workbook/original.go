package workbook

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// The original workbook is read with encoding/xml straight from its zip:
// excelize's row iterator returns cell values only, and a faithful copy
// needs each cell's style and type too. Only the parts a copy needs are
// read: the workbook's sheet list, the shared strings, the styles (through
// excelize, from a package holding just those parts) and the worksheets,
// one row at a time.

// pkg is an opened xlsx package.
type pkg struct {
	zr     *zip.Reader
	files  map[string]*zip.File
	sheets []sheetRef
	sst    []string
	styles *excelize.File // the original's styles, for GetStyle
}

type sheetRef struct {
	name, part string
}

// cellKind is the type of a copied cell value.
type cellKind uint8

const (
	kindNumber cellKind = iota
	kindString
	kindBool
)

// cell is one cell of the original: its 1-based column, style index and value.
type cell struct {
	col   int
	style int
	kind  cellKind
	text  string // the value as text (numbers as written in the XML)
}

// colSpec is a <col> element: a width and visibility for columns min..max.
type colSpec struct {
	min, max int
	width    float64
	hidden   bool
}

// openPackage reads the sheet list, shared strings and styles of an xlsx.
func openPackage(ra io.ReaderAt, size int64, maxUnzipped int64) (*pkg, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, fmt.Errorf("open workbook: %w", err)
	}
	p := &pkg{zr: zr, files: make(map[string]*zip.File, len(zr.File))}
	var total uint64
	for _, f := range zr.File {
		p.files[strings.ToLower(strings.TrimPrefix(f.Name, "/"))] = f
		total += f.UncompressedSize64
	}
	if maxUnzipped > 0 && total > uint64(maxUnzipped) {
		return nil, fmt.Errorf("open workbook: decompresses to %d bytes, over the %d-byte limit", total, maxUnzipped)
	}
	if err := p.readSheetList(); err != nil {
		return nil, err
	}
	if err := p.readSharedStrings(); err != nil {
		return nil, err
	}
	if err := p.openStyles(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *pkg) close() error {
	if p.styles != nil {
		return p.styles.Close()
	}
	return nil
}

func (p *pkg) open(name string) (io.ReadCloser, error) {
	f, ok := p.files[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("workbook part %s missing", name)
	}
	return f.Open()
}

// readSheetList resolves each sheet's name to its worksheet part through
// xl/workbook.xml and its relationships.
func (p *pkg) readSheetList() error {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
			Type   string `xml:"Type,attr"`
		} `xml:"Relationship"`
	}
	if err := p.decode("xl/workbook.xml", &wb); err != nil {
		return err
	}
	if err := p.decode("xl/_rels/workbook.xml.rels", &rels); err != nil {
		return err
	}
	targets := make(map[string]string)
	for _, r := range rels.Rel {
		if strings.HasSuffix(r.Type, "/worksheet") {
			t := r.Target
			if strings.HasPrefix(t, "/") {
				t = strings.TrimPrefix(t, "/")
			} else {
				t = path.Clean("xl/" + t)
			}
			targets[r.ID] = t
		}
	}
	for _, s := range wb.Sheets {
		if t, ok := targets[s.RID]; ok { // chart and dialog sheets are not copied
			p.sheets = append(p.sheets, sheetRef{name: s.Name, part: t})
		}
	}
	return nil
}

func (p *pkg) decode(name string, v any) error {
	rc, err := p.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := xml.NewDecoder(bufio.NewReader(rc)).Decode(v); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}

// readSharedStrings loads the shared-string table (plain text of each
// item, phonetic runs left out).
func (p *pkg) readSharedStrings() error {
	rc, err := p.open("xl/sharedStrings.xml")
	if err != nil {
		return nil // a workbook without shared strings
	}
	defer rc.Close()
	d := xml.NewDecoder(bufio.NewReaderSize(rc, 64<<10))
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read shared strings: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "si" {
			s, err := richText(d, "si")
			if err != nil {
				return fmt.Errorf("read shared strings: %w", err)
			}
			p.sst = append(p.sst, s)
		}
	}
}

// richText collects the text of the <t> elements inside the element just
// opened (ending at end), skipping phonetic runs (<rPh>).
func richText(d *xml.Decoder, end string) (string, error) {
	var b strings.Builder
	inT, skip := false, 0
	for {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inT = true
			case "rPh":
				skip++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inT = false
			case "rPh":
				skip--
			case end:
				return b.String(), nil
			}
		case xml.CharData:
			if inT && skip == 0 {
				b.Write(t)
			}
		}
	}
}

// openStyles opens, with excelize, a package holding only the original's
// workbook, styles and theme: GetStyle then reads the original's cell
// formats without excelize unpacking the worksheets.
func (p *pkg) openStyles() error {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range p.zr.File {
		name := strings.ToLower(f.Name)
		switch {
		case name == "[content_types].xml", name == "_rels/.rels", name == "xl/workbook.xml",
			name == "xl/_rels/workbook.xml.rels", name == "xl/styles.xml", strings.HasPrefix(name, "xl/theme/"):
		default:
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("read %s: %w", f.Name, err)
		}
		w, err := zw.Create(f.Name)
		if err == nil {
			_, err = io.Copy(w, rc)
		}
		rc.Close()
		if err != nil {
			return fmt.Errorf("copy %s: %w", f.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		return fmt.Errorf("read workbook styles: %w", err)
	}
	p.styles = f
	return nil
}

// scanSheet streams a worksheet: cols once, then each row that has cells,
// then the merged ranges.
func (p *pkg) scanSheet(part string, onCols func([]colSpec) error, onRow func(row int, cells []cell) error, onMerge func(ref string) error) error {
	rc, err := p.open(part)
	if err != nil {
		return err
	}
	defer rc.Close()
	d := xml.NewDecoder(bufio.NewReaderSize(rc, 256<<10))
	var (
		cols      []colSpec
		colsDone  bool
		row       int
		cells     []cell
		inRow     bool
		cur       cell
		inCell    bool
		inV       bool
		shared    bool // the cell's value is a shared-string index
		vText     strings.Builder
		cellCount int
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", part, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "col":
				cols = append(cols, parseCol(t.Attr))
			case "sheetData":
				if !colsDone {
					colsDone = true
					if err := onCols(cols); err != nil {
						return err
					}
				}
			case "row":
				inRow, cells, cellCount = true, cells[:0], 0
				if r, ok := attrInt(t.Attr, "r"); ok {
					row = r
				} else {
					row++
				}
			case "c":
				if !inRow {
					continue
				}
				cellCount++
				inCell, cur, shared = true, cell{col: cellCount}, false
				vText.Reset()
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "r":
						if c, _, err := excelize.CellNameToCoordinates(a.Value); err == nil {
							cur.col, cellCount = c, c
						}
					case "s":
						cur.style, _ = strconv.Atoi(a.Value)
					case "t":
						switch a.Value {
						case "s":
							cur.kind, shared = kindString, true
						case "b":
							cur.kind = kindBool
						case "n", "":
						default: // str, inlineStr, e, d
							cur.kind = kindString
						}
					}
				}
			case "v":
				inV = inCell
			case "is":
				if inCell {
					s, err := richText(d, "is")
					if err != nil {
						return fmt.Errorf("read %s row %d: %w", part, row, err)
					}
					vText.WriteString(s)
					cur.kind, shared = kindString, false
				}
			case "f":
				if err := d.Skip(); err != nil { // formulas are not copied; their cached values are
					return fmt.Errorf("read %s row %d: %w", part, row, err)
				}
			case "mergeCell":
				if ref := attr(t.Attr, "ref"); ref != "" {
					if err := onMerge(ref); err != nil {
						return err
					}
				}
			}
		case xml.CharData:
			if inV {
				vText.Write(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v":
				inV = false
			case "c":
				if !inCell {
					continue
				}
				inCell = false
				cur.text = vText.String()
				if shared {
					i, err := strconv.Atoi(strings.TrimSpace(cur.text))
					if err != nil || i < 0 || i >= len(p.sst) {
						return fmt.Errorf("read %s row %d: shared string %q out of range", part, row, cur.text)
					}
					cur.text = p.sst[i]
				}
				if cur.text != "" || cur.style != 0 {
					cells = append(cells, cur)
				}
			case "row":
				inRow = false
				if len(cells) > 0 {
					if err := onRow(row, cells); err != nil {
						return err
					}
				}
			case "sheetData":
				if !colsDone {
					colsDone = true
					if err := onCols(cols); err != nil {
						return err
					}
				}
			}
		}
	}
}

func parseCol(attrs []xml.Attr) colSpec {
	var c colSpec
	c.min, _ = attrInt(attrs, "min")
	c.max, _ = attrInt(attrs, "max")
	if w, err := strconv.ParseFloat(attr(attrs, "width"), 64); err == nil {
		c.width = w
	}
	c.hidden = attr(attrs, "hidden") == "1" || attr(attrs, "hidden") == "true"
	return c
}

func attr(attrs []xml.Attr, name string) string {
	for _, a := range attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func attrInt(attrs []xml.Attr, name string) (int, bool) {
	n, err := strconv.Atoi(attr(attrs, name))
	return n, err == nil
}
