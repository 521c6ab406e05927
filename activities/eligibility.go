package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/rcmbot/rcmbot/internal/blob"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/keyring"
	"github.com/rcmbot/rcmbot/internal/payer"
	"github.com/rcmbot/rcmbot/internal/payers"
	"github.com/rcmbot/rcmbot/internal/store"
)

// Error types of the eligibility activities (temporal.ApplicationError.Type).
const (
	// ErrPayerBusy is a payer that could not answer now (429, 5xx, a
	// timeout, AAA 42). It is retryable; its NextRetryDelay carries the
	// payer's Retry-After.
	ErrPayerBusy = "PayerBusy"
	// ErrCheckRequest is a check request that cannot be asked as stored
	// (gone from the store, or its payer is not in the directory). Not
	// retryable.
	ErrCheckRequest = "EligibilityRequest"
)

// EligibilityStore is what the eligibility activities need of the database.
type EligibilityStore interface {
	Appointment(ctx context.Context, id string) (store.Appointment, error)
	SweepAppointments(ctx context.Context, date claim.Date) ([]store.Appointment, error)
	SaveEligibilityResult(ctx context.Context, r store.EligibilityResult) (store.EligibilityResult, error)
	MergePatientRecords(ctx context.Context, recs map[string]claim.PatientRecord) error
	AddWorkItem(ctx context.Context, w store.WorkItem) (store.WorkItem, error)
	CreateSweep(ctx context.Context, s store.Sweep) (store.Sweep, error)
	UpdateSweep(ctx context.Context, id string, status eligibility.SweepStatus, c eligibility.SweepCounts, worklistRef string) error
	Sweep(ctx context.Context, id string) (store.Sweep, error)
	PlanSweep(ctx context.Context, sweepID string, checks []store.SweepCheck) (int, error)
	SweepChecks(ctx context.Context, sweepID string, seqs []int) ([]store.SweepItem, error)
	SetSweepCheckResult(ctx context.Context, sweepID string, seq int, resultID string, status eligibility.CheckStatus, flags []string) error
	CountSweep(ctx context.Context, sweepID string) (eligibility.SweepCounts, error)
	EachWorklistItem(ctx context.Context, sweepID string, fn func(eligibility.WorklistItem) error) error
}

// PayerChecker asks a payer about a member's coverage; *payer.Client is
// one. Its errors follow package payer: *payer.RetryableError and
// *payer.PermanentError, with the payer's Result returned alongside a
// rejection.
type PayerChecker interface {
	Check(ctx context.Context, req eligibility.Request) (*eligibility.Result, error)
}

// Eligibility holds the eligibility bot's activities.
type Eligibility struct {
	DB    EligibilityStore
	Blobs *blob.Store // raw payer responses and worklists, encrypted
	Ring  *keyring.Ring
	// Payer asks the payers. Build it once per process over one
	// payer.Pool, so every worker shares each payer's rate limit.
	Payer  PayerChecker
	Payers *payers.Directory
	// ProviderNPI and ProviderName ask on the practice's behalf when an
	// appointment names no provider.
	ProviderNPI, ProviderName string
	// Rules are the discrepancy thresholds (high deductible).
	Rules eligibility.Rules
	// ChunkConcurrency caps the checks one sweep chunk has waiting on the
	// payers at once (0 = the whole chunk); the payer pool caps what is
	// actually sent.
	ChunkConcurrency int
	// MaxUnavailableDelay caps the growing wait after repeated AAA 42
	// answers (0 = 30 minutes).
	MaxUnavailableDelay time.Duration
	// Now is the clock results are stamped with; nil means time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// CheckInput names a stored check request (store.AddCheckRequest).
type CheckInput struct {
	RequestID string `json:"request_id"`
}

// CheckEligibility asks the payer about one stored check request and
// stores the answer (raw response encrypted in the blob store, the result
// model in the database under the member key the claims scrubber looks
// up). Active and inactive answers are stored as such; a permanent
// refusal (AAA 72/75, other rejections, HTTP 4xx, an unreadable answer)
// is stored as unknown_member or error with a work item for staff, and
// returned without error: asking again would change nothing.
//
// A payer that cannot answer now fails with ErrPayerBusy for Temporal to
// retry: after its Retry-After (NextRetryDelay), or for AAA 42 after a
// delay that doubles with each attempt. The result ID is fixed by the
// request, so a retried attempt never stores twice.
func (a *Eligibility) CheckEligibility(ctx context.Context, in CheckInput) (eligibility.CheckOutcome, error) {
	ap, err := a.DB.Appointment(ctx, in.RequestID)
	if errors.Is(err, store.ErrNotFound) {
		return eligibility.CheckOutcome{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("check request %s is not in the store", in.RequestID), ErrCheckRequest, nil)
	}
	if err != nil {
		return eligibility.CheckOutcome{}, err
	}
	if a.Payers != nil && a.Payers.Payer(ap.PayerID) == nil {
		return eligibility.CheckOutcome{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("check request %s: payer %s is not in the payer directory", ap.ID, ap.PayerID), ErrCheckRequest, nil)
	}
	ans, err := a.ask(ctx, ap)
	if err != nil {
		return eligibility.CheckOutcome{}, err
	}
	if ans.busy != nil {
		return eligibility.CheckOutcome{}, a.busyError(ctx, ans)
	}
	out, _, err := a.record(ctx, ap, "el-"+ap.ID, "", ans)
	if err != nil {
		return eligibility.CheckOutcome{}, err
	}
	a.log().Info("eligibility checked", "request_id", ap.ID, "payer_id", ap.PayerID, "result_id", out.ResultID, "status", out.Status)
	return out, nil
}

// UnansweredInput records that a check request got no answer.
type UnansweredInput struct {
	RequestID string `json:"request_id"`
	// Reason is the last failure, as the activity reported it (no PHI).
	Reason string `json:"reason"`
}

// RecordUnanswered stores a pending result and a work item for a check
// request the payer never answered within its retries, so the question
// is not lost.
func (a *Eligibility) RecordUnanswered(ctx context.Context, in UnansweredInput) (eligibility.CheckOutcome, error) {
	ap, err := a.DB.Appointment(ctx, in.RequestID)
	if err != nil {
		return eligibility.CheckOutcome{}, err
	}
	out, _, err := a.record(ctx, ap, "el-"+ap.ID, "", answer{busy: &payer.RetryableError{Reason: in.Reason}})
	return out, err
}

// answer is what asking a payer gave. Recorded with busy set, it is
// stored as pending: the payer is not asked again.
type answer struct {
	req  eligibility.Request
	res  *eligibility.Result // nil when the payer gave no usable answer
	busy *payer.RetryableError
	perm *payer.PermanentError
}

// ask sends one appointment's question. Errors are the caller's
// (cancellation): payer failures are classified into the answer.
func (a *Eligibility) ask(ctx context.Context, ap store.Appointment) (answer, error) {
	ans := answer{req: a.request(ap)}
	res, err := a.Payer.Check(ctx, ans.req)
	ans.res = res
	var re *payer.RetryableError
	var pe *payer.PermanentError
	switch {
	case err == nil:
	case errors.As(err, &re):
		ans.busy = re
	case errors.As(err, &pe):
		ans.perm = pe
	default:
		return ans, err
	}
	return ans, nil
}

// request is the eligibility question for an appointment, asked on the
// practice's behalf when the appointment names no provider.
func (a *Eligibility) request(ap store.Appointment) eligibility.Request {
	req := ap.OnFile()
	if req.ProviderNPI == "" {
		req.ProviderNPI = a.ProviderNPI
	}
	if req.ProviderName == "" {
		req.ProviderName = a.ProviderName
	}
	return req
}

// busyError is the retryable failure of a one-off check: NextRetryDelay
// is the payer's Retry-After; for AAA 42 it doubles with every attempt
// (capped), since a payer that cannot answer at all is unlikely to in a
// few seconds. Without either, the retry policy's backoff applies.
func (a *Eligibility) busyError(ctx context.Context, ans answer) error {
	delay := ans.busy.After
	if ans.res != nil && ans.res.Status == eligibility.StatusRetryLater && delay > 0 {
		attempt := max(activity.GetInfo(ctx).Attempt, 1)
		limit := a.MaxUnavailableDelay
		if limit <= 0 {
			limit = 30 * time.Minute
		}
		delay = min(delay<<min(attempt-1, 16), limit)
	}
	return temporal.NewApplicationErrorWithOptions(ans.busy.Error(), ErrPayerBusy, temporal.ApplicationErrorOptions{NextRetryDelay: delay})
}

// record stores an answer under resultID: the raw response in the blob
// store, the result model (without the raw bytes) in the database, and a
// work item when staff must act. It returns the outcome and the
// discrepancies with what the practice has on file. Storing is idempotent
// by resultID; a retry after a crash may leave one orphaned raw blob.
func (a *Eligibility) record(ctx context.Context, ap store.Appointment, resultID, sweepID string, ans answer) (eligibility.CheckOutcome, []eligibility.Discrepancy, error) {
	res := ans.res
	if res == nil {
		res = &eligibility.Result{Status: eligibility.StatusError, DateOfService: ap.Date}
		switch {
		case ans.perm != nil:
			res.Reason = ans.perm.Reason
		case ans.busy != nil:
			res.Status, res.Reason = eligibility.StatusRetryLater, "the payer did not answer: "+ans.busy.Reason
		}
	}
	model := *res
	var rawRef string
	if len(model.Raw) > 0 {
		ref, _, err := a.Blobs.Put(ctx, "payer-response", bytes.NewReader(model.Raw))
		if err != nil {
			return eligibility.CheckOutcome{}, nil, fmt.Errorf("store the raw answer of %s: %w", resultID, err)
		}
		rawRef = ref
		model.Raw = nil
	}
	body, err := json.Marshal(&model)
	if err != nil {
		return eligibility.CheckOutcome{}, nil, fmt.Errorf("encode result %s: %w", resultID, err)
	}
	status := eligibility.CheckStatusOf(model.Status)
	saved, err := a.DB.SaveEligibilityResult(ctx, store.EligibilityResult{ID: resultID, SweepID: sweepID, PatientID: ap.PatientID,
		PayerID: ap.PayerID, MemberKey: claim.MemberKey(a.Ring, ap.PayerID, ap.MemberID), DOS: ap.Date, Status: status,
		Result: body, RawRef: rawRef, CheckedAt: a.now()})
	if err != nil {
		return eligibility.CheckOutcome{}, nil, err
	}
	if err := a.keepCoverage(ctx, ap, &model); err != nil {
		return eligibility.CheckOutcome{}, nil, err
	}
	out := eligibility.CheckOutcome{ResultID: saved.ID, Status: saved.Status}
	var found []eligibility.Discrepancy
	if ans.res != nil {
		found = a.Rules.Discrepancies(ans.req, model)
	}
	if code, msg := eligibility.WorkItemReason(&model, ans.unanswered(), ans.refusedStatus()); code != "" {
		wi, err := a.DB.AddWorkItem(ctx, store.WorkItem{ID: "wi-" + saved.ID, Kind: eligibility.WorkItemKind, SweepID: sweepID, ResultID: saved.ID,
			PatientID: ap.PatientID, PayerID: ap.PayerID, ReasonCode: code, Message: msg})
		if err != nil {
			return eligibility.CheckOutcome{}, nil, err
		}
		out.WorkItemID = wi.ID
	}
	return out, found, nil
}

// keepCoverage merges what an active answer says about the patient and
// their coverage into the patient's record (see Claims.keepPatients), so
// the claims of the visit can leave it out. The record is keyed like a
// claim's: the practice's patient ID, else the payer and member ID.
func (a *Eligibility) keepCoverage(ctx context.Context, ap store.Appointment, res *eligibility.Result) error {
	payerName := ""
	if a.Payers != nil {
		if p := a.Payers.Payer(ap.PayerID); p != nil {
			payerName = p.Name
		}
	}
	rec, ok := res.PatientRecord(ap.PayerID, payerName)
	if !ok {
		return nil
	}
	key := claim.RecordKey(a.Ring, &claim.Claim{Patient: claim.Patient{ID: ap.PatientID}, PayerID: ap.PayerID, MemberID: ap.MemberID})
	if key == "" {
		return nil
	}
	return a.DB.MergePatientRecords(ctx, map[string]claim.PatientRecord{key: rec})
}

// unanswered is the last failure of a payer that gave no usable answer,
// "" when it answered.
func (ans answer) unanswered() string {
	if ans.res == nil && ans.busy != nil {
		return ans.busy.Reason
	}
	return ""
}

// refusedStatus is the HTTP status of a permanent refusal, 0 if none.
func (ans answer) refusedStatus() int {
	if ans.perm != nil {
		return ans.perm.Status
	}
	return 0
}

func (a *Eligibility) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Eligibility) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}

// EligibilityCheckWorkflowID is the EligibilityCheck workflow ID of a
// stored request or booked appointment (opaque: no PHI). The eligibility
// front door starts one-off checks under it, the scheduling bot the check
// of each visit it books.
func EligibilityCheckWorkflowID(requestID string) string { return "eligibility-check-" + requestID }
