package workflows

import (
	"os"
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/rcmbot/rcmbot/internal/codec"
	"github.com/rcmbot/rcmbot/internal/keyring"
)

// TestReplaySavedHistories replays histories saved from real runs (see
// saveHistory in internal/e2e) against the current workflow code: a change
// that would break running workflows fails here. Regenerate with
// RCMBOT_UPDATE_HISTORIES=1 go test ./internal/e2e -run TestClaimsBatchEndToEnd
// (appointment-request.json: -run TestSchedulingRequestToReminder; access-case.json, a case decided
// through its signed Update, and access-scan.json: -run TestAccessWatchAlertsWithin60Seconds;
// access-watch.json, a watch run that raises an alert and continues as new: -run
// TestAccessWatchContinuesAsNewOnTheRealStack; access-verify.json, a passing verification, and
// access-verify-tampered.json, one that fails and starts a case: -run TestAccessVerifyOnTheRealStack;
// claims-batch-signed.json; claims-batch.json is a run from before review
// decisions were signed, kept to prove that such runs still replay;
// purchase-order-outage-v0.json is a PurchaseOrder through a supplier
// outage past the 15-minute first try from before the outage emails
// (supplier-outage-mail), purchase-order-outage-mailed.json the same with
// them: both were recorded on a dev server by a one-off test, as the
// outage takes a quarter of an hour of real time)
// when a change is deliberately versioned (workflow.GetVersion).
func TestReplaySavedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "fixtures", "histories", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no saved histories in fixtures/histories (%v)", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			keys := f[:len(f)-len(".json")] + ".keys"
			text, err := os.ReadFile(keys)
			if err != nil {
				t.Fatal(err)
			}
			ring, err := keyring.Parse(keys, string(text))
			if err != nil {
				t.Fatal(err)
			}
			var o client.Options
			codec.ConfigureClient(&o, ring, codec.RefusePlaintext)
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: o.DataConverter, FailureConverter: o.FailureConverter})
			if err != nil {
				t.Fatal(err)
			}
			// Validators do not run on replay: no decision keys are needed.
			r.RegisterWorkflow((&Claims{}).ClaimsBatch)
			r.RegisterWorkflow(EligibilitySweep)
			r.RegisterWorkflow(EligibilityCheck)
			r.RegisterWorkflow(HealthCheck)
			sc := &Scheduling{}
			r.RegisterWorkflow(sc.AppointmentRequest)
			r.RegisterWorkflow(sc.WaitlistFill)
			r.RegisterWorkflow(sc.SchedulingNightly)
			au := &Audit{}
			r.RegisterWorkflow(au.AccessScan)
			r.RegisterWorkflow(au.AccessWatch)
			r.RegisterWorkflow(au.AccessCase)
			r.RegisterWorkflow(au.AccessVerify)
			inv := &Inventory{}
			r.RegisterWorkflow(inv.PurchaseOrder)
			r.RegisterWorkflow(inv.InventoryReview)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
