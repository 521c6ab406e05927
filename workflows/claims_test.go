package workflows

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/scrub"
)

// claimsEnv is a ClaimsBatch test environment whose activities are
// replaced by functions recording what the workflow asked for.
type claimsEnv struct {
	*testsuite.TestWorkflowEnvironment
	signer   *decision.Signer // the front door's key, on the test's clock
	a        *activities.Claims
	statuses []string
	finish   *activities.FinishInput
	reviews  []activities.ReviewInput
	reminded []activities.ReminderInput
	submits  int
	asOf     claim.Date
}

func flagged(ids ...string) []batch.FlaggedClaim {
	var out []batch.FlaggedClaim
	for _, id := range ids {
		out = append(out, batch.FlaggedClaim{ID: id, Hold: strings.HasPrefix(id, "H")})
	}
	return out
}

// decisionKeys makes a front door's signing key on clock and the
// verifier workers hold.
func decisionKeys(t *testing.T, clock func() time.Time) (*decision.Signer, *decision.Verifier) {
	t.Helper()
	p, err := decision.NewPair("rcmbot-test", clock)
	if err != nil {
		t.Fatal(err)
	}
	return p.Signer, p.Verifier
}

// testWorkflowID is the workflow ID every test batch runs under.
const testWorkflowID = "claims-batch-b-test"

func newClaimsEnv(t *testing.T, flagged []batch.FlaggedClaim) *claimsEnv {
	return newClaimsEnvKeys(t, flagged, true)
}

// newClaimsEnvKeys is newClaimsEnv with a worker that holds the decision
// public key, or (keys false) none.
func newClaimsEnvKeys(t *testing.T, flagged []batch.FlaggedClaim, keys bool) *claimsEnv {
	var s testsuite.WorkflowTestSuite
	e := &claimsEnv{TestWorkflowEnvironment: s.NewTestWorkflowEnvironment()}
	var verifier *decision.Verifier
	e.signer, verifier = decisionKeys(t, e.Now)
	if !keys {
		verifier = nil
	}
	e.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: testWorkflowID})
	e.RegisterWorkflow((&Claims{Decisions: verifier}).ClaimsBatch)
	e.OnActivity(e.a.ScrubBatch, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ScrubInput) (batch.ScrubResult, error) {
		e.asOf = in.AsOf
		return batch.ScrubResult{Parse: batch.ParseResult{Claims: 10, Lines: 31}, Claims: 10, Clean: 10 - len(flagged), FlaggedCount: len(flagged), Flagged: flagged}, nil
	})
	e.OnActivity(e.a.SetBatchStatus, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.StatusInput) error {
		e.statuses = append(e.statuses, string(in.Status))
		return nil
	})
	e.OnActivity(e.a.ApplyReview, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ReviewInput) ([]batch.ReviewOutcome, error) {
		e.reviews = append(e.reviews, in)
		var out []batch.ReviewOutcome
		for _, a := range in.Actions {
			state, _ := a.Action.State()
			o := batch.ReviewOutcome{ClaimID: a.ClaimID, Resolved: true, State: state}
			if a.Action == batch.Correct {
				// A correction that fixes only part of the problem stays pending.
				o.Resolved = a.Fields["billing_npi"] == "1234567893"
				o.State, o.Tier = batch.StateCorrected, scrub.TierClean
				if !o.Resolved {
					o.State, o.Tier = batch.StatePending, scrub.TierHold
				}
			}
			out = append(out, o)
		}
		return out, nil
	})
	e.OnActivity(e.a.RemindReviewers, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ReminderInput) error {
		e.reminded = append(e.reminded, in)
		return nil
	})
	e.OnActivity(e.a.SubmitBatch, mock.Anything, mock.Anything).Return(func(context.Context, activities.BatchRef) (batch.SubmitResult, error) {
		e.submits++
		return batch.SubmitResult{Interchanges: 1, Claims: 8, Accepted999: 1}, nil
	})
	acks := 0
	e.OnActivity(e.a.CollectAcknowledgements, mock.Anything, mock.Anything).Return(func(context.Context, activities.BatchRef) (batch.AckResult, error) {
		acks++
		if acks < 3 {
			return batch.AckResult{Pending: 8}, nil
		}
		return batch.AckResult{Accepted: 7, Rejected: 1}, nil
	})
	e.OnActivity(e.a.FinishBatch, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.FinishInput) (batch.Outcome, error) {
		e.finish = &in
		return batch.Outcome{Claims: 10, Clean: 8, CleanClaimRate: 0.8}, nil
	})
	return e
}

// update sends reviewer's actions as a review Update signed by the front
// door at the time it is sent, and returns the error it was rejected or
// failed with (nil when it completed).
func (e *claimsEnv) update(t *testing.T, after time.Duration, reviewer string, actions []batch.ReviewAction, result *error) {
	e.send(after, func() ReviewRequest {
		signed, err := e.signer.Sign(batch.DecisionReview, testWorkflowID, reviewer, "reviewer", batch.Review{Actions: actions})
		if err != nil {
			t.Fatal(err)
		}
		return ReviewRequest{Decision: signed}
	}, result)
}

// send sends the request req makes as a review Update after a delay.
func (e *claimsEnv) send(after time.Duration, req func() ReviewRequest, result *error) {
	e.RegisterDelayedCallback(func() {
		e.UpdateWorkflow(UpdateReview, "", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { *result = err },
			OnComplete: func(_ any, err error) { *result = err },
		}, req())
	}, after)
}

func (e *claimsEnv) result(t *testing.T) batch.Progress {
	t.Helper()
	if !e.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := e.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var p batch.Progress
	if err := e.GetWorkflowResult(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestClaimsBatchCleanBatchSubmitsWithoutReview(t *testing.T) {
	e := newClaimsEnv(t, nil)
	e.ExecuteWorkflow(ClaimsBatchWorkflow, ClaimsBatchInput{BatchID: "b-1", Links: batch.Links{Web: "http://rcmbot.example/batches/b-1"}})
	p := e.result(t)
	if p.Outcome.CleanClaimRate != 0.8 || p.Links.Web != "http://rcmbot.example/batches/b-1" {
		t.Errorf("outcome %+v links %+v", p.Outcome, p.Links)
	}
	if p.Status != batch.Completed || p.Submit.Claims != 8 || p.Acks.Accepted != 7 || p.Acks.Rejected != 1 || p.Acks.Pending != 0 {
		t.Fatalf("progress: %+v", p)
	}
	if len(e.reviews) != 0 || e.submits != 1 || e.finish == nil || e.finish.Status != batch.Completed {
		t.Fatalf("reviews %d submits %d finish %+v", len(e.reviews), e.submits, e.finish)
	}
	if e.asOf.IsZero() {
		t.Error("scrub got no as-of date")
	}
	if strings.Contains(strings.Join(e.statuses, ","), string(batch.AwaitingReview)) {
		t.Errorf("a clean batch went through review: %v", e.statuses)
	}
}

func TestClaimsBatchReviewPaths(t *testing.T) {
	e := newClaimsEnv(t, flagged("C2", "C5", "H7"))
	var badOverride, unknownClaim, approve, approveHold, correctPartial, correctFull, afterDone error
	e.update(t, time.Minute, "rita", []batch.ReviewAction{{ClaimID: "C2", Action: batch.Override}}, &badOverride)
	e.update(t, 2*time.Minute, "rita", []batch.ReviewAction{{ClaimID: "C9", Action: batch.Approve}}, &unknownClaim)
	e.update(t, 3*time.Minute, "rita", []batch.ReviewAction{
		{ClaimID: "C2", Action: batch.Override, Reason: "payer confirmed by phone"},
		{ClaimID: "C5", Action: batch.Reject}}, &approve)
	e.update(t, 3*time.Minute+30*time.Second, "rita", []batch.ReviewAction{{ClaimID: "H7", Action: batch.Approve}}, &approveHold)
	e.update(t, 4*time.Minute, "rita", []batch.ReviewAction{
		{ClaimID: "H7", Action: batch.Correct, Fields: map[string]string{"billing_npi": "1234567890"}}}, &correctPartial)
	e.update(t, 5*time.Minute, "sam", []batch.ReviewAction{
		{ClaimID: "H7", Action: batch.Correct, Fields: map[string]string{"billing_npi": "1234567893"}}}, &correctFull)
	e.update(t, 6*time.Minute, "sam", []batch.ReviewAction{{ClaimID: "H7", Action: batch.Approve}}, &afterDone)
	e.ExecuteWorkflow(ClaimsBatchWorkflow, ClaimsBatchInput{BatchID: "b-2"})
	p := e.result(t)

	if badOverride == nil || !strings.Contains(badOverride.Error(), "reason") {
		t.Errorf("override without reason: %v", badOverride)
	}
	if unknownClaim == nil || !strings.Contains(unknownClaim.Error(), "not awaiting review") {
		t.Errorf("unknown claim: %v", unknownClaim)
	}
	if approveHold == nil || !strings.Contains(approveHold.Error(), "has errors") {
		t.Errorf("approving a claim on hold: %v", approveHold)
	}
	if approve != nil || correctPartial != nil || correctFull != nil {
		t.Errorf("valid updates failed: %v / %v / %v", approve, correctPartial, correctFull)
	}
	// Rejected updates never reach the activity; accepted ones do, with the reviewer.
	if len(e.reviews) != 3 || e.reviews[0].Reviewer != "rita" || e.reviews[2].Reviewer != "sam" {
		t.Fatalf("reviews reaching the activity: %+v", e.reviews)
	}
	if p.Status != batch.Completed || p.PendingReview != 0 || p.Unreviewed != 0 || p.Reminded {
		t.Errorf("progress: %+v", p)
	}
	if afterDone == nil {
		t.Error("review after the batch left review was accepted")
	}
	if got := strings.Join(e.statuses, ","); got != "awaiting_review,submitting" {
		t.Errorf("statuses: %s", got)
	}
}

func TestClaimsBatchReminderAndDeadline(t *testing.T) {
	e := newClaimsEnv(t, flagged("C1", "C2"))
	var approve error
	// One claim is reviewed after the reminder; the other never is.
	e.update(t, 30*time.Hour, "rita", []batch.ReviewAction{{ClaimID: "C1", Action: batch.Approve}}, &approve)
	e.ExecuteWorkflow(ClaimsBatchWorkflow, ClaimsBatchInput{BatchID: "b-3", ReviewReminder: 24 * time.Hour, ReviewDeadline: 72 * time.Hour})
	p := e.result(t)
	if approve != nil {
		t.Fatal(approve)
	}
	if len(e.reminded) != 1 || e.reminded[0].Pending != 2 || e.reminded[0].Waiting != 24*time.Hour {
		t.Fatalf("reminders: %+v", e.reminded)
	}
	if p.Unreviewed != 1 || !p.Reminded || p.Status != batch.Completed || e.finish.Unreviewed != 1 {
		t.Fatalf("progress: %+v finish %+v", p, e.finish)
	}
}

// TestClaimsBatchCloseReviewSignal: only a close-review signal a front
// door signed for this batch ends the review; a bare one (anyone with
// access to Temporal can send it) and a forged one change nothing.
func TestClaimsBatchCloseReviewSignal(t *testing.T) {
	e := newClaimsEnv(t, flagged("C1"))
	forger, _ := decisionKeys(t, e.Now)
	closeBy := func(s *decision.Signer, kind decision.Kind) CloseReviewRequest {
		signed, err := s.Sign(kind, testWorkflowID, "rita", "admin", struct{}{})
		if err != nil {
			t.Fatal(err)
		}
		return CloseReviewRequest{Decision: signed}
	}
	var progress []batch.Progress
	query := func() {
		v, err := e.QueryWorkflow(QueryProgress)
		var p batch.Progress
		if err == nil {
			err = v.Get(&p)
		}
		if err != nil {
			t.Error(err)
		}
		progress = append(progress, p)
	}
	e.RegisterDelayedCallback(func() { e.SignalWorkflow(SignalCloseReview, nil) }, time.Hour)
	e.RegisterDelayedCallback(func() { e.SignalWorkflow(SignalCloseReview, closeBy(forger, batch.DecisionCloseReview)) }, 2*time.Hour)
	e.RegisterDelayedCallback(func() { e.SignalWorkflow(SignalCloseReview, closeBy(e.signer, batch.DecisionReview)) }, 3*time.Hour)
	e.RegisterDelayedCallback(query, 4*time.Hour)
	e.RegisterDelayedCallback(func() { e.SignalWorkflow(SignalCloseReview, closeBy(e.signer, batch.DecisionCloseReview)) }, 5*time.Hour)
	e.ExecuteWorkflow(ClaimsBatchWorkflow, ClaimsBatchInput{BatchID: "b-test"})
	p := e.result(t)
	if len(progress) != 1 || progress[0].Status != batch.AwaitingReview {
		t.Fatalf("after the unsigned, forged and wrong-kind signals: %+v", progress)
	}
	if p.Unreviewed != 1 || p.Reminded || e.submits != 1 || p.Status != batch.Completed {
		t.Fatalf("progress: %+v", p)
	}
}

func TestClaimsBatchFailedFile(t *testing.T) {
	// The reason for staff is in the error's details (encrypted); the
	// message, which workers log, names no file.
	testFailedFile(t, temporal.NewNonRetryableApplicationError("the upload of batch b-5 cannot be read (not_spreadsheet)",
		activities.ErrFailedFile, nil, "claims.pdf is not an xlsx or csv file"))
	// Failures recorded before reasons moved to details show their message.
	testFailedFile(t, temporal.NewNonRetryableApplicationError("claims.pdf is not an xlsx or csv file", activities.ErrFailedFile, nil))
}

func testFailedFile(t *testing.T, scrubErr error) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow((&Claims{}).ClaimsBatch)
	var a *activities.Claims
	env.OnActivity(a.ScrubBatch, mock.Anything, mock.Anything).Return(batch.ScrubResult{}, scrubErr)
	var finish activities.FinishInput
	env.OnActivity(a.FinishBatch, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.FinishInput) (batch.Outcome, error) {
		finish = in
		return batch.Outcome{}, nil
	})
	env.ExecuteWorkflow(ClaimsBatchWorkflow, ClaimsBatchInput{BatchID: "b-5"})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var p batch.Progress
	if err := env.GetWorkflowResult(&p); err != nil {
		t.Fatal(err)
	}
	if p.Status != batch.Failed || p.Reason != "claims.pdf is not an xlsx or csv file" || finish.Status != batch.Failed || finish.Reason != p.Reason {
		t.Fatalf("progress %+v finish %+v", p, finish)
	}
}

func TestClaimsBatchProgressQuery(t *testing.T) {
	e := newClaimsEnv(t, flagged("C1", "C2"))
	var got batch.Progress
	var qerr error
	e.RegisterDelayedCallback(func() {
		v, err := e.QueryWorkflow(QueryProgress)
		if err != nil {
			qerr = err
			return
		}
		qerr = v.Get(&got)
	}, time.Hour)
	e.ExecuteWorkflow(ClaimsBatchWorkflow, ClaimsBatchInput{BatchID: "b-6", ReviewDeadline: 2 * time.Hour})
	e.result(t)
	if qerr != nil {
		t.Fatal(qerr)
	}
	if got.Status != batch.AwaitingReview || got.PendingReview != 2 || got.Scrub.Claims != 10 {
		t.Fatalf("query: %+v", got)
	}
}

func TestReviewActionValidate(t *testing.T) {
	bad := []batch.ReviewAction{
		{Action: batch.Approve},
		{ClaimID: "C1", Action: "delete"},
		{ClaimID: "C1", Action: batch.Override, Reason: "  "},
		{ClaimID: "C1", Action: batch.Correct},
		{ClaimID: "C1", Action: batch.Correct, Fields: map[string]string{"@2": "x"}},
	}
	for _, a := range bad {
		if err := a.Validate(); err == nil {
			t.Errorf("%+v accepted", a)
		}
	}
	if err := (batch.ReviewAction{ClaimID: "C1", Action: batch.Correct, Fields: map[string]string{"line_charge@2": "125.00"}}).Validate(); err != nil {
		t.Error(err)
	}
}

// TestClaimsBatchRefusesUnsignedForgedStaleAndReplayedReviews sends the
// review Update as someone who reaches the Temporal frontend would: with a
// plain reviewer name, signed by another key, for another batch, too old,
// twice. Only the decision signed by the front door for this batch, once,
// reaches the activity, and the activity records its signed actor.
func TestClaimsBatchRefusesUnsignedForgedStaleAndReplayedReviews(t *testing.T) {
	e := newClaimsEnv(t, flagged("C1", "H2"))
	forger, _ := decisionKeys(t, e.Now)
	override := []batch.ReviewAction{{ClaimID: "H2", Action: batch.Override, Reason: "payer said so"}}
	sign := func(s *decision.Signer, subject, actor string, actions []batch.ReviewAction) ReviewRequest {
		signed, err := s.Sign(batch.DecisionReview, subject, actor, "admin", batch.Review{Actions: actions})
		if err != nil {
			t.Fatal(err)
		}
		return ReviewRequest{Decision: signed}
	}
	var plain, forged, otherBatch, otherKind, stale, edited, good, replayed error
	e.send(time.Minute, func() ReviewRequest { return ReviewRequest{Reviewer: "admin", Actions: override} }, &plain)
	e.send(2*time.Minute, func() ReviewRequest { return sign(forger, testWorkflowID, "admin", override) }, &forged)
	e.send(3*time.Minute, func() ReviewRequest { return sign(e.signer, "claims-batch-b-other", "rita", override) }, &otherBatch)
	e.send(4*time.Minute, func() ReviewRequest {
		signed, _ := e.signer.Sign("inventory.approve", testWorkflowID, "rita", "admin", batch.Review{Actions: override})
		return ReviewRequest{Decision: signed}
	}, &otherKind)
	var early ReviewRequest
	e.RegisterDelayedCallback(func() { early = sign(e.signer, testWorkflowID, "rita", override) }, 5*time.Minute)
	e.send(5*time.Minute+decision.MaxAge+time.Second, func() ReviewRequest { return early }, &stale)
	e.send(30*time.Minute, func() ReviewRequest {
		r := sign(e.signer, testWorkflowID, "rita", override)
		r.Decision.Note = strings.Replace(r.Decision.Note, `"rita"`, `"admin"`, 1)
		return r
	}, &edited)
	var accepted ReviewRequest
	e.send(40*time.Minute, func() ReviewRequest {
		accepted = sign(e.signer, testWorkflowID, "rita", []batch.ReviewAction{{ClaimID: "C1", Action: batch.Approve}})
		return accepted
	}, &good)
	e.send(41*time.Minute, func() ReviewRequest { return accepted }, &replayed)
	e.update(t, 50*time.Minute, "sam", override, new(error))
	e.ExecuteWorkflow(ClaimsBatchWorkflow, ClaimsBatchInput{BatchID: "b-test"})
	p := e.result(t)

	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"plain reviewer name", plain, "not signed by rcmbot"},
		{"another key", forged, "not signed by rcmbot"},
		{"another batch", otherBatch, "signed for workflow claims-batch-b-other"},
		{"another kind", otherKind, "inventory.approve"},
		{"stale", stale, "ago"},
		{"edited actor", edited, "not signed by rcmbot"},
		{"replayed", replayed, "already acted on"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: %v, want a refusal mentioning %q", c.name, c.err, c.want)
		}
	}
	if good != nil {
		t.Fatalf("the front door's decision was refused: %v", good)
	}
	if len(e.reviews) != 2 {
		t.Fatalf("%d reviews reached the activity, want the two signed ones: %+v", len(e.reviews), e.reviews)
	}
	r := e.reviews[0]
	if r.Reviewer != "rita" || r.Role != "admin" || r.Decision.Note != accepted.Decision.Note ||
		len(r.Actions) != 1 || r.Actions[0].ClaimID != "C1" {
		t.Errorf("activity got %+v", r)
	}
	if e.reviews[1].Reviewer != "sam" || p.Status != batch.Completed || p.PendingReview != 0 {
		t.Errorf("second review %+v, progress %+v", e.reviews[1], p)
	}
}

// TestClaimsBatchWithoutDecisionKeysRefusesReviews: a worker started
// without public keys accepts no review at all.
func TestClaimsBatchWithoutDecisionKeysRefusesReviews(t *testing.T) {
	e := newClaimsEnvKeys(t, flagged("C1"), false)
	var err error
	e.update(t, time.Minute, "rita", []batch.ReviewAction{{ClaimID: "C1", Action: batch.Approve}}, &err)
	e.ExecuteWorkflow(ClaimsBatchWorkflow, ClaimsBatchInput{BatchID: "b-test", ReviewDeadline: time.Hour})
	p := e.result(t)
	if err == nil || !strings.Contains(err.Error(), "no public keys") || len(e.reviews) != 0 || p.Unreviewed != 1 {
		t.Fatalf("review on a worker without keys: %v, %d reviews, progress %+v", err, len(e.reviews), p)
	}
}

// The providers-changed signal re-scrubs the claims held for providers:
// after the first one (nothing set up yet) C2 still waits, after the
// second both pass and the batch goes on to submit without a review.
func TestClaimsBatchProvidersChangedSignal(t *testing.T) {
	e := newClaimsEnv(t, []batch.FlaggedClaim{{ID: "C1", Hold: true}, {ID: "C2", Hold: true}})
	rescrubs := 0
	e.OnActivity(e.a.RescrubForProviders, mock.Anything, mock.Anything).Return(func(context.Context, activities.BatchRef) (activities.RescrubResult, error) {
		rescrubs++
		if rescrubs == 1 {
			return activities.RescrubResult{Outcomes: []batch.ReviewOutcome{{ClaimID: "C1", State: batch.StateClean, Resolved: true, Tier: scrub.TierClean},
				{ClaimID: "C2", State: batch.StatePending, Tier: scrub.TierHold, Findings: 1}},
				ProvidersNeeded: []batch.ProviderNeed{{NPI: "1300000019", Claims: 1}}}, nil
		}
		return activities.RescrubResult{Outcomes: []batch.ReviewOutcome{{ClaimID: "C2", State: batch.StateClean, Resolved: true, Tier: scrub.TierClean}}}, nil
	})
	var mid batch.Progress
	e.RegisterDelayedCallback(func() { e.SignalWorkflow(SignalProvidersChanged, nil) }, time.Hour)
	e.RegisterDelayedCallback(func() {
		v, err := e.QueryWorkflow(QueryProgress)
		if err == nil {
			err = v.Get(&mid)
		}
		if err != nil {
			t.Error(err)
		}
	}, 2*time.Hour)
	e.RegisterDelayedCallback(func() { e.SignalWorkflow(SignalProvidersChanged, nil) }, 3*time.Hour)
	e.ExecuteWorkflow(ClaimsBatchWorkflow, ClaimsBatchInput{BatchID: "b-test"})
	p := e.result(t)
	if mid.Status != batch.AwaitingReview || mid.PendingReview != 1 || len(mid.Scrub.ProvidersNeeded) != 1 {
		t.Errorf("after the first signal: %+v", mid)
	}
	if rescrubs != 2 || len(e.reviews) != 0 || e.submits != 1 || p.Status != batch.Completed || p.Unreviewed != 0 || p.Reminded {
		t.Fatalf("rescrubs %d reviews %d submits %d progress %+v", rescrubs, len(e.reviews), e.submits, p)
	}
	if p.Submit.Claims != 8 || len(p.Scrub.ProvidersNeeded) != 0 {
		t.Errorf("progress %+v", p)
	}
}
