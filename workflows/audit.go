package workflows

import (
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/temporalx"
)

// AuditBot is the access-monitoring bot's name: its task queue, the
// RcmBot search attribute of its runs and the Bot of its Schedules.
const AuditBot = "audit"

// Workflow type names of the access-monitoring bot.
const (
	AccessScanWorkflow   = "AccessScan"
	AccessWatchWorkflow  = "AccessWatch"
	AccessCaseWorkflow   = "AccessCase"
	AccessVerifyWorkflow = "AccessVerify"
)

// Names of the AccessCase workflow's handlers.
const (
	// UpdateDecideCase takes a CaseDecisionRequest (a signed
	// audit.CaseNote) and returns the audit.CaseOutcome.
	UpdateDecideCase = "decide"
	// QueryAccessCase returns an AccessCaseState.
	QueryAccessCase = "access-case"
)

// AccessCaseWorkflowID is the workflow ID of an alert's case (alert IDs
// are opaque).
func AccessCaseWorkflowID(alertID string) string { return "audit-case-" + alertID }

// AccessWatchWorkflowID is the one watch's workflow ID.
const AccessWatchWorkflowID = "audit-watch"

// CaseSettings are the waits and thresholds of AccessCase runs.
type CaseSettings struct {
	// NotifyScore: alerts scoring at least this are emailed at once [80].
	NotifyScore int `json:"notify_score,omitempty"`
	// Reminder is how long a case waits for a decision before the
	// privacy officers are reminded, and again after as long [72h].
	Reminder time.Duration `json:"reminder,omitempty"`
}

// Defaults of CaseSettings.
const (
	DefaultNotifyScore  = 80
	DefaultCaseReminder = 72 * time.Hour
)

func (s CaseSettings) withDefaults() CaseSettings {
	if s.NotifyScore <= 0 {
		s.NotifyScore = DefaultNotifyScore
	}
	if s.Reminder <= 0 {
		s.Reminder = DefaultCaseReminder
	}
	return s
}

// AccessScanInput starts a scan (the nightly Schedule's argument, or an
// import's).
type AccessScanInput struct {
	Scan  activities.AccessScanInput `json:"scan"`
	Cases CaseSettings               `json:"cases"`
}

// AccessScanResult is a scan's outcome and the cases it started.
type AccessScanResult struct {
	activities.AccessScanOutput
	Started []string `json:"started"`
	// Watching is true when the scan started the watch (it was not running).
	Watching bool `json:"watching"`
}

// AccessWatchInput carries the watch's cursor across continue-as-new.
type AccessWatchInput struct {
	Cursor activities.AccessWatchInput `json:"cursor"`
	Cases  CaseSettings                `json:"cases"`
	// Every is how often it looks [30 s: an event waits at most that
	// long for a look, so its alert comes within 60 s]; Looks how many
	// looks one run makes before it continues as new [720].
	Every time.Duration `json:"every,omitempty"`
	Looks int           `json:"looks,omitempty"`
}

// Defaults of AccessWatchInput.
const (
	DefaultWatchEvery = 30 * time.Second
	DefaultWatchLooks = 720
)

// AccessCaseInput starts an alert's case.
type AccessCaseInput struct {
	AlertID  string       `json:"alert_id"`
	Settings CaseSettings `json:"settings"`
}

// CaseDecisionRequest is the argument of the decide Update: a decision
// signed by the front door, subject the case's workflow ID, of kind
// audit.DecisionCase with an audit.CaseNote.
type CaseDecisionRequest struct {
	Decision decision.Signed `json:"decision"`
}

// AccessCaseState is the query's answer and the workflow's result.
type AccessCaseState struct {
	Alert     activities.AlertCase `json:"alert"`
	Notified  bool                 `json:"notified"`
	Reminders int                  `json:"reminders"`
	// Decisions are the outcomes of the decisions so far, in order.
	Decisions []audit.CaseOutcome `json:"decisions"`
}

// AccessVerifyResult is the daily verification's outcome.
type AccessVerifyResult struct {
	activities.VerifyLogOutput
	Started string `json:"started,omitempty"`
}

// Audit holds the access-monitoring bot's workflows and the public keys
// that open the privacy officer's decisions.
type Audit struct {
	// Decisions opens case decisions; nil refuses every one.
	Decisions *decision.Verifier
}

func auditActivity(ctx workflow.Context, summary string, timeout time.Duration) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: timeout, HeartbeatTimeout: min(timeout, 5*time.Minute),
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 10,
			NonRetryableErrorTypes: []string{activities.ErrAlertCase, activities.ErrNoAuditKey}},
		Summary: summary,
	})
}

// startCases starts an AccessCase per alert (one per alert ever: a case
// already started is left alone) and returns the workflow IDs started.
func startCases(ctx workflow.Context, ids []string, set CaseSettings) ([]string, error) {
	started := []string{}
	for _, id := range ids {
		wfID := AccessCaseWorkflowID(id)
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:            wfID,
			ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			StaticSummary:         "access alert " + id,
		})
		err := workflow.ExecuteChildWorkflow(cctx, AccessCaseWorkflow, AccessCaseInput{AlertID: id, Settings: set}).
			GetChildWorkflowExecution().Get(ctx, nil)
		switch {
		case temporal.IsWorkflowExecutionAlreadyStartedError(err):
		case err != nil:
			return started, fmt.Errorf("start the case of alert %s: %w", id, err)
		default:
			started = append(started, wfID)
		}
	}
	return started, nil
}

// AccessScan scans the imported access logs and rcmbot's own data (one
// activity, logic in internal/audit), then starts a case per new alert.
func (au *Audit) AccessScan(ctx workflow.Context, in AccessScanInput) (AccessScanResult, error) {
	var res AccessScanResult
	_ = workflow.UpsertTypedSearchAttributes(ctx, temporalx.AttrBot.ValueSet(AuditBot))
	var acts *activities.Audit
	if err := workflow.ExecuteActivity(auditActivity(ctx, "scan access logs", 2*time.Hour), acts.ScanAccess, in.Scan).Get(ctx, &res.AccessScanOutput); err != nil {
		return res, err
	}
	var err error
	if res.Started, err = startCases(ctx, res.NeedCase, in.Cases); err != nil {
		return res, err
	}
	if res.Watching, err = keepWatching(ctx, AccessWatchInput{Cursor: res.Watch, Cases: in.Cases}); err != nil {
		return res, err
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Access scan** — %d accesses, %.1f%% explained, %d alerts (%d new), %d cases started",
		res.Events, 100*res.ExplainedFraction, res.Alerts, res.Created, len(res.Started)))
	return res, nil
}

// keepWatching starts the watch unless it runs (it runs until
// cancelled, continuing as new): each scan makes sure of it. It reports
// whether this call started it.
func keepWatching(ctx workflow.Context, in AccessWatchInput) (bool, error) {
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            AccessWatchWorkflowID,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		StaticSummary:         "access watch",
	})
	err := workflow.ExecuteChildWorkflow(cctx, AccessWatchWorkflow, in).GetChildWorkflowExecution().Get(ctx, nil)
	switch {
	case temporal.IsWorkflowExecutionAlreadyStartedError(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("start the access watch: %w", err)
	}
	return true, nil
}

// AccessWatch looks at rcmbot's own new accesses and sign-ins every
// minute and starts a case per new alert; after Looks looks (or when
// Temporal suggests it) it continues as new with its cursor.
func (au *Audit) AccessWatch(ctx workflow.Context, in AccessWatchInput) error {
	_ = workflow.UpsertTypedSearchAttributes(ctx, temporalx.AttrBot.ValueSet(AuditBot))
	every, looks := in.Every, in.Looks
	if every <= 0 {
		every = DefaultWatchEvery
	}
	if looks <= 0 {
		looks = DefaultWatchLooks
	}
	var acts *activities.Audit
	cursor := in.Cursor
	actx := auditActivity(ctx, "look for new accesses and sign-ins", 5*time.Minute)
	for range looks {
		var out activities.AccessWatchOutput
		if err := workflow.ExecuteActivity(actx, acts.WatchAccess, cursor).Get(ctx, &out); err != nil {
			return err
		}
		cursor = activities.AccessWatchInput{AccessAfter: out.AccessAfter, SignInAfter: out.SignInAfter}
		if _, err := startCases(ctx, out.NeedCase, in.Cases); err != nil {
			return err
		}
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Access watch** — read up to access %d and sign-in %d", cursor.AccessAfter, cursor.SignInAfter))
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			break
		}
		if err := workflow.Sleep(ctx, every); err != nil {
			return err
		}
	}
	next := in
	next.Cursor = cursor
	return workflow.NewContinueAsNewError(ctx, AccessWatchWorkflow, next)
}

// AccessCase runs one alert's case: an email at once for a high score,
// then waits for the privacy officer's signed disposition (the decide
// Update), reminding them each time it waits Reminder; escalate leaves
// the case escalated and waiting for the closing disposition.
func (au *Audit) AccessCase(ctx workflow.Context, in AccessCaseInput) (AccessCaseState, error) {
	w := &accessCase{in: in, set: in.Settings.withDefaults(), decisions: au.Decisions}
	return w.run(ctx)
}

type accessCase struct {
	in        AccessCaseInput
	set       CaseSettings
	state     AccessCaseState
	decisions *decision.Verifier
	seen      decision.Seen
	busy      bool
	acts      *activities.Audit
}

func (w *accessCase) run(ctx workflow.Context) (AccessCaseState, error) {
	_ = workflow.UpsertTypedSearchAttributes(ctx, temporalx.AttrBot.ValueSet(AuditBot))
	if err := workflow.SetQueryHandler(ctx, QueryAccessCase, func() (AccessCaseState, error) { return w.state, nil }); err != nil {
		return w.state, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateDecideCase, w.decide,
		workflow.UpdateHandlerOptions{Validator: w.validate}); err != nil {
		return w.state, err
	}
	short := auditActivity(ctx, "load the alert", 2*time.Minute)
	if err := workflow.ExecuteActivity(short, w.acts.OpenCase, w.in.AlertID).Get(ctx, &w.state.Alert); err != nil {
		return w.state, err
	}
	if w.state.Alert.Score >= w.set.NotifyScore && w.state.Alert.State != audit.CaseClosed {
		nctx := auditActivity(ctx, "email the privacy officers", 2*time.Minute)
		if err := workflow.ExecuteActivity(nctx, w.acts.NotifyCase, activities.NotifyCaseInput{AlertID: w.in.AlertID, Kind: activities.NotifyHighScore}).
			Get(ctx, &w.state.Notified); err != nil {
			return w.state, err
		}
	}
	for w.state.Alert.State != audit.CaseClosed {
		decided := len(w.state.Decisions)
		ok, err := workflow.AwaitWithTimeout(ctx, w.set.Reminder, func() bool { return len(w.state.Decisions) > decided && !w.busy })
		if err != nil {
			return w.state, err
		}
		if ok {
			continue
		}
		w.state.Reminders++
		waited := w.set.Reminder * time.Duration(w.state.Reminders)
		rctx := auditActivity(ctx, "remind the privacy officers", 2*time.Minute)
		if err := workflow.ExecuteActivity(rctx, w.acts.NotifyCase, activities.NotifyCaseInput{AlertID: w.in.AlertID, Kind: activities.NotifyReminder,
			Waited: waited.String()}).Get(ctx, nil); err != nil {
			return w.state, err
		}
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return w.state, err
	}
	return w.state, nil
}

// validate refuses, before anything reaches the history, a decision not
// signed by a front door for this case, from a role that may not decide,
// or one the case cannot take (closed, unknown disposition, no note).
func (w *accessCase) validate(ctx workflow.Context, req CaseDecisionRequest) error {
	if w.decisions == nil {
		return errors.New("this worker holds no public keys for staff decisions (RCMBOT_DECISION_PUBLIC_KEYS): no decision is accepted")
	}
	var cn audit.CaseNote
	d, err := w.decisions.Open(req.Decision, audit.DecisionCase, workflow.GetInfo(ctx).WorkflowExecution.ID, workflow.Now(ctx), &cn)
	if err == nil {
		err = w.seen.Check(d)
	}
	if err != nil {
		return err
	}
	if !audit.CanDecide(d.Role) {
		return fmt.Errorf("alert %s: only a privacy officer or an admin may decide access cases", w.in.AlertID)
	}
	if w.busy {
		return fmt.Errorf("alert %s is being decided: try again", w.in.AlertID)
	}
	return cn.Check(w.state.Alert.State)
}

// decide records a validated decision (store, tamper-evident log,
// threshold tuning) and moves the case on.
func (w *accessCase) decide(ctx workflow.Context, req CaseDecisionRequest) (audit.CaseOutcome, error) {
	var out audit.CaseOutcome
	var cn audit.CaseNote
	d, err := decision.Read(req.Decision, &cn)
	if err != nil {
		return out, err
	}
	if err := w.seen.Check(d); err != nil {
		return out, err
	}
	maxAge := decision.MaxAge
	if w.decisions != nil {
		maxAge = w.decisions.MaxAge()
	}
	w.seen.Add(d, workflow.Now(ctx), maxAge)
	if err := cn.Check(w.state.Alert.State); err != nil {
		return out, err
	}
	w.busy = true
	defer func() { w.busy = false }()
	if err := workflow.ExecuteActivity(auditActivity(ctx, "record the decision", 2*time.Minute), w.acts.DecideCase,
		activities.CaseDecisionInput{AlertID: w.in.AlertID, Decision: req.Decision}).Get(ctx, &out); err != nil {
		return out, err
	}
	workflow.GetLogger(ctx).Info("access case decided", "alert", w.in.AlertID, "disposition", string(cn.Disposition), "state", string(out.State))
	w.state.Alert.State = out.State
	w.state.Decisions = append(w.state.Decisions, out)
	return out, nil
}

// AccessVerify verifies the tamper-evident PHI access log against its
// checkpoints (the daily Schedule) and starts a case for the alert a
// mismatch raises.
func (au *Audit) AccessVerify(ctx workflow.Context, cases CaseSettings) (AccessVerifyResult, error) {
	var res AccessVerifyResult
	_ = workflow.UpsertTypedSearchAttributes(ctx, temporalx.AttrBot.ValueSet(AuditBot))
	var acts *activities.Audit
	if err := workflow.ExecuteActivity(auditActivity(ctx, "verify the PHI access log", time.Hour), acts.VerifyAccessLog).Get(ctx, &res.VerifyLogOutput); err != nil {
		return res, err
	}
	if res.NeedCase {
		started, err := startCases(ctx, []string{res.AlertID}, cases)
		if err != nil {
			return res, err
		}
		if len(started) > 0 {
			res.Started = started[0]
		}
	}
	verdict := "matches its checkpoints"
	if !res.OK {
		verdict = fmt.Sprintf("DOES NOT MATCH its checkpoints (%d problems, alert %s)", res.Problems, res.AlertID)
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**PHI access log** — %d records, %d checkpoints checked: %s", res.Size, res.Checked, verdict))
	return res, nil
}
