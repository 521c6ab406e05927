// Package invfile reads the inventory bot's spreadsheets — the item master
// (items.csv of the offline policy report), usage exports and cycle
// counts — from .xlsx or .csv, and writes the policy report.
//
// Files go through intake.Table, so they are recognised by content and
// refused the same way claims files are (xls, PDF, encrypted, too large).
// Headers may sit in any of the first rows, in any case, and use the
// names ERP and materials-management exports use ("Item Code", "Qty On
// Hand", "Lead Time (days)", "MOQ", "Pack Size", "Expiration Date"...);
// unknown columns are ignored. A file without a required column fails as
// a whole (*FileError). A bad cell becomes a RowError naming file, sheet,
// row, column and what was expected — never the value — and only its row
// (for an item, the item) is left out.
package invfile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rcmbot/rcmbot/internal/intake"
)

// Field is a canonical column name. The item fields are the columns of
// items.csv in the offline policy report, fixed by the issue that
// defines it: extend, never rename.
type Field string

// Item master columns.
const (
	FieldSKU            Field = "sku"
	FieldDescription    Field = "description"
	FieldUnitCost       Field = "unit_cost"
	FieldOrderCost      Field = "order_cost"
	FieldLeadTime       Field = "lead_time_days"
	FieldLeadTimeSD     Field = "lead_time_sd_days"
	FieldOrderMultiple  Field = "order_multiple"
	FieldMinOrderQty    Field = "min_order_qty"
	FieldShelfLife      Field = "shelf_life_days"
	FieldTargetFillRate Field = "target_fill_rate"
	FieldOnHand         Field = "on_hand"
	FieldUnit           Field = "unit"
	FieldCriticality    Field = "criticality"
	FieldSupplier       Field = "supplier_id"
)

// Usage export and cycle count columns.
const (
	FieldDate     Field = "date"
	FieldQuantity Field = "quantity"
	FieldLocation Field = "location"
	FieldLot      Field = "lot"
	FieldExpires  Field = "expires"
	FieldCounted  Field = "counted"
)

// schema is one kind of file: its columns' synonyms and the required ones.
type schema struct {
	what     string // "item master", for messages
	synonyms map[Field][]string
	required []Field
	index    map[string]Field // normalised header → field
}

func newSchema(what string, required []Field, synonyms map[Field][]string) *schema {
	s := &schema{what: what, synonyms: synonyms, required: required, index: make(map[string]Field)}
	for f, names := range synonyms {
		for _, n := range append([]string{string(f)}, names...) {
			k := intake.NormalizeHeader(n)
			if prev, ok := s.index[k]; ok && prev != f {
				panic(fmt.Sprintf("invfile: %s header %q means both %s and %s", what, n, prev, f))
			}
			s.index[k] = f
		}
	}
	return s
}

var skuNames = []string{"SKU", "Item", "Item Code", "Item No", "Item #", "Item Number", "Item ID", "Product Code",
	"Product ID", "Internal Reference", "Part Number", "Part No", "Stock Code", "Material", "Material Number"}

var itemSchema = newSchema("item master", []Field{FieldSKU, FieldUnitCost, FieldLeadTime}, map[Field][]string{
	FieldSKU: skuNames,
	FieldDescription: {"Description", "Item Name", "Item Description", "Product Name", "Product", "Name",
		"Material Description"},
	FieldUnitCost: {"Unit Cost", "Cost", "Unit Price", "Cost Price", "Standard Price", "Standard Cost",
		"Valuation Rate", "Last Purchase Price", "Price", "Cost Each"},
	FieldOrderCost: {"Order Cost", "Ordering Cost", "Cost per Order", "Cost Per PO", "Order Handling Cost"},
	FieldLeadTime: {"Lead Time", "Lead Time Days", "Lead Time (days)", "Lead Days", "Delivery Lead Time",
		"Supplier Lead Time", "Vendor Lead Time", "Delivery Days"},
	FieldLeadTimeSD: {"Lead Time SD", "Lead Time SD Days", "Lead Time Std Dev", "Lead Time Standard Deviation",
		"Lead Time Deviation", "Lead Time Variability"},
	FieldOrderMultiple: {"Order Multiple", "Pack Size", "Case Pack", "Pack Qty", "Units per Pack", "Units per Case",
		"Order Increment", "Multiple"},
	FieldMinOrderQty: {"Min Order Qty", "MOQ", "Minimum Order Qty", "Minimum Order Quantity", "Min Order Quantity",
		"Min Qty", "Minimum Qty"},
	FieldShelfLife: {"Shelf Life", "Shelf Life Days", "Shelf Life (days)", "Expiry Days", "Days to Expiry",
		"Shelf Life in Days"},
	FieldTargetFillRate: {"Target Fill Rate", "Fill Rate", "Fill Rate Target", "Service Level", "Target Service Level"},
	FieldOnHand: {"On Hand", "Qty On Hand", "Quantity On Hand", "QOH", "On Hand Qty", "Stock", "Current Stock",
		"Stock on Hand", "SOH", "Actual Qty", "Available Qty"},
	FieldUnit:        {"Unit", "UOM", "Unit of Measure", "Stock UOM", "Issue Unit"},
	FieldCriticality: {"Criticality", "Priority", "Critical"},
	FieldSupplier:    {"Supplier", "Supplier ID", "Vendor", "Vendor ID", "Default Supplier", "Supplier Code", "Vendor Code"},
})

var usageSchema = newSchema("usage export", []Field{FieldDate, FieldSKU, FieldQuantity}, map[Field][]string{
	FieldSKU: skuNames,
	FieldDate: {"Date", "Usage Date", "Transaction Date", "Trans Date", "Issue Date", "Posting Date", "Day",
		"Consumption Date"},
	FieldQuantity: {"Quantity", "Qty", "Qty Used", "Quantity Used", "Usage", "Used", "Issued", "Issued Qty",
		"Qty Issued", "Consumed", "Consumed Qty", "Units"},
	FieldLocation: {"Location", "Supply Room", "Warehouse", "Department", "Dept", "Stock Location"},
})

var countSchema = newSchema("cycle count", []Field{FieldSKU, FieldLocation, FieldCounted}, map[Field][]string{
	FieldSKU:      skuNames,
	FieldLocation: {"Location", "Supply Room", "Warehouse", "Bin", "Stock Location", "Room"},
	FieldLot:      {"Lot", "Lot No", "Lot #", "Lot Number", "Batch", "Batch No", "Batch Number"},
	FieldExpires:  {"Expires", "Expiry", "Expiry Date", "Expiration", "Expiration Date", "Exp Date", "Use By", "Best Before"},
	FieldCounted:  {"Counted", "Count", "Counted Qty", "Count Qty", "Quantity Counted", "Physical Count", "Qty", "Quantity"},
	FieldDate:     {"Count Date", "Date", "Counted On"},
})

// field returns the field a header cell names.
func (s *schema) field(h string) (Field, bool) {
	f, ok := s.index[intake.NormalizeHeader(h)]
	return f, ok
}

// isHeader reports whether a row names at least two of the schema's
// required columns.
func (s *schema) isHeader(cells []string) bool {
	n := 0
	for _, c := range cells {
		if f, ok := s.field(c); ok && slices.Contains(s.required, f) {
			n++
		}
	}
	return n >= min(2, len(s.required))
}

func (s *schema) describe() string {
	names := make([]string, len(s.required))
	for i, f := range s.required {
		names[i] = string(f)
	}
	return "columns " + strings.Join(names, ", ")
}

// column is where a field sits in the file.
type column struct {
	index  int
	letter string
	header string
}

// layout maps a header row; it fails when two columns mean one field or a
// required column is missing.
type layout map[Field]column

func (s *schema) layout(t *intake.Table) (layout, error) {
	l := make(layout)
	for i, h := range t.Header {
		h = strings.TrimSpace(h)
		f, ok := s.field(h)
		if !ok || h == "" {
			continue
		}
		c := column{index: i, letter: intake.ColumnLetter(i), header: h}
		if prev, dup := l[f]; dup {
			return nil, &FileError{File: t.Name, Reason: fmt.Sprintf("columns %s (%q) and %s (%q) both mean %s; rename or delete one of them",
				prev.letter, prev.header, c.letter, h, f)}
		}
		l[f] = c
	}
	var missing []string
	for _, f := range s.required {
		if _, ok := l[f]; !ok {
			missing = append(missing, string(f))
		}
	}
	if len(missing) > 0 {
		headers := make([]string, 0, len(t.Header))
		for _, h := range t.Header {
			if h = strings.TrimSpace(h); h != "" {
				headers = append(headers, fmt.Sprintf("%q", h))
			}
		}
		return nil, &FileError{File: t.Name, Reason: fmt.Sprintf("the %s is missing column %s (header row %d has: %s)",
			s.what, strings.Join(missing, ", "), t.HeaderRow, strings.Join(headers, ", "))}
	}
	return l, nil
}

// cell returns field f's text in a row ("" when the file has no such column).
func (l layout) cell(cells []string, f Field) string {
	c, ok := l[f]
	if !ok || c.index >= len(cells) {
		return ""
	}
	return strings.TrimSpace(cells[c.index])
}
