package inventory

import (
	"errors"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
)

func awaiting() PurchaseOrder {
	po := PurchaseOrder{Number: "PO-1", SupplierID: "acme", Status: POProposed, Lines: []POLine{
		{SKU: "A", Quantity: 100, UnitCost: 10, Status: LineOpen}, {SKU: "B", Quantity: 50, UnitCost: 2, Status: LineOpen}}}
	if err := po.Submit(500_00); err != nil {
		panic(err)
	}
	return po
}

func TestApprovalApply(t *testing.T) {
	po := awaiting()
	if po.Status != POAwaitingApproval {
		t.Fatalf("status %s", po.Status)
	}
	// A refused approval changes nothing.
	if err := (Approval{Action: ActionApprove, Quantities: map[SKU]float64{"A": 2.5}}).Apply(&po); fault.CodeOf(err) != fault.Invalid {
		t.Errorf("fractional edit: %v", err)
	}
	if err := (Approval{Action: ActionApprove, Quantities: map[SKU]float64{"Z": 1}}).Apply(&po); err == nil || po.Lines[0].Quantity != 100 {
		t.Errorf("unknown line: %v", err)
	}
	if err := (Approval{Action: ActionReject}).Apply(&po); err == nil || po.Status != POAwaitingApproval {
		t.Errorf("reject without a reason: %v", err)
	}
	if err := (Approval{Action: "maybe"}).Apply(&po); err == nil {
		t.Error("unknown action accepted")
	}
	edited := po.Clone()
	if err := (Approval{Action: ActionApprove, Quantities: map[SKU]float64{"A": 40, "B": 0}}).Apply(&edited); err != nil {
		t.Fatal(err)
	}
	if edited.Status != POApproved || edited.Lines[0].Quantity != 40 || edited.Lines[1].Status != LineCancelled || edited.Total() != 400_00 || po.Lines[0].Quantity != 100 {
		t.Errorf("edited %+v, original %+v", edited, po)
	}
	if err := (Approval{Action: ActionApprove}).Apply(&edited); !errors.Is(err, ErrTransition) {
		t.Errorf("approving twice: %v", err)
	}
	if err := (Approval{Action: ActionReject, Reason: "over budget"}).Apply(&po); err != nil || po.Status != PORejected || po.Reason != "over budget" {
		t.Errorf("reject: %v %+v", err, po)
	}
	if !CanApprove(RoleAdmin) || !CanApprove(RolePurchaser) || CanApprove("biller") {
		t.Error("approver roles")
	}
}

func TestReceiptNoteCheck(t *testing.T) {
	po := awaiting()
	_ = (Approval{Action: ActionApprove}).Apply(&po)
	_ = po.MarkSent()
	_ = po.Acknowledge([]LineAck{{SKU: "B", Outcome: AckBackordered}})
	if _, err := (ReceiptNote{Quantities: map[SKU]float64{"A": 1}}).Check(&po); err == nil {
		t.Error("no location accepted")
	}
	if _, err := (ReceiptNote{Location: "room", Quantities: map[SKU]float64{"A": 101}}).Check(&po); err == nil {
		t.Error("more than ordered accepted")
	}
	next, err := (ReceiptNote{Location: "room", Quantities: map[SKU]float64{"A": 100}}).Check(&po)
	if err != nil || next.Status != POPartiallyReceived || po.Status != POBackordered {
		t.Fatalf("partial: %v %s %s", err, next.Status, po.Status)
	}
	if got := next.FollowUp(1); got != "follow-up 1: 1 lines (50 units) outstanding" {
		t.Errorf("follow-up: %q", got)
	}
}

func TestWithdrawalApply(t *testing.T) {
	po := awaiting()
	if err := (Withdrawal{}).Apply(&po); fault.CodeOf(err) != fault.Invalid || po.Status != POAwaitingApproval {
		t.Errorf("without a reason: %v, status %s", err, po.Status)
	}
	w := Withdrawal{Reason: "ordered by phone instead"}
	for _, st := range []POStatus{POAwaitingApproval, POApproved, POAwaitingSupplier} {
		p := po.Clone()
		p.Status = st
		if err := w.Apply(&p); err != nil || p.Status != POCancelled || p.Reason != "withdrawn: ordered by phone instead" {
			t.Errorf("%s: %v, %s %q", st, err, p.Status, p.Reason)
		}
	}
	for _, st := range []POStatus{POProposed, POSent, POAcknowledged, POBackordered, POPartiallyReceived, POClosed, PORejected, POCancelled} {
		p := po.Clone()
		p.Status = st
		if err := w.Apply(&p); fault.CodeOf(err) != fault.Conflict || p.Status != st {
			t.Errorf("%s: %v, now %s", st, err, p.Status)
		}
	}
}

func TestFollowUpMessage(t *testing.T) {
	po := PurchaseOrder{Number: "PO-20260302-ACME", SupplierID: "acme", Status: POBackordered, Expected: claim.MustDate("2026-03-05"), Lines: []POLine{
		{SKU: "GLV-M", Quantity: 60, Received: 60, Status: LineReceived},
		{SKU: "VAC-FLU", Quantity: 30, Received: 10, Status: LineBackordered},
		{SKU: "SUT-4", Quantity: 5, Status: LineAcknowledged},
		{SKU: "OLD", Quantity: 9, Status: LineCancelled},
	}}
	subject, text := po.FollowUpMessage(po.FollowUp(1), "https://rcm.example/inventory/orders")
	if subject != "Purchase order PO-20260302-ACME: delivery outstanding (follow-up 1: 2 lines (25 units) outstanding)" {
		t.Errorf("subject %q", subject)
	}
	want := `Purchase order PO-20260302-ACME to supplier acme is not delivered in full: follow-up 1: 2 lines (25 units) outstanding.
Expected delivery was 2026-03-05.

Outstanding:
  VAC-FLU: 20 of 30 (backordered by the supplier)
  SUT-4: 5 of 5

Ask the supplier when it ships. Record what arrives on the purchase orders page:
https://rcm.example/inventory/orders
`
	if text != want {
		t.Errorf("text:\n%s\nwant:\n%s", text, want)
	}
	po.Expected = 0
	if _, text := po.FollowUpMessage("x", "l"); !strings.Contains(text, "no delivery date") {
		t.Errorf("no date: %s", text)
	}
}
