package inventory

import (
	"cmp"
	"errors"
	"math"
	"slices"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
)

// POStatus is where a purchase order is in its life. The PurchaseOrder
// workflow, the store and the web app share this vocabulary.
type POStatus string

// Purchase-order statuses, in the order an order normally passes them.
const (
	// POProposed: the nightly review drafted it; nobody has looked yet.
	POProposed POStatus = "proposed"
	// POAwaitingApproval: it exceeds the approval limit and waits for an
	// admin or purchaser to approve, edit or reject it.
	POAwaitingApproval POStatus = "awaiting_approval"
	// POApproved: approved (or under the limit); not yet sent.
	POApproved POStatus = "approved"
	// POAwaitingSupplier: approved, but the supplier's API has not taken
	// it (down, busy, not answering); the bot keeps sending it under the
	// same PO number, so it is placed once when the supplier is back.
	// Reason says since when and until when it keeps trying.
	POAwaitingSupplier POStatus = "awaiting_supplier"
	// POSent: the supplier's API took it; no acknowledgment yet.
	POSent POStatus = "sent"
	// POAcknowledged: the supplier accepted every line.
	POAcknowledged POStatus = "acknowledged"
	// POBackordered: the supplier acknowledged with some lines backordered.
	POBackordered POStatus = "backordered"
	// POPartiallyReceived: some but not all of the ordered quantity arrived.
	POPartiallyReceived POStatus = "partially_received"
	// POReceived: everything ordered arrived.
	POReceived POStatus = "received"
	// POClosed: finished; nothing more is expected (what was short was
	// written off or re-ordered).
	POClosed POStatus = "closed"
	// PORejected: a human rejected it, with a reason. Final.
	PORejected POStatus = "rejected"
	// POCancelled: withdrawn before it was sent, or the supplier refused it. Final.
	POCancelled POStatus = "cancelled"
)

// poNext lists the statuses each status may move to.
var poNext = map[POStatus][]POStatus{
	POProposed:          {POAwaitingApproval, POApproved, PORejected, POCancelled},
	POAwaitingApproval:  {POApproved, PORejected, POCancelled},
	POApproved:          {POAwaitingSupplier, POSent, POCancelled},
	POAwaitingSupplier:  {POSent, POCancelled},
	POSent:              {POAcknowledged, POBackordered, POPartiallyReceived, POReceived, POCancelled},
	POAcknowledged:      {POBackordered, POPartiallyReceived, POReceived, POClosed},
	POBackordered:       {POAcknowledged, POPartiallyReceived, POReceived, POClosed},
	POPartiallyReceived: {POPartiallyReceived, POReceived, POClosed},
	POReceived:          {POClosed},
}

// CanBecome reports whether an order in status s may move to t.
func (s POStatus) CanBecome(t POStatus) bool { return slices.Contains(poNext[s], t) }

// Final reports whether nothing more happens to an order in status s.
func (s POStatus) Final() bool { return s == POClosed || s == PORejected || s == POCancelled }

// Open reports whether the order still counts toward the inventory
// position's on-order quantity: it was approved and not finished.
func (s POStatus) Open() bool {
	switch s {
	case POApproved, POAwaitingSupplier, POSent, POAcknowledged, POBackordered, POPartiallyReceived:
		return true
	}
	return false
}

// LineStatus is where one line of a purchase order is.
type LineStatus string

// Purchase-order line statuses.
const (
	LineOpen              LineStatus = "open"               // ordered, not acknowledged
	LineAcknowledged      LineStatus = "acknowledged"       // the supplier will ship it
	LineBackordered       LineStatus = "backordered"        // the supplier will ship it later
	LinePartiallyReceived LineStatus = "partially_received" // some of it arrived
	LineReceived          LineStatus = "received"           // all of it arrived
	LineCancelled         LineStatus = "cancelled"          // removed by an edit or refused by the supplier
)

// AckOutcome is a supplier's answer to one line of an order.
type AckOutcome string

// Acknowledgment outcomes.
const (
	AckAccepted    AckOutcome = "accepted"    // will ship in full
	AckBackordered AckOutcome = "backordered" // none now; will ship later
	AckPartial     AckOutcome = "partial"     // part now, the rest backordered
	AckRefused     AckOutcome = "refused"     // will not ship (discontinued, unknown item)
)

// POLine is one item on a purchase order.
type POLine struct {
	SKU      SKU        `json:"sku"`
	Quantity float64    `json:"quantity"` // ordered
	UnitCost float64    `json:"unit_cost"`
	Status   LineStatus `json:"status"`
	// Backordered is the quantity the supplier said will come later.
	Backordered float64 `json:"backordered,omitempty"`
	Received    float64 `json:"received,omitempty"`
}

// Outstanding returns what the line will still deliver.
func (l POLine) Outstanding() float64 {
	if l.Status == LineCancelled {
		return 0
	}
	return max(l.Quantity-l.Received, 0)
}

// Amount returns the line's value rounded to cents.
func (l POLine) Amount() claim.Money { return dollars(l.Quantity * l.UnitCost) }

func dollars(f float64) claim.Money { return claim.Money(math.Round(f * 100)) }

// PurchaseOrder is an order to one supplier. Number is the business key:
// the supplier's API deduplicates on it, so sending twice orders once.
type PurchaseOrder struct {
	Number     string     `json:"number"`
	SupplierID string     `json:"supplier_id"`
	Status     POStatus   `json:"status"`
	Created    claim.Date `json:"created"`
	Expected   claim.Date `json:"expected,omitempty"` // expected delivery
	Lines      []POLine   `json:"lines"`
	// Reason is why it was rejected or cancelled, or what an order
	// awaiting the supplier waits for.
	Reason string `json:"reason,omitempty"`
}

// Total returns the order's value.
func (po *PurchaseOrder) Total() claim.Money {
	var t claim.Money
	for _, l := range po.Lines {
		if l.Status != LineCancelled {
			t += l.Amount()
		}
	}
	return t
}

// OnOrder returns, per SKU, what the order will still deliver (zero for an
// order that is not open).
func (po *PurchaseOrder) OnOrder() map[SKU]float64 {
	out := make(map[SKU]float64)
	if !po.Status.Open() {
		return out
	}
	for _, l := range po.Lines {
		if q := l.Outstanding(); q > 0 {
			out[l.SKU] += q
		}
	}
	return out
}

// ErrTransition is returned (wrapped, as a fault.Conflict) for a change an
// order's status does not allow. Other refusals are fault.Invalid. The
// messages name the order, item and status, never a person.
var ErrTransition = errors.New("the purchase order's status does not allow this")

func conflict(format string, args ...any) error {
	return fault.Wrap(ErrTransition, fault.Conflict, format, args...)
}

func invalid(format string, args ...any) error { return fault.Errorf(fault.Invalid, format, args...) }

func (po *PurchaseOrder) moveTo(t POStatus) error {
	if !po.Status.CanBecome(t) {
		return conflict("purchase order %s is %s, cannot become %s", po.Number, po.Status, t)
	}
	po.Status = t
	return nil
}

// Submit moves a proposed order to approval, or straight to approved when
// its total does not exceed limit.
func (po *PurchaseOrder) Submit(limit claim.Money) error {
	if po.Total() > limit {
		return po.moveTo(POAwaitingApproval)
	}
	return po.moveTo(POApproved)
}

// Edit replaces line quantities (by SKU) before the order is approved; a
// quantity of 0 cancels the line. Quantities must be whole multiples the
// supplier accepts: callers round with Item.RoundOrder.
func (po *PurchaseOrder) Edit(qty map[SKU]float64) error {
	if po.Status != POProposed && po.Status != POAwaitingApproval {
		return conflict("purchase order %s is %s: only proposed or awaiting orders can be edited", po.Number, po.Status)
	}
	for sku, q := range qty {
		i := slices.IndexFunc(po.Lines, func(l POLine) bool { return l.SKU == sku })
		if i < 0 {
			return invalid("purchase order %s has no line for item %s", po.Number, sku)
		}
		if !(q >= 0) || math.IsInf(q, 0) {
			return invalid("purchase order %s item %s: the quantity must be zero or more", po.Number, sku)
		}
		po.Lines[i].Quantity = q
		if q == 0 {
			po.Lines[i].Status = LineCancelled
		}
	}
	return nil
}

// Approve approves an order awaiting approval.
func (po *PurchaseOrder) Approve() error {
	if po.Status != POAwaitingApproval {
		return conflict("purchase order %s is %s, not awaiting approval", po.Number, po.Status)
	}
	if po.Total() == 0 {
		return invalid("purchase order %s has no quantity left to order; reject it instead", po.Number)
	}
	return po.moveTo(POApproved)
}

// Reject rejects a proposed or awaiting order; reason is required.
func (po *PurchaseOrder) Reject(reason string) error {
	if reason == "" {
		return invalid("purchase order %s: a rejection needs a reason", po.Number)
	}
	if err := po.moveTo(PORejected); err != nil {
		return err
	}
	po.Reason = reason
	return nil
}

// Cancel withdraws an order that was not sent (approval never came, or
// the supplier refused it before acknowledging); reason is required.
func (po *PurchaseOrder) Cancel(reason string) error {
	if reason == "" {
		return invalid("purchase order %s: a cancellation needs a reason", po.Number)
	}
	if err := po.moveTo(POCancelled); err != nil {
		return err
	}
	po.Reason = reason
	return nil
}

// AwaitSupplier records that the supplier's API did not take an approved
// order (or one already awaiting it) and why, for staff; the order stays
// open: it will be sent again under its number.
func (po *PurchaseOrder) AwaitSupplier(note string) error {
	if note == "" {
		return invalid("purchase order %s: waiting for the supplier needs a note for staff", po.Number)
	}
	if po.Status != POAwaitingSupplier {
		if err := po.moveTo(POAwaitingSupplier); err != nil {
			return err
		}
	}
	po.Reason = note
	return nil
}

// MarkSent records that the supplier's API accepted the order (a note
// left while it waited for the supplier is cleared).
func (po *PurchaseOrder) MarkSent() error {
	if err := po.moveTo(POSent); err != nil {
		return err
	}
	po.Reason = ""
	return nil
}

// LineAck is a supplier's answer for one line.
type LineAck struct {
	SKU         SKU        `json:"sku"`
	Outcome     AckOutcome `json:"outcome"`
	Backordered float64    `json:"backordered,omitempty"` // for AckPartial and AckBackordered; 0 means the whole line
}

// Acknowledge applies a supplier's acknowledgment. Lines it does not
// mention are accepted. The order becomes backordered when any line is,
// cancelled when every line is refused, acknowledged otherwise.
func (po *PurchaseOrder) Acknowledge(acks []LineAck) error {
	if po.Status != POSent {
		return conflict("purchase order %s is %s, not sent", po.Number, po.Status)
	}
	for _, a := range acks {
		i := slices.IndexFunc(po.Lines, func(l POLine) bool { return l.SKU == a.SKU })
		if i < 0 {
			return invalid("purchase order %s: the acknowledgment names item %s, which the order does not have", po.Number, a.SKU)
		}
		l := &po.Lines[i]
		switch a.Outcome {
		case AckAccepted:
			l.Status = LineAcknowledged
		case AckBackordered, AckPartial:
			b := a.Backordered
			if b <= 0 || b > l.Quantity {
				b = l.Quantity
			}
			l.Status, l.Backordered = LineBackordered, b
		case AckRefused:
			l.Status = LineCancelled
		default:
			return invalid("purchase order %s item %s: unknown acknowledgment outcome", po.Number, a.SKU)
		}
	}
	next := POAcknowledged
	live := 0
	for i := range po.Lines {
		l := &po.Lines[i]
		if l.Status == LineOpen {
			l.Status = LineAcknowledged
		}
		if l.Status == LineBackordered {
			next = POBackordered
		}
		if l.Status != LineCancelled {
			live++
		}
	}
	if live == 0 {
		po.Reason = "the supplier refused every line"
		return po.moveTo(POCancelled)
	}
	return po.moveTo(next)
}

// Receive records quantities received (by SKU) and moves the order to
// partially received or received. Receiving more than was ordered is
// refused: the extra is counted as an adjustment, not against the order.
func (po *PurchaseOrder) Receive(qty map[SKU]float64) error {
	switch po.Status {
	case POSent, POAcknowledged, POBackordered, POPartiallyReceived:
	default:
		return conflict("purchase order %s is %s: nothing is expected on it", po.Number, po.Status)
	}
	for _, sku := range sortedKeys(qty) {
		q := qty[sku]
		i := slices.IndexFunc(po.Lines, func(l POLine) bool { return l.SKU == sku })
		if i < 0 {
			return invalid("purchase order %s has no line for item %s", po.Number, sku)
		}
		l := &po.Lines[i]
		if !(q > 0) || q > l.Outstanding()+1e-9 {
			return invalid("purchase order %s item %s: the received quantity must be more than 0 and at most the %g still expected", po.Number, sku, l.Outstanding())
		}
	}
	done := true
	for i := range po.Lines {
		l := &po.Lines[i]
		l.Received += qty[l.SKU]
		switch {
		case l.Status == LineCancelled:
		case l.Received >= l.Quantity-1e-9:
			l.Status, l.Backordered = LineReceived, 0
		case l.Received > 0:
			l.Status, l.Backordered = LinePartiallyReceived, min(l.Backordered, l.Outstanding())
			done = false
		default:
			done = false
		}
	}
	if done {
		return po.moveTo(POReceived)
	}
	return po.moveTo(POPartiallyReceived)
}

// Close finishes an order: everything still outstanding is written off
// (the follow-up re-orders it if it is still needed).
func (po *PurchaseOrder) Close() error { return po.moveTo(POClosed) }

func sortedKeys[V any](m map[SKU]V) []SKU {
	keys := make([]SKU, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Need is one item the review wants ordered.
type Need struct {
	Item     Item
	Quantity float64 // already rounded with Item.RoundOrder
}

// GroupBySupplier drafts one proposed order per supplier from needs, lines
// in SKU order, suppliers in ID order; number names each order (it must be
// deterministic for a given supplier and day, so a retried review drafts
// the same orders). Needs without a supplier or quantity are left out.
func GroupBySupplier(needs []Need, created claim.Date, number func(supplierID string) string) []PurchaseOrder {
	bySupplier := make(map[string][]POLine)
	for _, n := range needs {
		if n.Item.SupplierID == "" || n.Quantity <= 0 {
			continue
		}
		bySupplier[n.Item.SupplierID] = append(bySupplier[n.Item.SupplierID],
			POLine{SKU: n.Item.SKU, Quantity: n.Quantity, UnitCost: n.Item.UnitCost, Status: LineOpen})
	}
	ids := make([]string, 0, len(bySupplier))
	for id := range bySupplier {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	pos := make([]PurchaseOrder, 0, len(ids))
	for _, id := range ids {
		lines := bySupplier[id]
		slices.SortFunc(lines, func(a, b POLine) int { return cmp.Compare(a.SKU, b.SKU) })
		pos = append(pos, PurchaseOrder{Number: number(id), SupplierID: id, Status: POProposed, Created: created, Lines: lines})
	}
	return pos
}
