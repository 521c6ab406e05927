package inventory

import (
	"errors"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
)

var day = claim.MustDate

func TestStockIssuesFirstExpiringFirst(t *testing.T) {
	s := NewStock(
		Lot{Number: "NOEXP", Quantity: 5, Received: day("2026-01-01")},
		Lot{Number: "LATE", Quantity: 5, Received: day("2026-01-02"), Expires: day("2026-06-01")},
		Lot{Number: "SOON", Quantity: 5, Received: day("2026-01-05"), Expires: day("2026-03-01")},
	)
	issues, short := s.Issue(7, day("2026-02-01"))
	if short != 0 || len(issues) != 2 || issues[0].Lot.Number != "SOON" || issues[0].Quantity != 5 ||
		issues[1].Lot.Number != "LATE" || issues[1].Quantity != 2 {
		t.Fatalf("issues %+v short %v", issues, short)
	}
	if got := s.OnHand(); got != 8 {
		t.Errorf("on hand %v, want 8", got)
	}
	// On 1 June LATE is no longer usable: it is skipped, then discarded.
	issues, short = s.Issue(10, day("2026-06-01"))
	if short != 5 || len(issues) != 1 || issues[0].Lot.Number != "NOEXP" {
		t.Errorf("after expiry: issues %+v short %v", issues, short)
	}
	gone := s.Expire(day("2026-06-01"))
	if len(gone) != 1 || gone[0].Number != "LATE" || gone[0].Quantity != 3 || s.OnHand() != 0 {
		t.Errorf("expired %+v, left %v", gone, s.Lots())
	}
}

func TestStockReceiveAndExpiring(t *testing.T) {
	it := Item{SKU: "VAX", ShelfLifeDays: 30}
	s := NewStock()
	for i, r := range []string{"2026-01-10", "2026-01-01", "2026-01-20"} {
		rd := day(r)
		s.Receive(Lot{SKU: it.SKU, Number: string(rune('A' + i)), Quantity: 1, Received: rd, Expires: ExpiryFor(it, rd)})
	}
	got := ""
	for _, l := range s.Lots() {
		got += l.Number
	}
	if got != "BAC" {
		t.Errorf("issue order %s, want BAC (earliest expiry first)", got)
	}
	// A lot received 1 Jan with a 30-day shelf life is usable through 30 Jan.
	if l := s.Lots()[0]; !l.UsableOn(day("2026-01-30")) || l.UsableOn(day("2026-01-31")) {
		t.Errorf("usable window of %+v", l)
	}
	soon := s.ExpiringWithin(day("2026-01-25"), 15) // B expires 31 Jan, A 9 Feb, C 19 Feb
	if len(soon) != 2 || soon[0].Number != "B" || soon[1].Number != "A" {
		t.Errorf("expiring within 15 days of 25 Jan: %+v", soon)
	}
	if ExpiryFor(Item{}, day("2026-01-01")) != 0 {
		t.Error("an item without shelf life expires")
	}
}

func TestPosition(t *testing.T) {
	p := Position{OnHand: 40, OnOrder: 100, Backorders: 15}
	if p.Inventory() != 125 {
		t.Errorf("position %v", p.Inventory())
	}
}

func TestRoundOrder(t *testing.T) {
	it := Item{MinOrderQty: 50, OrderMultiple: 12}
	for q, want := range map[float64]float64{0: 0, -3: 0, 1: 60, 50: 60, 61: 72, 72: 72} {
		if got := it.RoundOrder(q); got != want {
			t.Errorf("RoundOrder(%v) = %v, want %v", q, got, want)
		}
	}
	if got := (Item{}).RoundOrder(2.2); got != 3 {
		t.Errorf("whole units: %v", got)
	}
}

func TestItemValidate(t *testing.T) {
	good := Item{SKU: "A", UnitCost: 1, LeadTime: LeadTime{MeanDays: 3}, TargetFillRate: 0.95}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := good
	bad.TargetFillRate = 1
	if err := bad.Validate(); err == nil {
		t.Error("fill rate 1 accepted")
	}
	bad = good
	bad.LeadTime.MeanDays = 0.5
	if err := bad.Validate(); err == nil {
		t.Error("lead time under a day accepted")
	}
	if (Item{Criticality: Critical}).FillRateTarget() != 0.99 || (Item{}).FillRateTarget() != 0.95 {
		t.Error("criticality defaults")
	}
}

func TestSupplierCutoff(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	s := Supplier{LeadTime: LeadTime{MeanDays: 2.4}, Cutoff: 15 * time.Hour}
	before := time.Date(2026, 3, 2, 14, 59, 0, 0, ny)
	after := time.Date(2026, 3, 2, 15, 0, 0, 0, ny)
	if s.OrderDay(before) != day("2026-03-02") || s.OrderDay(after) != day("2026-03-03") {
		t.Errorf("order days %s %s", s.OrderDay(before), s.OrderDay(after))
	}
	if got := s.ExpectedArrival(after); got != day("2026-03-05") {
		t.Errorf("arrival %s, want 3 March + 2 days", got)
	}
}

func TestPurchaseOrderLife(t *testing.T) {
	po := GroupBySupplier([]Need{
		{Item: Item{SKU: "GLV", SupplierID: "MED", UnitCost: 0.1}, Quantity: 1000},
		{Item: Item{SKU: "VAX", SupplierID: "PHARM", UnitCost: 15}, Quantity: 20},
		{Item: Item{SKU: "GAUZE", SupplierID: "MED", UnitCost: 0.5}, Quantity: 200},
		{Item: Item{SKU: "NOSUP", UnitCost: 1}, Quantity: 5},
		{Item: Item{SKU: "ZERO", SupplierID: "MED", UnitCost: 1}, Quantity: 0},
	}, day("2026-03-02"), func(s string) string { return "PO-20260302-" + s })
	if len(po) != 2 || po[0].SupplierID != "MED" || len(po[0].Lines) != 2 || po[0].Lines[0].SKU != "GAUZE" || po[1].Number != "PO-20260302-PHARM" {
		t.Fatalf("grouped %+v", po)
	}
	med := &po[0]
	if med.Total() != 20000 { // $100 + $100
		t.Errorf("total %v", med.Total())
	}
	if err := med.Submit(15000); err != nil || med.Status != POAwaitingApproval {
		t.Fatalf("submit over the limit: %v %s", err, med.Status)
	}
	if err := med.MarkSent(); !errors.Is(err, ErrTransition) {
		t.Errorf("sent before approval: %v", err)
	}
	if err := med.Edit(map[SKU]float64{"GAUZE": 0}); err != nil || med.Total() != 10000 {
		t.Errorf("edit: %v total %v", err, med.Total())
	}
	if err := med.Approve(); err != nil {
		t.Fatal(err)
	}
	if med.OnOrder()["GLV"] != 1000 || med.OnOrder()["GAUZE"] != 0 {
		t.Errorf("on order %v", med.OnOrder())
	}
	if err := med.MarkSent(); err != nil {
		t.Fatal(err)
	}
	if err := med.Acknowledge([]LineAck{{SKU: "GLV", Outcome: AckPartial, Backordered: 400}}); err != nil || med.Status != POBackordered {
		t.Fatalf("ack: %v %s", err, med.Status)
	}
	if err := med.Receive(map[SKU]float64{"GLV": 600}); err != nil || med.Status != POPartiallyReceived {
		t.Fatalf("partial receipt: %v %s", err, med.Status)
	}
	if med.OnOrder()["GLV"] != 400 {
		t.Errorf("still on order %v", med.OnOrder())
	}
	if err := med.Receive(map[SKU]float64{"GLV": 401}); err == nil {
		t.Error("received more than outstanding")
	}
	if err := med.Receive(map[SKU]float64{"GLV": 400}); err != nil || med.Status != POReceived {
		t.Fatalf("final receipt: %v %s", err, med.Status)
	}
	if err := med.Close(); err != nil || !med.Status.Final() || med.Status.Open() {
		t.Errorf("close: %v %s", err, med.Status)
	}

	pharm := &po[1]
	if err := pharm.Submit(100000); err != nil || pharm.Status != POApproved {
		t.Fatalf("under the limit: %v %s", err, pharm.Status)
	}
	if err := pharm.Reject("no longer needed"); !errors.Is(err, ErrTransition) {
		t.Errorf("rejected an approved order: %v", err)
	}
	_ = pharm.MarkSent()
	if err := pharm.Acknowledge([]LineAck{{SKU: "VAX", Outcome: AckRefused}}); err != nil || pharm.Status != POCancelled {
		t.Errorf("all refused: %v %s", err, pharm.Status)
	}
	r := PurchaseOrder{Number: "X", Status: POAwaitingApproval}
	if err := r.Reject(""); err == nil {
		t.Error("rejected without a reason")
	}
	if err := r.Reject("too much"); err != nil || r.Status != PORejected || r.Reason != "too much" {
		t.Errorf("reject: %v %+v", err, r)
	}
}

func TestDailySeries(t *testing.T) {
	s := DailySeries([]Usage{
		{Day: day("2026-01-01"), SKU: "A", Quantity: 2},
		{Day: day("2026-01-03"), SKU: "A", Quantity: 1},
		{Day: day("2026-01-03"), SKU: "A", Quantity: 4},
		{Day: day("2026-02-01"), SKU: "A", Quantity: 9}, // outside
	}, day("2026-01-01"), day("2026-01-04"))
	a := s["A"]
	if len(a.Qty) != 4 || a.Qty[0] != 2 || a.Qty[1] != 0 || a.Qty[2] != 5 || a.End() != day("2026-01-05") {
		t.Errorf("series %+v", a)
	}
}

func TestPurchaseOrderErrorsCarryCodes(t *testing.T) {
	po := PurchaseOrder{Number: "PO-1", Status: POProposed, Lines: []POLine{{SKU: "A", Quantity: 1, UnitCost: 1}}}
	err := po.MarkSent()
	if !fault.Is(err, fault.Conflict) || !errors.Is(err, ErrTransition) ||
		fault.MessageOf(err) != "purchase order PO-1 is proposed, cannot become sent" {
		t.Errorf("transition: %v (%s)", err, fault.CodeOf(err))
	}
	if err := po.Edit(map[SKU]float64{"B": 1}); !fault.Is(err, fault.Invalid) {
		t.Errorf("edit of a missing line: %v", err)
	}
}

// An order the supplier did not take waits for it, still on order, with a
// note for staff; sending it clears the note; an order not approved
// cannot wait for the supplier.
func TestPurchaseOrderAwaitsSupplier(t *testing.T) {
	po := PurchaseOrder{Number: "PO-1", Status: POApproved, Lines: []POLine{{SKU: "GLV", Quantity: 10, UnitCost: 1, Status: LineOpen}}}
	if err := po.AwaitSupplier(""); err == nil {
		t.Error("waited without a note")
	}
	if err := po.AwaitSupplier("down since 09:00"); err != nil || po.Status != POAwaitingSupplier || po.Reason != "down since 09:00" {
		t.Fatalf("await: %v %+v", err, po)
	}
	if err := po.AwaitSupplier("down for 7 days"); err != nil || po.Reason != "down for 7 days" {
		t.Errorf("note again: %v %+v", err, po)
	}
	if po.OnOrder()["GLV"] != 10 || po.Status.Final() {
		t.Errorf("waiting order not on order: %v", po.OnOrder())
	}
	if err := po.MarkSent(); err != nil || po.Status != POSent || po.Reason != "" {
		t.Errorf("sent: %v %+v", err, po)
	}
	waiting := PurchaseOrder{Number: "PO-2", Status: POAwaitingApproval}
	if err := waiting.AwaitSupplier("down"); !errors.Is(err, ErrTransition) {
		t.Errorf("an order awaiting approval waited for the supplier: %v", err)
	}
	refused := PurchaseOrder{Number: "PO-3", Status: POAwaitingSupplier}
	if err := refused.Cancel("the supplier refused the order"); err != nil || refused.Status != POCancelled {
		t.Errorf("refused after waiting: %v %+v", err, refused)
	}
}
