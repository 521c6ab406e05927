package workflows

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/store/storetest"
)

// auditEnv runs the access-monitoring workflows in the Temporal test
// suite on the real activities and a real SQLite store.
type auditEnv struct {
	*testsuite.TestWorkflowEnvironment
	db     *store.DB
	signer *decision.Signer
}

func newAuditEnv(t *testing.T) *auditEnv {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	e := &auditEnv{TestWorkflowEnvironment: s.NewTestWorkflowEnvironment(), db: storetest.Open(t)}
	var verifier *decision.Verifier
	e.signer, verifier = decisionKeys(t, e.Now)
	au := &Audit{Decisions: verifier}
	e.RegisterWorkflow(au.AccessCase)
	e.RegisterWorkflow(au.AccessWatch)
	e.RegisterWorkflow(au.AccessScan)
	e.RegisterActivity(&activities.Audit{DB: e.db})
	return e
}

func (e *auditEnv) alert(t *testing.T, score int) string {
	t.Helper()
	now := time.Now().UTC()
	saved, err := e.db.SaveAlerts(context.Background(), audit.FromScan, []audit.Alert{{UserID: "u1", PatientID: "p1", Rule: audit.RuleCoworker,
		Score: score, FirstTime: now, LastTime: now, Events: 1, Explanation: "co-worker"}})
	if err != nil {
		t.Fatal(err)
	}
	return saved.NeedCase[0].ID
}

// decide sends a signed decision as the decide Update after a delay and
// keeps its outcome in *result.
func (e *auditEnv) decide(t *testing.T, after time.Duration, alertID string, signer *decision.Signer, role string, cn audit.CaseNote, result *error) {
	e.RegisterDelayedCallback(func() {
		signed, err := signer.Sign(audit.DecisionCase, AccessCaseWorkflowID(alertID), "olu", role, cn)
		if err != nil {
			t.Fatal(err)
		}
		e.UpdateWorkflow(UpdateDecideCase, "", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { *result = err },
			OnComplete: func(_ any, err error) { *result = err },
		}, CaseDecisionRequest{Decision: signed})
	}, after)
}

func TestAccessCaseReviewWithRemindersAndEscalation(t *testing.T) {
	e := newAuditEnv(t)
	id := e.alert(t, 70)
	e.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: AccessCaseWorkflowID(id)})
	forger, _ := decisionKeys(t, e.Now)
	var forged, auditor, noNote, escalated, closed, late error
	e.decide(t, 10*time.Hour, id, forger, audit.RolePrivacyOfficer, audit.CaseNote{Disposition: audit.Appropriate}, &forged)
	e.decide(t, 11*time.Hour, id, e.signer, "auditor", audit.CaseNote{Disposition: audit.Appropriate}, &auditor)
	e.decide(t, 12*time.Hour, id, e.signer, audit.RolePrivacyOfficer, audit.CaseNote{Disposition: audit.Inappropriate}, &noNote)
	// Two reminders (at 24 h and 48 h), then an escalation, then the
	// closing disposition.
	e.decide(t, 50*time.Hour, id, e.signer, audit.RolePrivacyOfficer, audit.CaseNote{Disposition: audit.Escalate, Note: "to HR"}, &escalated)
	e.decide(t, 60*time.Hour, id, e.signer, audit.RolePrivacyOfficer, audit.CaseNote{Disposition: audit.NeedsEducation, Note: "retrained"}, &closed)
	e.ExecuteWorkflow(AccessCaseWorkflow, AccessCaseInput{AlertID: id, Settings: CaseSettings{Reminder: 24 * time.Hour}})
	e.decide(t, 0, id, e.signer, audit.RolePrivacyOfficer, audit.CaseNote{Disposition: audit.Appropriate}, &late)

	if !e.IsWorkflowCompleted() || e.GetWorkflowError() != nil {
		t.Fatalf("completed %v, error %v", e.IsWorkflowCompleted(), e.GetWorkflowError())
	}
	if forged == nil || !errors.Is(forged, decision.ErrRefused) && !strings.Contains(forged.Error(), "not signed") {
		t.Errorf("a decision signed by another key: %v", forged)
	}
	if auditor == nil || !strings.Contains(auditor.Error(), "privacy officer") {
		t.Errorf("an auditor's decision: %v", auditor)
	}
	if noNote == nil || !strings.Contains(noNote.Error(), "needs a note") {
		t.Errorf("inappropriate without a note: %v", noNote)
	}
	if escalated != nil || closed != nil {
		t.Fatalf("escalate %v, close %v", escalated, closed)
	}
	var st AccessCaseState
	if err := e.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	if st.Alert.State != audit.CaseClosed || len(st.Decisions) != 2 || st.Decisions[0].State != audit.CaseEscalated || st.Reminders != 2 || st.Notified {
		t.Fatalf("case: %+v", st)
	}
	al, err := e.db.AlertCase(context.Background(), id)
	if err != nil || al.State != audit.CaseClosed || al.Disposition != audit.NeedsEducation || al.DecidedBy != "olu" || al.RemindedAt.IsZero() {
		t.Fatalf("stored alert: %+v %v", al, err)
	}
	ds, _ := e.db.CaseDecisions(context.Background(), id)
	if len(ds) != 2 || ds[1].Note != "retrained" {
		t.Errorf("decisions: %+v", ds)
	}
}

func TestAccessWatchContinuesAsNewKeepingItsCursor(t *testing.T) {
	e := newAuditEnv(t)
	ctx := context.Background()
	if _, err := e.db.CreateUser(ctx, store.NewUser{Username: "ana", Role: store.RoleBiller}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for i := range 12 {
		if _, err := e.db.RecordSignIn(ctx, audit.SignIn{Time: now.Add(time.Duration(i-12) * 5 * time.Second), Account: "ana", Kind: audit.SignInFailure, IP: "198.51.100.4"}); err != nil {
			t.Fatal(err)
		}
	}
	// The cases themselves wait days for a decision: here only their start counts.
	e.OnWorkflow(AccessCaseWorkflow, mock.Anything, mock.Anything).Return(AccessCaseState{}, nil)
	var cases []string
	e.SetOnChildWorkflowStartedListener(func(info *workflow.Info, _ workflow.Context, _ converter.EncodedValues) {
		cases = append(cases, info.WorkflowExecution.ID)
	})
	e.ExecuteWorkflow(AccessWatchWorkflow, AccessWatchInput{Cursor: activities.AccessWatchInput{AccessAfter: 0, SignInAfter: 0}, Looks: 3, Every: time.Minute})
	if !e.IsWorkflowCompleted() {
		t.Fatal("the watch did not continue as new")
	}
	var can *workflow.ContinueAsNewError
	if err := e.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	var next AccessWatchInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.Cursor.SignInAfter != 12 || next.Looks != 3 || next.Every != time.Minute {
		t.Fatalf("continued with %+v", next)
	}
	if len(cases) != 1 || !strings.HasPrefix(cases[0], "audit-case-al-") {
		t.Fatalf("cases started: %v", cases)
	}
	for _, c := range cases {
		if strings.Contains(c, "ana") || strings.Contains(c, "198.51") {
			t.Errorf("workflow ID %q names the user or address", c)
		}
	}
}

func TestAccessScanStartsACasePerNewAlertAndKeepsTheWatchRunning(t *testing.T) {
	e := newAuditEnv(t)
	ctx := context.Background()
	if _, err := e.db.CreateUser(ctx, store.NewUser{Username: "ana", Role: store.RoleBiller}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for i := range 15 {
		if _, err := e.db.RecordSignIn(ctx, audit.SignIn{Time: now.Add(time.Duration(i-15) * 5 * time.Second), Account: "ana", Kind: audit.SignInFailure, IP: "198.51.100.4"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.db.SetAuditCursor(ctx, store.CursorSignIns, 9); err != nil {
		t.Fatal(err)
	}
	e.OnWorkflow(AccessCaseWorkflow, mock.Anything, mock.Anything).Return(AccessCaseState{}, nil)
	var watchIn AccessWatchInput
	e.OnWorkflow(AccessWatchWorkflow, mock.Anything, mock.Anything).Run(func(args mock.Arguments) { watchIn = args.Get(1).(AccessWatchInput) }).Return(nil)
	e.ExecuteWorkflow(AccessScanWorkflow, AccessScanInput{Cases: CaseSettings{NotifyScore: 90}})
	if !e.IsWorkflowCompleted() || e.GetWorkflowError() != nil {
		t.Fatalf("scan: %v", e.GetWorkflowError())
	}
	var res AccessScanResult
	if err := e.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Created != 1 || len(res.Started) != 1 || res.Started[0] != AccessCaseWorkflowID(res.NeedCase[0]) || !res.Watching {
		t.Fatalf("scan result: %+v", res)
	}
	if watchIn.Cursor.SignInAfter != 9 || watchIn.Cases.NotifyScore != 90 {
		t.Fatalf("watch started with %+v", watchIn)
	}
}
