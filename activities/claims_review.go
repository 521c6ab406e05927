package activities

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.temporal.io/sdk/activity"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/intake"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/scrubfile"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/x12"
)

// ApplyReview records a reviewer's actions on flagged claims. Approve,
// override and reject only change the claim's review state; correct
// changes field values, re-scrubs the claim in the context of its batch
// and stored history, and leaves it pending if findings remain.
//
// The signed decision the actions came from is kept first, as evidence,
// and every action names it. Each action is recorded under an ID derived
// from the workflow and activity IDs, so a retried activity does not log
// an action twice.
func (a *Claims) ApplyReview(ctx context.Context, in ReviewInput) ([]batch.ReviewOutcome, error) {
	info := activity.GetInfo(ctx)
	decisionID, err := a.recordDecision(ctx, in, info.WorkflowExecution.ID)
	if err != nil {
		return nil, err
	}
	out := make([]batch.ReviewOutcome, 0, len(in.Actions))
	for i, act := range in.Actions {
		ra := store.ReviewAction{ID: fmt.Sprintf("ra-%s-%s-%d", info.WorkflowExecution.RunID, info.ActivityID, i),
			BatchID: in.BatchID, ClaimID: act.ClaimID, Reviewer: in.Reviewer, Reason: act.Reason, DecisionID: decisionID}
		var o batch.ReviewOutcome
		var err error
		if act.Action == batch.Correct {
			o, err = a.correct(ctx, in, act, ra)
		} else {
			o, err = a.decide(ctx, in, act, ra)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	if _, err := a.DB.RecountBatch(ctx, in.BatchID); err != nil {
		return nil, err
	}
	return out, nil
}

// recordDecision keeps the signed decision behind a review and returns
// its ID ("" for a review recorded before decisions were signed).
func (a *Claims) recordDecision(ctx context.Context, in ReviewInput, workflowID string) (string, error) {
	if in.Decision.Note == "" {
		return "", nil
	}
	// The workflow's validator opened it with the public keys.
	d, err := decision.Read(in.Decision, nil)
	if err != nil {
		return "", err
	}
	id := store.DecisionID(d)
	err = a.DB.RecordDecision(ctx, store.SignedDecision{ID: id, Kind: d.Kind, Subject: workflowID, BatchID: in.BatchID,
		Actor: d.Actor, Role: d.Role, SignedAt: d.At, Note: in.Decision.Note})
	return id, err
}

func (a *Claims) decide(ctx context.Context, in ReviewInput, act batch.ReviewAction, ra store.ReviewAction) (batch.ReviewOutcome, error) {
	if act.Action != batch.Reject {
		// Approving or overriding means "send it": refuse when the 837P
		// cannot carry the claim, so staff fix it instead of losing it.
		rec, err := a.DB.Claim(ctx, in.BatchID, act.ClaimID)
		if err != nil {
			return batch.ReviewOutcome{}, err
		}
		env, err := a.envelope(ctx)
		if err != nil {
			return batch.ReviewOutcome{}, err
		}
		if env != nil {
			if err := x12.Check837P(env, &rec.Claim); err != nil {
				return batch.ReviewOutcome{ClaimID: act.ClaimID, State: rec.State, Tier: rec.Tier, Findings: len(rec.Findings),
					Error: "cannot be sent as an 837P (" + err.Error() + "): correct the claim or reject it"}, nil
			}
		}
	}
	ra.Action = act.Action
	err := a.DB.ApplyReview(ctx, ra)
	if err != nil {
		return batch.ReviewOutcome{}, err
	}
	state, _ := act.Action.State()
	return batch.ReviewOutcome{ClaimID: act.ClaimID, State: state, Resolved: true}, nil
}

// correct applies corrected values and re-scrubs. A value that cannot be
// read leaves the claim unchanged and pending, with the reason.
func (a *Claims) correct(ctx context.Context, in ReviewInput, act batch.ReviewAction, ra store.ReviewAction) (batch.ReviewOutcome, error) {
	rec, err := a.DB.Claim(ctx, in.BatchID, act.ClaimID)
	if err != nil {
		return batch.ReviewOutcome{}, err
	}
	o := batch.ReviewOutcome{ClaimID: act.ClaimID, State: rec.State, Tier: rec.Tier, Findings: len(rec.Findings)}
	fixed := rec.Claim
	fixed.Lines = append([]claim.Line(nil), rec.Claim.Lines...)
	var changes []store.FieldChange
	keys := make([]string, 0, len(act.Fields))
	for k := range act.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		field, line, err := parseFieldKey(k)
		if err == nil {
			var old string
			old, err = intake.Correct(&fixed, field, line, act.Fields[k], claim.DateOf(rec.CreatedAt))
			changes = append(changes, store.FieldChange{Field: field, Line: line, From: old, To: act.Fields[k]})
		}
		if err != nil {
			o.Error = fmt.Sprintf("%s: %v", k, err)
			return o, nil
		}
	}
	ra.Action, ra.Changes = batch.Correct, changes
	if err := a.DB.ApplyReview(ctx, ra); err != nil {
		return batch.ReviewOutcome{}, err
	}

	recs, err := a.rescrub(ctx, in.BatchID, []claim.Claim{fixed}, []store.ClaimRecord{rec})
	if err != nil {
		return batch.ReviewOutcome{}, err
	}
	rec = recs[0]
	if rec.State == batch.StateClean {
		rec.State = batch.StateCorrected
	}
	if err := a.DB.UpdateClaim(ctx, rec); err != nil {
		return batch.ReviewOutcome{}, err
	}
	return batch.ReviewOutcome{ClaimID: act.ClaimID, State: rec.State, Resolved: rec.Tier == scrub.TierClean,
		Tier: rec.Tier, Findings: len(rec.Findings)}, nil
}

// rescrub scrubs claims again (fixed versions of the stored records was,
// same order) with the batch around them, as the first scrub saw it: NCCI,
// MUE and duplicate checks look across claims. It returns the records to
// store, keeping each one's review fields and creation time.
func (a *Claims) rescrub(ctx context.Context, batchID string, fixed []claim.Claim, was []store.ClaimRecord) ([]store.ClaimRecord, error) {
	index := make(map[string]int, len(fixed))
	for i := range fixed {
		index[fixed[i].ID] = i
	}
	var around []claim.Claim
	at := make([]int, len(fixed))
	for i := range at {
		at[i] = -1
	}
	err := a.DB.EachClaim(ctx, store.ClaimFilter{BatchID: batchID}, func(r store.ClaimRecord) error {
		if i, ok := index[r.Claim.ID]; ok {
			at[i] = len(around)
			around = append(around, fixed[i])
			return nil
		}
		if r.State != batch.StateRejected {
			around = append(around, r.Claim)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	b, err := a.DB.Batch(ctx, batchID)
	if err != nil {
		return nil, err
	}
	asOf := claim.DateOf(b.CreatedAt)
	layout, err := a.layout(b)
	if err != nil {
		return nil, err
	}
	sctx, err := a.scrubContext(ctx, batchID, around, asOf)
	if err != nil {
		return nil, err
	}
	env, err := a.envelope(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]store.ClaimRecord, len(fixed))
	for i := range fixed {
		if at[i] < 0 {
			return nil, fmt.Errorf("claim %s vanished from batch %s", fixed[i].ID, batchID)
		}
		results := []scrub.Result{a.Scrubber.Rescrub(around, at[i], sctx)}
		scrubfile.Assess(fixed[i:i+1], results, nil, env)
		r := a.record(batchID, &fixed[i], results[0], layout)
		r.Reviewer, r.Reason, r.ReviewedAt, r.CreatedAt = was[i].Reviewer, was[i].Reason, was[i].ReviewedAt, was[i].CreatedAt
		out[i] = r
	}
	return out, nil
}

// RescrubForProviders re-scrubs the batch's claims still waiting for
// review that name a rendering NPI no provider was set up for when they
// were scrubbed, once providers have been added (the workflow's
// providers-changed signal). Claims that now pass become clean and need no
// one; the rest stay pending with their new findings. It records what the
// batch still needs set up and returns both.
func (a *Claims) RescrubForProviders(ctx context.Context, in BatchRef) (RescrubResult, error) {
	var waiting []store.ClaimRecord
	var fixed []claim.Claim
	err := a.DB.EachClaim(ctx, store.ClaimFilter{BatchID: in.BatchID, States: []batch.ReviewState{batch.StatePending}, WithFindings: true}, func(r store.ClaimRecord) error {
		if !needsProvider(r.Findings) {
			return nil
		}
		waiting = append(waiting, r)
		fixed = append(fixed, r.Claim)
		return nil
	})
	if err != nil {
		return RescrubResult{}, err
	}
	var res RescrubResult
	recs, err := a.rescrub(ctx, in.BatchID, fixed, waiting)
	if err != nil {
		return res, err
	}
	env, err := a.envelope(ctx)
	if err != nil {
		return res, err
	}
	var claims []claim.Claim
	var results []scrub.Result
	for i, rec := range recs {
		// Cells intake could not read are still unread: keep them holding.
		for _, f := range waiting[i].Findings {
			if f.RuleID == scrubfile.RuleUnreadable {
				rec.Findings = append(rec.Findings, f)
				rec.Tier, rec.State = scrub.TierHold, batch.StatePending
			}
		}
		if err := a.DB.UpdateClaim(ctx, rec); err != nil {
			return res, err
		}
		res.Outcomes = append(res.Outcomes, batch.ReviewOutcome{ClaimID: rec.Claim.ID, State: rec.State,
			Resolved: rec.Tier == scrub.TierClean, Tier: rec.Tier, Findings: len(rec.Findings)})
		claims = append(claims, rec.Claim)
		results = append(results, scrub.Result{Tier: rec.Tier})
	}
	res.ProvidersNeeded = scrubfile.ProvidersNeeded(env, claims, results)
	if err := a.DB.SetProviderNeeds(ctx, in.BatchID, res.ProvidersNeeded); err != nil {
		return res, err
	}
	if _, err := a.DB.RecountBatch(ctx, in.BatchID); err != nil {
		return res, err
	}
	a.log().Info("claims re-scrubbed after providers were set up", "batch_id", in.BatchID, "claims", len(recs),
		"providers_needed", len(res.ProvidersNeeded))
	return res, nil
}

// needsProvider reports whether a claim's findings include the 837P's
// refusal of a rendering provider without a name.
func needsProvider(fs []store.Finding) bool {
	for _, f := range fs {
		if f.RuleID == scrubfile.RuleNot837P && f.Field == claim.FieldRenderingNPI {
			return true
		}
	}
	return false
}

// parseFieldKey splits "line_charge@2" into the field and its line.
func parseFieldKey(k string) (claim.Field, int, error) {
	name, lineText, hasLine := strings.Cut(k, "@")
	f := claim.Field(name)
	if !hasLine {
		if claim.IsLineField(f) {
			return "", 0, errors.New("a line field needs its line number, e.g. " + name + "@1")
		}
		return f, 0, nil
	}
	n, err := strconv.Atoi(lineText)
	if err != nil || n < 1 {
		return "", 0, fmt.Errorf("line %q is not a line number", lineText)
	}
	return f, n, nil
}

// RemindReviewers fires when flagged claims have waited longer than the
// review reminder. It writes a warning (opaque IDs and counts only) for
// operators to route to the billing team's channel; the Temporal UI shows
// the reminder as an activity of the batch's run.
func (a *Claims) RemindReviewers(ctx context.Context, in ReminderInput) error {
	a.log().Warn("claims waiting for review", "batch_id", in.BatchID, "pending", in.Pending, "waiting", in.Waiting.String())
	return nil
}

// SetBatchStatus records a batch's new status.
func (a *Claims) SetBatchStatus(ctx context.Context, in StatusInput) error {
	return a.DB.SetBatchStatus(ctx, in.BatchID, in.Status, "")
}

// FinishBatch records the batch's final status and reason and returns
// its outcome as staff read it.
func (a *Claims) FinishBatch(ctx context.Context, in FinishInput) (batch.Outcome, error) {
	if err := a.DB.SetBatchStatus(ctx, in.BatchID, in.Status, in.Reason); err != nil {
		return batch.Outcome{}, err
	}
	c, err := a.DB.RecountBatch(ctx, in.BatchID)
	if err != nil {
		return batch.Outcome{}, err
	}
	a.log().Info("batch finished", "batch_id", in.BatchID, "status", in.Status, "unreviewed", in.Unreviewed)
	out := batch.Outcome{Claims: c.Claims, Clean: c.Clean, Submitted: c.Submitted, Accepted: c.Accepted,
		Rejected: c.PayerRejected, Unsubmitted: c.Claims - c.Submitted, ChargesHeld: c.ChargesHeld}
	if c.Claims > 0 {
		out.CleanClaimRate = float64(c.Clean) / float64(c.Claims)
	}
	return out, nil
}
