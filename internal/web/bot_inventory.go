package web

import (
	"context"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/inventory/review"
	"github.com/rcmbot/rcmbot/internal/store"
)

// InventoryBot is the front door of the inventory bot (package
// inventorybot). Errors follow ClaimsBot's conventions: fault errors are
// shown, others are logged.
type InventoryBot interface {
	// Orders lists purchase orders in the given statuses, newest first.
	Orders(ctx context.Context, page store.Page, statuses ...inventory.POStatus) ([]store.StoredPO, error)
	// Approve signs actor's approval (with quantities replacing lines'
	// first, when given) and sends it to the order's workflow.
	Approve(ctx context.Context, number, actor, role string, quantities map[inventory.SKU]float64) (inventory.PurchaseOrder, error)
	// Reject signs actor's rejection with a reason.
	Reject(ctx context.Context, number, actor, role, reason string) (inventory.PurchaseOrder, error)
	// Withdraw signs actor's withdrawal, with a reason, of an order the
	// supplier has not taken.
	Withdraw(ctx context.Context, number, actor, role, reason string) (inventory.PurchaseOrder, error)
	// Receive signs actor's record of a delivery.
	Receive(ctx context.Context, number, actor, role string, note inventory.ReceiptNote) (inventory.PurchaseOrder, error)
	// Items returns every item's stock against its policy, urgent first.
	Items(ctx context.Context) (review.Stock, error)
	// Item returns one item with its last days of usage; an unknown SKU
	// is fault.NotFound.
	Item(ctx context.Context, sku inventory.SKU, days int) (review.ItemDetail, error)
	// ExpiringLots lists the lots expiring within days, use-first.
	ExpiringLots(ctx context.Context, days int) (inventory.Expiring, error)
	// Report computes the inventory report of days from … to.
	Report(ctx context.Context, from, to claim.Date) (inventory.Report, error)
}

// inventoryWeb serves the inventory bot: the purchase-order approval
// queue and receiving, as pages and as the JSON API.
type inventoryWeb struct {
	*Server
	inventory InventoryBot
}

// Inventory is the inventory bot in the web app, over its front door.
func Inventory(front InventoryBot) Bot {
	return Bot{mount: func(s *Server, h handle) { (&inventoryWeb{Server: s, inventory: front}).routes(h) }}
}

// routes registers the inventory bot's pages. They show supplies, never
// patient data: no access-log action.
func (s *inventoryWeb) routes(h handle) {
	h("GET /inventory/orders", route{perm: permView}, s.ordersPage)
	h("POST /inventory/orders/{po}/approve", route{perm: permPurchase}, s.approveOrder)
	h("POST /inventory/orders/{po}/reject", route{perm: permPurchase}, s.rejectOrder)
	h("POST /inventory/orders/{po}/withdraw", route{perm: permPurchase}, s.withdrawOrder)
	h("POST /inventory/orders/{po}/receive", route{perm: permReceive}, s.receiveOrder)
	h("GET /inventory/items", route{perm: permView}, s.itemsPage)
	h("GET /inventory/items/{sku}", route{perm: permView}, s.itemPage)
	h("GET /inventory/lots", route{perm: permView}, s.lotsPage)
	h("GET /inventory/report", route{perm: permView}, s.reportPage)

	h("GET /api/v1/inventory/orders", route{perm: permView}, s.apiOrders)
	h("POST /api/v1/inventory/orders/{po}/approve", route{perm: permPurchase}, s.apiApprove)
	h("POST /api/v1/inventory/orders/{po}/reject", route{perm: permPurchase}, s.apiReject)
	h("POST /api/v1/inventory/orders/{po}/withdraw", route{perm: permPurchase}, s.apiWithdraw)
	h("POST /api/v1/inventory/orders/{po}/receive", route{perm: permReceive}, s.apiReceive)
	h("GET /api/v1/inventory/items", route{perm: permView}, s.apiItems)
	h("GET /api/v1/inventory/items/{sku}", route{perm: permView}, s.apiItem)
	h("GET /api/v1/inventory/lots", route{perm: permView}, s.apiLots)
	h("GET /api/v1/inventory/report", route{perm: permView}, s.apiReport)
	h("GET /api/v1/inventory/report.xlsx", route{perm: permView}, s.apiReportXLSX)
}
