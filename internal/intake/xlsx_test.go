package intake

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// sheetOf opens the named sheet of a workbook file with intake's reader.
func sheetOf(t testing.TB, data []byte, sheet string, lim Limits) (*sheetRows, *FileError) {
	t.Helper()
	wb, ferr := openWorkbook(bytes.NewReader(data), int64(len(data)), "w.xlsx", lim.withDefaults())
	if ferr != nil {
		return nil, ferr
	}
	ref, ok := wb.worksheet(sheet)
	if !ok {
		t.Fatalf("no worksheet %q in %v", sheet, wb.sheets)
	}
	return wb.openSheet(ref)
}

// allRows reads every row of a sheet, trailing empty cells dropped.
func allRows(t testing.TB, s *sheetRows) ([][]string, error) {
	t.Helper()
	defer s.close()
	var out [][]string
	for {
		_, cells, err := s.next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, trimRow(cells))
	}
}

func trimRow(cells []string) []string {
	for len(cells) > 0 && cells[len(cells)-1] == "" {
		cells = cells[:len(cells)-1]
	}
	return append([]string{}, cells...)
}

// TestSheetRowsMatchExcelize reads workbooks excelize writes (shared and
// rich-text strings, escapes, numbers, booleans, formulas, gaps between
// rows and cells, a second sheet) with intake's reader and with
// excelize's own raw reader: the rows must be the same.
func TestSheetRowsMatchExcelize(t *testing.T) {
	f := excelize.NewFile()
	set := func(sheet, cell string, v any) {
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	set("Sheet1", "A1", "Claim ID")
	set("Sheet1", "B1", "line\r\nbreak _x000D_ literal")
	set("Sheet1", "C1", 12.5)
	set("Sheet1", "D1", true)
	set("Sheet1", "A2", "Claim ID") // a shared string used twice
	set("Sheet1", "F2", "far cell")
	set("Sheet1", "A5", "after a gap")
	set("Sheet1", "C5", 46027)
	if err := f.SetCellFormula("Sheet1", "D5", "C5+1"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellRichText("Sheet1", "B5", []excelize.RichTextRun{{Text: "rich "}, {Text: "text", Font: &excelize.Font{Bold: true}}}); err != nil {
		t.Fatal(err)
	}
	set("Sheet1", "AB7", "<&> \"quoted\" é 😀")
	if _, err := f.NewSheet("Two"); err != nil {
		t.Fatal(err)
	}
	set("Two", "B3", "second sheet")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	for _, sheet := range []string{"Sheet1", "Two"} {
		src, ferr := sheetOf(t, data, sheet, Limits{})
		if ferr != nil {
			t.Fatal(ferr)
		}
		got, err := allRows(t, src)
		if err != nil {
			t.Fatal(err)
		}
		want := excelizeRows(t, data, sheet)
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("sheet %s:\n got %q\nwant %q", sheet, got, want)
		}
	}
	// And the demo workbook, cell for cell.
	demoData, err := os.ReadFile("../../fixtures/demo-claims.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	src, ferr := sheetOf(t, demoData, "Charges", Limits{})
	if ferr != nil {
		t.Fatal(ferr)
	}
	got, err := allRows(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if want := excelizeRows(t, demoData, "Charges"); !slices.EqualFunc(got, want, slices.Equal) || len(got) < 400 {
		t.Errorf("demo workbook: %d rows read, excelize reads %d, or they differ", len(got), len(want))
	}
}

func excelizeRows(t testing.TB, data []byte, sheet string) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.Rows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for rows.Next() {
		cells, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, trimRow(cells))
	}
	return out
}

// TestSheetRowNumbers checks rows the sheet leaves out come back empty,
// so row numbers are the spreadsheet's.
func TestSheetRowNumbers(t *testing.T) {
	data := workbookOf(t, `<sheetData><row r="2"><c r="B2" t="inlineStr"><is><t>x</t></is></c></row><row><c><v>1</v></c><c><v>2</v></c></row><row r="6"><c r="C6"><v>3</v></c></row></sheetData>`, "")
	src, ferr := sheetOf(t, data, "S", Limits{})
	if ferr != nil {
		t.Fatal(ferr)
	}
	defer src.close()
	var got []string
	for {
		n, cells, err := src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join(append([]string{string(rune('0' + n))}, cells...), "|"))
	}
	want := []string{"1", "2||x", "3|1|2", "4", "5", "6|||3"}
	if !slices.Equal(got, want) {
		t.Errorf("rows %q; want %q", got, want)
	}
}

// TestSheetLimits checks each limit fails the file with its own reason.
func TestSheetLimits(t *testing.T) {
	row := func(v string) string {
		return `<sheetData><row r="1"><c r="A1" t="s"><v>` + v + `</v></c></row></sheetData>`
	}
	cases := []struct {
		name, sheet, sst string
		lim              Limits
		kind             FileErrorKind
		reason           string
	}{
		{"shared strings over the count", row("0"), "<si><t>a</t></si><si><t>b</t></si><si><t>c</t></si>", Limits{MaxSharedStrings: 2}, TooLarge, "more than 2 shared strings"},
		{"shared string over the length", row("0"), "<si><t>abcdef</t></si>", Limits{MaxCellChars: 5}, TooLarge, "shared string 1 of the workbook is longer than 5 characters"},
		{"rich shared string over the length", row("0"), "<si><r><t>abc</t></r><r><t>def</t></r></si>", Limits{MaxCellChars: 5}, TooLarge, "longer than 5 characters"},
		{"phonetic text is no part of the string", row("0"), "<si><t>abc</t><rPh><t>defghi</t></rPh></si>", Limits{MaxCellChars: 5}, "", ""},
		{"index past the table", row("1"), "<si><t>a</t></si>", Limits{}, Unreadable, `cell A1 refers to shared string 1, but the workbook has 1`},
		{"index not a number", row("x"), "<si><t>a</t></si>", Limits{}, Unreadable, "refers to shared string x"},
		{"sheet text over the limit", `<sheetData><row r="1"><c t="inlineStr"><is><t>abcd</t></is></c></row><row r="2"><c t="inlineStr"><is><t>efgh</t></is></c></row></sheetData>`, "", Limits{MaxTextBytes: 6}, TooLarge, "by row 2"},
		{"depth", `<sheetData><row r="1"><c><v>1</v></c></row></sheetData><a><b><c/></b></a>`, "", Limits{MaxXMLDepth: 3}, TooLarge, "nests elements more than 3 deep"},
		{"row beyond the grid", `<sheetData><row r="1048577"><c><v>1</v></c></row></sheetData>`, "", Limits{}, Unreadable, "outside Excel's rows"},
		{"column beyond the grid", `<sheetData><row r="1"><c r="XFE1"><v>1</v></c></row></sheetData>`, "", Limits{}, Unreadable, "beyond column XFD"},
		{"bad cell reference", `<sheetData><row r="1"><c r="1A"><v>1</v></c></row></sheetData>`, "", Limits{}, Unreadable, "not a cell address"},
		{"tags that do not match", `<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</c></row></sheetData>`, "", Limits{}, Unreadable, `after cell A1 is damaged`},
		{"damage after the data", `<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData><mergeCells>`, "", Limits{}, Unreadable, "after cell A1 is damaged"},
		{"breaks off in a cell", `<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2` + cut, "", Limits{}, Unreadable, `after cell A1 breaks off`},
		{"breaks off after the data", `<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>` + cut, "", Limits{}, Unreadable, `after cell A1 breaks off`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := workbookOf(t, c.sheet, c.sst)
			src, ferr := sheetOf(t, data, "S", c.lim)
			var err error
			if ferr == nil {
				_, err = allRows(t, src)
			} else {
				err = ferr
			}
			if c.kind == "" {
				if err != nil {
					t.Fatalf("err = %v; want none", err)
				}
				return
			}
			var fe *FileError
			if !errors.As(err, &fe) || fe.Kind != c.kind || !strings.Contains(fe.Reason, c.reason) {
				t.Fatalf("err = %v; want %s containing %q", err, c.kind, c.reason)
			}
		})
	}
}

func TestUnescapeOOXML(t *testing.T) {
	for in, want := range map[string]string{
		"a_x000D_b": "a\rb", "_x005F_x000D_": "_x000D_", "_x00": "_x00", "_xZZZZ_": "_xZZZZ_", "plain": "plain", "_x0041__x0042_": "AB",
	} {
		if got := unescapeOOXML([]byte(in)); got != want {
			t.Errorf("unescapeOOXML(%q) = %q; want %q", in, got, want)
		}
	}
}

// cut, at the end of a sheet body for workbookOf, leaves the worksheet
// element unclosed: the part breaks off there.
const cut = "\x00cut"

// workbookOf packages one sheet "S" with the given sheetData (and more)
// and shared-string items.
func workbookOf(t testing.TB, sheetBody, sst string) []byte {
	t.Helper()
	end := "</worksheet>"
	if b, ok := strings.CutSuffix(sheetBody, cut); ok {
		sheetBody, end = b, ""
	}
	files := map[string]string{
		"xl/workbook.xml": `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="/xl/sharedStrings.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml": `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` + sheetBody + end,
	}
	if sst != "" {
		files["xl/sharedStrings.xml"] = `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` + sst + `</sst>`
	}
	return zipOf(t, files)
}

// FuzzSheet reads arbitrary worksheet and shared-string XML: the reader
// must never panic, and must either fail with a *FileError or read rows
// within the limits.
func FuzzSheet(f *testing.F) {
	f.Add(`<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c t="inlineStr"><is><r><t>x</t></r></is></c></row></sheetData>`, `<si><t>a</t></si>`)
	f.Add(`<sheetData><row r="3"><c r="B3"><v>1.5</v></c></row>`, ``)
	f.Add(`<sheetData><row><c t="s"><v>7</v></c></row></sheetData>`, `<si><t>&amp;</t></si>`)
	lim := Limits{MaxCellChars: 64, MaxTextBytes: 4096, MaxXMLDepth: 16, MaxSharedStrings: 32}
	f.Fuzz(func(t *testing.T, sheetBody, sst string) {
		src, ferr := sheetOf(t, workbookOf(t, sheetBody, sst), "S", lim)
		if ferr != nil {
			return
		}
		defer src.close()
		for range maxSheetRows + 1 {
			n, cells, err := src.next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				var fe *FileError
				if !errors.As(err, &fe) {
					t.Fatalf("error %v (%T) is not a *FileError", err, err)
				}
				return
			}
			if n < 1 || n > maxSheetRows || len(cells) > maxSheetCols {
				t.Fatalf("row %d with %d cells", n, len(cells))
			}
		}
	})
}
