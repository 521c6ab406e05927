package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rcmbot/rcmbot/activities"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/opaqueid"
	"github.com/rcmbot/rcmbot/internal/temporalx"
)

// EligibilityBot is the eligibility bot's name: the RcmBot search
// attribute of its runs and the Bot of its Schedules.
const EligibilityBot = "eligibility"

// ErrBadTimeZone is the ApplicationError type of a sweep whose time zone
// is not an IANA name: not retried (fix RCMBOT_TIMEZONE).
const ErrBadTimeZone = "BadTimeZone"

// EligibilityCheckInput starts a one-off check. The request is stored
// first (store.AddCheckRequest); the workflow carries only its ID.
type EligibilityCheckInput struct {
	RequestID string `json:"request_id"`
	// MaxAttempts bounds how often the payer is asked while it cannot
	// answer (0 = DefaultCheckAttempts); after that the check is stored as
	// pending with a work item.
	MaxAttempts int `json:"max_attempts,omitempty"`
}

// DefaultCheckAttempts is how often a one-off check asks a busy payer.
// With AAA 42's doubling delay from one minute that is about an hour.
const DefaultCheckAttempts = 7

// EligibilityCheck asks one patient's payer about one date of service and
// returns where the answer is stored (no patient data). The payer's
// Retry-After is honoured as the next retry delay, AAA 42 is retried
// with a growing delay, and permanent refusals (AAA 72/75, HTTP 4xx) are
// stored with a work item without being retried. A payer that never
// answers within MaxAttempts leaves a pending result and a work item.
func EligibilityCheck(ctx workflow.Context, in EligibilityCheckInput) (eligibility.CheckOutcome, error) {
	var a *activities.Eligibility
	attempts := in.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultCheckAttempts
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// The payer client's own timeout is 20 s; the rest is waiting
		// for the payer's rate limit behind the sweep.
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
			MaximumAttempts:        int32(attempts),
			NonRetryableErrorTypes: []string{activities.ErrCheckRequest},
		},
		Summary: "ask the payer",
	})
	var out eligibility.CheckOutcome
	err := workflow.ExecuteActivity(actx, a.CheckEligibility, activities.CheckInput{RequestID: in.RequestID}).Get(ctx, &out)
	if err == nil {
		return out, nil
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.Type() == activities.ErrCheckRequest {
		return out, err
	}
	// The payer never answered: keep the question, for staff.
	err = workflow.ExecuteActivity(shortActivity(ctx, "record that the payer did not answer"), a.RecordUnanswered,
		activities.UnansweredInput{RequestID: in.RequestID, Reason: failureReason(err)}).Get(ctx, &out)
	return out, err
}

// EligibilitySweepInput starts a sweep. Every field is optional: the
// nightly Schedule passes only the time zone.
type EligibilitySweepInput struct {
	// SweepID names the sweep ("" = a new ID, for scheduled runs).
	SweepID string `json:"sweep_id,omitempty"`
	// Date is the date of service to check; zero means the next business
	// day (Monday to Friday) after the run's start in TimeZone.
	Date     claim.Date `json:"date,omitempty"`
	TimeZone string     `json:"time_zone,omitempty"` // IANA name; "" = UTC
	// ChunkSize is how many checks one activity makes (0 =
	// DefaultChunkSize); it grows for large sweeps so that a round has at
	// most MaxChunks chunks, which bounds the history.
	ChunkSize int `json:"chunk_size,omitempty"`
	// Parallel is how many chunk activities run at once (0 = DefaultParallel).
	Parallel int `json:"parallel,omitempty"`
	// Rounds is how many times a payer that cannot answer is asked,
	// counting the first (0 = DefaultRounds). Checks still unanswered
	// after the last round are stored as pending with a work item.
	Rounds int `json:"rounds,omitempty"`
	// MaxRoundDelay caps the wait before a retry round (0 = DefaultMaxRoundDelay).
	MaxRoundDelay time.Duration `json:"max_round_delay,omitempty"`
}

// Sweep defaults.
const (
	DefaultChunkSize     = 50
	DefaultParallel      = 8
	DefaultRounds        = 4
	DefaultMaxRoundDelay = 15 * time.Minute
	// MinRoundDelay is the least wait before retry round r+1, doubled
	// each round: a payer that failed without a Retry-After gets a pause.
	MinRoundDelay = 5 * time.Second
	// MaxChunks bounds the chunks of one round.
	MaxChunks = 500
)

func (in EligibilitySweepInput) withDefaults() EligibilitySweepInput {
	if in.ChunkSize <= 0 {
		in.ChunkSize = DefaultChunkSize
	}
	if in.Parallel <= 0 {
		in.Parallel = DefaultParallel
	}
	if in.Rounds <= 0 {
		in.Rounds = DefaultRounds
	}
	if in.MaxRoundDelay <= 0 {
		in.MaxRoundDelay = DefaultMaxRoundDelay
	}
	return in
}

// NextBusinessDay returns the first Monday-to-Friday date after t's date
// (in t's location): Friday, Saturday and Sunday give Monday. Holidays are
// not known.
func NextBusinessDay(t time.Time) claim.Date {
	return claim.DateOf(t).NextBusinessDay()
}

// EligibilitySweep is the eligibility bot's nightly sweep: it checks
// every patient booked on a date once per member and payer, in chunks of
// checks run a few at a time (one activity asks a whole chunk through the
// process's per-payer rate limits), asks again in later rounds, after the
// largest Retry-After the payers gave, about the members whose payer
// could not answer, and finishes with the front-desk worklist.
//
// The workflow holds only counts and the numbers of checks to retry:
// patients stay in the store. History stays bounded without
// continue-as-new: at most MaxChunks chunk activities a round (chunks
// grow with the sweep) and a few rounds, so a few thousand events even
// for a very large practice.
func EligibilitySweep(ctx workflow.Context, in EligibilitySweepInput) (eligibility.SweepProgress, error) {
	w := &sweep{in: in.withDefaults()}
	return w.run(ctx)
}

type sweep struct {
	in       EligibilitySweepInput
	progress eligibility.SweepProgress
	planned  bool
	acts     *activities.Eligibility
}

func (w *sweep) run(ctx workflow.Context) (eligibility.SweepProgress, error) {
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (eligibility.SweepProgress, error) { return w.progress, nil }); err != nil {
		return w.progress, err
	}
	date := w.in.Date
	if date.IsZero() {
		// Recorded as a side effect: a replay on a worker with newer time
		// zone data still sweeps the date the run chose.
		var err error
		if date, err = w.nextBusinessDay(ctx); err != nil {
			return w.progress, err
		}
	}
	id := w.in.SweepID
	if id == "" {
		if err := workflow.SideEffect(ctx, func(workflow.Context) any { return opaqueid.New("sw-") }).Get(&id); err != nil {
			return w.progress, err
		}
	}
	w.progress.SweepID, w.progress.Date = id, date

	w.setStatus(ctx, eligibility.PhasePlanning)
	var plan activities.SweepPlan
	err := workflow.ExecuteActivity(shortActivity(ctx, "plan the sweep"), w.acts.PlanSweep,
		activities.PlanSweepInput{SweepID: id, Date: date, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID}).Get(ctx, &plan)
	if err != nil {
		return w.fail(ctx, err)
	}
	w.planned = true
	w.progress.Members, w.progress.Appointments = plan.Members, plan.Appointments
	w.upsertCounts(ctx)

	w.setStatus(ctx, eligibility.PhaseChecking)
	chunks := w.firstRound(plan.Members)
	for round := 1; len(chunks) > 0; round++ {
		w.progress.Round = round
		final := round >= w.in.Rounds
		retry, err := w.runRound(ctx, chunks)
		if err != nil {
			return w.fail(ctx, err)
		}
		w.progress.Retrying = len(retry)
		w.upsertCounts(ctx)
		if len(retry) == 0 || final {
			break
		}
		w.setStatus(ctx, eligibility.PhaseWaiting)
		if err := workflow.Sleep(ctx, w.roundDelay(round, retry)); err != nil {
			return w.progress, err
		}
		w.progress.Retrying = 0
		w.setStatus(ctx, eligibility.PhaseChecking)
		chunks = w.retryRound(round+1, round+1 >= w.in.Rounds, retry)
	}

	w.setStatus(ctx, eligibility.PhaseWriting)
	if err := workflow.ExecuteActivity(longActivity(ctx, "count and write the worklist"), w.acts.FinishSweep,
		activities.FinishSweepInput{SweepID: id}).Get(ctx, &w.progress.Counts); err != nil {
		return w.fail(ctx, err)
	}
	w.setStatus(ctx, eligibility.PhaseCompleted)
	return w.progress, nil
}

// nextBusinessDay is the next business day after the run's start in the
// input's time zone.
func (w *sweep) nextBusinessDay(ctx workflow.Context) (claim.Date, error) {
	start := workflow.GetInfo(ctx).WorkflowStartTime
	var date claim.Date
	err := workflow.SideEffect(ctx, func(workflow.Context) any {
		loc, err := time.LoadLocation(w.in.TimeZone)
		if err != nil {
			return claim.Date(0)
		}
		return NextBusinessDay(start.In(loc))
	}).Get(&date)
	if err == nil && date.IsZero() {
		err = temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("time zone %q is not an IANA name: fix RCMBOT_TIMEZONE", w.in.TimeZone), ErrBadTimeZone, nil)
	}
	return date, err
}

// chunkSize is the checks per chunk for a sweep of n: the configured
// size, or more when n would need over MaxChunks chunks.
func (w *sweep) chunkSize(n int) int {
	return max(w.in.ChunkSize, (n+MaxChunks-1)/MaxChunks)
}

func (w *sweep) firstRound(members int) []activities.SweepChunk {
	size := w.chunkSize(members)
	var out []activities.SweepChunk
	for from := 0; from < members; from += size {
		out = append(out, activities.SweepChunk{SweepID: w.progress.SweepID, Round: 1, Final: w.in.Rounds <= 1, From: from, To: min(from+size, members)})
	}
	return out
}

func (w *sweep) retryRound(round int, final bool, retry []activities.RetryCheck) []activities.SweepChunk {
	slices.SortFunc(retry, func(a, b activities.RetryCheck) int { return a.Seq - b.Seq })
	size := w.chunkSize(len(retry))
	var out []activities.SweepChunk
	for i := 0; i < len(retry); i += size {
		c := activities.SweepChunk{SweepID: w.progress.SweepID, Round: round, Final: final}
		for _, r := range retry[i:min(i+size, len(retry))] {
			c.Seqs = append(c.Seqs, r.Seq)
		}
		out = append(out, c)
	}
	return out
}

// roundDelay is the wait before the round after round: the largest
// Retry-After the payers gave, where a payer failed without one
// MinRoundDelay doubled per round, at most MaxRoundDelay.
func (w *sweep) roundDelay(round int, retry []activities.RetryCheck) time.Duration {
	var d time.Duration
	for _, r := range retry {
		if r.After > 0 {
			d = max(d, r.After)
		} else {
			d = max(d, MinRoundDelay<<min(round-1, 10))
		}
	}
	return min(d, w.in.MaxRoundDelay)
}

// runRound runs a round's chunks, at most Parallel at a time, and returns
// the checks to retry in order. If a chunk fails for good, no new chunk
// starts; the round waits for the running ones and returns the error.
func (w *sweep) runRound(ctx workflow.Context, chunks []activities.SweepChunk) ([]activities.RetryCheck, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 10,
		},
		Summary: "check a chunk of members",
	})
	sel := workflow.NewSelector(ctx)
	var retry []activities.RetryCheck
	var firstErr error
	next, running := 0, 0
	start := func() {
		f := workflow.ExecuteActivity(actx, w.acts.CheckSweepChunk, chunks[next])
		next++
		running++
		sel.AddFuture(f, func(f workflow.Future) {
			running--
			var r activities.ChunkResult
			if err := f.Get(ctx, &r); err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			w.progress.SweepTally.Add(r.SweepTally)
			retry = append(retry, r.Retry...)
			w.setDetails(ctx)
		})
	}
	for next < len(chunks) && running < w.in.Parallel {
		start()
	}
	for running > 0 {
		sel.Select(ctx)
		for firstErr == nil && next < len(chunks) && running < w.in.Parallel {
			start()
		}
	}
	return retry, firstErr
}

// fail records a failed sweep (an activity gave up). The workflow itself
// completes: the failure is the sweep's, with the reason staff see.
func (w *sweep) fail(ctx workflow.Context, cause error) (eligibility.SweepProgress, error) {
	w.progress.Status = eligibility.PhaseFailed
	w.progress.Reason = failureReason(cause)
	if w.planned {
		if err := workflow.ExecuteActivity(longActivity(ctx, "record the failure"), w.acts.FinishSweep,
			activities.FinishSweepInput{SweepID: w.progress.SweepID, Failed: true, Reason: w.progress.Reason}).Get(ctx, &w.progress.Counts); err != nil {
			return w.progress, err
		}
	}
	w.setStatus(ctx, eligibility.PhaseFailed)
	return w.progress, nil
}

func (w *sweep) setStatus(ctx workflow.Context, status eligibility.SweepPhase) {
	w.progress.Status = status
	// Search attributes are plaintext: the opaque sweep ID, status, counts.
	_ = workflow.UpsertTypedSearchAttributes(ctx,
		temporalx.AttrBot.ValueSet(EligibilityBot),
		temporalx.AttrBatchID.ValueSet(w.progress.SweepID),
		temporalx.AttrBatchStatus.ValueSet(string(status)))
	w.setDetails(ctx)
}

// upsertCounts publishes members and problems found so far (at the end of
// each round, not per chunk: every upsert is a history event).
func (w *sweep) upsertCounts(ctx workflow.Context) {
	_ = workflow.UpsertTypedSearchAttributes(ctx,
		temporalx.AttrClaimCount.ValueSet(int64(w.progress.Members)),
		temporalx.AttrFlaggedCount.ValueSet(int64(w.progress.Flagged)))
	w.setDetails(ctx)
}

// setDetails writes the markdown summary the Temporal UI shows on the
// run's page (encrypted like every payload).
func (w *sweep) setDetails(ctx workflow.Context) {
	p := w.progress
	var b strings.Builder
	fmt.Fprintf(&b, "**Eligibility sweep %s** for %s — %s\n\n", p.SweepID, p.Date, p.Status)
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| appointments / members to check | %d / %d |\n", p.Appointments, p.Members)
	fmt.Fprintf(&b, "| round | %d of at most %d |\n", p.Round, w.in.Rounds)
	fmt.Fprintf(&b, "| answered | %d |\n", p.Checked)
	fmt.Fprintf(&b, "| active / inactive / unknown member | %d / %d / %d |\n", p.Active, p.Inactive, p.Unknown)
	fmt.Fprintf(&b, "| refused / never answered | %d / %d |\n", p.Errors, p.Unanswered)
	fmt.Fprintf(&b, "| waiting to retry | %d |\n", p.Retrying)
	fmt.Fprintf(&b, "| flagged for the front desk | %d |\n", p.Flagged)
	if p.Reason != "" {
		fmt.Fprintf(&b, "\n**Failed:** %s\n", p.Reason)
	}
	workflow.SetCurrentDetails(ctx, b.String())
}
