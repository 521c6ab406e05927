package e2e

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"golang.org/x/mod/sumdb/note"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/auditbot"
	"github.com/rcmbot/rcmbot/internal/auditlog"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/workflows"
)

// TestAccessWatchContinuesAsNewOnTheRealStack: a watch of three looks two
// seconds apart finds a burst of failed sign-ins at its first look, stores
// the brute-force alert and starts its case, then continues as new with
// its cursor past the sign-ins. Its first run's history is saved for the
// replay test in package workflows.
func TestAccessWatchContinuesAsNewOnTheRealStack(t *testing.T) {
	s := Start(t, Options{})
	ctx := context.Background()
	if _, err := s.DB.CreateUser(ctx, store.NewUser{Username: "ana", Role: store.RoleBiller}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for i := range 12 {
		if _, err := s.DB.RecordSignIn(ctx, audit.SignIn{Time: now.Add(time.Duration(i-12) * 2 * time.Second), Account: "ana", Kind: audit.SignInFailure, IP: "198.51.100.4"}); err != nil {
			t.Fatal(err)
		}
	}
	in, err := s.Audit.WatchStart(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in.Every, in.Looks = 2*time.Second, 3
	run, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.AccessWatchWorkflowID, TaskQueue: auditbot.TaskQueue},
		workflows.AccessWatchWorkflow, in)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.Client.TerminateWorkflow(context.Background(), workflows.AccessWatchWorkflowID, "", "test over")
	})
	var status enumspb.WorkflowExecutionStatus
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		d, err := s.Client.DescribeWorkflow(ctx, workflows.AccessWatchWorkflowID, run.GetRunID())
		if err != nil {
			t.Fatal(err)
		}
		if status = d.RawResponse.GetWorkflowExecutionInfo().GetStatus(); status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			break
		}
	}
	if status != enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW {
		t.Fatalf("the watch's first run: %v, want continued as new", status)
	}
	next, err := s.Client.DescribeWorkflow(ctx, workflows.AccessWatchWorkflowID, "")
	if err != nil {
		t.Fatal(err)
	}
	if info := next.RawResponse.GetWorkflowExecutionInfo(); info.GetExecution().GetRunId() == run.GetRunID() || info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("no new run of the watch: %v", info)
	}
	if pos, err := s.DB.AuditCursor(ctx, store.CursorSignIns); err != nil || pos != 12 {
		t.Errorf("the watch read up to sign-in %d (%v), want 12", pos, err)
	}
	alerts, err := s.DB.AlertCases(ctx, store.AlertFilter{Rule: audit.RuleBruteForce, UserID: "ana"}, store.All)
	if err != nil || len(alerts) != 1 || alerts[0].Source != audit.FromWatch {
		t.Fatalf("brute-force alerts: %+v %v", alerts, err)
	}
	if _, err := s.Client.DescribeWorkflow(ctx, workflows.AccessCaseWorkflowID(alerts[0].ID), ""); err != nil {
		t.Fatalf("the alert's case: %v", err)
	}
	saveRunHistory(t, s, workflows.AccessWatchWorkflowID, run.GetRunID(), "access-watch")
}

// TestAccessVerifyOnTheRealStack: with the access log checkpointed, the
// daily verification passes; after the database's owner edits an entry
// behind the triggers it fails, raises a log_tampered alert and starts
// its case. Both histories are saved for the replay test in package
// workflows.
func TestAccessVerifyOnTheRealStack(t *testing.T) {
	skey, vkey, err := auditlog.GenerateKey("rcmbot-e2e-audit")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	s := Start(t, Options{Env: map[string]string{"RCMBOT_AUDIT_VERIFIER_KEY": vkey}})
	ctx := context.Background()
	s.DB.SetAuditSigner(signer, auditlog.NewCheckpointFile(s.Config.AuditCheckpoints))
	for range 3 {
		if _, err := s.DB.AppendAccess(ctx, store.AccessEvent{Action: store.AccessViewClaim, Outcome: store.AccessAllowed, Username: "ana"}); err != nil {
			t.Fatal(err)
		}
	}
	verify := func(id string) workflows.AccessVerifyResult {
		t.Helper()
		run, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: auditbot.TaskQueue}, workflows.AccessVerifyWorkflow, s.Audit.Cases)
		if err != nil {
			t.Fatal(err)
		}
		var res workflows.AccessVerifyResult
		if err := run.Get(ctx, &res); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		return res
	}
	if res := verify("audit-verify-e2e-ok"); !res.OK || res.Size != 3 || res.Checked == 0 || res.Problems != 0 || res.Started != "" {
		t.Fatalf("a checkpointed log: %+v", res)
	}
	saveHistory(t, s, "audit-verify-e2e-ok", "access-verify")

	raw, err := sql.Open("sqlite", "file:"+filepath.Join(s.DataDir, "rcmbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{"DROP TRIGGER phi_access_log_no_update", "UPDATE phi_access_log SET username = 'mallory' WHERE seq = 2"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	res := verify("audit-verify-e2e-edited")
	if res.OK || res.Problems == 0 || !res.NeedCase || res.Started != workflows.AccessCaseWorkflowID(res.AlertID) {
		t.Fatalf("an edited log: %+v", res)
	}
	if al, err := s.DB.AlertCase(ctx, res.AlertID); err != nil || al.Rule != audit.RuleLogTampered || al.Source != audit.FromVerify {
		t.Fatalf("the alert: %+v %v", al, err)
	}
	saveHistory(t, s, "audit-verify-e2e-edited", "access-verify-tampered")
}
