// Package batch is the claims bot's vocabulary for a batch of claims: the
// statuses a batch moves through, the review state of each flagged claim,
// the decisions reviewers make and what came of them, and the figures
// staff read while the batch runs and when it ends.
//
// The workflow, its activities, the store, the front door, the web app and
// the CLI all speak these types; none of them defines its own spelling of
// a status. The package imports no Temporal, HTTP or SQL.
package batch

import (
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/scrub"
)

// Status is where a claims batch is in its workflow, as the store, the
// REST API and the BatchStatus search attribute show it.
type Status string

// The batch statuses, in workflow order (failed can follow any).
const (
	Parsing        Status = "parsing"
	Scrubbing      Status = "scrubbing"
	AwaitingReview Status = "awaiting_review"
	Submitting     Status = "submitting"
	Completed      Status = "completed"
	Failed         Status = "failed"
)

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool {
	switch s {
	case Parsing, Scrubbing, AwaitingReview, Submitting, Completed, Failed:
		return true
	}
	return false
}

// Finished reports whether the batch's workflow has ended.
func (s Status) Finished() bool { return s == Completed || s == Failed }

// Reading reports whether the file is still being read or scrubbed (pages
// poll until it is not).
func (s Status) Reading() bool { return s == Parsing || s == Scrubbing }

// ReviewState is where a claim stands with the reviewers.
type ReviewState string

// The review states. A clean claim needs no review; a flagged one is
// pending until a reviewer approves, overrides, rejects or corrects it.
const (
	StateClean      ReviewState = "clean"
	StatePending    ReviewState = "pending"
	StateApproved   ReviewState = "approved"
	StateOverridden ReviewState = "overridden"
	StateRejected   ReviewState = "rejected"
	StateCorrected  ReviewState = "corrected"
)

// Valid reports whether s is one of the review states.
func (s ReviewState) Valid() bool {
	switch s {
	case StateClean, StatePending, StateApproved, StateOverridden, StateRejected, StateCorrected:
		return true
	}
	return false
}

// Action is what a reviewer does with a flagged claim.
type Action string

// The review actions.
const (
	Approve  Action = "approve"  // submit the claim as it is
	Override Action = "override" // submit despite errors; a reason is required
	Reject   Action = "reject"   // do not submit
	Correct  Action = "correct"  // change field values, then re-scrub
)

// State returns the review state an action leaves a claim in (a
// correction that still has findings leaves it pending instead: the
// re-scrub decides).
func (a Action) State() (ReviewState, bool) {
	switch a {
	case Approve:
		return StateApproved, true
	case Override:
		return StateOverridden, true
	case Reject:
		return StateRejected, true
	case Correct:
		return StateCorrected, true
	}
	return "", false
}

// ReviewAction is one reviewer decision on one claim.
type ReviewAction struct {
	ClaimID string `json:"claim_id"`
	Action  Action `json:"action"`
	Reason  string `json:"reason,omitempty"`
	// Fields are the corrected values for "correct", by canonical column
	// name (claim.Field); line fields as "line_charge@2" for line 2.
	Fields map[string]string `json:"fields,omitempty"`
}

// Validate checks the action's shape (not whether the claim exists or
// waits for review: the workflow's validator knows that). Its errors are
// fault.Invalid, worded for the reviewer.
func (a ReviewAction) Validate() error {
	if strings.TrimSpace(a.ClaimID) == "" {
		return fault.Errorf(fault.Invalid, "claim_id is required")
	}
	switch a.Action {
	case Approve, Reject:
	case Override:
		if strings.TrimSpace(a.Reason) == "" {
			return fault.Errorf(fault.Invalid, "override needs a reason (why the claim should go out despite its findings)")
		}
	case Correct:
		if len(a.Fields) == 0 {
			return fault.Errorf(fault.Invalid, "correct needs at least one field to change")
		}
		for k := range a.Fields {
			name, _, _ := strings.Cut(k, "@")
			if name == "" {
				return fault.Errorf(fault.Invalid, "field %q has no name", k)
			}
		}
	default:
		return fault.Errorf(fault.Invalid, "action %q is not one of approve, override, reject, correct", a.Action)
	}
	return nil
}

// DecisionReview is the kind of a reviewer's signed decision (package
// decision): its payload is a Review, its subject the batch's workflow ID.
const DecisionReview decision.Kind = "claims.review"

// DecisionCloseReview is the kind of a signed decision to stop waiting for
// review (its payload is empty): claims still unreviewed stay unsubmitted.
const DecisionCloseReview decision.Kind = "claims.close-review"

// Review is one reviewer's actions on one batch's flagged claims, as the
// front door signs them: the payload of a DecisionReview decision.
type Review struct {
	Actions []ReviewAction `json:"actions"`
}

// ReviewOutcome is the result of one review action.
type ReviewOutcome struct {
	ClaimID string `json:"claim_id"`
	// State is the claim's review state afterwards: approved, overridden,
	// rejected, or pending (a correction that still has findings).
	State ReviewState `json:"state"`
	// Resolved is true when the claim no longer waits for review.
	Resolved bool `json:"resolved"`
	// Tier and Findings describe the claim after a correction's re-scrub.
	Tier     scrub.Tier `json:"tier,omitempty"`
	Findings int        `json:"findings"`
	// Error says why the action could not be applied (a value that cannot
	// be read, a claim the 837P cannot carry); the claim stays pending.
	Error string `json:"error,omitempty"`
}

// ParseResult counts what intake read from the uploaded file.
type ParseResult struct {
	Claims    int `json:"claims"`
	Lines     int `json:"lines"`
	RowErrors int `json:"row_errors"`
	// Held is the number of claims with row errors (held for review).
	Held int `json:"held"`
}

// ScrubResult summarises the reading and scrubbing of a batch.
type ScrubResult struct {
	Parse         ParseResult `json:"parse"`
	Claims        int         `json:"claims"`
	Clean         int         `json:"clean"`
	FlaggedCount  int         `json:"flagged"`
	Errors        int         `json:"errors"`
	Warnings      int         `json:"warnings"`
	ChargesAtRisk claim.Money `json:"charges_at_risk"`
	// Flagged lists the claims that wait for review (opaque IDs only).
	Flagged []FlaggedClaim `json:"flagged_ids,omitempty"`
	// ProvidersNeeded are the rendering NPIs to set up (one message for
	// the batch, not one per claim).
	ProvidersNeeded []ProviderNeed `json:"providers_needed,omitempty"`
}

// ProviderNeed is a rendering NPI a batch's claims name that no provider
// set up in rcmbot (or practice.yaml) names: its claims are held until
// someone adds the provider, then re-scrubbed.
type ProviderNeed struct {
	NPI    string `json:"npi"`
	Claims int    `json:"claims"` // claims held for it
}

// FlaggedClaim is a claim waiting for review. Hold claims have errors:
// they can be overridden (with a reason), corrected or rejected, but not
// simply approved.
type FlaggedClaim struct {
	ID   string `json:"id"`
	Hold bool   `json:"hold,omitempty"`
}

// SubmitResult counts what the submission sent.
type SubmitResult struct {
	Interchanges int `json:"interchanges"`
	Claims       int `json:"claims"`
	// Accepted999 and Rejected999 count interchanges by their 999.
	Accepted999 int `json:"accepted_999"`
	Rejected999 int `json:"rejected_999"`
	// ClaimsCharge is the total charge of the submitted claims.
	ClaimsCharge claim.Money `json:"claims_charge"`
	// Unsubmittable counts approved claims the 837P cannot carry: they
	// stay unsubmitted (review refuses to approve such claims).
	Unsubmittable int `json:"unsubmittable,omitempty"`
	// Ledgered is how many of the batch's claims the submission ledger
	// holds after this run: those it sent and those an earlier attempt sent
	// before its worker died (a retry sends only the rest). They are the
	// claims whose 277CA the workflow collects.
	Ledgered int `json:"ledgered,omitempty"`
}

// WorkItemKind is the kind of the work items the claims bot opens (a 277CA
// status category it cannot read, say).
const WorkItemKind = "claims"

// AckResult counts claims by their 277CA status.
type AckResult struct {
	Accepted int `json:"accepted"`
	Rejected int `json:"rejected"`
	Pending  int `json:"pending"`
}

// Outcome is a finished batch as staff read it.
type Outcome struct {
	Claims int `json:"claims"`
	Clean  int `json:"clean"`
	// CleanClaimRate is clean ÷ claims: the share that needed no one (0–1).
	CleanClaimRate float64 `json:"clean_claim_rate"`
	Submitted      int     `json:"submitted"`
	Accepted       int     `json:"accepted"`
	Rejected       int     `json:"rejected"` // by the clearinghouse or payer (999/277CA)
	// Unsubmitted are claims rejected by reviewers, never reviewed, or not
	// writable as 837P; ChargesHeld their charges.
	Unsubmitted int         `json:"unsubmitted"`
	ChargesHeld claim.Money `json:"charges_held"`
}

// Progress is where a running batch is (the workflow's progress query)
// and, once it ends, the workflow's result.
type Progress struct {
	BatchID string `json:"batch_id"`
	Status  Status `json:"status"`
	Reason  string `json:"reason,omitempty"` // why the batch failed

	Scrub  ScrubResult  `json:"scrub"`
	Submit SubmitResult `json:"submit"`
	Acks   AckResult    `json:"acks"`

	// PendingReview is the number of flagged claims still waiting for a
	// reviewer; Unreviewed those given up on at the deadline.
	PendingReview int  `json:"pending_review"`
	Unreviewed    int  `json:"unreviewed"`
	Reminded      bool `json:"reminded"`

	// Outcome is the finished batch's figures; Links where staff see it.
	Outcome Outcome `json:"outcome"`
	Links   Links   `json:"links"`
}

// Links point at a batch in the web app and the Temporal UI.
type Links struct {
	Web      string `json:"web,omitempty"`
	Temporal string `json:"temporal,omitempty"`
}
