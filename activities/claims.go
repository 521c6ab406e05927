package activities

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/blob"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/intake"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/scrubfile"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/x12"
)

// ClaimsStore is what the claims activities need of the database.
type ClaimsStore interface {
	Batch(ctx context.Context, id string) (store.Batch, error)
	SetBatchStatus(ctx context.Context, id string, status batch.Status, reason string) error
	SetBatchCounts(ctx context.Context, id string, c store.BatchCounts) error
	RecountBatch(ctx context.Context, id string) (store.BatchCounts, error)
	SaveClaims(ctx context.Context, batchID string, chunkIndex int, recs []store.ClaimRecord) error
	SaveRowErrors(ctx context.Context, batchID string, chunkIndex int, errs []store.RowError) error
	Claim(ctx context.Context, batchID, claimID string) (store.ClaimRecord, error)
	EachClaim(ctx context.Context, f store.ClaimFilter, fn func(store.ClaimRecord) error) error
	UpdateClaim(ctx context.Context, rec store.ClaimRecord) error
	ApplyReview(ctx context.Context, a store.ReviewAction) error
	RecordDecision(ctx context.Context, sd store.SignedDecision) error
	HistoryForPatients(ctx context.Context, excludeBatchID string, patientKeys []string, from, to claim.Date) ([]store.HistoryRow, error)
	LatestCoverage(ctx context.Context, payerID, memberKey string, dos claim.Date) (store.EligibilityResult, error)
	PatientRecords(ctx context.Context, keys []string) (map[string]claim.PatientRecord, error)
	MergePatientRecords(ctx context.Context, recs map[string]claim.PatientRecord) error
	SetProviderNeeds(ctx context.Context, batchID string, needs []batch.ProviderNeed) error
}

// Claims holds the claims bot's activities.
type Claims struct {
	DB    ClaimsStore
	Blobs *blob.Store
	Ring  *keyring.Ring
	// Intake bounds what an uploaded file may cost (size, rows, zip bombs).
	Intake intake.Options
	// Scrubber scores claims; it is safe for concurrent use.
	Scrubber *scrub.Scrubber
	// ChunkSize is how many claims are saved per transaction and heartbeat
	// (0 = 500).
	ChunkSize int
	// Submit is how claims reach the clearinghouse; the scrub also uses
	// its envelope to check that each claim can be written as an 837P.
	Submit *Submission
	Log    *slog.Logger
}

func (a *Claims) chunkSize() int {
	if a.ChunkSize > 0 {
		return a.ChunkSize
	}
	return 500
}

// ScrubBatch reads the uploaded file, scrubs every claim with the batch
// and stored history as context, and saves claims, findings and row
// errors chunk by chunk. It heartbeats the number of chunks saved; a retry
// reads and scrubs again (deterministically: same file, same AsOf, history
// that excludes this batch) and saves only the chunks not yet saved.
//
// A file that cannot be used as a whole fails with the non-retryable
// ErrFailedFile and a reason staff can act on.
func (a *Claims) ScrubBatch(ctx context.Context, in ScrubInput) (batch.ScrubResult, error) {
	b, err := a.DB.Batch(ctx, in.BatchID)
	if err != nil {
		return batch.ScrubResult{}, err
	}
	claims, rowErrs, stats, err := a.readUpload(ctx, b, in.AsOf)
	if err != nil {
		return batch.ScrubResult{}, err
	}
	if err := a.DB.SetBatchStatus(ctx, b.ID, batch.Scrubbing, ""); err != nil {
		return batch.ScrubResult{}, err
	}
	held := intake.HeldClaims(rowErrs)
	if err := a.keepPatients(ctx, claims, held); err != nil {
		return batch.ScrubResult{}, err
	}
	sctx, err := a.scrubContext(ctx, b.ID, claims, in.AsOf)
	if err != nil {
		return batch.ScrubResult{}, err
	}
	report := a.Scrubber.Scrub(claims, sctx)

	env, err := a.envelope(ctx)
	if err != nil {
		return batch.ScrubResult{}, err
	}
	scrubfile.Assess(claims, report.Results, rowErrs, env)
	res := batch.ScrubResult{Parse: batch.ParseResult{Claims: stats.Claims, Lines: stats.Lines, RowErrors: len(rowErrs), Held: len(held)},
		ProvidersNeeded: scrubfile.ProvidersNeeded(env, claims, report.Results)}
	for i := range claims {
		if t := report.Results[i].Tier; t != scrub.TierClean {
			res.Flagged = append(res.Flagged, batch.FlaggedClaim{ID: claims[i].ID, Hold: t == scrub.TierHold})
		}
	}

	start := 0
	if activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &start); err != nil {
			start = 0
		}
	}
	// Records are built a chunk at a time: memory holds the claims once.
	size := a.chunkSize()
	recs := make([]store.ClaimRecord, 0, size)
	for i, c := 0, 0; i < len(claims); i, c = i+size, c+1 {
		if c < start {
			continue
		}
		recs = recs[:0]
		for j := i; j < min(i+size, len(claims)); j++ {
			recs = append(recs, a.record(b.ID, &claims[j], report.Results[j], stats.layout))
		}
		if err := a.DB.SaveClaims(ctx, b.ID, c, recs); err != nil {
			return batch.ScrubResult{}, fmt.Errorf("save claims chunk %d: %w", c, err)
		}
		activity.RecordHeartbeat(ctx, c+1)
	}
	for i, c := 0, 0; i < len(rowErrs); i, c = i+size, c+1 {
		if err := a.DB.SaveRowErrors(ctx, b.ID, c, storeRowErrors(rowErrs[i:min(i+size, len(rowErrs))])); err != nil {
			return batch.ScrubResult{}, fmt.Errorf("save row errors chunk %d: %w", c, err)
		}
	}
	if err := a.DB.SetProviderNeeds(ctx, b.ID, res.ProvidersNeeded); err != nil {
		return batch.ScrubResult{}, err
	}
	counts, err := a.DB.RecountBatch(ctx, b.ID)
	if err != nil {
		return batch.ScrubResult{}, err
	}
	res.Claims, res.Clean, res.FlaggedCount = counts.Claims, counts.Clean, counts.Flagged
	res.Errors, res.Warnings, res.ChargesAtRisk = counts.Errors, counts.Warnings, counts.ChargesAtRisk
	a.log().Info("batch scrubbed", "batch_id", b.ID, "claims", res.Claims, "flagged", res.FlaggedCount, "row_errors", len(rowErrs),
		"providers_needed", len(res.ProvidersNeeded))
	return res, nil
}

// keepPatients fills what each claim leaves blank (the patient's
// address, the member ID, the insured …) from the patient records of
// earlier uploads and of this file, matched on the practice's account
// number or the payer and member ID (never the name), and stores the
// records with what this file adds. Claims held by row errors fill but do
// not add. Merging is idempotent, so a retried scrub fills the same.
func (a *Claims) keepPatients(ctx context.Context, claims []claim.Claim, held map[string]bool) error {
	keys := make([]string, len(claims))
	var lookup []string
	for i := range claims {
		if keys[i] = claim.RecordKey(a.Ring, &claims[i]); keys[i] != "" {
			lookup = append(lookup, keys[i])
		}
	}
	if len(lookup) == 0 {
		return nil
	}
	known, err := a.DB.PatientRecords(ctx, lookup)
	if err != nil {
		return err
	}
	news := map[string]claim.PatientRecord{}
	for i, k := range keys {
		if k == "" || held[claims[i].ID] {
			continue
		}
		got := claim.RecordOf(&claims[i])
		r, n := known[k], news[k]
		r.Merge(got)
		n.Merge(got)
		known[k], news[k] = r, n
	}
	for i, k := range keys {
		if r, ok := known[k]; ok && k != "" {
			claims[i].Filled = r.Fill(&claims[i])
		}
	}
	return a.DB.MergePatientRecords(ctx, news)
}

// readStats is what readUpload learned besides the claims.
type readStats struct {
	intake.Stats
	layout *intake.Layout
}

// readUpload decrypts the batch's upload into memory (uploads are bounded
// by the upload limit) and reads every claim from it.
func (a *Claims) readUpload(ctx context.Context, b store.Batch, asOf claim.Date) ([]claim.Claim, []intake.RowError, readStats, error) {
	if b.UploadRef == "" {
		return nil, nil, readStats{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("the upload of batch %s is no longer stored (retention period over): upload the file again", b.ID), ErrFailedFile, nil)
	}
	data, err := a.upload(b)
	if err != nil {
		return nil, nil, readStats{}, err
	}
	opts := a.Intake
	opts.AsOf = asOf
	r, err := intake.NewReader(bytes.NewReader(data), int64(len(data)), b.FileName, opts)
	if err != nil {
		return nil, nil, readStats{}, failedFile(b.ID, err)
	}
	defer r.Close()
	var claims []claim.Claim
	var rowErrs []intake.RowError
	for {
		cs, es, err := r.Next(a.chunkSize())
		claims = append(claims, cs...)
		rowErrs = append(rowErrs, es...)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, readStats{}, failedFile(b.ID, err)
		}
		activity.RecordHeartbeat(ctx, 0)
	}
	return claims, rowErrs, readStats{Stats: r.Stats(), layout: r.Layout()}, nil
}

// layout reads just enough of a batch's upload to know which column holds
// which field (for the cell addresses of findings after a correction).
func (a *Claims) layout(b store.Batch) (*intake.Layout, error) {
	if b.UploadRef == "" {
		return nil, nil // purged: findings keep their rows, not their columns
	}
	data, err := a.upload(b)
	if err != nil {
		return nil, err
	}
	r, err := intake.NewReader(bytes.NewReader(data), int64(len(data)), b.FileName, a.Intake)
	if err != nil {
		return nil, failedFile(b.ID, err)
	}
	defer r.Close()
	return r.Layout(), nil
}

// upload decrypts a batch's stored upload into memory (uploads are bounded
// by the upload size limit).
func (a *Claims) upload(b store.Batch) ([]byte, error) {
	rc, err := a.Blobs.Open(b.UploadRef)
	if err != nil {
		return nil, fmt.Errorf("open upload of batch %s: %w", b.ID, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read upload of batch %s: %w", b.ID, err)
	}
	return data, nil
}

// failedFile turns intake's whole-file refusal into the non-retryable
// error the workflow reports as the batch's failure reason. Intake's
// reason names the uploaded file, and files are often named after a
// patient: it goes in the encrypted details (see staffFailure).
func failedFile(batchID string, err error) error {
	var fe *intake.FileError
	if errors.As(err, &fe) {
		return staffFailure(fmt.Sprintf("the upload of batch %s cannot be read as a claims file (%s)", batchID, fe.Kind), fe.Error(), ErrFailedFile)
	}
	return err
}

// staffFailure is a permanent failure with a reason for staff. Its message,
// which the Temporal SDK prints into the worker's log ("Activity error.")
// and which no codec encrypts there, says only what failed in terms of
// opaque IDs and kinds; reason, which may name a file or quote what staff
// uploaded, travels as the error's details: a payload, encrypted by the
// codec. The workflow shows the reason (workflows.failureReason).
func staffFailure(summary, reason, errType string) error {
	return temporal.NewNonRetryableApplicationError(summary, errType, nil, reason)
}

// scrubContext gathers what the scorer needs besides the claims: stored
// lines of the same patients (duplicates, NCCI and MUE across batches) and
// stored eligibility answers, looked up once before the scrub so the
// scorer itself does no I/O.
func (a *Claims) scrubContext(ctx context.Context, batchID string, claims []claim.Claim, asOf claim.Date) (scrub.Context, error) {
	sctx := scrub.Context{Today: asOf}
	keys := patientKeys{}
	var from, to claim.Date
	type covKey struct {
		payer, member string
		dos           claim.Date
	}
	coverage := map[covKey]scrub.CoverageStatus{}
	for i := range claims {
		c := &claims[i]
		if c.Patient.ID != "" || c.MemberID != "" {
			keys.add(a.Ring, c)
		}
		for _, l := range c.Lines {
			if l.From.IsZero() {
				continue
			}
			if from.IsZero() || l.From < from {
				from = l.From
			}
			if l.From > to {
				to = l.From
			}
		}
		dos := c.FirstServiceDate()
		k := covKey{c.PayerID, c.MemberID, dos}
		if _, seen := coverage[k]; seen || dos.IsZero() || c.MemberID == "" {
			continue
		}
		st := scrub.CoverageNoData
		r, err := a.DB.LatestCoverage(ctx, c.PayerID, claim.MemberKey(a.Ring, c.PayerID, c.MemberID), dos)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return sctx, fmt.Errorf("look up eligibility: %w", err)
		default:
			st = coverageStatus(r.Status)
		}
		coverage[k] = st
	}
	if len(keys) > 0 && !from.IsZero() {
		list := make([]string, 0, len(keys))
		for k := range keys {
			list = append(list, k)
		}
		rows, err := a.DB.HistoryForPatients(ctx, batchID, list, from, to)
		if err != nil {
			return sctx, fmt.Errorf("load claim history: %w", err)
		}
		for _, r := range rows {
			if r.State == batch.StateRejected {
				continue // never sent: not a duplicate of anything
			}
			// The stored key stands for the patient of a claim in this
			// batch: the scorer compares that claim's own identity.
			same := keys[r.PatientKey]
			sctx.History = append(sctx.History, scrub.HistoryLine{
				ClaimID: r.BatchID + "/" + r.ClaimID, PatientID: same.Patient.ID, MemberID: same.MemberID, PayerID: r.PayerID,
				DOS: r.From, Procedure: r.Procedure, Modifiers: r.Modifiers, Units: r.Units, Charge: r.Charge,
				BillingNPI: r.BillingNPI, RenderingNPI: r.RenderingNPI,
			})
		}
	}
	sctx.Coverage = func(payerID, memberID string, dos claim.Date) scrub.CoverageStatus {
		return coverage[covKey{payerID, memberID, dos}]
	}
	return sctx, nil
}

func coverageStatus(s eligibility.CheckStatus) scrub.CoverageStatus {
	switch s {
	case eligibility.CheckActive:
		return scrub.CoverageActive
	case eligibility.CheckInactive:
		return scrub.CoverageInactive
	case eligibility.CheckUnknownMember:
		return scrub.CoverageMemberUnknown
	}
	return scrub.CoverageNoData
}

// envelope is the 837P envelope claims are checked against (nil when this
// worker does not submit, e.g. in tests of the scrub alone).
func (a *Claims) envelope(ctx context.Context) (*x12.Envelope837, error) {
	if a.Submit == nil {
		return nil, nil
	}
	env, err := a.Submit.Envelope(ctx, 1, 1, time.Time{})
	if err != nil {
		return nil, err
	}
	return &env, nil
}

// record is a claim as stored with its verdict: clean claims need no one,
// others wait for review.
func (a *Claims) record(batchID string, c *claim.Claim, r scrub.Result, layout *intake.Layout) store.ClaimRecord {
	rec := store.ClaimRecord{BatchID: batchID, Claim: *c, PatientKey: claim.PatientKey(a.Ring, c), Score: r.Score, Tier: r.Tier, State: batch.StateClean}
	if rec.Tier != scrub.TierClean {
		rec.State = batch.StatePending
	}
	for _, f := range r.Findings {
		rec.Findings = append(rec.Findings, store.Finding{ClaimID: f.ClaimID, Line: f.Line, Category: string(f.Category),
			RuleID: f.RuleID, Severity: f.Severity, Field: f.Field, Message: f.Message, Fix: f.Fix,
			CARC: f.CARC, Points: f.Points, Row: f.Row, Column: scrubfile.Column(layout, f.Field)})
	}
	return rec
}

func storeRowErrors(errs []intake.RowError) []store.RowError {
	out := make([]store.RowError, len(errs))
	for i, e := range errs {
		out[i] = store.RowError{Sheet: e.Sheet, Row: e.Row, Column: e.Column, Header: e.Header, Value: e.Value, Message: e.Message, ClaimID: e.ClaimID}
	}
	return out
}

func (a *Claims) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}
