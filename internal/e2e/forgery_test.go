package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claimsbot"
	"github.com/rcmbot/rcmbot/internal/codec"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/temporalx/temporaltest"
	"github.com/rcmbot/rcmbot/workflows"
)

// TestReviewForgeryThroughTemporalIsRefused replays issue 14's first
// finding on the real dev server: someone who reaches the Temporal
// frontend sends the review Update themselves, naming "admin" as the
// reviewer and overriding a claim with an error-level finding. Plain JSON
// from the temporal CLI, an encrypted but unsigned request, one signed
// with another key and a replay of a real signed decision are all
// refused, and nothing of theirs is recorded: the claim stays pending and
// the review log holds only the front door's decision.
func TestReviewForgeryThroughTemporalIsRefused(t *testing.T) {
	s := Start(t, Options{})
	ctx := context.Background()
	b := s.SubmitDemo(t)
	flagged, err := s.DB.Claims(ctx, store.ClaimFilter{BatchID: b.ID, Flagged: true, WithFindings: true}, store.All)
	if err != nil {
		t.Fatal(err)
	}
	var held, warned string
	for _, r := range flagged {
		switch {
		case r.Tier == scrub.TierHold && held == "":
			held = r.Claim.ID
		case r.Tier == scrub.TierReview && warned == "":
			warned = r.Claim.ID
		}
	}
	if held == "" || warned == "" {
		t.Fatal("the demo batch has no claim on hold or no claim with warnings only")
	}
	wfID := claimsbot.WorkflowID(b.ID)
	forged := []batch.ReviewAction{{ClaimID: held, Action: batch.Override, Reason: "forged through Temporal"}}

	// 1. Plain JSON with the temporal CLI: the workers' codec refuses it.
	cli := temporaltest.Require(t)
	input, _ := json.Marshal(workflows.ReviewRequest{Reviewer: "admin", Actions: forged})
	out, err := exec.Command(cli, "workflow", "update", "execute", "--address", s.Config.TemporalAddress,
		"--namespace", s.Config.TemporalNamespace, "--workflow-id", wfID, "--name", workflows.UpdateReview,
		"--input", string(input)).CombinedOutput()
	// The CLI sees only "Encoded failure": the reason is encrypted.
	if err == nil || !strings.Contains(string(out), "unable to update workflow") {
		t.Errorf("temporal workflow update execute with plain JSON: %v\n%s", err, out)
	}
	// The same plain JSON from a client that reads rcmbot's failures.
	plain := s.Temporal.Client(t, temporaltest.Options{DataConverter: converter.GetDefaultDataConverter(),
		FailureConverter: codec.NewFailureConverter(s.Ring, codec.AllowPlaintext)})
	if err := update(ctx, plain, wfID, workflows.ReviewRequest{Reviewer: "admin", Actions: forged}); err == nil || !strings.Contains(err.Error(), "not encrypted") {
		t.Errorf("plain JSON update: %v, want the codec's refusal", err)
	}

	// 2. Encrypted with the key ring, unsigned; 3. signed with another key.
	other, err := decision.NewPair("rcmbot-decisions", nil)
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := other.Signer.Sign(batch.DecisionReview, wfID, "admin", "admin", batch.Review{Actions: forged})
	if err != nil {
		t.Fatal(err)
	}
	for name, req := range map[string]workflows.ReviewRequest{
		"encrypted, unsigned":        {Reviewer: "admin", Actions: forged},
		"encrypted, wrongly signed":  {Decision: wrong},
		"encrypted, signature moved": {Decision: decision.Signed{Note: strings.Replace(wrong.Note, "admin", "rita", 1)}},
	} {
		err := update(ctx, s.Client, wfID, req)
		if err == nil || !strings.Contains(err.Error(), "not signed by rcmbot") {
			t.Errorf("%s: %v, want a refusal", name, err)
		}
	}

	// 5. Closing the review (claims left unreviewed stay unsent) with the
	// close-review signal: bare, with plain JSON, encrypted but unsigned.
	for _, args := range [][]string{{}, {"--input", `{"decision":{"note":"forged"}}`}} {
		out, err := exec.Command(cli, append([]string{"workflow", "signal", "--address", s.Config.TemporalAddress,
			"--namespace", s.Config.TemporalNamespace, "--workflow-id", wfID, "--name", workflows.SignalCloseReview}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("temporal workflow signal: %v\n%s", err, out) // Temporal takes any signal; the workflow ignores it
		}
	}
	if err := s.Client.SignalWorkflow(ctx, wfID, "", workflows.SignalCloseReview, workflows.CloseReviewRequest{Decision: wrong}); err != nil {
		t.Fatal(err)
	}

	// The front door's own decision goes through (after the signals in
	// the history)...
	if _, err := s.Claims.Review(ctx, b.ID, "rita", "reviewer", []batch.ReviewAction{{ClaimID: warned, Action: batch.Approve}}); err != nil {
		t.Fatal(err)
	}
	// 4. ...and copying it out of the history to send it again is refused.
	signed := acceptedDecision(t, s, wfID)
	if err := update(ctx, s.Client, wfID, workflows.ReviewRequest{Decision: signed}); err == nil || !strings.Contains(err.Error(), "already acted on") {
		t.Errorf("replayed decision: %v, want a refusal", err)
	}

	if p, err := s.Claims.Progress(ctx, b.ID); err != nil || p.Status != batch.AwaitingReview {
		t.Errorf("after the forged close-review signals: %+v %v, want the batch still awaiting review", p.Status, err)
	}
	rec, err := s.DB.Claim(ctx, b.ID, held)
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != batch.StatePending || rec.Reviewer != "" {
		t.Errorf("held claim %s is %s by %q after the forgeries", held, rec.State, rec.Reviewer)
	}
	log, err := s.DB.ReviewActions(ctx, b.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].ClaimID != warned || log[0].Reviewer != "rita" || log[0].DecisionID == "" {
		t.Fatalf("review log %+v, want only rita's approval of %s", log, warned)
	}
	// The review log keeps the signed decision as evidence.
	sd, err := s.DB.Decision(ctx, log[0].DecisionID)
	if err != nil {
		t.Fatal(err)
	}
	if sd.Actor != "rita" || sd.Note != signed.Note || sd.BatchID != b.ID || sd.Subject != wfID {
		t.Errorf("recorded decision %+v", sd)
	}
}

// update sends a review Update as a Temporal client holding the key ring
// would, and returns why it was refused.
func update(ctx context.Context, c client.Client, wfID string, req workflows.ReviewRequest) error {
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: wfID, UpdateName: workflows.UpdateReview,
		Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err != nil {
		return err
	}
	var out []batch.ReviewOutcome
	return h.Get(ctx, &out)
}

// acceptedDecision reads the signed decision of the last review Update the
// workflow accepted, as someone with the key ring could from its history.
func acceptedDecision(t *testing.T, s *Stack, wfID string) decision.Signed {
	t.Helper()
	it := s.Client.GetWorkflowHistory(context.Background(), wfID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var found decision.Signed
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		a := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes()
		if a == nil {
			continue
		}
		var req workflows.ReviewRequest
		if err := codec.NewDataConverter(s.Ring, codec.RefusePlaintext).FromPayloads(a.GetAcceptedRequest().GetInput().GetArgs(), &req); err != nil {
			t.Fatal(err)
		}
		found = req.Decision
	}
	if found.Note == "" {
		t.Fatal("no accepted review in the history")
	}
	return found
}

// TestCLIReviewIsSigned: `rcmbot batch review`, the CLI front door, signs
// its decision with the key file like the web app; its reviewer is the
// signed actor.
func TestCLIReviewIsSigned(t *testing.T) {
	s := Start(t, Options{})
	ctx := context.Background()
	bin := filepath.Join(t.TempDir(), "rcmbot")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/rcmbot").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	b := s.SubmitDemo(t)
	flagged, err := s.DB.Claims(ctx, store.ClaimFilter{BatchID: b.ID, Flagged: true}, store.Page{Limit: 1})
	if err != nil || len(flagged) == 0 {
		t.Fatalf("no flagged claim: %v", err)
	}
	claimID := flagged[0].Claim.ID
	cmd := exec.Command(bin, "batch", "review", b.ID, "--claim", claimID, "--action", "reject", "--reason", "rebill", "--by", "cli:tester")
	cmd.Env = append(os.Environ(), s.Env()...)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "claim "+claimID+": rejected") {
		t.Fatalf("rcmbot batch review: %v\n%s", err, out)
	}
	log, err := s.DB.ReviewActions(ctx, b.ID, claimID)
	if err != nil || len(log) != 1 || log[0].Reviewer != "cli:tester" || log[0].DecisionID == "" {
		t.Fatalf("review log %+v %v", log, err)
	}
	// Without the key the CLI cannot review at all.
	cmd = exec.Command(bin, "batch", "review", b.ID, "--claim", claimID, "--action", "reject", "--reason", "x")
	cmd.Env = append(os.Environ(), append(s.Env(), "RCMBOT_DECISION_KEY_FILE="+filepath.Join(t.TempDir(), "none"))...)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "decision signing key") {
		t.Errorf("review without the key: %v\n%s", err, out)
	}
}
