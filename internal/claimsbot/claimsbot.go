// Package claimsbot is the front door of the claims bot, used by the REST
// API, the web app and the CLI: it accepts an upload (stored encrypted:
// the workflow carries only the batch ID), starts the batch's ClaimsBatch
// workflow, sends reviewers' decisions as the workflow's review Update,
// asks for progress, and produces the annotated workbook and the 837P.
package claimsbot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/blob"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/decision"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/intake"
	"github.com/rcmbot/rcmbot/internal/opaqueid"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/scrubfile"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/internal/workbook"
	"github.com/rcmbot/rcmbot/workflows"
)

// Service starts and steers claims batches.
type Service struct {
	DB       *store.DB
	Blobs    *blob.Store
	Temporal client.Client
	// Intake bounds uploads; the same limits the activity applies.
	Intake intake.Options
	// Location is the practice's time zone: "today" for date edits.
	Location *time.Location
	// ReviewReminder and ReviewDeadline go to each batch's workflow.
	ReviewReminder, ReviewDeadline time.Duration
	// AckPollInterval is how often the workflow asks for 277CAs (0 = its default).
	AckPollInterval time.Duration
	// PublicURL, TemporalUIURL and Namespace make the links a batch's
	// result and Temporal page show.
	PublicURL, TemporalUIURL, Namespace string
	// Decisions signs reviewers' decisions: the workflow acts only on a
	// review signed by a key its workers accept. Nil refuses reviews.
	Decisions *decision.Signer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// TaskQueue is the claims bot's task queue: its workers listen there and
// its batches start there (internal/bots declares it).
const TaskQueue = "claims"

// WorkflowID returns the ClaimsBatch workflow ID of a batch (opaque: no PHI).
func WorkflowID(batchID string) string { return "claims-batch-" + batchID }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// SubmitBatch checks that the upload is a claims spreadsheet rcmbot can
// read (type, limits, header, required columns), stores it encrypted,
// creates the batch and starts its workflow. Row-level problems are not
// checked here: they become findings in the batch. A file refused as a
// whole is a fault.Invalid error whose message (intake's reason) is for
// the person who uploaded it.
func (s *Service) SubmitBatch(ctx context.Context, file io.Reader, fileName, uploadedBy string) (store.Batch, error) {
	limits := s.Intake.Limits
	max := limits.MaxBytes
	if max <= 0 {
		max = intake.DefaultLimits.MaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(file, max+1))
	if err != nil {
		return store.Batch{}, fmt.Errorf("read upload: %w", err)
	}
	if int64(len(data)) > max {
		return store.Batch{}, fault.Errorf(fault.Invalid, "%s is larger than the %d MB upload limit: split it into smaller files", fileName, max>>20)
	}
	r, err := intake.NewReader(bytes.NewReader(data), int64(len(data)), fileName, s.Intake)
	if err != nil {
		var fe *intake.FileError
		if errors.As(err, &fe) {
			return store.Batch{}, fault.Wrap(err, fault.Invalid, "%s", fe.Error())
		}
		return store.Batch{}, err
	}
	r.Close()
	ref, _, err := s.Blobs.Put(ctx, "upload", bytes.NewReader(data))
	if err != nil {
		return store.Batch{}, fmt.Errorf("store upload: %w", err)
	}
	id := opaqueid.New("b-")
	b, err := s.DB.CreateBatch(ctx, store.NewBatch{ID: id, FileName: fileName, UploadRef: ref, WorkflowID: WorkflowID(id), UploadedBy: uploadedBy})
	if err != nil {
		_ = s.Blobs.Delete(ref)
		return store.Batch{}, err
	}
	in := workflows.ClaimsBatchInput{BatchID: id, ReviewReminder: s.ReviewReminder, ReviewDeadline: s.ReviewDeadline,
		AckPollInterval: s.AckPollInterval, AsOf: claim.DateOf(s.now().In(s.location())), Links: s.links(id)}
	_, err = s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:            WorkflowID(id),
		TaskQueue:     TaskQueue,
		StaticSummary: "Claims batch " + id,
		TypedSearchAttributes: temporal.NewSearchAttributes(temporalx.AttrBot.ValueSet(workflows.ClaimsBot),
			temporalx.AttrBatchID.ValueSet(id), temporalx.AttrBatchStatus.ValueSet(string(batch.Parsing))),
	}, workflows.ClaimsBatchWorkflow, in)
	if err != nil {
		_ = s.DB.SetBatchStatus(ctx, id, batch.Failed, "the claims bot could not be started: try again")
		return b, fault.Wrap(err, fault.Unavailable, "The claims bot could not be started for batch %s: try again in a minute.", id)
	}
	return b, nil
}

// links returns where staff see a batch.
func (s *Service) links(batchID string) batch.Links {
	var l batch.Links
	if s.PublicURL != "" {
		l.Web = strings.TrimRight(s.PublicURL, "/") + "/batches/" + batchID
	}
	if s.TemporalUIURL != "" {
		l.Temporal = temporalx.UILink(s.TemporalUIURL, s.Namespace, WorkflowID(batchID))
	}
	return l
}

func (s *Service) location() *time.Location {
	if s.Location != nil {
		return s.Location
	}
	return time.UTC
}

// Progress asks the batch's workflow for its progress.
func (s *Service) Progress(ctx context.Context, batchID string) (batch.Progress, error) {
	var p batch.Progress
	v, err := s.Temporal.QueryWorkflow(ctx, WorkflowID(batchID), "", workflows.QueryProgress)
	if err != nil {
		return p, fmt.Errorf("progress of batch %s: %w", batchID, err)
	}
	return p, v.Get(&p)
}

// Review signs a reviewer's actions as a decision (who, when, which
// batch, what) and sends it to the batch's workflow as its review Update,
// then waits for the outcomes. reviewer and role are the identity the
// caller authenticated (the web app's signed-in user, the CLI's user):
// the workflow records the signed actor, so only a front door holding
// the signing key can name one. Actions the workflow's validator refuses,
// and a batch no longer open for review, come back as fault.Invalid with
// the reason for the reviewer.
func (s *Service) Review(ctx context.Context, batchID, reviewer, role string, actions []batch.ReviewAction) ([]batch.ReviewOutcome, error) {
	if s.Decisions == nil {
		return nil, fault.Errorf(fault.Unavailable, "Reviews cannot be sent: this rcmbot has no key to sign decisions with (RCMBOT_DECISION_KEY). Tell your rcmbot administrator.")
	}
	signed, err := s.Decisions.Sign(batch.DecisionReview, WorkflowID(batchID), reviewer, role, batch.Review{Actions: actions})
	if err != nil {
		return nil, fmt.Errorf("review batch %s: %w", batchID, err)
	}
	var out []batch.ReviewOutcome
	if err := temporalx.UpdateDecision(ctx, s.Temporal, WorkflowID(batchID), workflows.UpdateReview, workflows.ReviewRequest{Decision: signed}, &out,
		fmt.Sprintf("batch %s is no longer open for review", batchID)); err != nil {
		return nil, err
	}
	return out, nil
}

// CloseReview signs actor's decision to stop waiting for review and sends
// it as the batch's close-review signal: claims still unreviewed stay
// unsubmitted and the batch goes on to submit the rest. The workflow
// ignores the signal unless the decision is signed.
func (s *Service) CloseReview(ctx context.Context, batchID, actor, role string) error {
	if s.Decisions == nil {
		return fault.Errorf(fault.Unavailable, "The review cannot be closed: this rcmbot has no key to sign decisions with (RCMBOT_DECISION_KEY). Tell your rcmbot administrator.")
	}
	signed, err := s.Decisions.Sign(batch.DecisionCloseReview, WorkflowID(batchID), actor, role, struct{}{})
	if err != nil {
		return fmt.Errorf("close review of batch %s: %w", batchID, err)
	}
	err = s.Temporal.SignalWorkflow(ctx, WorkflowID(batchID), "", workflows.SignalCloseReview, workflows.CloseReviewRequest{Decision: signed})
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return fault.Wrap(err, fault.Invalid, "batch %s is no longer open for review", batchID)
	}
	if err != nil {
		return fmt.Errorf("close review of batch %s: %w", batchID, err)
	}
	return nil
}

// WriteAnnotated writes the annotated workbook: the upload with every
// finding's cell marked, a Findings sheet and a Summary sheet, from the
// findings as they stand now (corrections included).
func (s *Service) WriteAnnotated(ctx context.Context, batchID string, w io.Writer) error {
	b, err := s.DB.Batch(ctx, batchID)
	if err != nil {
		return err
	}
	if b.UploadRef == "" {
		return fault.Errorf(fault.Invalid, "the upload of batch %s is no longer stored (retention period over)", batchID)
	}
	rc, err := s.Blobs.Open(b.UploadRef)
	if err != nil {
		return fmt.Errorf("open upload of batch %s: %w", batchID, err)
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return fmt.Errorf("read upload of batch %s: %w", batchID, err)
	}
	r, err := intake.NewReader(bytes.NewReader(data), int64(len(data)), b.FileName, s.Intake)
	if err != nil {
		return fmt.Errorf("read layout of batch %s: %w", batchID, err)
	}
	layout := r.Layout()
	r.Close()
	// Claims stream past: only their marks and the tally stay in memory.
	var tally scrubfile.Tally
	var marks []workbook.Mark
	err = s.DB.EachClaim(ctx, store.ClaimFilter{BatchID: batchID, WithFindings: true}, func(rec store.ClaimRecord) error {
		r := resultOf(rec)
		tally.Add(&rec.Claim, &r)
		marks = scrubfile.AppendMarks(marks, &r)
		return nil
	})
	if err != nil {
		return err
	}
	rows, err := s.DB.RowErrors(ctx, batchID, store.All)
	if err != nil {
		return err
	}
	var orphans []intake.RowError
	for _, e := range rows {
		if e.ClaimID == "" {
			orphans = append(orphans, intake.RowError{Sheet: e.Sheet, Row: e.Row, Column: e.Column, Header: e.Header, Value: e.Value, Message: e.Message})
		}
	}
	return workbook.Write(w, workbook.Input{Original: bytes.NewReader(data), Size: int64(len(data)), Layout: layout,
		Marks: marks, RowErrors: orphans, Summary: tally.Workbook(),
		MaxUnzippedBytes: s.Intake.Limits.MaxUnzippedBytes})
}

// resultOf turns a stored claim back into the scorer's verdict shape.
func resultOf(rec store.ClaimRecord) scrub.Result {
	r := scrub.Result{ClaimID: rec.Claim.ID, Score: rec.Score, Tier: rec.Tier}
	for _, f := range rec.Findings {
		r.Findings = append(r.Findings, scrub.Finding{ClaimID: rec.Claim.ID, Line: f.Line, Category: scrub.Category(f.Category),
			RuleID: f.RuleID, Severity: f.Severity, Field: f.Field, Message: f.Message, Fix: f.Fix,
			CARC: f.CARC, Points: f.Points, Row: f.Row})
	}
	return r
}

// Write837P writes every 837P interchange submitted for the batch, one
// after the other (a file may hold several interchanges).
func (s *Service) Write837P(ctx context.Context, batchID string, w io.Writer) error {
	ics, err := s.DB.Interchanges(ctx, batchID, "")
	if err != nil {
		return err
	}
	if len(ics) == 0 {
		return fault.Errorf(fault.Invalid, "batch %s has submitted no claims yet", batchID)
	}
	for _, ic := range ics {
		if _, err := io.WriteString(w, ic.Content); err != nil {
			return err
		}
	}
	return nil
}

// DeleteBatch stops the batch's workflow if it still runs, deletes the
// stored upload and everything the database holds for the batch.
func (s *Service) DeleteBatch(ctx context.Context, batchID string) error {
	b, err := s.DB.Batch(ctx, batchID)
	if err != nil {
		return err
	}
	err = s.Temporal.TerminateWorkflow(ctx, WorkflowID(batchID), "", "batch deleted by staff")
	var nf *serviceerror.NotFound
	if err != nil && !errors.As(err, &nf) {
		return fmt.Errorf("stop the workflow of batch %s: %w", batchID, err)
	}
	if b.UploadRef != "" {
		if err := s.Blobs.Delete(b.UploadRef); err != nil {
			return err
		}
	}
	return s.DB.DeleteBatch(ctx, batchID)
}
