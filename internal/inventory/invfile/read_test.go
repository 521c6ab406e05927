package invfile

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/inventory"
)

func readItems(t *testing.T, text string) (*Items, error) {
	t.Helper()
	return ReadItems(strings.NewReader(text), int64(len(text)), "items.csv", Options{})
}

func TestReadItemsCanonical(t *testing.T) {
	in := "SKU,Description,Unit_Cost,order_cost,lead_time_days,lead_time_sd_days,order_multiple,min_order_qty,shelf_life_days,target_fill_rate,on_hand,notes\n" +
		"GLV-M,Nitrile gloves M,0.085,25,7,2,100,500,,0.95,1200,ignored\n" +
		"VAX-FLU,Flu vaccine,14.20,40,3,0,10,10,180,0.99,40,\n"
	got, err := readItems(t, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Errors) != 0 || len(got.Items) != 2 {
		t.Fatalf("items %+v errors %v", got.Items, got.Errors)
	}
	g := got.Items[0]
	want := inventory.Item{SKU: "GLV-M", Description: "Nitrile gloves M", UnitCost: 0.085, OrderCost: 25,
		LeadTime: inventory.LeadTime{MeanDays: 7, SDDays: 2}, OrderMultiple: 100, MinOrderQty: 500, TargetFillRate: 0.95}
	if g.Item != want || g.OnHand != 1200 || g.Row != 2 {
		t.Errorf("row 2: %+v", g)
	}
	if v := got.Items[1].Item; v.ShelfLifeDays != 180 || v.TargetFillRate != 0.99 {
		t.Errorf("row 3: %+v", v)
	}
}

func TestReadItemsSynonymsAndTitle(t *testing.T) {
	in := "Item master export;;;\nItem Code;Item Name;Unit Price;Lead Time (days);Pack Size;MOQ;Qty On Hand;Service Level;Vendor\n" +
		"SUT-4;Suture kit;$3.40;14 days;12;24;1,250;98%;MEDLINE\n"
	got, err := readItems(t, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != 1 || len(got.Errors) != 0 {
		t.Fatalf("%+v", got)
	}
	it := got.Items[0]
	if it.Row != 3 || it.Item.UnitCost != 3.40 || it.Item.LeadTime.MeanDays != 14 || it.Item.OrderMultiple != 12 ||
		it.Item.MinOrderQty != 24 || it.OnHand != 1250 || it.Item.TargetFillRate != 0.98 || it.Item.SupplierID != "MEDLINE" {
		t.Errorf("%+v", it)
	}
}

func TestReadItemsBadRows(t *testing.T) {
	in := "sku,unit_cost,lead_time_days,target_fill_rate,shelf_life_days\n" +
		"A,1.00,7,0.95,\n" +
		"B,free,0,1.5,\n" + // three bad cells
		"C,2.00,5,0.9,30.5\n" +
		"A,1.00,7,0.95,\n" + // A again: A is held
		",1,1,,\n"
	got, err := readItems(t, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != 0 {
		t.Errorf("items kept: %+v", got.Items)
	}
	var msgs []string
	for _, e := range got.Errors {
		msgs = append(msgs, e.Error())
	}
	want := []string{
		"items.csv row 3 column B (unit_cost): expected a unit cost above zero, such as 0.085 or $12.50",
		"items.csv row 3 column C (lead_time_days): expected a lead time between 1 and 365 days",
		"items.csv row 3 column D (target_fill_rate): expected a fill rate between 0 and 1 such as 0.95 (or a percentage such as 95%)",
		"items.csv row 4 column E (shelf_life_days): expected a whole number of days, or blank when the item does not expire",
		"items.csv row 5 column A (sku): this SKU is also on row 2; keep one row per item",
		"items.csv row 6 column A (sku): the SKU is blank",
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
	for _, e := range got.Errors {
		if strings.Contains(e.Error(), "free") || strings.Contains(e.Error(), "30.5") {
			t.Errorf("error repeats the value: %s", e)
		}
	}
	if e := got.Errors[0]; e.Value != "free" || e.SKU != "B" {
		t.Errorf("the value is kept for the report: %+v", e)
	}
	if len(got.Held) != 3 {
		t.Errorf("held %v, want A, B, C", got.Held)
	}
}

func TestReadItemsWholeFile(t *testing.T) {
	cases := map[string]string{
		"sku,description\nA,x\n":                       "no header row",
		"sku,unit_cost,description\nA,1,x\n":           "missing column lead_time_days",
		"sku,unit_cost,lead_time_days,cost\nA,1,2,3\n": `both mean unit_cost`,
		"":                           "empty",
		"%PDF-1.4 not a spreadsheet": "PDF",
		"PK\x03\x04 broken zip":      "damaged",
	}
	for in, want := range cases {
		_, err := readItems(t, in)
		var fe *FileError
		if !errors.As(err, &fe) || !strings.Contains(fe.Error(), want) || !strings.HasPrefix(fe.Error(), "items.csv: ") {
			t.Errorf("%q: error %v, want a FileError about %q", in, err, want)
		}
	}
}

func TestScanUsage(t *testing.T) {
	in := "Transaction Date,Item Code,Qty Used,Location\n2026-01-02,A,3,ER\n01/03/2026,A,2,\n2026-01-03,B,-1,\nnot a date,A,1,\n46025,B,4,\n"
	var got []inventory.Usage
	scan, err := ScanUsage(strings.NewReader(in), int64(len(in)), "usage.csv", Options{}, func(_ int, u inventory.Usage) { got = append(got, u) })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || scan.Records != 3 || len(scan.Errors) != 2 {
		t.Fatalf("usage %+v scan %+v", got, scan)
	}
	if scan.First != claim.MustDate("2026-01-02") || got[2].Day != claim.MustDate("2026-01-03") {
		t.Errorf("dates: first %s, Excel serial read as %s", scan.First, got[2].Day)
	}
	if e := scan.Errors[0].Error(); e != "usage.csv row 4 column C (Qty Used): expected a quantity used of zero or more" {
		t.Errorf("error %q", e)
	}
}

func TestReadCountsXLSX(t *testing.T) {
	f := excelize.NewFile()
	rows := [][]any{
		{"Cycle count, main supply room"},
		{"Item", "Room", "Lot #", "Expiration Date", "Physical Count"},
		{"VAX-FLU", "Main", "L123", "2027-03-31", 38},
		{"GLV-M", "Main", "", "", 1180},
		{"GLV-M", "", "", "", "lots"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCounts(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "count.xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Counts) != 2 || len(got.Errors) != 2 {
		t.Fatalf("%+v", got)
	}
	if c := got.Counts[0]; c.SKU != "VAX-FLU" || c.Lot != "L123" || c.Expires != claim.MustDate("2027-03-31") || c.Counted != 38 || c.Row != 3 {
		t.Errorf("%+v", c)
	}
	if e := got.Errors[0].Error(); e != `count.xlsx sheet "Sheet1" row 5 column B (Room): the location is blank` {
		t.Errorf("error %q", e)
	}
}
