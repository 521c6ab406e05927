package activities

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/store"
)

// PlanSweepInput starts a sweep of the appointments of a date.
type PlanSweepInput struct {
	SweepID    string     `json:"sweep_id"`
	Date       claim.Date `json:"date"`
	WorkflowID string     `json:"workflow_id"`
}

// SweepPlan is what PlanSweep found for the date.
type SweepPlan struct {
	Members      int `json:"members"`      // distinct member/payer checks to make
	Appointments int `json:"appointments"` // roster appointments of the date
}

// PlanSweep records the sweep and decides what it will check: the
// appointments of the date, once per member and payer, the payers taking
// turns (eligibility.PlanSweep). Retried, it returns the plan stored the
// first time.
func (a *Eligibility) PlanSweep(ctx context.Context, in PlanSweepInput) (SweepPlan, error) {
	appts, err := a.DB.SweepAppointments(ctx, in.Date)
	if err != nil {
		return SweepPlan{}, err
	}
	checks := planChecks(appts)
	if _, err := a.DB.CreateSweep(ctx, store.Sweep{ID: in.SweepID, Date: in.Date, WorkflowID: in.WorkflowID,
		Counts: eligibility.SweepCounts{Members: len(checks)}}); err != nil {
		return SweepPlan{}, err
	}
	n, err := a.DB.PlanSweep(ctx, in.SweepID, checks)
	if err != nil {
		return SweepPlan{}, err
	}
	a.log().Info("eligibility sweep planned", "sweep_id", in.SweepID, "date", in.Date, "appointments", len(appts), "members", n)
	return SweepPlan{Members: n, Appointments: len(appts)}, nil
}

// planChecks is PlanSweep over the day's appointments, as stored checks.
func planChecks(appts []store.Appointment) []store.SweepCheck {
	onFile := make([]eligibility.Request, len(appts))
	for i, ap := range appts {
		onFile[i] = ap.OnFile()
	}
	plan := eligibility.PlanSweep(onFile)
	out := make([]store.SweepCheck, len(plan))
	for i, k := range plan {
		out[i] = store.SweepCheck{Seq: i, AppointmentID: appts[k.Index].ID, PayerID: k.PayerID, Appointments: k.Appointments}
	}
	return out
}

// SweepChunk is one chunk of a sweep's checks: numbers From..To-1, or the
// listed Seqs when given (a later round's retries).
type SweepChunk struct {
	SweepID string `json:"sweep_id"`
	Round   int    `json:"round"`
	// Final means this is the last round: a payer still unable to answer
	// is not asked again; the check is stored as pending with a work item.
	Final bool  `json:"final,omitempty"`
	From  int   `json:"from,omitempty"`
	To    int   `json:"to,omitempty"`
	Seqs  []int `json:"seqs,omitempty"`
}

func (c SweepChunk) seqs() []int {
	if len(c.Seqs) > 0 {
		return c.Seqs
	}
	out := make([]int, 0, max(c.To-c.From, 0))
	for s := c.From; s < c.To; s++ {
		out = append(out, s)
	}
	return out
}

// RetryCheck is a check whose payer could not answer now: ask again after
// After (the payer's Retry-After or AAA 42 delay; 0 = not said).
type RetryCheck struct {
	Seq   int           `json:"seq"`
	After time.Duration `json:"after,omitempty"`
}

// ChunkResult is what a chunk's checks came to.
type ChunkResult struct {
	eligibility.SweepTally
	// Retry lists the checks to ask again in a later round, by number.
	Retry []RetryCheck `json:"retry,omitempty"`
}

// chunkProgress is a chunk's heartbeat: which checks wait for a later
// round (checks already answered are known from the store).
type chunkProgress struct {
	Retry []RetryCheck `json:"retry,omitempty"`
}

// heartbeatEvery keeps a chunk's heartbeat going while its checks all
// wait for the payers' rate limits.
const heartbeatEvery = 5 * time.Second

// CheckSweepChunk asks the payers about a chunk of a sweep's checks at
// once (the shared payer pool keeps each payer within its rate and
// concurrency) and stores each answer as it arrives: raw response in the
// blob store, result under the member key, discrepancies with what the
// practice has on file, a work item for permanent refusals. Checks whose
// payer could not answer now come back in Retry for a later round.
//
// It heartbeats the checks set aside for retry. A retried attempt skips
// the checks already stored and those set aside, so every check is asked
// about once per round however often the activity restarts.
func (a *Eligibility) CheckSweepChunk(ctx context.Context, in SweepChunk) (ChunkResult, error) {
	items, err := a.DB.SweepChecks(ctx, in.SweepID, in.seqs())
	if err != nil {
		return ChunkResult{}, err
	}
	var prog chunkProgress
	if activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &prog); err != nil {
			prog = chunkProgress{}
		}
	}
	var out ChunkResult
	out.Retry = prog.Retry
	setAside := map[int]bool{}
	for _, r := range prog.Retry {
		setAside[r.Seq] = true
	}
	var todo []store.SweepItem
	for _, it := range items {
		switch {
		case it.ResultID != "":
			out.Count(it.Status, it.Flags)
		case !setAside[it.Seq]:
			todo = append(todo, it)
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var firstErr error
	beat := func() { activity.RecordHeartbeat(ctx, chunkProgress{Retry: append([]RetryCheck(nil), out.Retry...)}) }
	stopBeat := make(chan struct{})
	go func() {
		t := time.NewTicker(heartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				mu.Lock()
				beat()
				mu.Unlock()
			case <-stopBeat:
				return
			}
		}
	}()
	defer close(stopBeat)

	limit := a.ChunkConcurrency
	if limit <= 0 {
		limit = len(todo)
	}
	sem := make(chan struct{}, max(limit, 1))
	var wg sync.WaitGroup
feed:
	for _, it := range todo {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break feed
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			status, flags, retry, err := a.checkSweepItem(ctx, in, it)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				if firstErr == nil {
					firstErr = err
					cancel()
				}
				return
			case retry != nil:
				out.Retry = append(out.Retry, *retry)
			default:
				out.Count(status, flags)
			}
			beat()
		}()
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		return ChunkResult{}, fmt.Errorf("sweep %s round %d: %w", in.SweepID, in.Round, firstErr)
	}
	sort.Slice(out.Retry, func(i, j int) bool { return out.Retry[i].Seq < out.Retry[j].Seq })
	return out, nil
}

// A payer that asks for a short wait (429 or 5xx with Retry-After up to
// inPlaceWait) is asked again in place, up to inPlaceTries times, rather
// than at the end of the sweep: the next round waits for the whole
// round, so a throttled member would otherwise stretch the sweep's tail.
const (
	inPlaceWait  = 2 * time.Second
	inPlaceTries = 2
)

// checkSweepItem asks about one check and stores the answer, or says to
// retry it later.
func (a *Eligibility) checkSweepItem(ctx context.Context, in SweepChunk, it store.SweepItem) (eligibility.CheckStatus, []string, *RetryCheck, error) {
	var ans answer
	for try := 0; ; try++ {
		var err error
		if ans, err = a.ask(ctx, it.Appointment); err != nil {
			return "", nil, nil, err
		}
		if ans.busy == nil || ans.busy.After <= 0 || ans.busy.After > inPlaceWait || try == inPlaceTries {
			break
		}
		t := time.NewTimer(ans.busy.After)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return "", nil, nil, ctx.Err()
		}
	}
	if ans.busy != nil && !in.Final {
		return "", nil, &RetryCheck{Seq: it.Seq, After: ans.busy.After}, nil
	}
	out, found, err := a.record(ctx, it.Appointment, sweepResultID(in.SweepID, it.Seq), in.SweepID, ans)
	if err != nil {
		return "", nil, nil, err
	}
	var flags []string
	for _, d := range found {
		flags = append(flags, string(d.Kind))
	}
	if err := a.DB.SetSweepCheckResult(ctx, in.SweepID, it.Seq, out.ResultID, out.Status, flags); err != nil {
		return "", nil, nil, err
	}
	return out.Status, flags, nil, nil
}

// sweepResultID is the stored result of a sweep's check: fixed, so a
// retried chunk stores each answer once.
func sweepResultID(sweepID string, seq int) string {
	return "el-" + sweepID + "-" + strconv.Itoa(seq)
}

// FinishSweepInput ends a sweep.
type FinishSweepInput struct {
	SweepID string `json:"sweep_id"`
	// Failed ends the sweep as failed (an activity gave up) with Reason;
	// the worklist still shows what was checked.
	Failed bool   `json:"failed,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// FinishSweep counts the sweep's outcomes from the store, writes the
// front-desk worklist into the blob store, and records both on the sweep.
func (a *Eligibility) FinishSweep(ctx context.Context, in FinishSweepInput) (eligibility.SweepCounts, error) {
	sw, err := a.DB.Sweep(ctx, in.SweepID)
	if err != nil {
		return eligibility.SweepCounts{}, err
	}
	counts, err := a.DB.CountSweep(ctx, in.SweepID)
	if err != nil {
		return counts, err
	}
	sw.Counts = counts
	ref := sw.WorklistRef
	if ref == "" {
		pr, pw := io.Pipe()
		go func() {
			pw.CloseWithError(eligibility.WriteWorklist(ctx, a.DB, a.Rules, eligibility.WorklistSweep{ID: sw.ID, Date: sw.Date}, pw))
		}()
		ref, _, err = a.Blobs.Put(ctx, "worklist", pr)
		pr.CloseWithError(err)
		if err != nil {
			return counts, fmt.Errorf("write the worklist of sweep %s: %w", in.SweepID, err)
		}
	}
	status := eligibility.SweepCompleted
	if in.Failed {
		status = eligibility.SweepFailed
	}
	if err := a.DB.UpdateSweep(ctx, in.SweepID, status, counts, ref); err != nil {
		return counts, err
	}
	a.log().Info("eligibility sweep finished", "sweep_id", in.SweepID, "status", status, "members", counts.Members,
		"checked", counts.Checked, "failed", counts.Failed, "reason", in.Reason)
	return counts, nil
}
