//go:build topology

package topology_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"

	"github.com/rcmbot/rcmbot/fixtures/demo"
	"github.com/rcmbot/rcmbot/internal/batch"
	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/claimsbot"
	"github.com/rcmbot/rcmbot/internal/scrub"
	"github.com/rcmbot/rcmbot/internal/sim"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/topology"
)

// practiceZone is the topology's RCMBOT_TIMEZONE.
const practiceZone = "America/New_York"

// today is "today" in the practice's time zone, as the web app dates uploads.
func today() claim.Date {
	loc, _ := time.LoadLocation(practiceZone)
	return claim.DateOf(time.Now().In(loc))
}

// claimsFile writes a demo claims workbook whose claim IDs start with name
// (so claims of different files never share an ID at the clearinghouse).
func claimsFile(t testing.TB, dir, name string, claims int, seed uint64) string {
	t.Helper()
	path := filepath.Join(dir, name+".xlsx")
	if _, err := demo.WriteFile(path, demo.Options{Claims: claims, Seed: seed, AsOf: today(), IDPrefix: name}); err != nil {
		t.Fatal(err)
	}
	return path
}

// reviewed is an uploaded claims batch whose review was sent, with what it must submit.
type reviewed struct {
	ID string
	// Expect holds the claims that must reach the clearinghouse: the clean
	// ones and those the review approved.
	Expect map[string]bool
}

// waitStatus polls the store until the batch reaches one of statuses.
func waitStatus(t testing.TB, top *topology.Topology, id string, timeout time.Duration, statuses ...batch.Status) store.Batch {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var b store.Batch
	var err error
	for time.Now().Before(deadline) {
		if b, err = top.DB.Batch(context.Background(), id); err == nil {
			for _, s := range statuses {
				if b.Status == s {
					return b
				}
			}
			if b.Status == batch.Failed {
				t.Fatalf("batch %s failed: %s", id, b.FailureReason)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("batch %s is %q after %s (want %v; last error %v)", id, b.Status, timeout, statuses, err)
	return b
}

// review works a batch's review queue through the REST API as a reviewer
// would: warnings approved, claims with errors rejected. It returns the
// claims that must be submitted.
func review(t testing.TB, top *topology.Topology, id string) reviewed {
	t.Helper()
	ctx := context.Background()
	waitStatus(t, top, id, 10*time.Minute, batch.AwaitingReview, batch.Submitting, batch.Completed)
	api := top.API()
	claims, err := api.Findings(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	b := reviewed{ID: id, Expect: map[string]bool{}}
	var actions []topology.ReviewAction
	for _, c := range claims {
		switch scrub.Tier(c.Tier) {
		case scrub.TierClean:
			b.Expect[c.ClaimID] = true
		case scrub.TierReview:
			b.Expect[c.ClaimID] = true
			actions = append(actions, topology.ReviewAction{ClaimID: c.ClaimID, Action: "approve"})
		case scrub.TierHold:
			actions = append(actions, topology.ReviewAction{ClaimID: c.ClaimID, Action: "reject", Reason: "topology test: rebill after correction"})
		}
	}
	for len(actions) > 0 {
		n := min(len(actions), 500)
		if err := api.Review(ctx, id, actions[:n]); err != nil {
			t.Fatalf("review of batch %s: %v", id, err)
		}
		actions = actions[n:]
	}
	return b
}

// finish waits for the batch's workflow to complete and checks the
// outcome it reports, the store's batch and its submission ledger against
// what the review decided.
func finish(t testing.TB, top *topology.Topology, b reviewed, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var res batch.Progress
	if err := top.Client.GetWorkflow(ctx, claimsbot.WorkflowID(b.ID), "").Get(ctx, &res); err != nil {
		t.Fatalf("batch %s: workflow: %v", b.ID, err)
	}
	if res.Status != batch.Completed {
		t.Fatalf("batch %s ended %s: %s", b.ID, res.Status, res.Reason)
	}
	sb, err := top.DB.Batch(ctx, b.ID)
	if err != nil || sb.Status != batch.Completed {
		t.Fatalf("batch %s in the store: %s %v", b.ID, sb.Status, err)
	}
	subs, err := top.DB.SubmittedClaims(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, s := range subs {
		if got[s.ClaimID] {
			t.Errorf("batch %s: claim %s twice in the ledger", b.ID, s.ClaimID)
		}
		got[s.ClaimID] = true
	}
	if missing, extra := diff(b.Expect, got); len(missing)+len(extra) > 0 {
		t.Errorf("batch %s ledger: %d expected claims missing %v, %d unexpected %v", b.ID, len(missing), head(missing), len(extra), head(extra))
	}
	if res.Submit.Ledgered != len(b.Expect) {
		t.Errorf("batch %s: the workflow reports %d claims submitted, want %d", b.ID, res.Submit.Ledgered, len(b.Expect))
	}
}

// exactlyOnce checks the clearinghouse's received log: every expected
// claim arrived once, and nothing else arrived since the counters were reset.
func exactlyOnce(t testing.TB, top *topology.Topology, batches ...reviewed) sim.ClearinghouseStats {
	t.Helper()
	st, err := top.ClearinghouseStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, b := range batches {
		for id := range b.Expect {
			want[id] = true
		}
	}
	got := map[string]bool{}
	for id, n := range st.ClaimCounts {
		got[id] = true
		if n != 1 {
			t.Errorf("claim %s reached the clearinghouse %d times", id, n)
		}
	}
	if missing, extra := diff(want, got); len(missing)+len(extra) > 0 {
		t.Errorf("clearinghouse: %d claims never arrived %v, %d unexpected %v", len(missing), head(missing), len(extra), head(extra))
	}
	if len(st.Duplicates) > 0 || int(st.Claims) != len(want) {
		t.Errorf("clearinghouse counted %d claims (want %d), duplicates %v", st.Claims, len(want), head(st.Duplicates))
	}
	return st
}

func diff(want, got map[string]bool) (missing, extra []string) {
	for id := range want {
		if !got[id] {
			missing = append(missing, id)
		}
	}
	for id := range got {
		if !want[id] {
			extra = append(extra, id)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return missing, extra
}

func head(ids []string) []string { return ids[:min(len(ids), 5)] }

// uploadAll uploads the files at once through the REST API.
func uploadAll(t testing.TB, top *topology.Topology, files []string) []string {
	t.Helper()
	ids := make([]string, len(files))
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	api := top.API()
	for i, f := range files {
		wg.Go(func() { ids[i], errs[i] = api.Upload(context.Background(), f) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return ids
}

// submitAll uploads the files at once, reviews every batch through the
// API as its review queue fills, and waits for all of them to complete.
func submitAll(t testing.TB, top *topology.Topology, files []string) []reviewed {
	t.Helper()
	ids := uploadAll(t, top, files)
	batches := make([]reviewed, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() { batches[i] = review(t, top, id) })
	}
	wg.Wait()
	for _, b := range batches {
		finish(t, top, b, 10*time.Minute)
	}
	return batches
}

// pendingActivity waits until the workflow has a pending activity of the
// type for which ok holds, and returns it.
func pendingActivity(t testing.TB, top *topology.Topology, workflowID, activityType string, timeout time.Duration,
	ok func(*workflowpb.PendingActivityInfo) bool) *workflowpb.PendingActivityInfo {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		d, err := top.Client.DescribeWorkflow(context.Background(), workflowID, "")
		if err == nil {
			for _, pa := range d.RawResponse.GetPendingActivities() {
				if pa.GetActivityType().GetName() == activityType && ok(pa) {
					return pa
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: no pending %s as wanted within %s", workflowID, activityType, timeout)
	return nil
}

// started is a pending activity running on a worker.
func started(pa *workflowpb.PendingActivityInfo) bool {
	return pa.GetState() == enumspb.PENDING_ACTIVITY_STATE_STARTED && pa.GetLastWorkerIdentity() != ""
}

// activityRun is one attempt of an activity as the history records it.
type activityRun struct {
	Attempt  int32
	Identity string
}

// activityRuns lists the attempts of an activity type that the workflow's
// history recorded as started (the last, closed attempt of each
// scheduled activity).
func activityRuns(t testing.TB, top *topology.Topology, workflowID, activityType string) []activityRun {
	t.Helper()
	it := top.Client.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	scheduled := map[int64]bool{}
	var runs []activityRun
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == activityType {
			scheduled[e.GetEventId()] = true
		}
		if a := e.GetActivityTaskStartedEventAttributes(); a != nil && scheduled[a.GetScheduledEventId()] {
			runs = append(runs, activityRun{Attempt: a.GetAttempt(), Identity: a.GetIdentity()})
		}
	}
	return runs
}

// rosterCSV writes an appointments file for date from the payer
// simulator's roster (seed and members per profile as the simulator runs),
// leaving out the members that answer AAA 42 (they are asked again a
// minute later, by design), and returns its path and its rows per payer.
func rosterCSV(t testing.TB, dir string, date claim.Date, payerIDs []string, perProfile int) (string, map[string]int) {
	t.Helper()
	path := filepath.Join(dir, "roster-"+date.String()+".csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write([]string{"Patient ID", "Last Name", "First Name", "DOB", "Member ID", "Payer ID", "Appointment Date"})
	us := func(d claim.Date) string {
		y, m, dd := d.YMD()
		return fmt.Sprintf("%02d/%02d/%04d", int(m), dd, y)
	}
	n, byPayer := 0, map[string]int{}
	for _, m := range sim.Roster(sim.DefaultSeed, payerIDs, perProfile) {
		if m.Profile == sim.ProfileUnavailable {
			continue
		}
		n++
		byPayer[m.PayerID]++
		w.Write([]string{fmt.Sprintf("PT-%05d", n), m.LastName, m.FirstName, us(m.DOB), m.ID, m.PayerID, us(date)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, byPayer
}

// sweepID reads the sweep ID from `rcmbot eligibility sweep`'s first line.
func sweepID(t testing.TB, out string) string {
	t.Helper()
	f := strings.Fields(out)
	if len(f) < 2 || f[0] != "sweep" || !strings.HasPrefix(f[1], "sw-") {
		t.Fatalf("no sweep ID in %q", out)
	}
	return f[1]
}
