package intake

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func hasSKU(cells []string) bool {
	for _, c := range cells {
		if NormalizeHeader(c) == "sku" {
			return true
		}
	}
	return false
}

func TestTableCSV(t *testing.T) {
	text := "Usage report;;\nSKU;Qty;Date\nA;1;2026-01-01\n;;\nB;2;2026-01-02\n"
	tb, err := NewTable(strings.NewReader(text), int64(len(text)), "usage.csv", TableOptions{IsHeader: hasSKU})
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	if tb.Format != FormatCSV || tb.HeaderRow != 2 || strings.Join(tb.Header, "|") != "SKU|Qty|Date" {
		t.Errorf("table %+v", tb)
	}
	var rows []int
	for {
		row, cells, err := tb.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
		_ = cells
	}
	if len(rows) != 3 || rows[0] != 3 || rows[2] != 5 {
		t.Errorf("rows %v", rows)
	}
}

func TestTableXLSXPicksTheSheetWithAHeader(t *testing.T) {
	f := excelize.NewFile()
	_ = f.SetCellValue("Sheet1", "A1", "notes only")
	if _, err := f.NewSheet("Items"); err != nil {
		t.Fatal(err)
	}
	_ = f.SetSheetRow("Items", "A2", &[]any{"SKU", "Cost"})
	_ = f.SetSheetRow("Items", "A3", &[]any{"GLV", 0.085})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	tb, err := NewTable(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "items.xlsx", TableOptions{IsHeader: hasSKU})
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	row, cells, err := tb.Next()
	if err != nil || tb.Sheet != "Items" || tb.HeaderRow != 2 || row != 3 || cells[0] != "GLV" || cells[1] != "0.085" {
		t.Errorf("sheet %q header %d row %d %v %v", tb.Sheet, tb.HeaderRow, row, cells, err)
	}
}

func TestTableRefusals(t *testing.T) {
	cases := map[string]FileErrorKind{
		"%PDF-1.7":                NotSpreadsheet,
		"a,b\n1,2\n":              NoHeader,
		"":                        NoHeader,
		"SKU\nA\nB\nC\nD\nE\nF\n": TooManyRows,
	}
	for text, want := range cases {
		tb, err := NewTable(strings.NewReader(text), int64(len(text)), "f.csv", TableOptions{IsHeader: hasSKU, Limits: Limits{MaxRows: 3}})
		if err == nil {
			for err == nil {
				_, _, err = tb.Next()
			}
			tb.Close()
		}
		var fe *FileError
		if !errors.As(err, &fe) || fe.Kind != want {
			t.Errorf("%q: %v, want %s", text, err, want)
		}
	}
}
