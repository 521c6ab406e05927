package inventory

import (
	"cmp"
	"fmt"
	"slices"
)

// SupplierOrder is a purchase order as a supplier's API takes it (the
// supplier simulator in package sim speaks the same JSON). Number is the
// idempotency key: the supplier places one order per number however often
// it is sent.
type SupplierOrder struct {
	Number     string              `json:"po_number"`
	SupplierID string              `json:"supplier_id"`
	Lines      []SupplierOrderLine `json:"lines"`
}

// SupplierOrderLine is one item ordered.
type SupplierOrderLine struct {
	SKU      SKU     `json:"sku"`
	Quantity float64 `json:"quantity"`
}

// SupplierAck is a supplier's acknowledgment of an order: its own
// confirmation number, an answer per line and the promised lead time.
type SupplierAck struct {
	Number       string    `json:"po_number"`
	Confirmation string    `json:"confirmation"`
	Lines        []LineAck `json:"lines"`
	// LeadDays is how many days after the order the accepted lines are
	// expected (0: the supplier did not say).
	LeadDays int `json:"lead_days,omitempty"`
}

// ToSupplier returns the order as the supplier's API takes it: its lines
// not cancelled, in SKU order.
func (po *PurchaseOrder) ToSupplier() SupplierOrder {
	o := SupplierOrder{Number: po.Number, SupplierID: po.SupplierID}
	for _, l := range po.Lines {
		if l.Status != LineCancelled && l.Quantity > 0 {
			o.Lines = append(o.Lines, SupplierOrderLine{SKU: l.SKU, Quantity: l.Quantity})
		}
	}
	slices.SortFunc(o.Lines, func(a, b SupplierOrderLine) int { return cmp.Compare(a.SKU, b.SKU) })
	return o
}

// Validate reports what makes an order unusable for a supplier: no
// number, no lines, a line without an item or a positive quantity, an
// item twice. Messages name the order and item, never a value.
func (o SupplierOrder) Validate() error {
	if o.Number == "" {
		return fmt.Errorf("the order has no po_number")
	}
	if len(o.Lines) == 0 {
		return fmt.Errorf("order %s has no lines", o.Number)
	}
	seen := map[SKU]bool{}
	for i, l := range o.Lines {
		switch {
		case l.SKU == "":
			return fmt.Errorf("order %s line %d has no sku", o.Number, i+1)
		case !(l.Quantity > 0) || l.Quantity > 1e9:
			return fmt.Errorf("order %s item %s: the quantity must be more than 0", o.Number, l.SKU)
		case seen[l.SKU]:
			return fmt.Errorf("order %s lists item %s twice", o.Number, l.SKU)
		}
		seen[l.SKU] = true
	}
	return nil
}
