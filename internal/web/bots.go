package web

import (
	"context"
	"errors"
	"io"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/workflows"
)

// ClaimsBot is the front door of the claims bot (package claimsbot
// implements it over Temporal). The web app reads lists, findings, claims
// and the review log straight from the store and asks the bot for whatever
// starts or changes work, or needs the stored upload.
//
// Errors: a wrapped store.ErrNotFound means no such batch (404). An error
// with a UserMessage() string method is the user's to fix — a refused file,
// a review the workflow's validator rejected — and its message is shown as
// it is (422); it must carry no PHI. Anything else is an internal error
// (500, logged, not shown).
type ClaimsBot interface {
	// SubmitBatch stores the upload encrypted, creates the batch and starts
	// its ClaimsBatch workflow. A file that is not xlsx/csv or is over
	// limits fails fast with a user error. Read errors from file are
	// returned wrapped (the web app limits the upload's size by failing
	// the reader).
	SubmitBatch(ctx context.Context, file io.Reader, fileName string, uploadedBy string) (store.Batch, error)
	// Progress is the running workflow's progress query.
	Progress(ctx context.Context, batchID string) (workflows.BatchProgress, error)
	// Review sends the review Update and returns its outcomes.
	Review(ctx context.Context, batchID, reviewer string, actions []activities.ReviewAction) ([]activities.ReviewOutcome, error)
	// WriteAnnotated writes the annotated workbook (xlsx).
	WriteAnnotated(ctx context.Context, batchID string, w io.Writer) error
	// Write837P writes the batch's submitted 837P interchanges.
	Write837P(ctx context.Context, batchID string, w io.Writer) error
	// DeleteBatch removes the upload and everything stored for the batch.
	DeleteBatch(ctx context.Context, batchID string) error
}

// EligibilityBot is the front door of the eligibility bot. Errors follow
// ClaimsBot's conventions.
type EligibilityBot interface {
	// Check runs the EligibilityCheck workflow for one patient and date
	// and waits for its stored result.
	Check(ctx context.Context, req eligibility.Request, requestedBy string) (store.EligibilityResult, error)
	// SweepResults returns the latest sweep for a date of service and its
	// results, problems first (store.ErrNotFound when there was none).
	// The results' Result field holds the eligibility.Result model as
	// JSON, decrypted if it was stored encrypted.
	SweepResults(ctx context.Context, date claim.Date) (store.Sweep, []store.EligibilityResult, error)
	// WriteWorklist writes the front-desk worklist (xlsx) for a date.
	WriteWorklist(ctx context.Context, date claim.Date, w io.Writer) error
}

// userError is an error whose message is meant for the person who caused
// it (claimsbot.FileError and the review validator's rejections).
type userError interface{ UserMessage() string }

// userMessage returns the user-facing message of err, if it has one.
func userMessage(err error) (string, bool) {
	var ue userError
	if errors.As(err, &ue) {
		return ue.UserMessage(), true
	}
	return "", false
}
