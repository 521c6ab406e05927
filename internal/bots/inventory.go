package bots

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/inventory/invfile"
	"github.com/rcmbot/rcmbot/internal/inventorybot"
	"github.com/rcmbot/rcmbot/internal/supplier"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/internal/web"
	"github.com/rcmbot/rcmbot/workflows"
)

// InventoryNightly is the ID of the nightly inventory review's Schedule.
const InventoryNightly = "inventory-nightly"

// Inventory is the inventory bot: the nightly review that proposes
// purchase orders, and each order from approval to receipt.
var Inventory = Bot{
	Name:  workflows.InventoryBot,
	Queue: inventorybot.TaskQueue,
	Workflows: func(d Deps) []any {
		inv := &workflows.Inventory{Decisions: d.Decisions}
		return []any{inv.InventoryReview, inv.PurchaseOrder}
	},
	Activities: func(d Deps) []any { return []any{d.Inventory} },
	Schedules: func(cfg *config.Config) []temporalx.Schedule {
		return []temporalx.Schedule{{
			ID:        InventoryNightly,
			Bot:       workflows.InventoryBot,
			Note:      "Nightly inventory review: recompute policies, propose purchase orders, list expiring lots and stock-out risks",
			Cron:      cfg.InventoryCron,
			Workflow:  workflows.InventoryReviewWorkflow,
			Args:      []any{InventoryReviewInput(cfg)},
			TaskQueue: inventorybot.TaskQueue,
			Catchup:   6 * time.Hour,
			Timeout:   2 * time.Hour,
		}}
	},
	Web: func(e Env, c client.Client) (web.Bot, error) { return web.Inventory(InventoryService(e, c)), nil },
}

// InventoryReviewInput is the review's input from the settings: the
// practice's time zone, the approval limit, how long a supplier outage
// goes before purchasing is emailed and before staff are asked to call
// the supplier.
func InventoryReviewInput(cfg *config.Config) workflows.InventoryReviewInput {
	return workflows.InventoryReviewInput{TimeZone: cfg.TimeZone, Orders: workflows.PurchaseOrderSettings{
		ApprovalLimit: claim.Money(int64(cfg.POApprovalLimit) * 100), SupplierWait: cfg.SupplierWait, OutageMail: cfg.OutageMail, TimeZone: cfg.TimeZone}}
}

// InventoryService builds the inventory bot's front door for the web app
// and CLI; c may be nil for imports and lists.
func InventoryService(e Env, c client.Client) *inventorybot.Service {
	return &inventorybot.Service{DB: e.DB, Temporal: c, Decisions: e.Signer, Location: e.Config.Location(),
		Review: InventoryReviewInput(e.Config), Files: invfile.Options{Limits: e.IntakeOptions().Limits}}
}

// inventoryActivities are the inventory bot's activities: the store, the
// supplier's API and, when RCMBOT_PURCHASING_EMAIL names addresses, the
// mail server that follow-ups go out through.
func (e Env) inventoryActivities() (*activities.Inventory, error) {
	c := e.Config
	a := &activities.Inventory{DB: e.DB, Supplier: supplier.New(supplier.Options{URL: c.SupplierURL}), Log: e.Log,
		OrdersURL: strings.TrimSuffix(c.PublicURL, "/") + "/inventory/orders"}
	for _, addr := range strings.Split(c.PurchasingEmail, ",") {
		if addr = strings.TrimSpace(addr); addr != "" {
			a.FollowUpTo = append(a.FollowUpTo, addr)
		}
	}
	if len(a.FollowUpTo) > 0 {
		m, err := e.Mailer()
		if err != nil {
			return nil, fmt.Errorf("RCMBOT_PURCHASING_EMAIL is set: %w", err)
		}
		a.Mail = m
	}
	return a, nil
}
