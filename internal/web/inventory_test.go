package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/store"
)

// inventoryFront is a function-field InventoryBot: each test says what
// the front door answers and sees what it was asked.
type inventoryFront struct {
	orders  func(statuses []inventory.POStatus) ([]store.StoredPO, error)
	approve func(number, actor, role string, qty map[inventory.SKU]float64) (inventory.PurchaseOrder, error)
	reject  func(number, actor, role, reason string) (inventory.PurchaseOrder, error)
	receive func(number, actor, role string, note inventory.ReceiptNote) (inventory.PurchaseOrder, error)
}

func (f *inventoryFront) Orders(_ context.Context, _ store.Page, statuses ...inventory.POStatus) ([]store.StoredPO, error) {
	return f.orders(statuses)
}

func (f *inventoryFront) Approve(_ context.Context, number, actor, role string, qty map[inventory.SKU]float64) (inventory.PurchaseOrder, error) {
	return f.approve(number, actor, role, qty)
}

func (f *inventoryFront) Reject(_ context.Context, number, actor, role, reason string) (inventory.PurchaseOrder, error) {
	return f.reject(number, actor, role, reason)
}

func (f *inventoryFront) Receive(_ context.Context, number, actor, role string, note inventory.ReceiptNote) (inventory.PurchaseOrder, error) {
	return f.receive(number, actor, role, note)
}

func storedPO(number string, status inventory.POStatus, lines ...inventory.POLine) store.StoredPO {
	return store.StoredPO{PurchaseOrder: inventory.PurchaseOrder{Number: number, SupplierID: "acme", Status: status, Created: claim.MustDate("2026-03-02"), Lines: lines}}
}

func TestInventoryOrdersPage(t *testing.T) {
	awaiting := storedPO("PO-A", inventory.POAwaitingApproval, inventory.POLine{SKU: "GLV-M", Quantity: 200, UnitCost: 8, Status: inventory.LineOpen})
	sent := storedPO("PO-S", inventory.POBackordered, inventory.POLine{SKU: "VAC-FLU", Quantity: 30, UnitCost: 20, Status: inventory.LineBackordered, Received: 10},
		inventory.POLine{SKU: "SUT-4", Quantity: 5, UnitCost: 3, Status: inventory.LineReceived, Received: 5})
	var approved map[inventory.SKU]float64
	var approver, rejectReason string
	var received inventory.ReceiptNote
	front := &inventoryFront{
		orders: func(st []inventory.POStatus) ([]store.StoredPO, error) {
			if len(st) == 1 && st[0] == inventory.POAwaitingApproval {
				return []store.StoredPO{awaiting}, nil
			}
			return []store.StoredPO{sent}, nil
		},
		approve: func(n, actor, role string, qty map[inventory.SKU]float64) (inventory.PurchaseOrder, error) {
			approved, approver = qty, actor+"/"+role
			return awaiting.PurchaseOrder, nil
		},
		reject: func(n, actor, role, reason string) (inventory.PurchaseOrder, error) {
			if reason == "" {
				return inventory.PurchaseOrder{}, fault.Errorf(fault.Invalid, "Say why purchase order %s is rejected.", n)
			}
			rejectReason = reason
			return awaiting.PurchaseOrder, nil
		},
		receive: func(n, actor, role string, note inventory.ReceiptNote) (inventory.PurchaseOrder, error) {
			received = note
			return sent.PurchaseOrder, nil
		},
	}
	h := newHarness(t, func(_ *harness, o *Options) { o.Bots = []Bot{Claims(nil), Eligibility(nil), Inventory(front)} })
	admin, biller, auditor := h.signIn(store.RoleAdmin), h.signIn(store.RoleBiller), h.signIn(store.RoleAuditor)

	page := admin.get("/inventory/orders")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, "Approve PO-A") || !strings.Contains(page.body, `name="qty_GLV-M"`) ||
		!strings.Contains(page.body, "VAC-FLU (backordered)") || strings.Contains(page.body, `value="SUT-4"`) {
		t.Fatalf("admin page: %d\n%s", page.StatusCode, page.body)
	}
	if p := biller.get("/inventory/orders"); strings.Contains(p.body, "Approve PO-A") || !strings.Contains(p.body, "/inventory/orders/PO-S/receive") {
		t.Errorf("biller sees approval forms or no receiving: %s", p.body)
	}
	if p := auditor.get("/inventory/orders"); p.StatusCode != http.StatusOK || strings.Contains(p.body, "/receive") {
		t.Errorf("auditor page: %d", p.StatusCode)
	}

	res := admin.postForm("/inventory/orders/PO-A/approve", url.Values{"qty_GLV-M": {"150"}})
	if res.StatusCode != http.StatusSeeOther || approved["GLV-M"] != 150 || approver != "admin/admin" {
		t.Errorf("approve: %d %v %s", res.StatusCode, approved, approver)
	}
	if res := admin.postForm("/inventory/orders/PO-A/approve", url.Values{"qty_GLV-M": {"lots"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(res.body, "must be a number") {
		t.Errorf("bad quantity: %d", res.StatusCode)
	}
	if res := admin.postForm("/inventory/orders/PO-A/reject", nil); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "Say why") {
		t.Errorf("reject without reason: %d", res.StatusCode)
	}
	if res := admin.postForm("/inventory/orders/PO-A/reject", url.Values{"reason": {"over budget"}}); res.StatusCode != http.StatusSeeOther || rejectReason != "over budget" {
		t.Errorf("reject: %d %q", res.StatusCode, rejectReason)
	}
	if res := biller.postForm("/inventory/orders/PO-A/approve", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("biller approves: %d", res.StatusCode)
	}
	// A purchaser approves and receives, and does nothing a biller may
	// not beyond that: no upload, no eligibility check.
	purchaser := h.signIn(store.RolePurchaser)
	if p := purchaser.get("/inventory/orders"); !strings.Contains(p.body, "Approve PO-A") || !strings.Contains(p.body, "/inventory/orders/PO-S/receive") ||
		strings.Contains(p.body, `href="/upload"`) {
		t.Errorf("purchaser page: %s", p.body)
	}
	if res := purchaser.postForm("/inventory/orders/PO-A/approve", url.Values{"qty_GLV-M": {"140"}}); res.StatusCode != http.StatusSeeOther ||
		approved["GLV-M"] != 140 || approver != "purchaser/purchaser" {
		t.Errorf("purchaser approves: %d %v %s", res.StatusCode, approved, approver)
	}
	if res := purchaser.get("/upload"); res.StatusCode != http.StatusForbidden {
		t.Errorf("purchaser uploads: %d", res.StatusCode)
	}
	if res := biller.postForm("/inventory/orders/PO-S/receive", url.Values{"sku": {"VAC-FLU"}, "quantity": {"0"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("receive 0: %d", res.StatusCode)
	}
	res = biller.postForm("/inventory/orders/PO-S/receive", url.Values{"sku": {"VAC-FLU"}, "quantity": {"12"}, "location": {"fridge"}})
	if res.StatusCode != http.StatusSeeOther || received.Location != "fridge" || received.Quantities["VAC-FLU"] != 12 {
		t.Errorf("receive: %d %+v", res.StatusCode, received)
	}
	if p := biller.get(res.Header.Get("Location")); !strings.Contains(p.body, "Delivery on purchase order PO-S recorded") {
		t.Errorf("flash: %s", p.body)
	}

	// The same through the JSON API, with API tokens.
	api, billerAPI := h.bearer(store.RoleAdmin), h.bearer(store.RoleBiller)
	list := api.get("/api/v1/inventory/orders?status=awaiting_approval")
	var got struct{ Orders []inventory.PurchaseOrder }
	if err := json.Unmarshal([]byte(list.body), &got); err != nil || list.StatusCode != http.StatusOK || len(got.Orders) != 1 || got.Orders[0].Number != "PO-A" {
		t.Fatalf("API list: %d %v %s", list.StatusCode, err, list.body)
	}
	if res := api.sendJSON("POST", "/api/v1/inventory/orders/PO-A/approve", map[string]any{"quantities": map[string]float64{"GLV-M": 90}}); res.StatusCode != http.StatusOK || approved["GLV-M"] != 90 {
		t.Errorf("API approve: %d %v", res.StatusCode, approved)
	}
	if res := api.sendJSON("POST", "/api/v1/inventory/orders/PO-A/approve", map[string]any{"qty": 1}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("API approve with an unknown field: %d", res.StatusCode)
	}
	if res := api.sendJSON("POST", "/api/v1/inventory/orders/PO-A/reject", map[string]any{}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("API reject without a reason: %d", res.StatusCode)
	}
	if res := billerAPI.sendJSON("POST", "/api/v1/inventory/orders/PO-A/approve", map[string]any{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("API approve as biller: %d", res.StatusCode)
	}
	res = billerAPI.sendJSON("POST", "/api/v1/inventory/orders/PO-S/receive", inventory.ReceiptNote{Location: "room-2", Quantities: map[inventory.SKU]float64{"VAC-FLU": 3}})
	if res.StatusCode != http.StatusOK || received.Location != "room-2" || received.Quantities["VAC-FLU"] != 3 {
		t.Errorf("API receive: %d %+v", res.StatusCode, received)
	}
}

func TestInventoryOrdersPageWithoutTheBot(t *testing.T) {
	h := newHarness(t)
	if p := h.signIn(store.RoleAdmin).get("/inventory/orders"); p.StatusCode != http.StatusOK || !strings.Contains(p.body, "inventory bot is not running") {
		t.Errorf("%d %s", p.StatusCode, p.body)
	}
}
