package activities

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// ErrFailedFile is the ApplicationError type of a file that cannot be read
// as a whole (not a spreadsheet, no header, missing columns, over limits).
// It is not retried: the batch fails with the message as the reason.
const ErrFailedFile = "FailedFile"

// BatchRef names the batch an activity works on.
type BatchRef struct {
	BatchID string `json:"batch_id"`
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
}

// FlaggedClaim is a claim waiting for review. Hold claims have errors:
// they can be overridden (with a reason), corrected or rejected, but not
// simply approved.
type FlaggedClaim struct {
	ID   string `json:"id"`
	Hold bool   `json:"hold,omitempty"`
}

// Review actions.
const (
	ActionApprove  = "approve"  // submit the claim as it is
	ActionOverride = "override" // submit despite errors; a reason is required
	ActionReject   = "reject"   // do not submit
	ActionCorrect  = "correct"  // change field values, then re-scrub
)

// ReviewAction is one reviewer decision on one claim.
type ReviewAction struct {
	ClaimID string `json:"claim_id"`
	Action  string `json:"action"`
	Reason  string `json:"reason,omitempty"`
	// Fields are the corrected values for "correct", by canonical column
	// name (claim.Field); line fields as "line_charge@2" for line 2.
	Fields map[string]string `json:"fields,omitempty"`
}

// Validate checks the action's shape (not whether the claim exists).
func (a ReviewAction) Validate() error {
	if strings.TrimSpace(a.ClaimID) == "" {
		return errors.New("claim_id is required")
	}
	switch a.Action {
	case ActionApprove, ActionReject:
	case ActionOverride:
		if strings.TrimSpace(a.Reason) == "" {
			return errors.New("override needs a reason (why the claim should go out despite its findings)")
		}
	case ActionCorrect:
		if len(a.Fields) == 0 {
			return errors.New("correct needs at least one field to change")
		}
		for k := range a.Fields {
			name, _, _ := strings.Cut(k, "@")
			if name == "" {
				return fmt.Errorf("field %q has no name", k)
			}
		}
	default:
		return fmt.Errorf("action %q is not one of approve, override, reject, correct", a.Action)
	}
	return nil
}

// ReviewInput is what ApplyReview gets from the workflow.
type ReviewInput struct {
	BatchID  string         `json:"batch_id"`
	Reviewer string         `json:"reviewer"`
	Actions  []ReviewAction `json:"actions"`
}

// ReviewOutcome is the result of one review action.
type ReviewOutcome struct {
	ClaimID string `json:"claim_id"`
	// State is the claim's review state afterwards: approved, overridden,
	// rejected, or pending (a correction that still has findings).
	State string `json:"state"`
	// Resolved is true when the claim no longer waits for review.
	Resolved bool `json:"resolved"`
	// Tier and Findings describe the claim after a correction's re-scrub.
	Tier     string `json:"tier,omitempty"`
	Findings int    `json:"findings"`
	// Error says why a correction could not be applied (e.g. a value that
	// cannot be read); the claim stays pending.
	Error string `json:"error,omitempty"`
}

// ReminderInput tells RemindReviewers what is waiting.
type ReminderInput struct {
	BatchID string        `json:"batch_id"`
	Pending int           `json:"pending"`
	Waiting time.Duration `json:"waiting"`
}

// SubmitResult counts what SubmitBatch sent.
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

// AckResult counts claims by their 277CA status.
type AckResult struct {
	Accepted int `json:"accepted"`
	Rejected int `json:"rejected"`
	Pending  int `json:"pending"`
}

// StatusInput records a batch status change.
type StatusInput struct {
	BatchID string `json:"batch_id"`
	Status  string `json:"status"`
}

// FinishInput records the end of a batch.
type FinishInput struct {
	BatchID    string `json:"batch_id"`
	Status     string `json:"status"`
	Reason     string `json:"reason,omitempty"`
	Unreviewed int    `json:"unreviewed"`
}

// BatchOutcome is a finished batch as staff read it.
type BatchOutcome struct {
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
