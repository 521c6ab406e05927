package invfile

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/intake"
	"github.com/rcmbot/rcmbot/internal/inventory"
)

// Options control the readers.
type Options struct {
	// Limits bound the file; zero fields take intake.DefaultLimits. Usage
	// exports are long (an item a day): callers reading them offline raise
	// MaxRows.
	Limits intake.Limits
	// Sheet names the sheet to read; "" means the first with a header.
	Sheet string
	// AsOf resolves two-digit years; zero means today.
	AsOf claim.Date
}

// sheet is an open file of one schema.
type sheet struct {
	t   *intake.Table
	s   *schema
	col layout
}

func open(r io.ReaderAt, size int64, name string, s *schema, o Options) (*sheet, error) {
	t, err := intake.NewTable(r, size, name, intake.TableOptions{Limits: o.Limits, Sheet: o.Sheet,
		IsHeader: s.isHeader, Describe: s.describe()})
	if err != nil {
		return nil, fileError(err)
	}
	col, err := s.layout(t)
	if err != nil {
		t.Close()
		return nil, err
	}
	return &sheet{t: t, s: s, col: col}, nil
}

// rows calls fn for every non-blank row below the header.
func (sh *sheet) rows(fn func(row int, cells []string)) error {
	for {
		row, cells, err := sh.t.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fileError(err)
		}
		if !blank(cells) {
			fn(row, cells)
		}
	}
}

func (sh *sheet) rowErr(row int, cells []string, f Field, msg string) RowError {
	e := RowError{File: sh.t.Name, Sheet: sh.t.Sheet, Row: row, Field: f, Message: msg,
		SKU: sh.col.cell(cells, FieldSKU)}
	if c, ok := sh.col[f]; ok {
		e.Column, e.Header = c.letter, c.header
		e.Value = sh.col.cell(cells, f)
	}
	return e
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// ItemRow is one item of an item master.
type ItemRow struct {
	Row    int            `json:"row"`
	Item   inventory.Item `json:"item"`
	OnHand float64        `json:"on_hand"`
}

// Items is a read item master: the items that could be read, and an error
// for each bad row. An item with a bad row, or listed twice, is left out
// entirely (its SKU is in Held).
type Items struct {
	File   string          `json:"file"`
	Sheet  string          `json:"sheet,omitempty"`
	Items  []ItemRow       `json:"items"`
	Errors []RowError      `json:"errors,omitempty"`
	Held   []inventory.SKU `json:"held,omitempty"`
}

// ReadItems reads an item master (the offline report's items.csv, or an
// ERP export with synonyms for its headers). Required columns: sku,
// unit_cost, lead_time_days. Absent columns take: order_cost 0,
// lead_time_sd_days 0, order_multiple 1, min_order_qty 0, shelf life none
// (blank or 0 in the column also means none), target_fill_rate the
// criticality's (0.95 when neither is given), on_hand 0.
func ReadItems(r io.ReaderAt, size int64, name string, o Options) (*Items, error) {
	sh, err := open(r, size, name, itemSchema, o)
	if err != nil {
		return nil, err
	}
	defer sh.t.Close()
	out := &Items{File: sh.t.Name, Sheet: sh.t.Sheet, Items: []ItemRow{}}
	firstRow := make(map[inventory.SKU]int)
	held := make(map[inventory.SKU]bool)
	err = sh.rows(func(row int, cells []string) {
		it, onHand, e := sh.item(row, cells)
		if it.SKU != "" {
			if prev, dup := firstRow[it.SKU]; dup {
				e = append(e, sh.rowErr(row, cells, FieldSKU, fmt.Sprintf("this SKU is also on row %d; keep one row per item", prev)))
			} else {
				firstRow[it.SKU] = row
			}
		}
		if len(e) > 0 {
			out.Errors = append(out.Errors, e...)
			if it.SKU != "" {
				held[it.SKU] = true
			}
			return
		}
		out.Items = append(out.Items, ItemRow{Row: row, Item: it, OnHand: onHand})
	})
	if err != nil {
		return nil, err
	}
	keep := out.Items[:0]
	for _, ir := range out.Items {
		if !held[ir.Item.SKU] {
			keep = append(keep, ir)
		}
	}
	out.Items = keep
	for _, ir := range out.Errors {
		if s := inventory.SKU(ir.SKU); held[s] {
			held[s] = false
			out.Held = append(out.Held, s)
		}
	}
	return out, nil
}

// item reads one item row.
func (sh *sheet) item(row int, cells []string) (inventory.Item, float64, []RowError) {
	var errs []RowError
	bad := func(f Field, msg string) { errs = append(errs, sh.rowErr(row, cells, f, msg)) }
	get := func(f Field) string { return sh.col.cell(cells, f) }
	num := func(f Field, def float64, parse func(string) (float64, error), ok func(float64) bool, expect string) float64 {
		s := get(f)
		if s == "" {
			return def
		}
		v, err := parse(s)
		if err != nil || !ok(v) {
			bad(f, expect)
			return def
		}
		return v
	}
	it := inventory.Item{
		SKU:         inventory.SKU(get(FieldSKU)),
		Description: get(FieldDescription),
		Unit:        get(FieldUnit),
		SupplierID:  get(FieldSupplier),
	}
	if it.SKU == "" {
		bad(FieldSKU, "the SKU is blank")
	}
	if get(FieldUnitCost) == "" {
		bad(FieldUnitCost, "the unit cost is blank; expected an amount such as 0.085 or $12.50")
	}
	if get(FieldLeadTime) == "" {
		bad(FieldLeadTime, "the lead time is blank; expected a number of days such as 7")
	}
	positive := func(v float64) bool { return v > 0 && v < 1e9 }
	nonNeg := func(v float64) bool { return v >= 0 && v < 1e9 }
	it.UnitCost = num(FieldUnitCost, 0, parseNumber, positive, "expected a unit cost above zero, such as 0.085 or $12.50")
	it.OrderCost = num(FieldOrderCost, 0, parseNumber, nonNeg, "expected a cost per order of zero or more, such as 25")
	it.LeadTime.MeanDays = num(FieldLeadTime, 0, parseDays, func(v float64) bool { return v >= 1 && v <= 365 },
		"expected a lead time between 1 and 365 days")
	it.LeadTime.SDDays = num(FieldLeadTimeSD, 0, parseDays, func(v float64) bool { return v >= 0 && v <= 365 },
		"expected a lead-time standard deviation between 0 and 365 days")
	it.OrderMultiple = num(FieldOrderMultiple, 1, parseNumber, func(v float64) bool { return v >= 1 && v < 1e6 && v == math.Trunc(v) },
		"expected a whole pack size of 1 or more")
	it.MinOrderQty = num(FieldMinOrderQty, 0, parseNumber, nonNeg, "expected a minimum order quantity of zero or more")
	shelf := num(FieldShelfLife, 0, parseDays, func(v float64) bool { return v >= 0 && v <= 36500 && v == math.Trunc(v) },
		"expected a whole number of days, or blank when the item does not expire")
	it.ShelfLifeDays = int(shelf)
	it.TargetFillRate = num(FieldTargetFillRate, 0, parseFraction, func(v float64) bool { return v > 0 && v < 1 },
		"expected a fill rate between 0 and 1 such as 0.95 (or a percentage such as 95%)")
	onHand := num(FieldOnHand, 0, parseNumber, nonNeg, "expected a quantity on hand of zero or more")
	if c := strings.ToLower(get(FieldCriticality)); c != "" {
		switch crit := inventory.Criticality(c); crit {
		case inventory.Critical, inventory.High, inventory.Standard, inventory.Low:
			it.Criticality = crit
		default:
			bad(FieldCriticality, "expected critical, high, standard or low")
		}
	}
	return it, onHand, errs
}

// UsageScan is what ScanUsage read: the range of days, how many records
// it passed on, and the rows it could not read (left out).
type UsageScan struct {
	File    string     `json:"file"`
	Sheet   string     `json:"sheet,omitempty"`
	Records int        `json:"records"`
	First   claim.Date `json:"first"`
	Last    claim.Date `json:"last"`
	Errors  []RowError `json:"errors,omitempty"`
}

// ScanUsage reads a usage export (date, sku, quantity; location
// optional), passing each good row to fn in file order: the file is
// streamed, never held. Quantities must be zero or more; several rows of
// one item and day are the caller's to add up.
func ScanUsage(r io.ReaderAt, size int64, name string, o Options, fn func(row int, u inventory.Usage)) (*UsageScan, error) {
	sh, err := open(r, size, name, usageSchema, o)
	if err != nil {
		return nil, err
	}
	defer sh.t.Close()
	out := &UsageScan{File: sh.t.Name, Sheet: sh.t.Sheet}
	err = sh.rows(func(row int, cells []string) {
		u := inventory.Usage{SKU: inventory.SKU(sh.col.cell(cells, FieldSKU))}
		n := len(out.Errors)
		if u.SKU == "" {
			out.Errors = append(out.Errors, sh.rowErr(row, cells, FieldSKU, "the SKU is blank"))
		}
		d, derr := intake.ParseDate(sh.col.cell(cells, FieldDate), intake.ServiceDate, o.AsOf, sh.t.Date1904)
		if derr != nil || d == 0 {
			out.Errors = append(out.Errors, sh.rowErr(row, cells, FieldDate, "expected a date such as 2026-01-31, 01/31/2026 or an Excel date"))
		}
		q, qerr := parseNumber(sh.col.cell(cells, FieldQuantity))
		if qerr != nil || q < 0 || q > 1e9 {
			out.Errors = append(out.Errors, sh.rowErr(row, cells, FieldQuantity, "expected a quantity used of zero or more"))
		}
		if len(out.Errors) > n {
			return
		}
		u.Day, u.Quantity = d, q
		if out.Records == 0 || d < out.First {
			out.First = d
		}
		if d > out.Last {
			out.Last = d
		}
		out.Records++
		fn(row, u)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Count is one line of a cycle count: what was found of an item (and lot)
// at a location.
type Count struct {
	Row      int           `json:"row"`
	SKU      inventory.SKU `json:"sku"`
	Location string        `json:"location"`
	Lot      string        `json:"lot,omitempty"`
	Expires  claim.Date    `json:"expires,omitempty"`
	Counted  float64       `json:"counted"`
	Day      claim.Date    `json:"day,omitempty"` // zero: the day of the import
}

// Counts is a read cycle count.
type Counts struct {
	File   string     `json:"file"`
	Sheet  string     `json:"sheet,omitempty"`
	Counts []Count    `json:"counts"`
	Errors []RowError `json:"errors,omitempty"`
}

// ReadCounts reads a cycle count sheet: sku, location, counted; lot,
// expiry and count date optional.
func ReadCounts(r io.ReaderAt, size int64, name string, o Options) (*Counts, error) {
	sh, err := open(r, size, name, countSchema, o)
	if err != nil {
		return nil, err
	}
	defer sh.t.Close()
	out := &Counts{File: sh.t.Name, Sheet: sh.t.Sheet, Counts: []Count{}}
	err = sh.rows(func(row int, cells []string) {
		c := Count{Row: row, SKU: inventory.SKU(sh.col.cell(cells, FieldSKU)), Location: sh.col.cell(cells, FieldLocation),
			Lot: sh.col.cell(cells, FieldLot)}
		n := len(out.Errors)
		if c.SKU == "" {
			out.Errors = append(out.Errors, sh.rowErr(row, cells, FieldSKU, "the SKU is blank"))
		}
		if c.Location == "" {
			out.Errors = append(out.Errors, sh.rowErr(row, cells, FieldLocation, "the location is blank"))
		}
		q, qerr := parseNumber(sh.col.cell(cells, FieldCounted))
		if qerr != nil || q < 0 || q > 1e9 {
			out.Errors = append(out.Errors, sh.rowErr(row, cells, FieldCounted, "expected the quantity counted, zero or more"))
		}
		for _, f := range []Field{FieldExpires, FieldDate} {
			d, derr := intake.ParseDate(sh.col.cell(cells, f), intake.ServiceDate, o.AsOf, sh.t.Date1904)
			if derr != nil {
				out.Errors = append(out.Errors, sh.rowErr(row, cells, f, "expected a date such as 2026-01-31, 01/31/2026 or an Excel date"))
			}
			if f == FieldExpires {
				c.Expires = d
			} else {
				c.Day = d
			}
		}
		if len(out.Errors) > n {
			return
		}
		c.Counted = q
		out.Counts = append(out.Counts, c)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
