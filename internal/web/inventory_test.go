package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/inventory/review"
	"github.com/rcmbot/rcmbot/internal/store"
)

// inventoryFront is a function-field InventoryBot: each test says what
// the front door answers and sees what it was asked.
type inventoryFront struct {
	orders   func(statuses []inventory.POStatus) ([]store.StoredPO, error)
	approve  func(number, actor, role string, qty map[inventory.SKU]float64) (inventory.PurchaseOrder, error)
	reject   func(number, actor, role, reason string) (inventory.PurchaseOrder, error)
	withdraw func(number, actor, role, reason string) (inventory.PurchaseOrder, error)
	receive  func(number, actor, role string, note inventory.ReceiptNote) (inventory.PurchaseOrder, error)
	items    func() (review.Stock, error)
	item     func(sku inventory.SKU, days int) (review.ItemDetail, error)
	lots     func(days int) (inventory.Expiring, error)
	report   func(from, to claim.Date) (inventory.Report, error)
}

func (f *inventoryFront) Report(_ context.Context, from, to claim.Date) (inventory.Report, error) {
	return f.report(from, to)
}

func (f *inventoryFront) ExpiringLots(_ context.Context, days int) (inventory.Expiring, error) {
	return f.lots(days)
}

func (f *inventoryFront) Items(context.Context) (review.Stock, error) { return f.items() }

func (f *inventoryFront) Item(_ context.Context, sku inventory.SKU, days int) (review.ItemDetail, error) {
	return f.item(sku, days)
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

func (f *inventoryFront) Withdraw(_ context.Context, number, actor, role, reason string) (inventory.PurchaseOrder, error) {
	return f.withdraw(number, actor, role, reason)
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
	waiting := storedPO("PO-W", inventory.POAwaitingSupplier, inventory.POLine{SKU: "SYR-3ML", Quantity: 40, UnitCost: 1, Status: inventory.LineOpen})
	waiting.Reason = "the supplier has not taken it since 2026-03-02 (HTTP 503); sending again"
	var approved map[inventory.SKU]float64
	var approver, rejectReason, withdrawn string
	var received inventory.ReceiptNote
	front := &inventoryFront{
		orders: func(st []inventory.POStatus) ([]store.StoredPO, error) {
			if len(st) == 1 && st[0] == inventory.POAwaitingApproval {
				return []store.StoredPO{awaiting}, nil
			}
			if slices.Contains(st, inventory.POAwaitingSupplier) {
				return []store.StoredPO{waiting, sent}, nil
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
		withdraw: func(n, actor, role, reason string) (inventory.PurchaseOrder, error) {
			if reason == "" {
				return inventory.PurchaseOrder{}, fault.Errorf(fault.Invalid, "Say why purchase order %s is withdrawn.", n)
			}
			withdrawn = n + ": " + reason + " by " + actor
			return waiting.PurchaseOrder, nil
		},
	}
	h := newHarness(t, func(_ *harness, o *Options) {
		o.Bots = []Bot{Claims(nil), Eligibility(nil), Inventory(front), Scheduling(nil)}
	})
	admin, biller, auditor := h.signIn(store.RoleAdmin), h.signIn(store.RoleBiller), h.signIn(store.RoleAuditor)

	page := admin.get("/inventory/orders")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, "Approve PO-A") || !strings.Contains(page.body, `name="qty_GLV-M"`) ||
		!strings.Contains(page.body, "VAC-FLU (backordered)") || strings.Contains(page.body, `value="SUT-4"`) {
		t.Fatalf("admin page: %d\n%s", page.StatusCode, page.body)
	}
	if !strings.Contains(page.body, "sending again") || strings.Contains(page.body, "/inventory/orders/PO-W/receive") {
		t.Errorf("an order waiting for its supplier is not listed with its note, or offers receiving:\n%s", page.body)
	}
	if !strings.Contains(page.body, `action="/inventory/orders/PO-W/withdraw"`) || strings.Contains(page.body, `action="/inventory/orders/PO-S/withdraw"`) {
		t.Errorf("the order waiting for its supplier has no withdraw form, or a sent one has:\n%s", page.body)
	}
	if p := biller.get("/inventory/orders"); strings.Contains(p.body, "Approve PO-A") || strings.Contains(p.body, "/withdraw") || !strings.Contains(p.body, "/inventory/orders/PO-S/receive") {
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
	if res := admin.postForm("/inventory/orders/PO-W/withdraw", nil); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "Say why") {
		t.Errorf("withdraw without reason: %d", res.StatusCode)
	}
	res = admin.postForm("/inventory/orders/PO-W/withdraw", url.Values{"reason": {"supplier says it never arrived"}})
	if res.StatusCode != http.StatusSeeOther || withdrawn != "PO-W: supplier says it never arrived by admin" {
		t.Errorf("withdraw: %d %q", res.StatusCode, withdrawn)
	}
	if p := admin.get(res.Header.Get("Location")); !strings.Contains(p.body, "Purchase order PO-W withdrawn") {
		t.Errorf("flash: %s", p.body)
	}
	if res := biller.postForm("/inventory/orders/PO-W/withdraw", url.Values{"reason": {"x"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("biller withdraws: %d", res.StatusCode)
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
	if res := api.sendJSON("POST", "/api/v1/inventory/orders/PO-W/withdraw", map[string]any{"reason": "by API"}); res.StatusCode != http.StatusOK || withdrawn != "PO-W: by API by admin" {
		t.Errorf("API withdraw: %d %q", res.StatusCode, withdrawn)
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
	admin := h.signIn(store.RoleAdmin)
	for _, path := range []string{"/inventory/orders", "/inventory/items", "/inventory/lots", "/inventory/report"} {
		if p := admin.get(path); p.StatusCode != http.StatusOK || !strings.Contains(p.body, "inventory bot is not running") {
			t.Errorf("%s: %d %s", path, p.StatusCode, p.body)
		}
	}
	api := h.bearer(store.RoleAdmin)
	for _, path := range []string{"/inventory/items/GLV-M", "/api/v1/inventory/items", "/api/v1/inventory/items/GLV-M", "/api/v1/inventory/lots", "/api/v1/inventory/report"} {
		if p := api.get(path); p.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%s: %d", path, p.StatusCode)
		}
	}
}

func TestInventoryItemsPages(t *testing.T) {
	asOf := claim.MustDate("2026-03-02")
	reviewedAt := time.Date(2026, 3, 2, 6, 30, 0, 0, time.UTC)
	glv := review.ItemStock{Item: inventory.Item{SKU: "GLV-M", Description: "Gloves M", UnitCost: 0.085}, Status: review.StatusBelowReorderPoint, TargetFillRate: 0.95,
		ItemPlan: review.ItemPlan{Policy: review.Policy{SKU: "GLV-M", DailyMean: 12.5, ReorderPoint: 60, OrderUpTo: 400, SafetyStock: 22.5, ExpectedFill: 0.961,
			Reviewed: asOf, ComputedAt: reviewedAt, Source: review.PolicyFromReview}, Position: inventory.Position{OnHand: 40, OnOrder: 10}, StockoutRisk: 0.02}}
	vac := review.ItemStock{Item: inventory.Item{SKU: "VAC-FLU", Description: "Flu vaccine"}, Status: review.StatusAtRisk,
		ItemPlan: review.ItemPlan{Policy: review.Policy{SKU: "VAC-FLU", DailyMean: 2, ReorderPoint: 10, OrderUpTo: 30, Reviewed: asOf,
			ComputedAt: reviewedAt.Add(9 * time.Hour), Source: review.PolicyComputedNow}, StockoutRisk: 0.4}}
	var asked int
	front := &inventoryFront{
		items: func() (review.Stock, error) {
			return review.Stock{AsOf: asOf, Items: []review.ItemStock{vac, glv}, Reviewed: reviewedAt, ComputedNow: 1}, nil
		},
		item: func(sku inventory.SKU, days int) (review.ItemDetail, error) {
			asked = days
			if sku != "GLV-M" {
				return review.ItemDetail{}, fault.Errorf(fault.NotFound, "There is no item %s.", sku)
			}
			use := make([]float64, days)
			use[days-1] = 17
			return review.ItemDetail{ItemStock: glv, Usage: inventory.Series{Start: asOf.AddDays(-days), Qty: use},
				Lots: []inventory.Lot{{SKU: "GLV-M", Location: "main", Number: "L7", Quantity: 40, Expires: asOf.AddDays(9)}}}, nil
		},
	}
	h := newHarness(t, func(_ *harness, o *Options) {
		o.Bots = []Bot{Claims(nil), Eligibility(nil), Inventory(front), Scheduling(nil)}
	})
	auditor := h.signIn(store.RoleAuditor)
	p := auditor.get("/inventory/items")
	if p.StatusCode != http.StatusOK || !strings.Contains(p.body, `href="/inventory/items/GLV-M"`) || !strings.Contains(p.body, "below reorder point") ||
		!strings.Contains(p.body, `<span class="badge err">at risk</span>`) || strings.Index(p.body, "VAC-FLU") > strings.Index(p.body, "GLV-M") {
		t.Fatalf("items page: %d\n%s", p.StatusCode, p.body)
	}
	// When the stored policies were computed; the item without one marked.
	if !strings.Contains(p.body, "as the last inventory review computed them") || !strings.Contains(p.body, "1 item added or changed in the item master since has a policy computed now") ||
		strings.Count(p.body, `<span class="badge warn">computed now</span>`) != 1 || !strings.Contains(p.body, "Mar 2, 2026") {
		t.Errorf("items page does not say when the policies were computed:\n%s", p.body)
	}
	p = auditor.get("/inventory/items/GLV-M?days=30")
	if p.StatusCode != http.StatusOK || asked != 30 || !strings.Contains(p.body, "<svg") || !strings.Contains(p.body, "forecast 12.5") ||
		!strings.Contains(p.body, "reorder point 60") || !strings.Contains(p.body, "order up to 400") || !strings.Contains(p.body, "used, Mar 1: 17.0") ||
		!strings.Contains(p.body, "L7") || !strings.Contains(p.body, "2026-03-11") || !strings.Contains(p.body, "safety stock 22.5") ||
		!strings.Contains(p.body, "expected 96.1%") || !strings.Contains(p.body, "by the inventory review of 2026-03-02") {
		t.Fatalf("item page: %d\n%s", p.StatusCode, p.body)
	}
	if auditor.get("/inventory/items/GLV-M?days=7"); asked != 90 {
		t.Errorf("days out of range asked %d", asked)
	}
	if p := auditor.get("/inventory/items/NOPE"); p.StatusCode != http.StatusNotFound || !strings.Contains(p.body, "There is no item NOPE") {
		t.Errorf("unknown item: %d", p.StatusCode)
	}

	api := h.bearer(store.RoleAuditor)
	res := api.get("/api/v1/inventory/items")
	var list struct {
		AsOf  string `json:"as_of"`
		Items []struct {
			Item         struct{ SKU string }
			Status       string
			ReorderPoint float64   `json:"reorder_point"`
			Source       string    `json:"policy_source"`
			ComputedAt   time.Time `json:"computed_at"`
			Position     struct {
				OnHand float64 `json:"on_hand"`
			}
		}
	}
	if err := json.Unmarshal([]byte(res.body), &list); err != nil || res.StatusCode != http.StatusOK || list.AsOf != "2026-03-02" || len(list.Items) != 2 ||
		list.Items[1].Item.SKU != "GLV-M" || list.Items[1].Status != "below_reorder_point" || list.Items[1].ReorderPoint != 60 || list.Items[1].Position.OnHand != 40 ||
		list.Items[1].Source != "review" || !list.Items[1].ComputedAt.Equal(reviewedAt) || list.Items[0].Source != "computed_now" {
		t.Fatalf("API items: %d %v %s", res.StatusCode, err, res.body)
	}
	res = api.get("/api/v1/inventory/items/GLV-M?days=180")
	var det struct {
		Usage struct{ Qty []float64 }
		Lots  []inventory.Lot
	}
	if err := json.Unmarshal([]byte(res.body), &det); err != nil || res.StatusCode != http.StatusOK || len(det.Usage.Qty) != 180 || len(det.Lots) != 1 {
		t.Fatalf("API item: %d %v %s", res.StatusCode, err, res.body)
	}
	if res := api.get("/api/v1/inventory/items/NOPE"); res.StatusCode != http.StatusNotFound {
		t.Errorf("API unknown item: %d", res.StatusCode)
	}
}

func TestInventoryLotsPage(t *testing.T) {
	asOf := claim.MustDate("2026-03-02")
	var asked []int
	front := &inventoryFront{lots: func(days int) (inventory.Expiring, error) {
		asked = append(asked, days)
		if days > inventory.MaxExpiringDays {
			return inventory.Expiring{}, fault.Errorf(fault.Invalid, "The window must be from 1 to 365 days (it was %d).", days)
		}
		return inventory.Expiring{AsOf: asOf, Days: days, Lots: []inventory.ExpiringLot{
			{Lot: inventory.Lot{SKU: "VAC-FLU", Location: "fridge", Number: "OLD", Quantity: 4, Expires: asOf}, Description: "Flu vaccine", DaysLeft: 0, Value: 77},
			{Lot: inventory.Lot{SKU: "GLV-M", Location: "main", Number: "L1", Quantity: 100, Expires: asOf.AddDays(10)}, Description: "Gloves M", DaysLeft: 10, Value: 8.5},
		}}, nil
	}}
	h := newHarness(t, func(_ *harness, o *Options) {
		o.Bots = []Bot{Claims(nil), Eligibility(nil), Inventory(front), Scheduling(nil)}
	})
	biller := h.signIn(store.RoleBiller)
	p := biller.get("/inventory/lots")
	if p.StatusCode != http.StatusOK || len(asked) != 1 || asked[0] != 30 || !strings.Contains(p.body, "expired: discard") ||
		!strings.Contains(p.body, "2 lots worth $85.50 expire by 2026-04-01") || strings.Index(p.body, "VAC-FLU") > strings.Index(p.body, "GLV-M") {
		t.Fatalf("lots page: %d %v\n%s", p.StatusCode, asked, p.body)
	}
	if p := biller.get("/inventory/lots?days=7"); p.StatusCode != http.StatusOK || asked[1] != 7 || !strings.Contains(p.body, "within 7 days") {
		t.Errorf("7 days: %d %v", p.StatusCode, asked)
	}
	if p := biller.get("/inventory/lots?days=soon"); p.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(p.body, "whole number") || len(asked) != 2 {
		t.Errorf("bad days: %d", p.StatusCode)
	}
	api := h.bearer(store.RoleReviewer)
	res := api.get("/api/v1/inventory/lots?days=14")
	var got struct {
		Days int
		Lots []struct {
			SKU      string
			DaysLeft int `json:"days_left"`
		}
	}
	if err := json.Unmarshal([]byte(res.body), &got); err != nil || res.StatusCode != http.StatusOK || got.Days != 14 || len(got.Lots) != 2 || got.Lots[0].SKU != "VAC-FLU" {
		t.Fatalf("API lots: %d %v %s", res.StatusCode, err, res.body)
	}
	if res := api.get("/api/v1/inventory/lots?days=900"); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("API 900 days: %d", res.StatusCode)
	}
}

func TestInventoryReportPage(t *testing.T) {
	var asked [][2]claim.Date
	front := &inventoryFront{report: func(from, to claim.Date) (inventory.Report, error) {
		asked = append(asked, [2]claim.Date{from, to})
		fig := inventory.ReportFigures{Used: 32, Lost: 4, Demand: 36, FillRate: 32.0 / 36, StockoutDays: 1, UsageValue: 64, StockValue: 70,
			AvgStockValue: 75.5, Waste: 5, WasteValue: 50, Turns: 34.35}
		return inventory.Report{From: from, To: to, Days: to.DaysSince(from) + 1, Total: fig,
			Items: []inventory.ItemReport{{SKU: "GLV-M", Description: "Gloves M", ReportFigures: fig}},
			Weeks: []inventory.WeekReport{{Start: from, End: from.AddDays(6), ReportFigures: fig}, {Start: from.AddDays(7), End: to}}}, nil
	}}
	h := newHarness(t, func(_ *harness, o *Options) {
		o.Bots = []Bot{Claims(nil), Eligibility(nil), Inventory(front), Scheduling(nil)}
	})
	reviewer := h.signIn(store.RoleReviewer)
	p := reviewer.get("/inventory/report?weeks=4")
	if p.StatusCode != http.StatusOK || len(asked) != 1 {
		t.Fatalf("report page: %d\n%s", p.StatusCode, p.body)
	}
	from, to := asked[0][0], asked[0][1]
	if to != claim.DateOf(h.clock.now().In(h.cfg.Location())) || from.Time().Weekday() != time.Monday || to.DaysSince(from)/7 != 3 {
		t.Errorf("4 weeks asked as %s … %s", from, to)
	}
	for _, want := range []string{"88.9%", "$70.00", "$50.00", "34.4", `id="chart-fill"`, `id="chart-value"`, `id="chart-waste"`, `id="chart-stockouts"`, `id="chart-turns"`,
		`href="/inventory/items/GLV-M"`, "fill rate, " + from.Time().Format("Jan 2") + ": 89%"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("report page lacks %q", want)
		}
	}
	// The second week had no demand: no fill-rate bar, a dash.
	if strings.Count(p.body, "fill rate, ") != 1 {
		t.Errorf("fill-rate bars: %d", strings.Count(p.body, "fill rate, "))
	}
	res := h.bearer(store.RoleAuditor).get("/api/v1/inventory/report?weeks=12")
	var got struct {
		From, To string
		Total    struct {
			FillRate   float64 `json:"fill_rate"`
			WasteValue float64 `json:"waste_value"`
		}
		Weeks []struct{ Start string }
	}
	if err := json.Unmarshal([]byte(res.body), &got); err != nil || res.StatusCode != http.StatusOK || got.Total.WasteValue != 50 || len(got.Weeks) != 2 ||
		asked[1][1].DaysSince(asked[1][0])/7 != 11 {
		t.Fatalf("API report: %d %v %s", res.StatusCode, err, res.body)
	}

	// The same as a workbook, linked from the page with its period.
	if !strings.Contains(p.body, `href="/api/v1/inventory/report.xlsx?weeks=4"`) {
		t.Error("no export link on the page")
	}
	x := reviewer.get("/api/v1/inventory/report.xlsx?weeks=4")
	if x.StatusCode != http.StatusOK || !strings.Contains(x.Header.Get("Content-Disposition"), "rcmbot-inventory-report-"+from.String()+"-to-"+to.String()+".xlsx") {
		t.Fatalf("workbook: %d %v", x.StatusCode, x.Header)
	}
	f, err := excelize.OpenReader(strings.NewReader(x.body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cell := func(sheet, ref string) string {
		v, err := f.GetCellValue(sheet, ref)
		if err != nil {
			t.Error(err)
		}
		return v
	}
	// Summary: the period, then totals under their headings; the fill
	// rate is a percentage and the dollars dollars.
	if cell("Summary", "B1") != from.String() || cell("Summary", "C1") != to.String() || cell("Summary", "D3") != "Fill rate" ||
		cell("Summary", "D4") != "88.9%" || cell("Summary", "J4") != "$50.00" || cell("Summary", "K4") != "34.35" {
		t.Errorf("Summary: %q %q %q %q %q", cell("Summary", "B1"), cell("Summary", "D3"), cell("Summary", "D4"), cell("Summary", "J4"), cell("Summary", "K4"))
	}
	items, _ := f.GetRows("By item")
	if len(items) != 2 || items[1][0] != "GLV-M" || items[1][1] != "Gloves M" || items[1][2] != "32" || items[1][5] != "88.9%" {
		t.Errorf("By item: %v", items)
	}
	weeks, _ := f.GetRows("By week")
	if len(weeks) != 3 || weeks[1][0] != from.String() || weeks[2][2] != "0" {
		t.Errorf("By week: %v", weeks)
	}
}
