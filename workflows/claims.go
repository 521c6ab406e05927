package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/temporalx"
)

// ClaimsBot is the claims bot's name: the RcmBot search attribute of its
// runs and the Bot of its Schedules.
const ClaimsBot = "claims"

// Names of the ClaimsBatch workflow's handlers.
const (
	// UpdateReview takes a ReviewRequest and returns []batch.ReviewOutcome.
	UpdateReview = "review"
	// SignalCloseReview ends the review wait early: claims still unreviewed
	// stay unsubmitted and are reported, as at the deadline. It takes a
	// CloseReviewRequest: a decision signed by a front door (kind
	// batch.DecisionCloseReview); any other signal is ignored.
	SignalCloseReview = "close-review"
	// SignalProvidersChanged says providers were set up (the claims bot's
	// front door sends it to batches waiting for them): claims held for a
	// rendering provider without a name are re-scrubbed, and those that
	// pass need no review. It takes no argument; a batch not awaiting
	// review ignores it.
	SignalProvidersChanged = "providers-changed"
	// QueryProgress returns a batch.Progress (claims) or an
	// eligibility.SweepProgress (sweeps).
	QueryProgress = "progress"
)

// ClaimsBatchInput starts a batch. The uploaded file is already stored
// (claim check); the workflow carries only its batch ID.
type ClaimsBatchInput struct {
	BatchID string `json:"batch_id"`
	// ReviewReminder is how long flagged claims may wait before reviewers
	// are reminded; ReviewDeadline is when unreviewed claims are given up
	// on (they stay unsubmitted). Zero values take the defaults below.
	ReviewReminder time.Duration `json:"review_reminder"`
	ReviewDeadline time.Duration `json:"review_deadline"`
	// AckPollInterval is how often 277CA acknowledgements are fetched, and
	// AckWait how long the batch waits for them before completing with
	// claims still pending.
	AckPollInterval time.Duration `json:"ack_poll_interval"`
	AckWait         time.Duration `json:"ack_wait"`
	// AsOf is "today" in the practice's time zone when the batch was
	// uploaded: dates of service and filing limits are judged against it,
	// also when a correction is re-scrubbed days later. Zero means the
	// workflow's start date in UTC.
	AsOf claim.Date `json:"as_of"`
	// Links are echoed in the result and the progress query.
	Links batch.Links `json:"links"`
}

// Defaults for ClaimsBatchInput's durations.
const (
	DefaultReviewReminder  = 24 * time.Hour
	DefaultReviewDeadline  = 72 * time.Hour
	DefaultAckPollInterval = time.Minute
	DefaultAckWait         = 24 * time.Hour
)

// ClaimsBatchWorkflow is the ClaimsBatch workflow's type name, for
// starting it (the front door) and in histories.
const ClaimsBatchWorkflow = "ClaimsBatch"

// ReviewRequest is the review Update's argument: one reviewer's actions on
// one or more flagged claims, signed by the front door that authenticated
// the reviewer.
type ReviewRequest struct {
	// Decision is the signed decision: kind batch.DecisionReview, subject
	// the batch's workflow ID, payload a batch.Review. The workflow acts
	// on what is signed and records the signed actor as the reviewer.
	Decision decision.Signed `json:"decision,omitzero"`
	// Reviewer and Actions are the unsigned request of rcmbot before
	// decisions were signed. They appear only in histories recorded then,
	// which replay as they ran (see review); the validator refuses every
	// new Update that lacks a valid Decision, whatever these say.
	Reviewer string               `json:"reviewer,omitempty"`
	Actions  []batch.ReviewAction `json:"actions,omitempty"`
}

// CloseReviewRequest is the close-review signal's argument.
type CloseReviewRequest struct {
	Decision decision.Signed `json:"decision"`
}

// signedCloseReview is the GetVersion change ID of the signed close-review
// signal: runs started before it close on any signal.
const signedCloseReview = "signed-close-review"

// providerRescrub is the GetVersion change ID of the providers-changed
// signal: runs started before it do not listen for it.
const providerRescrub = "provider-rescrub"

// signedReviews is the GetVersion change ID of signed review decisions:
// version 1 acts on the signed decision; DefaultVersion is a review
// recorded before, replayed as it ran.
const signedReviews = "signed-review-decisions"

// Claims holds the claims bot's workflows and what they need that must
// never come from a workflow's input or an Update: the public keys that
// open staff decisions. Workers register its methods (internal/bots).
type Claims struct {
	// Decisions opens the review Update's signed decisions; nil refuses
	// every review (a worker without decision keys).
	Decisions *decision.Verifier
}

// ClaimsBatch is the claims bot: it parses an uploaded claims spreadsheet,
// scrubs every claim, waits for staff to review the flagged ones (the
// "review" Update, signed by a front door), submits clean and approved
// claims to the clearinghouse as 837P exactly once, and collects the 999
// and 277CA acknowledgements.
//
// Claims live in the store; the workflow holds only the batch ID, counts
// and the IDs of claims awaiting review.
func (c *Claims) ClaimsBatch(ctx workflow.Context, in ClaimsBatchInput) (batch.Progress, error) {
	w := &claimsBatch{in: withDefaults(in), pending: map[string]bool{}, decisions: c.Decisions}
	w.progress.BatchID, w.progress.Links = in.BatchID, in.Links
	return w.run(ctx)
}

type claimsBatch struct {
	in       ClaimsBatchInput
	progress batch.Progress
	pending  map[string]bool // flagged claim IDs not yet reviewed → whether on hold (has errors)
	closed   bool            // review closed early by a signal
	// providersChanged is set by the providers-changed signal and cleared
	// when the held claims are re-scrubbed.
	providersChanged bool
	acts             *activities.Claims
	decisions        *decision.Verifier
	seen             decision.Seen // nonces of the review decisions accepted
}

func withDefaults(in ClaimsBatchInput) ClaimsBatchInput {
	if in.ReviewReminder <= 0 {
		in.ReviewReminder = DefaultReviewReminder
	}
	if in.ReviewDeadline <= 0 {
		in.ReviewDeadline = DefaultReviewDeadline
	}
	if in.AckPollInterval <= 0 {
		in.AckPollInterval = DefaultAckPollInterval
	}
	if in.AckWait <= 0 {
		in.AckWait = DefaultAckWait
	}
	return in
}

func (w *claimsBatch) run(ctx workflow.Context) (batch.Progress, error) {
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (batch.Progress, error) {
		p := w.progress
		p.PendingReview = len(w.pending)
		return p, nil
	}); err != nil {
		return w.progress, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateReview, w.review,
		workflow.UpdateHandlerOptions{Validator: w.validateReview}); err != nil {
		return w.progress, err
	}
	if workflow.GetVersion(ctx, signedCloseReview, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		workflow.Go(ctx, func(ctx workflow.Context) {
			workflow.GetSignalChannel(ctx, SignalCloseReview).Receive(ctx, nil)
			w.closed = true
		})
	} else {
		workflow.Go(ctx, w.awaitCloseReview)
	}

	// Read and scrub the spreadsheet (a failed file ends the batch).
	w.setStatus(ctx, batch.Parsing)
	if err := workflow.ExecuteActivity(longActivity(ctx, "read and scrub every claim"), w.acts.ScrubBatch,
		activities.ScrubInput{BatchID: w.in.BatchID, AsOf: w.asOf(ctx)}).Get(ctx, &w.progress.Scrub); err != nil {
		return w.fail(ctx, err)
	}
	w.progress.Status = batch.Scrubbing // the activity recorded it in the store
	for _, f := range w.progress.Scrub.Flagged {
		w.pending[f.ID] = f.Hold
	}
	w.progress.Scrub.Flagged = nil // held in w.pending; keep history and results small
	w.upsertCounts(ctx)

	if len(w.pending) > 0 {
		if workflow.GetVersion(ctx, providerRescrub, workflow.DefaultVersion, 1) == 1 {
			workflow.Go(ctx, func(ctx workflow.Context) {
				ch := workflow.GetSignalChannel(ctx, SignalProvidersChanged)
				for {
					ch.Receive(ctx, nil)
					w.providersChanged = true
				}
			})
		}
		w.setStatus(ctx, batch.AwaitingReview)
		if err := w.awaitReview(ctx); err != nil {
			return w.fail(ctx, err)
		}
	}

	w.setStatus(ctx, batch.Submitting)
	if err := workflow.ExecuteActivity(longActivity(ctx, "build 837P and submit"), w.acts.SubmitBatch,
		activities.BatchRef{BatchID: w.in.BatchID}).Get(ctx, &w.progress.Submit); err != nil {
		return w.fail(ctx, err)
	}
	// Ledgered also counts claims sent by an attempt whose worker died
	// before reporting them (histories written before it existed have 0
	// there, and replay as they ran).
	if w.progress.Submit.Claims > 0 || w.progress.Submit.Ledgered > 0 {
		if err := w.collectAcks(ctx); err != nil {
			return w.fail(ctx, err)
		}
	}

	// Let a review Update that is still running finish before completing.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return w.progress, err
	}
	w.progress.Status = batch.Completed
	if err := workflow.ExecuteActivity(shortActivity(ctx, "record the batch result"), w.acts.FinishBatch,
		activities.FinishInput{BatchID: w.in.BatchID, Status: batch.Completed, Unreviewed: w.progress.Unreviewed}).Get(ctx, &w.progress.Outcome); err != nil {
		return w.progress, err
	}
	w.setStatus(ctx, batch.Completed)
	return w.progress, nil
}

func (w *claimsBatch) asOf(ctx workflow.Context) claim.Date {
	if w.in.AsOf.IsZero() {
		w.in.AsOf = claim.DateOf(workflow.Now(ctx).UTC())
	}
	return w.in.AsOf
}

// awaitCloseReview closes the review on the first close-review signal
// whose decision a front door signed for this workflow. Signals have no
// validator: the check runs once in a SideEffect, whose answer the history
// keeps, so a replay after the signing key was retired gives the same one.
// A refused signal is logged (no patient data) and changes nothing.
func (w *claimsBatch) awaitCloseReview(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, SignalCloseReview)
	wfID := workflow.GetInfo(ctx).WorkflowExecution.ID
	for !w.closed {
		var req CloseReviewRequest
		ch.Receive(ctx, &req)
		var refusal string
		if err := workflow.SideEffect(ctx, func(ctx workflow.Context) any {
			if w.decisions == nil {
				return "this worker holds no public keys for staff decisions"
			}
			d, err := w.decisions.Open(req.Decision, batch.DecisionCloseReview, wfID, workflow.Now(ctx), nil)
			if err == nil {
				err = w.seen.Check(d)
			}
			if err != nil {
				return err.Error()
			}
			return ""
		}).Get(&refusal); err != nil {
			refusal = err.Error()
		}
		if refusal != "" {
			workflow.GetLogger(ctx).Warn("close-review signal refused", "batch_id", w.in.BatchID, "reason", refusal)
			continue
		}
		if d, err := decision.Read(req.Decision, nil); err == nil {
			w.seen.Add(d, workflow.Now(ctx), w.maxDecisionAge())
		}
		w.closed = true
	}
}

// awaitReview waits until every flagged claim is reviewed, the review is
// closed, or the deadline passes; it reminds reviewers once on the way.
func (w *claimsBatch) awaitReview(ctx workflow.Context) error {
	start := workflow.Now(ctx)
	remindAt := start.Add(w.in.ReviewReminder)
	deadline := start.Add(w.in.ReviewDeadline)
	for {
		now := workflow.Now(ctx)
		wait := deadline.Sub(now)
		if !w.progress.Reminded && remindAt.Before(deadline) {
			wait = remindAt.Sub(now)
		}
		done, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return len(w.pending) == 0 || w.closed || w.providersChanged })
		if err != nil {
			return err
		}
		if w.providersChanged {
			if err := w.rescrubForProviders(ctx); err != nil {
				return err
			}
			continue
		}
		if done {
			break
		}
		if !w.progress.Reminded && !workflow.Now(ctx).Before(remindAt) {
			w.progress.Reminded = true
			if err := workflow.ExecuteActivity(shortActivity(ctx, "remind reviewers"), w.acts.RemindReviewers,
				activities.ReminderInput{BatchID: w.in.BatchID, Pending: len(w.pending), Waiting: workflow.Now(ctx).Sub(start)}).Get(ctx, nil); err != nil {
				return err
			}
			continue
		}
		if !workflow.Now(ctx).Before(deadline) {
			break
		}
	}
	// Whatever is left waits for no one: it stays unsubmitted and is reported.
	w.progress.Unreviewed = len(w.pending)
	return nil
}

// rescrubForProviders re-scrubs the claims held for rendering providers
// without a name (providers were set up) and updates the pending set as a
// review would.
func (w *claimsBatch) rescrubForProviders(ctx workflow.Context) error {
	w.providersChanged = false
	var res activities.RescrubResult
	if err := workflow.ExecuteActivity(longActivity(ctx, "re-scrub claims held for providers"), w.acts.RescrubForProviders,
		activities.BatchRef{BatchID: w.in.BatchID}).Get(ctx, &res); err != nil {
		return err
	}
	w.apply(res.Outcomes)
	w.progress.Scrub.ProvidersNeeded = res.ProvidersNeeded
	w.upsertCounts(ctx)
	return nil
}

// apply updates the pending set from review (or re-scrub) outcomes.
func (w *claimsBatch) apply(out []batch.ReviewOutcome) {
	for _, o := range out {
		switch {
		case o.Resolved:
			delete(w.pending, o.ClaimID)
		case o.Tier != "":
			w.pending[o.ClaimID] = o.Tier == scrub.TierHold
		}
	}
}

// validateReview refuses, before anything reaches the history, a request
// whose decision is not signed by an rcmbot front door for this batch's
// workflow (forged, altered, stale, replayed, or not signed at all), and
// malformed ones: unknown actions, overrides without a reason, claims not
// awaiting review.
func (w *claimsBatch) validateReview(ctx workflow.Context, req ReviewRequest) error {
	if w.decisions == nil {
		return errors.New("this worker holds no public keys for staff decisions (RCMBOT_DECISION_PUBLIC_KEYS): no review is accepted")
	}
	var rv batch.Review
	d, err := w.decisions.Open(req.Decision, batch.DecisionReview, workflow.GetInfo(ctx).WorkflowExecution.ID, workflow.Now(ctx), &rv)
	if err != nil {
		return err
	}
	if err := w.seen.Check(d); err != nil {
		return err
	}
	if len(rv.Actions) == 0 {
		return errors.New("no review actions given")
	}
	if w.progress.Status != batch.AwaitingReview {
		return fmt.Errorf("batch %s is %s, not awaiting review", w.in.BatchID, w.progress.Status)
	}
	seen := map[string]bool{}
	for i, a := range rv.Actions {
		if err := a.Validate(); err != nil {
			return fmt.Errorf("action %d (claim %s): %w", i+1, a.ClaimID, err)
		}
		hold, ok := w.pending[a.ClaimID]
		if !ok {
			return fmt.Errorf("action %d: claim %s is not awaiting review in batch %s", i+1, a.ClaimID, w.in.BatchID)
		}
		if hold && a.Action == batch.Approve {
			return fmt.Errorf("action %d: claim %s has errors that will get it denied: correct it, reject it, or override with a reason", i+1, a.ClaimID)
		}
		if seen[a.ClaimID] {
			return fmt.Errorf("action %d: claim %s appears twice", i+1, a.ClaimID)
		}
		seen[a.ClaimID] = true
	}
	return nil
}

// review applies a reviewer's actions through an activity (which records
// who did what, with the signed decision as evidence, and re-scrubs
// corrected claims) and updates the pending set. The validator has opened
// the decision; the handler reads it again (decision.Read) so that a
// replay does not depend on keys retired since.
func (w *claimsBatch) review(ctx workflow.Context, req ReviewRequest) ([]batch.ReviewOutcome, error) {
	in := activities.ReviewInput{BatchID: w.in.BatchID}
	if workflow.GetVersion(ctx, signedReviews, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		// A review accepted before decisions were signed: replayed as it ran.
		in.Reviewer, in.Actions = req.Reviewer, req.Actions
	} else {
		var rv batch.Review
		d, err := decision.Read(req.Decision, &rv)
		if err != nil {
			return nil, err
		}
		// Two copies of one decision validated in the same workflow task
		// both pass the validator; only the first is acted on.
		if err := w.seen.Check(d); err != nil {
			return nil, err
		}
		w.seen.Add(d, workflow.Now(ctx), w.maxDecisionAge())
		in.Reviewer, in.Role, in.Actions, in.Decision = d.Actor, d.Role, rv.Actions, req.Decision
	}
	var out []batch.ReviewOutcome
	err := workflow.ExecuteActivity(shortActivity(ctx, "apply review actions"), w.acts.ApplyReview, in).Get(ctx, &out)
	if err != nil {
		return nil, err
	}
	w.apply(out)
	w.upsertCounts(ctx)
	return out, nil
}

// maxDecisionAge is how long accepted nonces are kept: as long as the
// verifier accepts a decision (the default age on a replayer without one).
func (w *claimsBatch) maxDecisionAge() time.Duration {
	if w.decisions == nil {
		return decision.MaxAge
	}
	return w.decisions.MaxAge()
}

// collectAcks polls for 277CA acknowledgements until none is pending or
// AckWait has passed.
func (w *claimsBatch) collectAcks(ctx workflow.Context) error {
	deadline := workflow.Now(ctx).Add(w.in.AckWait)
	for {
		if err := workflow.ExecuteActivity(shortActivity(ctx, "collect acknowledgements"), w.acts.CollectAcknowledgements,
			activities.BatchRef{BatchID: w.in.BatchID}).Get(ctx, &w.progress.Acks); err != nil {
			return err
		}
		w.setDetails(ctx)
		if w.progress.Acks.Pending == 0 || !workflow.Now(ctx).Add(w.in.AckPollInterval).Before(deadline) {
			return nil
		}
		if err := workflow.Sleep(ctx, w.in.AckPollInterval); err != nil {
			return err
		}
	}
}

// fail records a failed batch. A failed file (or any activity that gave
// up) ends the batch as "failed" with the reason staff see; the workflow
// itself completes, since the failure is the batch's, not the bot's.
func (w *claimsBatch) fail(ctx workflow.Context, cause error) (batch.Progress, error) {
	w.progress.Status = batch.Failed
	w.progress.Reason = failureReason(cause)
	if err := workflow.ExecuteActivity(shortActivity(ctx, "record the failure"), w.acts.FinishBatch,
		activities.FinishInput{BatchID: w.in.BatchID, Status: batch.Failed, Reason: w.progress.Reason}).Get(ctx, &w.progress.Outcome); err != nil {
		return w.progress, err
	}
	w.setStatus(ctx, batch.Failed)
	return w.progress, nil
}

// failureReason extracts the reason an activity meant for staff: its
// error's details when it gave one (kept out of the worker's log lines,
// see activities.staffFailure), else its message.
func failureReason(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		var reason string
		if app.HasDetails() && app.Details(&reason) == nil && reason != "" {
			return reason
		}
		return app.Message()
	}
	return err.Error()
}

func (w *claimsBatch) setStatus(ctx workflow.Context, status batch.Status) {
	w.progress.Status = status
	// Search attributes are plaintext: status and counts only.
	_ = workflow.UpsertTypedSearchAttributes(ctx,
		temporalx.AttrBot.ValueSet(ClaimsBot),
		temporalx.AttrBatchID.ValueSet(w.in.BatchID),
		temporalx.AttrBatchStatus.ValueSet(string(status)))
	w.setDetails(ctx)
	if status == batch.Parsing || status.Finished() {
		return
	}
	_ = workflow.ExecuteActivity(shortActivity(ctx, "record status "+string(status)), w.acts.SetBatchStatus,
		activities.StatusInput{BatchID: w.in.BatchID, Status: status}).Get(ctx, nil)
}

func (w *claimsBatch) upsertCounts(ctx workflow.Context) {
	_ = workflow.UpsertTypedSearchAttributes(ctx,
		temporalx.AttrClaimCount.ValueSet(int64(w.progress.Scrub.Claims)),
		temporalx.AttrFlaggedCount.ValueSet(int64(len(w.pending))))
	w.setDetails(ctx)
}

// setDetails writes the markdown summary the Temporal UI shows on the
// run's page (encrypted like every payload).
func (w *claimsBatch) setDetails(ctx workflow.Context) {
	p := w.progress
	var b strings.Builder
	fmt.Fprintf(&b, "**Claims batch %s** — %s\n\n", w.in.BatchID, p.Status)
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| claims / lines | %d / %d |\n", p.Scrub.Claims, p.Scrub.Parse.Lines)
	fmt.Fprintf(&b, "| clean / flagged | %d / %d |\n", p.Scrub.Clean, p.Scrub.FlaggedCount)
	fmt.Fprintf(&b, "| awaiting review | %d |\n", len(w.pending))
	if p.Submit.Claims > 0 {
		fmt.Fprintf(&b, "| submitted claims / interchanges | %d / %d |\n", p.Submit.Claims, p.Submit.Interchanges)
		fmt.Fprintf(&b, "| accepted / rejected / pending (277CA) | %d / %d / %d |\n", p.Acks.Accepted, p.Acks.Rejected, p.Acks.Pending)
	}
	if p.Reason != "" {
		fmt.Fprintf(&b, "\n**Failed:** %s\n", p.Reason)
	}
	if p.Links.Web != "" {
		fmt.Fprintf(&b, "\n[Open the batch in rcmbot](%s)\n", p.Links.Web)
	}
	workflow.SetCurrentDetails(ctx, b.String())
}

// longActivity is for activities that work through a whole batch: they
// heartbeat progress and resume from the last heartbeat when retried.
func longActivity(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Hour,
		HeartbeatTimeout:    30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 10,
			NonRetryableErrorTypes: []string{activities.ErrFailedFile},
		},
		Summary: summary,
	})
}

func shortActivity(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second, MaximumAttempts: 20},
		Summary:             summary,
	})
}
