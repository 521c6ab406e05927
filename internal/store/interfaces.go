package store

import (
	"context"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// The interfaces below group DB's methods by the consumer that needs
// them; depend on the smallest that serves. *DB implements them all.

// Batches is what the claims workflow's activities and the batch pages
// and API use to track batches.
type Batches interface {
	CreateBatch(ctx context.Context, nb NewBatch) (Batch, error)
	Batch(ctx context.Context, id string) (Batch, error)
	Batches(ctx context.Context, p Page) ([]Batch, error)
	SetBatchStatus(ctx context.Context, id string, status BatchStatus, reason string) error
	SetBatchCounts(ctx context.Context, id string, c BatchCounts) error
	RecountBatch(ctx context.Context, id string) (BatchCounts, error)
	DeleteBatch(ctx context.Context, id string) error
}

// ClaimWriter is what the parse-and-scrub activity and re-scrub after a
// correction use.
type ClaimWriter interface {
	SaveClaims(ctx context.Context, batchID string, chunkIndex int, recs []ClaimRecord) error
	SaveRowErrors(ctx context.Context, batchID string, chunkIndex int, errs []RowError) error
	UpdateClaim(ctx context.Context, rec ClaimRecord) error
}

// ClaimReader is what the findings API, the review queue, the annotated
// workbook and the 837P builder read.
type ClaimReader interface {
	Claim(ctx context.Context, batchID, claimID string) (ClaimRecord, error)
	Claims(ctx context.Context, f ClaimFilter, p Page) ([]ClaimRecord, error)
	EachClaim(ctx context.Context, f ClaimFilter, fn func(ClaimRecord) error) error
	Findings(ctx context.Context, batchID string, f FindingFilter, p Page) ([]Finding, error)
	FindingCounts(ctx context.Context, batchID string) ([]FindingCount, error)
	RowErrors(ctx context.Context, batchID string, p Page) ([]RowError, error)
}

// ClaimHistory is what the scorer's duplicate edits read.
type ClaimHistory interface {
	HistoryForPatients(ctx context.Context, excludeBatchID string, patientKeys []string, from, to claim.Date) ([]HistoryRow, error)
}

// Coverage is what the scorer's eligibility edits read.
type Coverage interface {
	LatestCoverage(ctx context.Context, payerID, memberKey string, dos claim.Date) (EligibilityResult, error)
}

// Reviews is what the review Update handler's activity and the review
// pages use.
type Reviews interface {
	ApplyReview(ctx context.Context, a ReviewAction) error
	ReviewActions(ctx context.Context, batchID, claimID string) ([]ReviewAction, error)
}

// Ledger is what the submission and acknowledgement activities use:
// reserve an interchange with its claims, send, mark sent, record 999
// and 277CA.
type Ledger interface {
	NextControlNumber(ctx context.Context, kind string) (int64, error)
	ClaimsToSubmit(ctx context.Context, batchID string, p Page) ([]ClaimRecord, error)
	ReserveInterchange(ctx context.Context, ic Interchange, claimIDs []string) (Interchange, error)
	MarkInterchangeSent(ctx context.Context, id string) error
	Interchange(ctx context.Context, id string) (Interchange, error)
	Interchanges(ctx context.Context, batchID string, status InterchangeStatus) ([]Interchange, error)
	RecordInterchangeAck(ctx context.Context, id string, ack InterchangeAck) error
	RecordClaimAck(ctx context.Context, batchID, claimID string, ack ClaimAck) error
	SubmittedClaims(ctx context.Context, batchID string) ([]SubmittedClaim, error)
}

// Eligibility is what the eligibility bot and its pages use.
type Eligibility interface {
	Coverage
	SaveEligibilityResult(ctx context.Context, r EligibilityResult) (EligibilityResult, error)
	EligibilityResult(ctx context.Context, id string) (EligibilityResult, error)
	EligibilityResults(ctx context.Context, f EligibilityFilter, p Page) ([]EligibilityResult, error)
	CreateSweep(ctx context.Context, s Sweep) (Sweep, error)
	UpdateSweep(ctx context.Context, id string, status SweepStatus, c SweepCounts, worklistRef string) error
	Sweep(ctx context.Context, id string) (Sweep, error)
	SweepsForDate(ctx context.Context, date claim.Date) ([]Sweep, error)
	AddWorkItem(ctx context.Context, w WorkItem) (WorkItem, error)
	WorkItems(ctx context.Context, status WorkItemStatus, sweepID string, p Page) ([]WorkItem, error)
	ResolveWorkItem(ctx context.Context, id, by, note string) error
}

// Accounts is what sign-in, sessions, API tokens and `rcmbot users` use.
type Accounts interface {
	CreateUser(ctx context.Context, nu NewUser) (User, error)
	User(ctx context.Context, id string) (User, error)
	UserByUsername(ctx context.Context, username string) (User, error)
	Users(ctx context.Context) ([]User, error)
	SetUserDisabled(ctx context.Context, id string, disabled bool) error
	SetPasswordHash(ctx context.Context, id, hash string) error
	SetUserRole(ctx context.Context, id string, role Role) error
	RecordLoginFailure(ctx context.Context, id string, maxFailures int, lockFor time.Duration) (User, error)
	RecordLoginSuccess(ctx context.Context, id string) error

	CreateSession(ctx context.Context, s Session) error
	Session(ctx context.Context, id string) (Session, error)
	TouchSession(ctx context.Context, id string, lastSeen, expires time.Time) error
	DeleteSession(ctx context.Context, id string) error
	DeleteExpiredSessions(ctx context.Context, t time.Time) (int64, error)

	CreateAPIToken(ctx context.Context, userID, tokenHash, name string) (APIToken, error)
	APITokenByHash(ctx context.Context, tokenHash string) (APIToken, User, error)
	TouchAPIToken(ctx context.Context, id string, t time.Time) error
	RevokeAPIToken(ctx context.Context, id string) error
	APITokens(ctx context.Context, userID string) ([]APIToken, error)
}

// AccessLog is the PHI access log: the web app and codec server append,
// the auditor lists, the access-monitoring bot verifies.
type AccessLog interface {
	AppendAccess(ctx context.Context, e AccessEvent) (AccessEvent, error)
	AccessEvents(ctx context.Context, f AccessFilter, p Page) ([]AccessEvent, error)
	VerifyAuditChain(ctx context.Context) (int64, error)
}

// Reports is what the reports page and its export read.
type Reports interface {
	WeeklyReport(ctx context.Context, opts ReportOptions) ([]WeekReport, error)
}

// Retention is what the upload retention sweeper uses.
type Retention interface {
	ExpiredUploads(ctx context.Context, cutoff time.Time, limit int) ([]Batch, error)
	UploadPurged(ctx context.Context, id string) error
}

var (
	_ Batches      = (*DB)(nil)
	_ ClaimWriter  = (*DB)(nil)
	_ ClaimReader  = (*DB)(nil)
	_ ClaimHistory = (*DB)(nil)
	_ Reviews      = (*DB)(nil)
	_ Ledger       = (*DB)(nil)
	_ Eligibility  = (*DB)(nil)
	_ Accounts     = (*DB)(nil)
	_ AccessLog    = (*DB)(nil)
	_ Reports      = (*DB)(nil)
	_ Retention    = (*DB)(nil)
)
