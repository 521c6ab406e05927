package inventory

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/decision"
)

// The inventory bot's signed staff decisions (package decision): an
// approval (approve, possibly with edited quantities, or reject) of an
// order over the approval limit, a receipt recorded by receiving, and the
// withdrawal of an order the supplier has not taken.
const (
	DecisionApproval   decision.Kind = "inventory.approval"
	DecisionReceipt    decision.Kind = "inventory.receipt"
	DecisionWithdrawal decision.Kind = "inventory.withdrawal"
)

// Roles that may approve or reject purchase orders: administrators and
// purchasers. (Names of the users' roles, as the front door signs them.)
const (
	RoleAdmin     = "admin"
	RolePurchaser = "purchaser"
)

// CanApprove reports whether a user in role may approve or reject orders.
func CanApprove(role string) bool { return role == RoleAdmin || role == RolePurchaser }

// ApprovalAction is what an approver decided.
type ApprovalAction string

// Approval actions.
const (
	ActionApprove ApprovalAction = "approve" // approve, with Quantities edited first when given
	ActionReject  ApprovalAction = "reject"  // reject, with a Reason
)

// Approval is the payload of a DecisionApproval.
type Approval struct {
	Action ApprovalAction `json:"action"`
	// Quantities replaces line quantities (by SKU) before approving; 0
	// cancels a line. The approver's number is ordered as given, so it
	// must be a whole number of units.
	Quantities map[SKU]float64 `json:"quantities,omitempty"`
	Reason     string          `json:"reason,omitempty"`
}

// Apply applies the approval to po (awaiting approval): edit and approve,
// or reject. It changes po only when it succeeds.
func (a Approval) Apply(po *PurchaseOrder) error {
	next := po.Clone()
	var err error
	switch a.Action {
	case ActionApprove:
		for sku, q := range a.Quantities {
			if q != math.Trunc(q) {
				return invalid("purchase order %s item %s: order whole units", po.Number, sku)
			}
		}
		if err = next.Edit(a.Quantities); err == nil {
			err = next.Approve()
		}
	case ActionReject:
		if len(a.Quantities) > 0 {
			return invalid("purchase order %s: a rejection edits no quantities", po.Number)
		}
		if next.Status != POAwaitingApproval {
			return conflict("purchase order %s is %s, not awaiting approval", po.Number, po.Status)
		}
		err = next.Reject(a.Reason)
	default:
		return invalid("purchase order %s: the action must be %s or %s", po.Number, ActionApprove, ActionReject)
	}
	if err != nil {
		return err
	}
	*po = next
	return nil
}

// Clone returns a copy of po that shares nothing with it.
func (po *PurchaseOrder) Clone() PurchaseOrder {
	c := *po
	c.Lines = append([]POLine(nil), po.Lines...)
	return c
}

// ReceiptNote is the payload of a DecisionReceipt: what arrived, into
// which supply room, under which lot number ("" = the PO number).
type ReceiptNote struct {
	Location   string          `json:"location"`
	Lot        string          `json:"lot,omitempty"`
	Quantities map[SKU]float64 `json:"quantities"`
}

// Check applies the receipt to a copy of po and returns it, or why it
// cannot be recorded.
func (r ReceiptNote) Check(po *PurchaseOrder) (PurchaseOrder, error) {
	if r.Location == "" {
		return PurchaseOrder{}, invalid("purchase order %s: say which supply room the delivery went to", po.Number)
	}
	if len(r.Quantities) == 0 {
		return PurchaseOrder{}, invalid("purchase order %s: no quantities received", po.Number)
	}
	next := po.Clone()
	if err := next.Receive(r.Quantities); err != nil {
		return PurchaseOrder{}, err
	}
	return next, nil
}

// FollowUp is what the PurchaseOrder workflow notes on an order whose
// delivery is late or backordered: the lines still outstanding.
func (po *PurchaseOrder) FollowUp(n int) string {
	open := 0
	var q float64
	for _, l := range po.Lines {
		if o := l.Outstanding(); o > 0 {
			open++
			q += o
		}
	}
	return fmt.Sprintf("follow-up %d: %d lines (%g units) outstanding", n, open, q)
}

// Withdrawal is the payload of a DecisionWithdrawal: staff cancel an
// order before the supplier took it, with a reason. For an order awaiting
// the supplier the reason says they checked with the supplier that it was
// not placed.
type Withdrawal struct {
	Reason string `json:"reason"`
}

// Withdrawable reports whether an order in status s may be withdrawn: it
// waits for approval, or was approved and the supplier has not taken it.
func (s POStatus) Withdrawable() bool {
	return s == POAwaitingApproval || s == POApproved || s == POAwaitingSupplier
}

// Apply cancels po with the withdrawal's reason. It changes po only when
// it succeeds.
func (w Withdrawal) Apply(po *PurchaseOrder) error {
	if w.Reason == "" {
		return invalid("purchase order %s: say why it is withdrawn", po.Number)
	}
	if !po.Status.Withdrawable() {
		return conflict("purchase order %s is %s: only an order the supplier has not taken can be withdrawn", po.Number, po.Status)
	}
	next := po.Clone()
	if err := next.Cancel("withdrawn: " + w.Reason); err != nil {
		return err
	}
	*po = next
	return nil
}

// FollowUpMessage is the email to purchasing for a follow-up (note, from
// FollowUp) on a late or backordered delivery: subject and plain text
// naming the order, the supplier, the expected day and each line still
// outstanding, and the page (link) where receipts are recorded. It names
// supplies only.
func (po *PurchaseOrder) FollowUpMessage(note, link string) (subject, text string) {
	subject = fmt.Sprintf("Purchase order %s: delivery outstanding (%s)", po.Number, note)
	var b strings.Builder
	fmt.Fprintf(&b, "Purchase order %s to supplier %s is not delivered in full: %s.\n", po.Number, po.SupplierID, note)
	if po.Expected.IsZero() {
		b.WriteString("The supplier gave no delivery date.\n")
	} else {
		fmt.Fprintf(&b, "Expected delivery was %s.\n", po.Expected)
	}
	b.WriteString("\nOutstanding:\n")
	for _, l := range po.Lines {
		o := l.Outstanding()
		if o <= 0 {
			continue
		}
		fmt.Fprintf(&b, "  %s: %g of %g", l.SKU, o, l.Quantity)
		if l.Status == LineBackordered {
			b.WriteString(" (backordered by the supplier)")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\nAsk the supplier when it ships. Record what arrives on the purchase orders page:\n%s\n", link)
	return subject, b.String()
}

// OutageMessage is the email to purchasing when the supplier has not
// taken an order since since: subject and plain text naming the order,
// the supplier, since when (UTC), the last failure (the supplier
// client's reason: a status or a timeout, no credentials), that the
// order is sent again under its number, and the page (link) where it can
// be withdrawn. It names supplies only.
func (po *PurchaseOrder) OutageMessage(since time.Time, last, link string) (subject, text string) {
	at := since.UTC().Format("2006-01-02 15:04 UTC")
	subject = fmt.Sprintf("Purchase order %s: supplier %s has not taken it since %s", po.Number, po.SupplierID, at)
	var b strings.Builder
	fmt.Fprintf(&b, "Supplier %s has not taken purchase order %s since %s.\n", po.SupplierID, po.Number, at)
	fmt.Fprintf(&b, "Last failure: %s\n\n", last)
	b.WriteString("rcmbot keeps sending it under the same number (the supplier orders it once) and counts it as on order.\n")
	b.WriteString("You get one more email when the supplier takes it. If the supplier confirms it never got the order\n")
	fmt.Fprintf(&b, "and you order elsewhere, withdraw it on the purchase orders page:\n%s\n", link)
	return subject, b.String()
}

// TakenMessage is the email to purchasing when the supplier took an order
// after an outage that was mailed (OutageMessage of since).
func (po *PurchaseOrder) TakenMessage(since time.Time, link string) (subject, text string) {
	subject = fmt.Sprintf("Purchase order %s: supplier %s has taken it", po.Number, po.SupplierID)
	text = fmt.Sprintf("Supplier %s has taken purchase order %s (not taken since %s); it is now %s.\n\nThe purchase orders page:\n%s\n",
		po.SupplierID, po.Number, since.UTC().Format("2006-01-02 15:04 UTC"), po.Status, link)
	return subject, text
}
