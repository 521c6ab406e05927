// Package eligibilitybot is the front door of the eligibility bot, used by
// the REST API, the web app and the CLI: it stores a one-off question and
// runs its EligibilityCheck workflow (which carries only the request's
// opaque ID), imports appointment rosters (the stand-in for a scheduling
// system), starts sweeps, and serves a date's results and front-desk
// worklist.
package eligibilitybot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/blob"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/opaqueid"
	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/temporalx"
	"github.com/rcmbot/rcmbot/workflows"
)

// Service checks eligibility through the eligibility bot's workflows.
type Service struct {
	DB       *store.DB
	Blobs    *blob.Store
	Temporal client.Client
	// Payers is the payer directory requests are checked against.
	Payers *payers.Directory
	// Rules flag discrepancies on a worklist written while its sweep runs.
	Rules eligibility.Rules
	// Location is the practice's time zone: sweeps without a date check
	// the next business day there.
	Location *time.Location
	// CheckWait is how long Check waits for the payer's answer before
	// telling the caller it continues in the background (0 = 30 s).
	CheckWait time.Duration
	// Now is the clock ("today" for date checks); nil means time.Now.
	Now func() time.Time
	// SweepTuning tunes the sweeps Sweep starts (chunk size,
	// parallelism, rounds, round delay); its other fields are ignored, and
	// zero values take the workflow's defaults.
	SweepTuning workflows.EligibilitySweepInput
}

// TaskQueue is the eligibility bot's task queue: its workers listen there
// and its checks and sweeps start there (internal/bots declares it).
const TaskQueue = "eligibility"

// CheckWorkflowID is the EligibilityCheck workflow ID of a stored request
// (opaque: no PHI).
func CheckWorkflowID(requestID string) string {
	return activities.EligibilityCheckWorkflowID(requestID)
}

// SweepWorkflowID is the EligibilitySweep workflow ID of a sweep started
// here (scheduled sweeps get the Schedule's IDs).
func SweepWorkflowID(sweepID string) string { return "eligibility-sweep-" + sweepID }

// Check stores the question, runs its EligibilityCheck workflow and
// returns the stored answer. A request that lacks a field, has impossible
// dates or names an unknown payer is a fault.Invalid error
// (eligibility.Request.Validate) before anything is stored; a payer that
// has not answered within CheckWait is a fault.Unavailable error saying
// the check continues (its result and any work item appear when it ends).
func (s *Service) Check(ctx context.Context, req eligibility.Request, requestedBy string) (store.EligibilityResult, error) {
	if err := req.Validate(s.today(), s.knownPayer()); err != nil {
		return store.EligibilityResult{}, err
	}
	ap, err := s.DB.AddCheckRequest(ctx, store.Appointment{Date: req.DateOfService, PayerID: req.PayerID, MemberID: req.MemberID,
		LastName: req.LastName, FirstName: req.FirstName, DOB: req.DOB, ProviderNPI: req.ProviderNPI, ProviderName: req.ProviderName,
		Source: requestedBy})
	if err != nil {
		return store.EligibilityResult{}, err
	}
	run, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:            CheckWorkflowID(ap.ID),
		TaskQueue:     TaskQueue,
		StaticSummary: "Eligibility check " + ap.ID,
		TypedSearchAttributes: temporal.NewSearchAttributes(temporalx.AttrBot.ValueSet(workflows.EligibilityBot),
			temporalx.AttrBatchID.ValueSet(ap.ID)),
	}, workflows.EligibilityCheck, workflows.EligibilityCheckInput{RequestID: ap.ID})
	if err != nil {
		return store.EligibilityResult{}, fmt.Errorf("start eligibility check %s: %w", ap.ID, err)
	}
	wait := s.CheckWait
	if wait <= 0 {
		wait = 30 * time.Second
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var out eligibility.CheckOutcome
	if err := run.Get(wctx, &out); err != nil {
		if ctx.Err() == nil && errors.Is(wctx.Err(), context.DeadlineExceeded) {
			return store.EligibilityResult{}, fault.Errorf(fault.Unavailable, "The payer has not answered yet. rcmbot keeps asking (check %s): "+
				"the answer is stored when it comes, and a work item is opened if it never does.", ap.ID)
		}
		return store.EligibilityResult{}, fmt.Errorf("eligibility check %s: %w", ap.ID, err)
	}
	return s.DB.EligibilityResult(ctx, out.ResultID)
}

// today is the practice's date now.
func (s *Service) today() claim.Date {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return claim.DateOf(now().In(s.location()))
}

// knownPayer reports whether a payer ID is in the directory (nil: no
// directory, not checked).
func (s *Service) knownPayer() func(string) bool {
	if s.Payers == nil {
		return nil
	}
	return func(id string) bool { return s.Payers.Payer(id) != nil }
}

// RosterImport says what ImportRoster stored and which rows it left out.
type RosterImport struct {
	File string `json:"file"`
	store.RosterImport
	// Errors are the rows that could not be read, each naming the file,
	// sheet, row and column; they are not imported.
	Errors []eligibility.RowError `json:"errors,omitempty"`
}

// ImportRoster reads an appointment roster (.xlsx or .csv, see
// eligibility.ReadRoster) and stores its appointments as the roster of
// every date it covers, replacing earlier imports of those dates. Rows
// that cannot be read are reported in Errors and left out; the others
// are stored, so correcting the file and importing it again is safe. A
// file that cannot be read at all, or holds no appointment, is a
// fault.Invalid error and stores nothing.
func (s *Service) ImportRoster(ctx context.Context, path string) (RosterImport, error) {
	r, err := eligibility.ReadRoster(path)
	if err != nil {
		if errors.Is(err, eligibility.ErrRosterFile) {
			return RosterImport{File: path}, fault.Wrap(err, fault.Invalid, "%s", err.Error())
		}
		return RosterImport{File: path}, err
	}
	out := RosterImport{File: r.File, Errors: r.Errors}
	if len(r.Appointments) == 0 {
		return out, fault.Errorf(fault.Invalid, "%s has no appointment rcmbot could read (%d rows with errors): fix the file and import it again", r.File, len(r.Errors))
	}
	appts := make([]store.Appointment, len(r.Appointments))
	for i, a := range r.Appointments {
		appts[i] = store.Appointment{Date: a.Date, PayerID: a.PayerID, PatientID: a.PatientID, MemberID: a.MemberID,
			LastName: a.LastName, FirstName: a.FirstName, DOB: a.DOB, ProviderNPI: a.ProviderNPI, Source: r.File, SourceRow: a.Row}
	}
	if out.RosterImport, err = s.DB.ReplaceRoster(ctx, appts); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			return out, fault.Wrap(err, fault.Invalid, "%s: %v", r.File, err)
		}
		return out, err
	}
	return out, nil
}

// Sweep starts a sweep of a date's appointments now and returns its ID; a
// zero date checks the next business day in the practice's time zone.
// Follow it with Progress, or WaitSweep.
func (s *Service) Sweep(ctx context.Context, date claim.Date) (string, error) {
	id := opaqueid.New("sw-")
	in := s.SweepTuning
	in.SweepID, in.Date, in.TimeZone = id, date, s.location().String()
	_, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:            SweepWorkflowID(id),
		TaskQueue:     TaskQueue,
		StaticSummary: "Eligibility sweep " + id,
		TypedSearchAttributes: temporal.NewSearchAttributes(temporalx.AttrBot.ValueSet(workflows.EligibilityBot),
			temporalx.AttrBatchID.ValueSet(id), temporalx.AttrBatchStatus.ValueSet(string(eligibility.PhasePlanning))),
	}, workflows.EligibilitySweep, in)
	if err != nil {
		return "", fmt.Errorf("start eligibility sweep %s: %w", id, err)
	}
	return id, nil
}

// Progress asks a running sweep started by Sweep for its progress.
func (s *Service) Progress(ctx context.Context, sweepID string) (eligibility.SweepProgress, error) {
	var p eligibility.SweepProgress
	v, err := s.Temporal.QueryWorkflow(ctx, SweepWorkflowID(sweepID), "", workflows.QueryProgress)
	if err != nil {
		return p, fmt.Errorf("progress of sweep %s: %w", sweepID, err)
	}
	return p, v.Get(&p)
}

// WaitSweep waits for a sweep started by Sweep to end and returns its
// final progress.
func (s *Service) WaitSweep(ctx context.Context, sweepID string) (eligibility.SweepProgress, error) {
	var p eligibility.SweepProgress
	if err := s.Temporal.GetWorkflow(ctx, SweepWorkflowID(sweepID), "").Get(ctx, &p); err != nil {
		return p, fmt.Errorf("sweep %s: %w", sweepID, err)
	}
	return p, nil
}

// SweepResults returns the latest sweep of a date of service and its
// results, problems first; a fault.NotFound error (wrapping
// store.ErrNotFound) when the date was never swept. Result models are stored as JSON without the raw payer
// response (kept encrypted in the blob store).
func (s *Service) SweepResults(ctx context.Context, date claim.Date) (store.Sweep, []store.EligibilityResult, error) {
	sw, err := s.latest(ctx, date)
	if err != nil {
		return sw, nil, err
	}
	results, err := s.DB.EligibilityResults(ctx, store.EligibilityFilter{SweepID: sw.ID}, store.All)
	return sw, results, err
}

// WriteWorklist writes the front-desk worklist (xlsx) of a date's latest
// sweep: the one the sweep stored when it finished, or, while it still
// runs, one written now from the answers so far.
func (s *Service) WriteWorklist(ctx context.Context, date claim.Date, w io.Writer) error {
	sw, err := s.latest(ctx, date)
	if err != nil {
		return err
	}
	if sw.WorklistRef == "" {
		return eligibility.WriteWorklist(ctx, s.DB, s.Rules, eligibility.WorklistSweep{ID: sw.ID, Date: sw.Date}, w)
	}
	rc, err := s.Blobs.Open(sw.WorklistRef)
	if err != nil {
		return fmt.Errorf("open the worklist of sweep %s: %w", sw.ID, err)
	}
	defer rc.Close()
	if _, err := io.Copy(w, rc); err != nil {
		return fmt.Errorf("read the worklist of sweep %s: %w", sw.ID, err)
	}
	return nil
}

func (s *Service) latest(ctx context.Context, date claim.Date) (store.Sweep, error) {
	sweeps, err := s.DB.SweepsForDate(ctx, date)
	if err != nil {
		return store.Sweep{}, err
	}
	if len(sweeps) == 0 {
		return store.Sweep{}, fault.Wrap(store.ErrNotFound, fault.NotFound, "No eligibility sweep has checked %s yet.", date)
	}
	return sweeps[0], nil
}

func (s *Service) location() *time.Location {
	if s.Location != nil {
		return s.Location
	}
	return time.UTC
}
