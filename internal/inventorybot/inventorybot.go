// Package inventorybot is the inventory bot's front door: the web app and
// the CLI import item masters, usage exports and cycle counts through it,
// start reviews, list purchase orders and send the signed approval and
// receipt decisions to the orders' PurchaseOrder workflows.
package inventorybot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/inventory/invfile"
	"github.com/rcmbot/rcmbot/internal/inventory/policy"
	"github.com/rcmbot/rcmbot/internal/opaqueid"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/workflows"
)

// TaskQueue is the inventory bot's task queue.
const TaskQueue = workflows.InventoryBot

// ReviewWorkflowID is the workflow ID of a review started by hand.
func ReviewWorkflowID(id string) string { return "inventory-review-" + id }

// Service is the inventory bot's front door.
type Service struct {
	DB       *store.DB
	Temporal client.Client // nil: imports and lists only
	// Decisions signs approvals and receipts; nil refuses them.
	Decisions *decision.Signer
	Location  *time.Location
	// Review is the input of reviews started by hand (the nightly
	// Schedule's too).
	Review workflows.InventoryReviewInput
	// Files bounds imported files.
	Files invfile.Options
	// Policy and Workers go to policy.ComputeAll when the items pages
	// compute each item's policy (the zero value: the review's defaults).
	Policy  policy.Options
	Workers int
}

// ImportResult says what an import stored and which rows it could not use
// (left out, each naming file, sheet, row and column).
type ImportResult struct {
	Stored   int `json:"stored"`   // items, day-item usage rows or count lines stored
	Repeated int `json:"repeated"` // count lines already applied by an earlier import of the same file
	// Unmet is, for a usage export, the demand its days and items had
	// that the lots on the shelf could not meet; StockOuts counts those
	// item-days.
	Unmet     float64            `json:"unmet,omitempty"`
	StockOuts int                `json:"stockouts,omitempty"`
	Errors    []invfile.RowError `json:"errors,omitempty"`
}

// fileFault turns a reader's failure into a staff error.
func fileFault(err error) error {
	var fe *invfile.FileError
	if errors.As(err, &fe) {
		return fault.Wrap(err, fault.Invalid, "%s", fe.Error())
	}
	return err
}

// ItemImport says how to read an item master.
type ItemImport struct {
	// Supplier is the supplier of items whose row names none.
	Supplier string
	// Location, when set, takes the file's on_hand column as a count of
	// that supply room on the day of the import.
	Location string
}

// ImportItems stores an item master (new items added, known ones
// replaced) and the suppliers it names that are not stored yet (with the
// first item's lead time; edit them later).
func (s *Service) ImportItems(ctx context.Context, r io.ReaderAt, size int64, name string, o ItemImport) (ImportResult, error) {
	items, err := invfile.ReadItems(r, size, name, s.Files)
	if err != nil {
		return ImportResult{}, fileFault(err)
	}
	out := ImportResult{Errors: items.Errors}
	known, err := s.DB.Suppliers(ctx)
	if err != nil {
		return out, err
	}
	have := map[string]bool{}
	for _, sup := range known {
		have[sup.ID] = true
	}
	list := make([]inventory.Item, 0, len(items.Items))
	var sups []inventory.Supplier
	var onHand []inventory.Lot
	for _, ir := range items.Items {
		if ir.Item.SupplierID == "" {
			ir.Item.SupplierID = o.Supplier
		}
		list = append(list, ir.Item)
		if o.Location != "" {
			onHand = append(onHand, inventory.Lot{SKU: ir.Item.SKU, Location: o.Location, Quantity: ir.OnHand})
		}
		if id := ir.Item.SupplierID; id != "" && !have[id] {
			have[id] = true
			sups = append(sups, inventory.Supplier{ID: id, Name: id, LeadTime: ir.Item.LeadTime})
		}
	}
	if err := s.DB.UpsertSuppliers(ctx, sups); err != nil {
		return out, err
	}
	if err := s.DB.UpsertItems(ctx, list); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			return out, fault.Wrap(err, fault.Invalid, "%s: %s", name, err.Error())
		}
		return out, err
	}
	out.Stored = len(list)
	if len(onHand) > 0 {
		ref, err := fileRef(r, size)
		if err != nil {
			return out, err
		}
		if _, err := s.DB.ApplyCount(ctx, ref, claim.DateOf(time.Now().In(s.location())), onHand); err != nil {
			return out, err
		}
	}
	return out, nil
}

// ImportUsage stores a usage export: each day and item once, the file's
// rows of it added up (a repeated or corrected export replaces the days
// it covers), issued from the lots first-expiring-first (store.RecordUsage);
// the result says how much demand the lots could not meet.
func (s *Service) ImportUsage(ctx context.Context, r io.ReaderAt, size int64, name string) (ImportResult, error) {
	var recs []inventory.Usage
	scan, err := invfile.ScanUsage(r, size, name, s.Files, func(_ int, u inventory.Usage) { recs = append(recs, u) })
	if err != nil {
		return ImportResult{}, fileFault(err)
	}
	out := ImportResult{Errors: scan.Errors}
	// One call: rows of one item and day add up even when far apart in
	// the file, and the import is all or nothing.
	if out.Stored, err = s.DB.RecordUsage(ctx, name, recs); err != nil || len(recs) == 0 {
		return out, err
	}
	in := map[inventory.Usage]bool{} // the file's days and items
	first, last := recs[0].Day, recs[0].Day
	for _, u := range recs {
		in[inventory.Usage{Day: u.Day, SKU: u.SKU}] = true
		first, last = min(first, u.Day), max(last, u.Day)
	}
	unmet, err := s.DB.UnmetBetween(ctx, first, last)
	if err != nil {
		return out, err
	}
	for _, u := range unmet {
		if u.Quantity > 0 && in[inventory.Usage{Day: u.Day, SKU: u.SKU}] {
			out.Unmet += u.Quantity
			out.StockOuts++
		}
	}
	return out, nil
}

// ImportCounts applies a cycle count sheet: each lot counted is set to
// what was found, on the count's day (today when the sheet has none). The
// same file imported again changes nothing.
func (s *Service) ImportCounts(ctx context.Context, r io.ReaderAt, size int64, name string) (ImportResult, error) {
	counts, err := invfile.ReadCounts(r, size, name, s.Files)
	if err != nil {
		return ImportResult{}, fileFault(err)
	}
	out := ImportResult{Errors: counts.Errors}
	ref, err := fileRef(r, size)
	if err != nil {
		return out, err
	}
	today := claim.DateOf(time.Now().In(s.location()))
	byDay := map[claim.Date][]inventory.Lot{}
	var days []claim.Date
	for _, c := range counts.Counts {
		d := c.Day
		if d.IsZero() {
			d = today
		}
		if _, ok := byDay[d]; !ok {
			days = append(days, d)
		}
		byDay[d] = append(byDay[d], inventory.Lot{SKU: c.SKU, Location: c.Location, Number: c.Lot, Quantity: c.Counted, Expires: c.Expires})
	}
	for _, d := range days {
		res, err := s.DB.ApplyCount(ctx, ref+"-"+d.Compact(), d, byDay[d])
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
			return out, fault.Wrap(err, fault.Invalid, "%s: %s (import the item master first)", name, err.Error())
		}
		if err != nil {
			return out, err
		}
		out.Stored += res.Lines
		out.Repeated += res.Repeated
	}
	return out, nil
}

// fileRef names a file by its content, so importing it again is
// recognised whatever it is called.
func fileRef(r io.ReaderAt, size int64) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, size)); err != nil {
		return "", err
	}
	return "count-" + hex.EncodeToString(h.Sum(nil))[:16], nil
}

func (s *Service) location() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

func (s *Service) temporal() (client.Client, error) {
	if s.Temporal == nil {
		return nil, fault.Errorf(fault.Unavailable, "The inventory bot is not running here (no Temporal connection).")
	}
	return s.Temporal, nil
}

// StartReview starts an inventory review now and returns its workflow ID.
func (s *Service) StartReview(ctx context.Context) (string, error) {
	c, err := s.temporal()
	if err != nil {
		return "", err
	}
	id := ReviewWorkflowID(opaqueid.New("rv-"))
	in := s.Review
	if in.TimeZone == "" {
		in.TimeZone = s.location().String()
	}
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: TaskQueue, StaticSummary: "inventory review"},
		workflows.InventoryReviewWorkflow, in); err != nil {
		return "", fmt.Errorf("start inventory review: %w", err)
	}
	return id, nil
}

// Orders lists purchase orders in the statuses given (all when none),
// newest first.
func (s *Service) Orders(ctx context.Context, page store.Page, statuses ...inventory.POStatus) ([]store.StoredPO, error) {
	return s.DB.PurchaseOrders(ctx, page, statuses...)
}

// Order returns one order; an unknown number is fault.NotFound.
func (s *Service) Order(ctx context.Context, number string) (store.StoredPO, error) {
	po, err := s.DB.PurchaseOrder(ctx, number)
	if errors.Is(err, store.ErrNotFound) {
		return po, fault.Wrap(err, fault.NotFound, "There is no purchase order %s.", number)
	}
	return po, err
}

// Approve signs actor's approval of an order (quantities, when given,
// replace the lines' before approving) and sends it to the order's
// workflow.
func (s *Service) Approve(ctx context.Context, number, actor, role string, quantities map[inventory.SKU]float64) (inventory.PurchaseOrder, error) {
	return s.decide(ctx, number, workflows.UpdateApprovePO, inventory.DecisionApproval, actor, role,
		inventory.Approval{Action: inventory.ActionApprove, Quantities: quantities})
}

// Reject signs actor's rejection of an order with a reason.
func (s *Service) Reject(ctx context.Context, number, actor, role, reason string) (inventory.PurchaseOrder, error) {
	if reason == "" {
		return inventory.PurchaseOrder{}, fault.Errorf(fault.Invalid, "Say why purchase order %s is rejected.", number)
	}
	return s.decide(ctx, number, workflows.UpdateApprovePO, inventory.DecisionApproval, actor, role,
		inventory.Approval{Action: inventory.ActionReject, Reason: reason})
}

// Withdraw signs actor's withdrawal of an order the supplier has not
// taken (awaiting approval, or awaiting the supplier: the reason should
// say the supplier confirmed it was not placed), with a reason.
func (s *Service) Withdraw(ctx context.Context, number, actor, role, reason string) (inventory.PurchaseOrder, error) {
	if reason == "" {
		return inventory.PurchaseOrder{}, fault.Errorf(fault.Invalid, "Say why purchase order %s is withdrawn.", number)
	}
	return s.decide(ctx, number, workflows.UpdateWithdrawPO, inventory.DecisionWithdrawal, actor, role, inventory.Withdrawal{Reason: reason})
}

// Receive signs actor's record of a delivery against an order.
func (s *Service) Receive(ctx context.Context, number, actor, role string, note inventory.ReceiptNote) (inventory.PurchaseOrder, error) {
	return s.decide(ctx, number, workflows.UpdateReceivePO, inventory.DecisionReceipt, actor, role, note)
}

// decide signs a decision for an order's workflow and sends it as the
// Update name, turning refusals into staff errors.
func (s *Service) decide(ctx context.Context, number, update string, kind decision.Kind, actor, role string, payload any) (inventory.PurchaseOrder, error) {
	var po inventory.PurchaseOrder
	c, err := s.temporal()
	if err != nil {
		return po, err
	}
	if s.Decisions == nil {
		return po, fault.Errorf(fault.Unavailable, "Decisions cannot be sent: this rcmbot has no key to sign them with (RCMBOT_DECISION_KEY). Tell your rcmbot administrator.")
	}
	if _, err := s.Order(ctx, number); err != nil {
		return po, err
	}
	wfID := activities.PurchaseOrderWorkflowID(number)
	signed, err := s.Decisions.Sign(kind, wfID, actor, role, payload)
	if err != nil {
		return po, fmt.Errorf("sign decision on %s: %w", number, err)
	}
	err = temporalx.UpdateDecision(ctx, c, wfID, update, workflows.PODecisionRequest{Decision: signed}, &po,
		fmt.Sprintf("purchase order %s is no longer open", number))
	return po, err
}
