package workbook

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/intake"
)

// FuzzSheetXML feeds arbitrary worksheet XML to the annotator's sheet
// reader: it may fail, never panic.
func FuzzSheetXML(f *testing.F) {
	base := baseWorkbook(f)
	f.Add(`<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>`)
	f.Add(`<worksheet><cols><col min="1" max="3" width="12"/></cols><sheetData><row><c><v>1.5</v></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c></row><row r="9"><c r="XFD9" s="3"><f>SUM(A1)</f><v>2</v></c></row></sheetData><mergeCells><mergeCell ref="A1:B2"/></mergeCells></worksheet>`)
	f.Add(`<worksheet><sheetData><row r="2"><c r="A2" t="s"><v>99</v></c></row></sheetData></worksheet>`)
	f.Add(`<worksheet><sheetData><row r="1048577"><c r="ZZZZ1"><v>x</v></c></row>`)
	f.Add(`<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:r><x:t>rich</x:t></x:r><x:rPh><x:t>skip</x:t></x:rPh></x:is></x:c></x:row></x:sheetData></x:worksheet>`)
	layout := &intake.Layout{File: "f.xlsx", Format: intake.FormatXLSX, Sheet: "Sheet1", HeaderRow: 1,
		Columns: []intake.Column{{Index: 0, Letter: "A", Header: "Claim", Field: claim.FieldClaimID}}}
	f.Fuzz(func(t *testing.T, sheetXML string) {
		b := withSheet(t, base, sheetXML)
		marks := []Mark{{ClaimID: "C", Row: 2, Field: claim.FieldClaimID, Severity: Error, Category: "x", RuleID: "X", Message: "m"}}
		_ = Write(io.Discard, Input{Original: bytes.NewReader(b), Size: int64(len(b)), Layout: layout, Marks: marks})
	})
}

// baseWorkbook is a one-sheet workbook with a shared string and a style.
func baseWorkbook(t testing.TB) []byte {
	x := excelize.NewFile()
	defer x.Close()
	_ = x.SetCellValue("Sheet1", "A1", "Claim")
	st, _ := x.NewStyle(&excelize.Style{NumFmt: 14})
	_ = x.SetCellStyle("Sheet1", "A1", "A1", st)
	buf, err := x.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withSheet returns the workbook with xl/worksheets/sheet1.xml replaced.
func withSheet(t testing.TB, base []byte, sheetXML string) []byte {
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		w, _ := zw.Create(f.Name)
		if f.Name == "xl/worksheets/sheet1.xml" {
			_, _ = io.WriteString(w, sheetXML)
			continue
		}
		rc, _ := f.Open()
		_, _ = io.Copy(w, rc)
		rc.Close()
	}
	_ = zw.Close()
	return out.Bytes()
}
