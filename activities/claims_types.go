package activities

import (
	"time"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/decision"
)

// ApplicationError types of the claims activities
// (temporal.ApplicationError.Type): the workflow and its retry policies
// name them, never string literals.
const (
	// ErrFailedFile is a file that cannot be read as a whole (not a
	// spreadsheet, no header, missing columns, over limits). It is not
	// retried: the batch fails with the message as the reason.
	ErrFailedFile = "FailedFile"
	// ErrUnsubmittable is a set of approved claims the 837P writer
	// refused after they passed the 837P check: a defect, not retried.
	ErrUnsubmittable = "Unsubmittable"
	// ErrClearinghouseRefused is a permanent refusal by the
	// clearinghouse (4xx, an unreadable answer). Not retried.
	ErrClearinghouseRefused = "ClearinghouseRefused"
	// ErrClearinghouseBusy is a clearinghouse that asked to be asked
	// again later; its NextRetryDelay carries the Retry-After.
	ErrClearinghouseBusy = "ClearinghouseBusy"
)

// BatchRef names the batch an activity works on.
type BatchRef struct {
	BatchID string `json:"batch_id"`
}

// ScrubInput starts the scrub of a batch. AsOf is "today" in the
// practice's time zone when the workflow started, so a retried activity
// judges dates of service exactly as the first attempt did.
type ScrubInput struct {
	BatchID string     `json:"batch_id"`
	AsOf    claim.Date `json:"as_of"`
}

// ReviewInput is what ApplyReview gets from the workflow. Reviewer and
// Role are the actor of the signed decision the workflow's validator
// opened; Decision is that decision, kept in the review log as evidence
// (empty only for reviews recorded before decisions were signed).
type ReviewInput struct {
	BatchID  string               `json:"batch_id"`
	Reviewer string               `json:"reviewer"`
	Role     string               `json:"role,omitempty"`
	Actions  []batch.ReviewAction `json:"actions"`
	Decision decision.Signed      `json:"decision,omitzero"`
}

// ReminderInput tells RemindReviewers what is waiting.
type ReminderInput struct {
	BatchID string        `json:"batch_id"`
	Pending int           `json:"pending"`
	Waiting time.Duration `json:"waiting"`
}

// StatusInput records a batch status change.
type StatusInput struct {
	BatchID string       `json:"batch_id"`
	Status  batch.Status `json:"status"`
}

// FinishInput records the end of a batch.
type FinishInput struct {
	BatchID    string       `json:"batch_id"`
	Status     batch.Status `json:"status"`
	Reason     string       `json:"reason,omitempty"`
	Unreviewed int          `json:"unreviewed"`
}

// RescrubResult is what RescrubForProviders did: the re-scrubbed claims'
// outcomes (shaped like a review's) and the rendering NPIs the batch still
// needs set up.
type RescrubResult struct {
	Outcomes        []batch.ReviewOutcome `json:"outcomes"`
	ProvidersNeeded []batch.ProviderNeed  `json:"providers_needed,omitempty"`
}
