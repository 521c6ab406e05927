package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/inventory"
	"github.com/rcmbot/rcmbot/internal/temporalx"
)

// InventoryBot is the inventory bot's name: the RcmBot search attribute
// of its runs and the Bot of its Schedules.
const InventoryBot = "inventory"

// Workflow type names of the inventory bot.
const (
	InventoryReviewWorkflow = "InventoryReview"
	PurchaseOrderWorkflow   = "PurchaseOrder"
)

// Names of the PurchaseOrder workflow's handlers.
const (
	// UpdateApprovePO takes a PODecisionRequest (a signed
	// inventory.Approval) and returns the order as it stands after it.
	UpdateApprovePO = "approve"
	// UpdateReceivePO takes a PODecisionRequest (a signed
	// inventory.ReceiptNote) and returns the order after the receipt.
	UpdateReceivePO = "receive"
	// UpdateWithdrawPO takes a PODecisionRequest (a signed
	// inventory.Withdrawal) and returns the order, cancelled. An order
	// being sent is withdrawn once the send in flight has ended without
	// the supplier taking it.
	UpdateWithdrawPO = "withdraw"
	// QueryPurchaseOrder returns a PurchaseOrderState.
	QueryPurchaseOrder = "purchase-order"
)

// InventoryReviewInput starts a review (the nightly Schedule's
// argument). Zero values take the defaults.
type InventoryReviewInput struct {
	// AsOf is the day reviewed; zero means the run's start date in
	// TimeZone.
	AsOf     claim.Date `json:"as_of,omitempty"`
	TimeZone string     `json:"time_zone,omitempty"` // IANA name; "" = UTC
	// HistoryDays of usage feed the forecasts [730]; lots expiring within
	// ExpiringDays are listed [30].
	HistoryDays  int `json:"history_days,omitempty"`
	ExpiringDays int `json:"expiring_days,omitempty"`
	// Orders carries the PurchaseOrder settings to every order started.
	Orders PurchaseOrderSettings `json:"orders"`
}

// PurchaseOrderSettings are the limits and waits of PurchaseOrder runs.
type PurchaseOrderSettings struct {
	// ApprovalLimit: orders above it wait for approval [$1,000.00].
	ApprovalLimit claim.Money `json:"approval_limit,omitempty"`
	// ApprovalWait is how long an order waits for approval before it is
	// cancelled [14 days].
	ApprovalWait time.Duration `json:"approval_wait,omitempty"`
	// ReceiptGrace is how long after the expected delivery (and between
	// follow-ups) a missing delivery is followed up [2 days]; after
	// FollowUps follow-ups the order is closed with what is outstanding
	// written off, for the next review to re-order [3].
	ReceiptGrace time.Duration `json:"receipt_grace,omitempty"`
	FollowUps    int           `json:"follow_ups,omitempty"`
	// SupplierWait is how long the order is sent again, under its number,
	// while the supplier does not take it, before the note for staff says
	// to call the supplier [7 days]; the bot keeps sending after that.
	// SupplierBackoff caps the wait between two attempts [30 minutes].
	SupplierWait    time.Duration `json:"supplier_wait,omitempty"`
	SupplierBackoff time.Duration `json:"supplier_backoff,omitempty"`
	// OutageMail is how long the supplier may go without taking the order
	// before purchasing is emailed, once, with the order, the supplier,
	// since when and the last failure (at the earliest when the first
	// try, up to 15 minutes of sending, has failed); when the supplier
	// then takes it, purchasing gets one "taken" email [30 minutes].
	OutageMail time.Duration `json:"outage_mail,omitempty"`
	TimeZone   string        `json:"time_zone,omitempty"`
}

// Defaults of PurchaseOrderSettings.
const (
	DefaultApprovalLimit = claim.Money(1000_00)
	DefaultApprovalWait  = 14 * 24 * time.Hour
	DefaultReceiptGrace  = 2 * 24 * time.Hour
	DefaultFollowUps     = 3
	// DefaultSupplierWait and DefaultSupplierBackoff: see
	// PurchaseOrderSettings.
	DefaultSupplierWait    = 7 * 24 * time.Hour
	DefaultSupplierBackoff = 30 * time.Minute
	// DefaultOutageMail: see PurchaseOrderSettings.OutageMail.
	DefaultOutageMail = 30 * time.Minute
)

// supplierFirstTry is how long a send is retried before the order is
// marked awaiting the supplier: a blip does not reach staff.
const supplierFirstTry = 15 * time.Minute

// supplierOutage is the GetVersion change ID of sending until the
// supplier takes the order (awaiting_supplier, never failing the
// workflow on a supplier outage); before it, one send retried for 3
// days failed the workflow.
const supplierOutage = "supplier-outage"

// followUpMail is the GetVersion change ID of mailing each delivery
// follow-up to purchasing (MailFollowUp); before it follow-ups were only
// logged and kept in the state.
const followUpMail = "follow-up-mail"

// outageMail is the GetVersion change ID of emailing purchasing once when
// the supplier has not taken the order for OutageMail (a send until
// then, MailSupplierOutage), and once more when it takes it; before it
// the outage was only in the order's note.
const outageMail = "supplier-outage-mail"

func (s PurchaseOrderSettings) withDefaults() PurchaseOrderSettings {
	if s.ApprovalLimit <= 0 {
		s.ApprovalLimit = DefaultApprovalLimit
	}
	if s.ApprovalWait <= 0 {
		s.ApprovalWait = DefaultApprovalWait
	}
	if s.ReceiptGrace <= 0 {
		s.ReceiptGrace = DefaultReceiptGrace
	}
	if s.FollowUps <= 0 {
		s.FollowUps = DefaultFollowUps
	}
	if s.SupplierWait <= 0 {
		s.SupplierWait = DefaultSupplierWait
	}
	if s.SupplierBackoff <= 0 {
		s.SupplierBackoff = DefaultSupplierBackoff
	}
	if s.OutageMail <= 0 {
		s.OutageMail = DefaultOutageMail
	}
	return s
}

// InventoryReviewResult is what a review found and which orders it
// started.
type InventoryReviewResult struct {
	activities.InventoryReviewOutcome
	// Started lists the PurchaseOrder workflows started by this run (an
	// order whose workflow already runs, from an earlier review of the
	// same day, is not started again).
	Started []string `json:"started"`
}

// PurchaseOrderInput starts the workflow of one stored order.
type PurchaseOrderInput struct {
	Number   string                `json:"number"`
	Settings PurchaseOrderSettings `json:"settings"`
}

// PODecisionRequest is the argument of the approve, receive and withdraw
// Updates: a decision signed by the front door, subject the order's
// workflow ID, of kind inventory.DecisionApproval with an
// inventory.Approval, inventory.DecisionReceipt with an
// inventory.ReceiptNote, or inventory.DecisionWithdrawal with an
// inventory.Withdrawal.
type PODecisionRequest struct {
	Decision decision.Signed `json:"decision"`
}

// PurchaseOrderState is the query's answer and the workflow's result.
type PurchaseOrderState struct {
	PO           inventory.PurchaseOrder `json:"po"`
	Confirmation string                  `json:"confirmation,omitempty"` // the supplier's
	FollowUps    []string                `json:"follow_ups,omitempty"`
}

// Inventory holds the inventory bot's workflows and the public keys that
// open staff decisions (never from a workflow's input).
type Inventory struct {
	// Decisions opens approvals and receipts; nil refuses every one.
	Decisions *decision.Verifier
}

// InventoryReview is the nightly review: recompute forecasts and
// policies, compute positions, draft purchase orders per supplier, list
// use-first lots and stock-out risks (one activity, logic in
// internal/inventory/review), then start one PurchaseOrder workflow per
// order drafted.
func (inv *Inventory) InventoryReview(ctx workflow.Context, in InventoryReviewInput) (InventoryReviewResult, error) {
	var res InventoryReviewResult
	asOf := in.AsOf
	if asOf.IsZero() {
		var err error
		if asOf, err = dateIn(ctx, in.TimeZone, workflow.GetInfo(ctx).WorkflowStartTime); err != nil {
			return res, err
		}
	}
	_ = workflow.UpsertTypedSearchAttributes(ctx, temporalx.AttrBot.ValueSet(InventoryBot))
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Minute, HeartbeatTimeout: 5 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute, MaximumAttempts: 10,
			NonRetryableErrorTypes: []string{activities.ErrPurchaseOrder}},
		Summary: "review inventory",
	})
	var acts *activities.Inventory
	if err := workflow.ExecuteActivity(actx, acts.ReviewInventory, activities.InventoryReviewInput{AsOf: asOf, HistoryDays: in.HistoryDays,
		ExpiringDays: in.ExpiringDays}).Get(ctx, &res.InventoryReviewOutcome); err != nil {
		return res, err
	}
	res.Started = []string{}
	if in.Orders.TimeZone == "" {
		in.Orders.TimeZone = in.TimeZone
	}
	for _, n := range res.Orders {
		id := activities.PurchaseOrderWorkflowID(n)
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:            id,
			ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			StaticSummary:         "purchase order " + n,
		})
		err := workflow.ExecuteChildWorkflow(cctx, PurchaseOrderWorkflow, PurchaseOrderInput{Number: n, Settings: in.Orders}).
			GetChildWorkflowExecution().Get(ctx, nil)
		switch {
		case temporal.IsWorkflowExecutionAlreadyStartedError(err):
		case err != nil:
			return res, fmt.Errorf("start purchase order %s: %w", n, err)
		default:
			res.Started = append(res.Started, id)
		}
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Inventory review %s** — %d items, %d to order, %d purchase orders (%d started), %d lots to use first, %d at risk",
		asOf, res.Items, res.ToOrder, len(res.Orders), len(res.Started), len(res.Expiring), len(res.AtRisk)))
	return res, nil
}

// dateIn is t's date in the time zone tz.
func dateIn(ctx workflow.Context, tz string, t time.Time) (claim.Date, error) {
	var d claim.Date
	err := workflow.SideEffect(ctx, func(workflow.Context) any {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return claim.Date(0)
		}
		return claim.DateOf(t.In(loc))
	}).Get(&d)
	if err == nil && d.IsZero() {
		err = temporal.NewNonRetryableApplicationError(fmt.Sprintf("time zone %q is not an IANA name: fix RCMBOT_TIMEZONE", tz), ErrBadTimeZone, nil)
	}
	return d, err
}

// PurchaseOrder runs one order: approval when it exceeds the limit (the
// approve Update, signed: approve, edit quantities, reject with a
// reason; admins and purchasers) → sent to the supplier with the PO
// number as idempotency key (a crash between sending and the
// acknowledgment sends the same number again and the supplier orders
// once) → the acknowledgment (accepted, backordered, partial, refused) →
// receipts (the receive Update, signed) until everything arrived, with
// follow-ups (mailed to purchasing) when a delivery is late → closed.
// Until the supplier takes it, an admin or purchaser may withdraw the
// order with a reason (the withdraw Update, signed).
func (inv *Inventory) PurchaseOrder(ctx workflow.Context, in PurchaseOrderInput) (PurchaseOrderState, error) {
	w := &purchaseOrder{in: in, set: in.Settings.withDefaults(), decisionGate: decisionGate{decisions: inv.Decisions}}
	return w.run(ctx)
}

type purchaseOrder struct {
	in    PurchaseOrderInput
	set   PurchaseOrderSettings
	state PurchaseOrderState
	decisionGate
	busy     bool // a handler is running activities on the order
	receipts int  // receipts recorded: wakes the receipt wait
	acts     *activities.Inventory
	// stopSend cancels the sending while it runs (sendRunning); a
	// withdrawal sets withdrawing and waits for the sending to end.
	stopSend    workflow.CancelFunc
	sendRunning bool
	withdrawing bool
	// outageMailed is the outage email to purchasing (MailSupplierOutage
	// of outage; its result says whether one went out), nil until one is
	// sent: at most one per order.
	outageMailed workflow.Future
	outage       activities.SupplierOutageInput
}

func (w *purchaseOrder) run(ctx workflow.Context) (PurchaseOrderState, error) {
	if err := workflow.SetQueryHandler(ctx, QueryPurchaseOrder, func() (PurchaseOrderState, error) { return w.state, nil }); err != nil {
		return w.state, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateApprovePO, w.approve,
		workflow.UpdateHandlerOptions{Validator: w.validateApproval}); err != nil {
		return w.state, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateReceivePO, w.receive,
		workflow.UpdateHandlerOptions{Validator: w.validateReceipt}); err != nil {
		return w.state, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateWithdrawPO, w.withdraw,
		workflow.UpdateHandlerOptions{Validator: w.validateWithdrawal}); err != nil {
		return w.state, err
	}
	if err := workflow.ExecuteActivity(w.short(ctx, "load the order"), w.acts.LoadPurchaseOrder, w.in.Number).Get(ctx, &w.state.PO); err != nil {
		return w.state, err
	}
	po := &w.state.PO
	if po.Status == inventory.POProposed {
		if err := po.Submit(w.set.ApprovalLimit); err != nil {
			return w.state, err
		}
		if err := w.save(ctx); err != nil {
			return w.state, err
		}
	}
	if po.Status == inventory.POAwaitingApproval {
		decided, err := workflow.AwaitWithTimeout(ctx, w.set.ApprovalWait, func() bool { return po.Status != inventory.POAwaitingApproval && !w.busy })
		if err != nil {
			return w.state, err
		}
		if !decided {
			if err := po.Cancel(fmt.Sprintf("not approved within %s", w.set.ApprovalWait)); err != nil {
				return w.state, err
			}
			if err := w.save(ctx); err != nil {
				return w.state, err
			}
		}
	}
	if po.Status == inventory.POApproved {
		if err := w.send(ctx); err != nil {
			return w.state, err
		}
	}
	if err := w.awaitReceipts(ctx); err != nil {
		return w.state, err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return w.state, err
	}
	return w.state, nil
}

// send places the order and applies the acknowledgment. A supplier's
// permanent refusal cancels the order with the supplier's reason; while
// the supplier does not take it (down, busy, not answering), the order
// awaits the supplier with a note for staff and is sent again under its
// number until it is taken or staff withdraw it.
func (w *purchaseOrder) send(ctx workflow.Context) error {
	po := &w.state.PO
	var ack inventory.SupplierAck
	var err error
	sctx, stop := workflow.WithCancel(ctx)
	w.stopSend, w.sendRunning = stop, true
	if workflow.GetVersion(ctx, supplierOutage, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		err = workflow.ExecuteActivity(w.sending(sctx, 3*24*time.Hour, 10*time.Minute), w.acts.SendPurchaseOrder, po.ToSupplier()).Get(ctx, &ack)
	} else {
		err = w.sendUntilTaken(ctx, sctx, &ack)
	}
	stop()
	w.stopSend, w.sendRunning = nil, false
	if err != nil && w.withdrawing {
		return nil // the withdraw handler cancels the order
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.Type() == activities.ErrSupplierRefused {
		if cerr := po.Cancel("the supplier refused the order: " + app.Message()); cerr != nil {
			return cerr
		}
		return w.save(ctx)
	}
	if err != nil {
		return err
	}
	if err := po.MarkSent(); err != nil {
		return err
	}
	if err := po.Acknowledge(ack.Lines); err != nil {
		return err
	}
	w.state.Confirmation = ack.Confirmation
	if ack.LeadDays > 0 {
		today, err := dateIn(ctx, w.set.TimeZone, workflow.Now(ctx))
		if err != nil {
			return err
		}
		po.Expected = today.AddDays(ack.LeadDays)
	}
	if err := w.save(ctx); err != nil {
		return err
	}
	w.mailTaken(ctx)
	return nil
}

// sendUntilTaken sends the order until the supplier takes or refuses it:
// a first try of supplierFirstTry, then rounds of SupplierWait, attempts
// at most SupplierBackoff apart, the order awaiting the supplier with a
// note saying since when; from the second round the note asks staff to
// call the supplier. Once the supplier has not taken the order for
// OutageMail (a send until then when the first try was shorter),
// purchasing is emailed once, while the sending goes on (outageMailed;
// send mails again when the supplier takes it). Sending again is safe:
// the PO number is the supplier's idempotency key. It returns the
// refusal, a defect or the cancellation (of the workflow, or of sctx, the
// sends' context, by a withdrawal), never an outage.
func (w *purchaseOrder) sendUntilTaken(ctx, sctx workflow.Context, ack *inventory.SupplierAck) error {
	po := &w.state.PO
	since := workflow.Now(ctx)
	err := workflow.ExecuteActivity(w.sending(sctx, supplierFirstTry, w.set.SupplierBackoff), w.acts.SendPurchaseOrder, po.ToSupplier()).Get(ctx, ack)
	for round := 1; err != nil && !sendFinal(err); round++ {
		last := lastFailure(err)
		note := fmt.Sprintf("the supplier has not taken the order since %s (last: %s); it is sent again under the same number, at most %s apart, and stays on order",
			since.UTC().Format("2006-01-02 15:04 UTC"), last, minutes(w.set.SupplierBackoff))
		if round > 1 {
			note = fmt.Sprintf("the supplier has not taken the order for %s, since %s (last: %s): ask the supplier about %s; it is still sent again under the same number, at most %s apart",
				minutes(workflow.Now(ctx).Sub(since)), since.UTC().Format("2006-01-02 15:04 UTC"), last, po.Number, minutes(w.set.SupplierBackoff))
		}
		if aerr := po.AwaitSupplier(note); aerr != nil {
			return aerr
		}
		if serr := w.save(ctx); serr != nil {
			return serr
		}
		workflow.GetLogger(ctx).Warn("purchase order awaiting the supplier", "po", po.Number, "round", round, "since", since)
		wait := w.set.SupplierWait
		if w.outageMailed == nil && workflow.GetVersion(ctx, outageMail, workflow.DefaultVersion, 1) != workflow.DefaultVersion {
			// Sent until the outage has lasted OutageMail, then mailed
			// (while the sending goes on); the round keeps its length.
			if until := since.Add(w.set.OutageMail).Sub(workflow.Now(ctx)); until > 0 {
				err = workflow.ExecuteActivity(w.sending(sctx, until, w.set.SupplierBackoff), w.acts.SendPurchaseOrder, po.ToSupplier()).Get(ctx, ack)
				if err == nil || sendFinal(err) {
					return err
				}
				last, wait = lastFailure(err), max(wait-until, time.Minute)
			}
			w.outage = activities.SupplierOutageInput{PO: po.Clone(), Since: since, Last: last}
			w.outageMailed = workflow.ExecuteActivity(w.mailing(ctx, "mail the supplier outage to purchasing"), w.acts.MailSupplierOutage, w.outage)
		}
		err = workflow.ExecuteActivity(w.sending(sctx, wait, w.set.SupplierBackoff), w.acts.SendPurchaseOrder, po.ToSupplier()).Get(ctx, ack)
	}
	return err
}

// lastFailure is what a send's error says for staff: the supplier's
// failure, without Temporal's wrapping; for a send cut short by its
// deadline, the last failure it heartbeat (activities.SupplierOutage).
func lastFailure(err error) string {
	var tmo *temporal.TimeoutError
	var out activities.SupplierOutage
	if errors.As(err, &tmo) && tmo.HasLastHeartbeatDetails() && tmo.LastHeartbeatDetails(&out) == nil && out.Last != "" {
		return out.Last
	}
	if app := (*temporal.ApplicationError)(nil); errors.As(err, &app) {
		return app.Message()
	}
	return err.Error()
}

// mailTaken emails purchasing that the supplier took the order, when an
// outage email went out before it. Like mailFollowUp, a mail server that
// does not take it does not hold up the order.
func (w *purchaseOrder) mailTaken(ctx workflow.Context) {
	if w.outageMailed == nil {
		return
	}
	var sent bool
	if err := w.outageMailed.Get(ctx, &sent); err != nil || !sent {
		if err != nil {
			workflow.GetLogger(ctx).Warn("supplier outage not mailed", "po", w.state.PO.Number, "error", err)
		}
		return // no outage email reached purchasing: none says it is over
	}
	mctx := w.mailing(ctx, "mail purchasing that the supplier took the order")
	in := w.outage
	in.PO, in.Taken = w.state.PO.Clone(), true
	if err := workflow.ExecuteActivity(mctx, w.acts.MailSupplierOutage, in).Get(ctx, &sent); err != nil {
		workflow.GetLogger(ctx).Warn("purchase order taken, not mailed", "po", w.state.PO.Number, "error", err)
	}
}

// minutes writes a duration for staff to the minute: 11h43m, 30m.
func minutes(d time.Duration) string {
	return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
}

// sendFinal reports whether a send's error ends the sending: the
// supplier's refusal, a defect, or the workflow's cancellation. Anything
// else is the supplier not taking the order yet.
func sendFinal(err error) bool {
	var app *temporal.ApplicationError
	if errors.As(err, &app) && (app.Type() == activities.ErrSupplierRefused || app.Type() == activities.ErrPurchaseOrder) {
		return true
	}
	return temporal.IsCanceledError(err)
}

// sending is the send activity's options: retried for up to total,
// attempts at most backoff apart. ScheduleToClose bounds the attempts;
// MaximumAttempts is set above what fits in total (the 2 s doubling ramp
// plus one attempt per backoff), never the bound, so no default limit of
// attempts cuts the sending short. A cancelled send (a withdrawal) ends
// only when the attempt in flight has: it may still place the order.
func (w *purchaseOrder) sending(ctx workflow.Context, total, backoff time.Duration) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute, ScheduleToCloseTimeout: total, WaitForCancellation: true,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 2 * time.Second, BackoffCoefficient: 2, MaximumInterval: backoff,
			MaximumAttempts:        int32(min(total/max(backoff, time.Second), 1<<20)) + 32,
			NonRetryableErrorTypes: []string{activities.ErrSupplierRefused, activities.ErrPurchaseOrder}},
		Summary: "send to the supplier",
	})
}

// awaitReceipts waits for deliveries until everything arrived, following
// up when one is late, and closes the order.
func (w *purchaseOrder) awaitReceipts(ctx workflow.Context) error {
	po := &w.state.PO
	receiving := func() bool {
		switch po.Status {
		case inventory.POSent, inventory.POAcknowledged, inventory.POBackordered, inventory.POPartiallyReceived:
			return true
		}
		return false
	}
	if !receiving() && po.Status != inventory.POReceived {
		return nil // rejected or cancelled
	}
	due := workflow.Now(ctx).Add(w.set.ReceiptGrace)
	if !po.Expected.IsZero() {
		due = po.Expected.Time().Add(w.set.ReceiptGrace)
	}
	for receiving() {
		seen := w.receipts
		wait := max(due.Sub(workflow.Now(ctx)), time.Second)
		got, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return w.receipts != seen && !w.busy })
		if err != nil {
			return err
		}
		if got {
			continue
		}
		if len(w.state.FollowUps) >= w.set.FollowUps {
			po.Reason = fmt.Sprintf("closed after %d follow-ups; what was outstanding is left for the next review to re-order", len(w.state.FollowUps))
			break
		}
		note := po.FollowUp(len(w.state.FollowUps) + 1)
		w.state.FollowUps = append(w.state.FollowUps, note)
		workflow.GetLogger(ctx).Info("purchase order follow-up", "po", po.Number, "note", note)
		w.mailFollowUp(ctx, note)
		due = workflow.Now(ctx).Add(w.set.ReceiptGrace)
	}
	if err := po.Close(); err != nil {
		return err
	}
	return w.save(ctx)
}

// mailFollowUp emails a follow-up to purchasing (when the worker has mail
// set up). A mail server down for longer than the retries, or one that
// refuses the address, does not hold up the order: it is logged, and the
// follow-up stays in the state for the query.
func (w *purchaseOrder) mailFollowUp(ctx workflow.Context, note string) {
	if workflow.GetVersion(ctx, followUpMail, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	mctx := w.mailing(ctx, "mail the follow-up to purchasing")
	var sent bool
	if err := workflow.ExecuteActivity(mctx, w.acts.MailFollowUp, activities.FollowUpInput{PO: w.state.PO, Note: note}).Get(ctx, &sent); err != nil {
		workflow.GetLogger(ctx).Warn("purchase order follow-up not mailed", "po", w.state.PO.Number, "error", err)
	}
}

// validateApproval refuses, before anything reaches the history, an
// approval not signed by a front door for this order's workflow, from a
// role that may not approve, for an order not awaiting approval, or one
// that does not apply (an edit of a line the order lacks, a rejection
// without a reason).
func (w *purchaseOrder) validateApproval(ctx workflow.Context, req PODecisionRequest) error {
	var ap inventory.Approval
	d, err := w.open(ctx, req.Decision, inventory.DecisionApproval, &ap)
	if err != nil {
		return err
	}
	if !inventory.CanApprove(d.Role) {
		return fmt.Errorf("purchase order %s: only an admin or a purchaser may approve or reject orders", w.in.Number)
	}
	if w.busy {
		return fmt.Errorf("purchase order %s is being updated: try again", w.in.Number)
	}
	next := w.state.PO.Clone()
	return ap.Apply(&next)
}

// approve applies a validated approval: records the signed decision as
// evidence, stores the order and moves on.
func (w *purchaseOrder) approve(ctx workflow.Context, req PODecisionRequest) (inventory.PurchaseOrder, error) {
	var ap inventory.Approval
	d, err := w.read(ctx, req.Decision, &ap)
	if err != nil {
		return w.state.PO, err
	}
	next := w.state.PO.Clone()
	if err := ap.Apply(&next); err != nil {
		return w.state.PO, err
	}
	w.busy = true
	defer func() { w.busy = false }()
	if err := workflow.ExecuteActivity(w.short(ctx, "record the approval"), w.acts.RecordPODecision,
		activities.PODecisionInput{Number: next.Number, Decision: req.Decision}).Get(ctx, nil); err != nil {
		return w.state.PO, err
	}
	if err := workflow.ExecuteActivity(w.short(ctx, "store the order"), w.acts.SavePurchaseOrder, next).Get(ctx, nil); err != nil {
		return w.state.PO, err
	}
	workflow.GetLogger(ctx).Info("purchase order decided", "po", next.Number, "status", string(next.Status), "by", d.Actor)
	w.state.PO = next
	return next, nil
}

// validateReceipt refuses an unsigned or forged receipt and one the order
// cannot take (nothing expected, more than outstanding, no supply room).
func (w *purchaseOrder) validateReceipt(ctx workflow.Context, req PODecisionRequest) error {
	var note inventory.ReceiptNote
	if _, err := w.open(ctx, req.Decision, inventory.DecisionReceipt, &note); err != nil {
		return err
	}
	if w.busy {
		return fmt.Errorf("purchase order %s is being updated: try again", w.in.Number)
	}
	_, err := note.Check(&w.state.PO)
	return err
}

// receive records a validated receipt: lots on the shelf, the order's
// received quantities, the signed note as evidence, once.
func (w *purchaseOrder) receive(ctx workflow.Context, req PODecisionRequest) (inventory.PurchaseOrder, error) {
	var note inventory.ReceiptNote
	if _, err := w.read(ctx, req.Decision, &note); err != nil {
		return w.state.PO, err
	}
	next, err := note.Check(&w.state.PO)
	if err != nil {
		return w.state.PO, err
	}
	w.busy = true
	defer func() { w.busy = false }()
	day, err := dateIn(ctx, w.set.TimeZone, workflow.Now(ctx))
	if err != nil {
		return w.state.PO, err
	}
	if err := workflow.ExecuteActivity(w.short(ctx, "record the receipt"), w.acts.ReceivePurchaseOrder,
		activities.POReceiveInput{PO: next, Receipt: note, Day: day, Decision: req.Decision}).Get(ctx, nil); err != nil {
		return w.state.PO, err
	}
	w.state.PO = next
	w.receipts++
	return next, nil
}

// validateWithdrawal refuses a withdrawal not signed for this order,
// from a role that may not approve orders, without a reason, or of an
// order the supplier took (or that is finished).
func (w *purchaseOrder) validateWithdrawal(ctx workflow.Context, req PODecisionRequest) error {
	var wd inventory.Withdrawal
	d, err := w.open(ctx, req.Decision, inventory.DecisionWithdrawal, &wd)
	if err != nil {
		return err
	}
	if !inventory.CanApprove(d.Role) {
		return fmt.Errorf("purchase order %s: only an admin or a purchaser may withdraw orders", w.in.Number)
	}
	if w.busy || w.withdrawing {
		return fmt.Errorf("purchase order %s is being updated: try again", w.in.Number)
	}
	next := w.state.PO.Clone()
	return wd.Apply(&next)
}

// withdraw applies a validated withdrawal: it stops the sending, if any,
// and waits until the send in flight has ended; if the supplier took the
// order meanwhile, the withdrawal fails and the order stays on order.
// Otherwise the signed decision is recorded and the order stored
// cancelled with the reason.
func (w *purchaseOrder) withdraw(ctx workflow.Context, req PODecisionRequest) (inventory.PurchaseOrder, error) {
	var wd inventory.Withdrawal
	d, err := w.read(ctx, req.Decision, &wd)
	if err != nil {
		return w.state.PO, err
	}
	w.busy, w.withdrawing = true, true
	defer func() { w.busy, w.withdrawing = false, false }()
	if w.stopSend != nil {
		w.stopSend()
	}
	if err := workflow.Await(ctx, func() bool { return !w.sendRunning }); err != nil {
		return w.state.PO, err
	}
	next := w.state.PO.Clone()
	if err := wd.Apply(&next); err != nil {
		return w.state.PO, err // the supplier took it while the send was stopped
	}
	if err := workflow.ExecuteActivity(w.short(ctx, "record the withdrawal"), w.acts.RecordPODecision,
		activities.PODecisionInput{Number: next.Number, Decision: req.Decision}).Get(ctx, nil); err != nil {
		return w.state.PO, err
	}
	w.state.PO = next
	if err := w.save(ctx); err != nil {
		return w.state.PO, err
	}
	workflow.GetLogger(ctx).Info("purchase order withdrawn", "po", next.Number, "by", d.Actor)
	return next, nil
}

func (w *purchaseOrder) save(ctx workflow.Context) error {
	_ = workflow.UpsertTypedSearchAttributes(ctx, temporalx.AttrBot.ValueSet(InventoryBot),
		temporalx.AttrBatchID.ValueSet(w.in.Number), temporalx.AttrBatchStatus.ValueSet(string(w.state.PO.Status)))
	return workflow.ExecuteActivity(w.short(ctx, "store the order"), w.acts.SavePurchaseOrder, w.state.PO).Get(ctx, nil)
}

// mailing is the options of an email to purchasing: retried for 6 hours
// while the mail server is down, not when it refuses the address.
func (w *purchaseOrder) mailing(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute, ScheduleToCloseTimeout: 6 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 30 * time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Minute,
			NonRetryableErrorTypes: []string{activities.ErrMailRefused}},
		Summary: summary,
	})
}

func (w *purchaseOrder) short(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second, MaximumAttempts: 20,
			NonRetryableErrorTypes: []string{activities.ErrPurchaseOrder}},
		Summary: summary,
	})
}
