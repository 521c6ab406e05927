package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/inventory/policy"
	"github.com/rcmbot/rcmbot/internal/inventory/review"
	"github.com/rcmbot/rcmbot/internal/mail"
	"github.com/rcmbot/rcmbot/internal/payer"
	"github.com/rcmbot/rcmbot/internal/store"
)

// Error types of the inventory activities (temporal.ApplicationError.Type).
const (
	// ErrSupplierBusy is a supplier that could not take the order now
	// (429, 5xx, a timeout, no connection). Retryable; NextRetryDelay
	// carries its Retry-After. Sending again is safe: the PO number is
	// the idempotency key.
	ErrSupplierBusy = "SupplierBusy"
	// ErrSupplierRefused is a supplier that refused the order for good
	// (4xx, an unreadable answer, no supplier URL). Not retried.
	ErrSupplierRefused = "SupplierRefused"
	// ErrPurchaseOrder is a purchase order the store refuses or has lost:
	// a defect, not retried.
	ErrPurchaseOrder = "PurchaseOrder"
)

// InventoryStore is what the inventory activities need of the database.
type InventoryStore interface {
	InventoryItems(ctx context.Context) ([]inventory.Item, error)
	Lots(ctx context.Context) ([]inventory.Lot, error)
	UsageBetween(ctx context.Context, first, last claim.Date) ([]inventory.Usage, error)
	OnOrder(ctx context.Context) (map[inventory.SKU]float64, error)
	PurchaseOrders(ctx context.Context, page store.Page, statuses ...inventory.POStatus) ([]store.StoredPO, error)
	ProposePurchaseOrder(ctx context.Context, po inventory.PurchaseOrder, workflowID string) (bool, error)
	PurchaseOrder(ctx context.Context, number string) (store.StoredPO, error)
	SavePurchaseOrder(ctx context.Context, po inventory.PurchaseOrder) error
	RecordReceipt(ctx context.Context, po inventory.PurchaseOrder, r store.Receipt) (bool, error)
	RecordDecision(ctx context.Context, sd store.SignedDecision) error
	SavePolicies(ctx context.Context, pols []review.Policy) error
}

// OrderPlacer places an order with a supplier; *supplier.Client is one.
// Its errors follow package payer: *payer.RetryableError and
// *payer.PermanentError.
type OrderPlacer interface {
	Place(ctx context.Context, o inventory.SupplierOrder) (inventory.SupplierAck, error)
}

// Inventory holds the inventory bot's activities.
type Inventory struct {
	DB       InventoryStore
	Supplier OrderPlacer
	// Mail sends delivery follow-ups and supplier-outage emails to
	// FollowUpTo (purchasing), with a link to OrdersURL (the web app's
	// purchase-order page); nil or no addresses: they are only logged and
	// kept on the workflow.
	Mail       Mailer
	FollowUpTo []string
	OrdersURL  string
	// Policy seeds and sizes the policy simulations; Workers is how many
	// goroutines compute policies (0: GOMAXPROCS).
	Policy  policy.Options
	Workers int
	Log     *slog.Logger
}

// PurchaseOrderWorkflowID is the ID of the PurchaseOrder workflow of an
// order: PO numbers name a supplier and a day, no person.
func PurchaseOrderWorkflowID(number string) string { return "inventory-po-" + number }

// InventoryReviewInput starts a review.
type InventoryReviewInput struct {
	AsOf claim.Date `json:"as_of"`
	// HistoryDays is how much usage history the forecasts use (default 730).
	HistoryDays int `json:"history_days"`
	// ExpiringDays is the use-first window (default 30).
	ExpiringDays int `json:"expiring_days"`
}

// InventoryReviewOutcome is what a review found, small enough for a workflow's
// history: counts, the orders drafted, the use-first lots and the items
// at risk (the per-item plans stay in the activity).
type InventoryReviewOutcome struct {
	AsOf       claim.Date      `json:"as_of"`
	Items      int             `json:"items"`
	ToOrder    int             `json:"to_order"` // items at or below their reorder point
	Orders     []string        `json:"orders"`   // PO numbers whose workflows to start: drafted now (new or already stored), or proposed earlier and never started
	New        int             `json:"new"`      // of them, stored by this review
	Expiring   []inventory.Lot `json:"expiring"`
	AtRisk     []review.Risk   `json:"at_risk"`
	NoSupplier []inventory.SKU `json:"no_supplier,omitempty"`
	Took       time.Duration   `json:"took"`
}

// ReviewInventory recomputes every item's forecast and policy from stored
// usage and stores them (what the items pages show), computes positions (lots on the shelf, open orders and orders
// awaiting approval from earlier days), drafts one purchase order per
// supplier and stores the new ones. A retry drafts the same PO numbers
// and stores nothing twice.
func (a *Inventory) ReviewInventory(ctx context.Context, in InventoryReviewInput) (InventoryReviewOutcome, error) {
	start := time.Now()
	if in.AsOf.IsZero() {
		return InventoryReviewOutcome{}, temporal.NewNonRetryableApplicationError("the review has no date", ErrPurchaseOrder, nil)
	}
	if in.HistoryDays <= 0 {
		in.HistoryDays = 730
	}
	items, err := a.DB.InventoryItems(ctx)
	if err != nil {
		return InventoryReviewOutcome{}, err
	}
	lots, err := a.DB.Lots(ctx)
	if err != nil {
		return InventoryReviewOutcome{}, err
	}
	first := in.AsOf.AddDays(-in.HistoryDays)
	usage, err := a.DB.UsageBetween(ctx, first, in.AsOf.AddDays(-1))
	if err != nil {
		return InventoryReviewOutcome{}, err
	}
	onOrder, err := a.DB.OnOrder(ctx)
	if err != nil {
		return InventoryReviewOutcome{}, err
	}
	pending, err := a.DB.PurchaseOrders(ctx, store.All, inventory.POProposed, inventory.POAwaitingApproval)
	if err != nil {
		return InventoryReviewOutcome{}, err
	}
	for _, po := range pending {
		if po.Created == in.AsOf {
			continue // this review's own drafts (a retry drafts them again, under the same numbers)
		}
		for _, l := range po.Lines {
			onOrder[l.SKU] += l.Outstanding()
		}
	}
	activity.RecordHeartbeat(ctx, "computing policies")
	res := review.Run(review.Input{AsOf: in.AsOf, Items: items, Lots: lots, OnOrder: onOrder, Usage: usage, HistoryStart: first,
		ExpiringDays: in.ExpiringDays, Policy: a.Policy, Workers: a.Workers, Now: time.Now().UTC()})
	pols := make([]review.Policy, len(res.Plans))
	for i, p := range res.Plans {
		pols[i] = p.Policy
	}
	if err := a.DB.SavePolicies(ctx, pols); err != nil {
		return InventoryReviewOutcome{}, err
	}
	out := InventoryReviewOutcome{AsOf: in.AsOf, Items: len(items), Orders: []string{}, Expiring: res.Expiring, AtRisk: res.AtRisk, NoSupplier: res.NoSupplier}
	for _, p := range res.Plans {
		if p.Order > 0 {
			out.ToOrder++
		}
	}
	for _, po := range res.Orders {
		created, err := a.DB.ProposePurchaseOrder(ctx, po, PurchaseOrderWorkflowID(po.Number))
		if err != nil {
			return out, err
		}
		if created {
			out.New++
		}
		out.Orders = append(out.Orders, po.Number)
	}
	// An order drafted on an earlier day and still proposed never got as
	// far as its workflow's first step (a review that failed after storing
	// it): its workflow is started now, or it would count as on order for
	// ever. Starting one that runs already is refused and ignored.
	for _, po := range pending {
		if po.Status == inventory.POProposed && po.Created != in.AsOf {
			out.Orders = append(out.Orders, po.Number)
		}
	}
	out.Took = time.Since(start)
	a.log().Info("inventory review", "as_of", in.AsOf.String(), "items", out.Items, "to_order", out.ToOrder,
		"orders", len(out.Orders), "new_orders", out.New, "expiring_lots", len(out.Expiring), "at_risk", len(out.AtRisk), "took", out.Took)
	return out, nil
}

func (a *Inventory) log() *slog.Logger {
	if a.Log == nil {
		return slog.Default()
	}
	return a.Log
}

// LoadPurchaseOrder returns a stored order.
func (a *Inventory) LoadPurchaseOrder(ctx context.Context, number string) (inventory.PurchaseOrder, error) {
	po, err := a.DB.PurchaseOrder(ctx, number)
	if errors.Is(err, store.ErrNotFound) {
		return inventory.PurchaseOrder{}, temporal.NewNonRetryableApplicationError("purchase order "+number+" is not stored", ErrPurchaseOrder, err)
	}
	return po.PurchaseOrder, err
}

// SavePurchaseOrder stores the workflow's state of an order.
func (a *Inventory) SavePurchaseOrder(ctx context.Context, po inventory.PurchaseOrder) error {
	err := a.DB.SavePurchaseOrder(ctx, po)
	if errors.Is(err, store.ErrNotFound) {
		return temporal.NewNonRetryableApplicationError("purchase order "+po.Number+" is not stored", ErrPurchaseOrder, err)
	}
	return err
}

// SupplierOutage is the heartbeat of SendPurchaseOrder while the
// supplier does not take an order: carried from one attempt to the next,
// it says since when the supplier has been failing and how often it was
// asked (the Temporal UI shows it on the pending activity).
type SupplierOutage struct {
	Since    time.Time `json:"since"`
	Attempts int       `json:"attempts"`
	Last     string    `json:"last"` // the last failure, without patient data
}

// SendPurchaseOrder places the order with the supplier under its PO
// number and returns the acknowledgment. Retried after a crash, a timeout
// or a lost answer, it sends the same number and gets the acknowledgment
// of the order already placed: the supplier orders once. While the
// supplier fails it heartbeats and logs the outage (since when, how many
// attempts).
func (a *Inventory) SendPurchaseOrder(ctx context.Context, o inventory.SupplierOrder) (inventory.SupplierAck, error) {
	ack, err := a.Supplier.Place(ctx, o)
	if err == nil {
		return ack, nil
	}
	if payer.IsPermanent(err) {
		a.log().Warn("supplier refused a purchase order", "po", o.Number, "error", err.Error())
		return ack, temporal.NewNonRetryableApplicationError(err.Error(), ErrSupplierRefused, err)
	}
	out := SupplierOutage{Since: time.Now().UTC()}
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &out)
	}
	out.Attempts++
	out.Last = err.Error()
	activity.RecordHeartbeat(ctx, out)
	a.log().Warn("supplier did not take a purchase order", "po", o.Number, "attempt", out.Attempts,
		"failing_since", out.Since.Format(time.RFC3339), "error", out.Last)
	if d, ok := payer.RetryAfter(err); ok {
		return ack, temporal.NewApplicationErrorWithOptions(err.Error(), ErrSupplierBusy, temporal.ApplicationErrorOptions{NextRetryDelay: d})
	}
	return ack, fmt.Errorf("send purchase order %s: %w", o.Number, err)
}

// PODecisionInput records a signed staff decision on an order.
type PODecisionInput struct {
	Number   string          `json:"number"`
	Decision decision.Signed `json:"decision"`
}

// RecordPODecision keeps a signed approval or receipt as evidence of who
// decided (store.RecordDecision; recording it again does nothing).
func (a *Inventory) RecordPODecision(ctx context.Context, in PODecisionInput) error {
	d, err := decision.Read(in.Decision, nil)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("the decision on "+in.Number+" cannot be read", ErrPurchaseOrder, err)
	}
	return a.DB.RecordDecision(ctx, store.SignedDecision{ID: store.DecisionID(d), Kind: d.Kind, Subject: d.Subject,
		Actor: d.Actor, Role: d.Role, SignedAt: d.At, Note: in.Decision.Note})
}

// FollowUpInput is one follow-up of a late or backordered delivery: the
// order as it stands and the follow-up's note.
type FollowUpInput struct {
	PO   inventory.PurchaseOrder `json:"po"`
	Note string                  `json:"note"`
}

// MailFollowUp emails a follow-up to purchasing (FollowUpTo) and reports
// whether it sent one: false when no mail is set up. A server that is
// down is retried (the activity's retry policy); a refused address is
// ErrMailRefused. The message names supplies only.
func (a *Inventory) MailFollowUp(ctx context.Context, in FollowUpInput) (bool, error) {
	subject, text := in.PO.FollowUpMessage(in.Note, a.OrdersURL)
	return a.mailPurchasing(ctx, subject, text, "the follow-up on "+in.PO.Number)
}

// SupplierOutageInput is an email to purchasing about an order the
// supplier has not taken since Since, Last its last failure; Taken: the
// supplier has now taken it.
type SupplierOutageInput struct {
	PO    inventory.PurchaseOrder `json:"po"`
	Since time.Time               `json:"since"`
	Last  string                  `json:"last,omitempty"`
	Taken bool                    `json:"taken,omitempty"`
}

// MailSupplierOutage emails purchasing (FollowUpTo) that the supplier has
// not taken an order (inventory.PurchaseOrder.OutageMessage), or, Taken,
// that it now has (TakenMessage), and reports whether it sent one: false
// when no mail is set up. Retries and refusals as MailFollowUp.
func (a *Inventory) MailSupplierOutage(ctx context.Context, in SupplierOutageInput) (bool, error) {
	subject, text := in.PO.OutageMessage(in.Since, in.Last, a.OrdersURL)
	if in.Taken {
		subject, text = in.PO.TakenMessage(in.Since, a.OrdersURL)
	}
	return a.mailPurchasing(ctx, subject, text, "the supplier outage email on "+in.PO.Number)
}

// mailPurchasing sends one email to purchasing (sendMail; what names it in
// a refusal) and reports whether it did: false when no mail is set up.
func (a *Inventory) mailPurchasing(ctx context.Context, subject, text, what string) (bool, error) {
	if a.Mail == nil || len(a.FollowUpTo) == 0 {
		return false, nil
	}
	if err := sendMail(ctx, a.Mail, mail.Message{To: a.FollowUpTo, Subject: subject, Text: text},
		"the mail server refused "+what+" for good: check RCMBOT_PURCHASING_EMAIL"); err != nil {
		return false, err
	}
	return true, nil
}

// POReceiveInput records a delivery: the order as it stands after it (the
// workflow applied the receipt), and where it went.
type POReceiveInput struct {
	PO       inventory.PurchaseOrder `json:"po"`
	Receipt  inventory.ReceiptNote   `json:"receipt"`
	Day      claim.Date              `json:"day"`
	Decision decision.Signed         `json:"decision"`
}

// ReceivePurchaseOrder records the signed receipt as evidence, puts the
// received quantities on the shelf as lots and stores the order, once per
// decision (its ID is the receipt's idempotency key).
func (a *Inventory) ReceivePurchaseOrder(ctx context.Context, in POReceiveInput) error {
	if err := a.RecordPODecision(ctx, PODecisionInput{Number: in.PO.Number, Decision: in.Decision}); err != nil {
		return err
	}
	d, err := decision.Read(in.Decision, nil)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("the receipt on "+in.PO.Number+" cannot be read", ErrPurchaseOrder, err)
	}
	_, err = a.DB.RecordReceipt(ctx, in.PO, store.Receipt{ID: store.DecisionID(d), Day: in.Day, Location: in.Receipt.Location,
		Lot: in.Receipt.Lot, Qty: in.Receipt.Quantities})
	if errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrNotFound) {
		return temporal.NewNonRetryableApplicationError("the receipt on "+in.PO.Number+" cannot be stored", ErrPurchaseOrder, err)
	}
	return err
}
